package dev.otpx.process;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.ThreadingModel;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Objects;

/**
 * Vert.x deployment options that also carry the restart policy a supervisor applies to what is
 * deployed with them: restart, shutdown, backoff and significance. This is how a plain verticle
 * becomes a supervised child ({@link ChildSpec#verticle}): the policy travels with the verticle's
 * deployment options, as its config and threading model do.
 *
 * <p>Defaults as in OTP: restart permanent, the shutdown of the child's type (5 s for a worker), no
 * backoff, not significant. The JSON form is Vert.x's plus {@code restart}, {@code shutdown}
 * ({@code "brutal_kill"}, {@code "infinity"} or milliseconds), {@code backoff}
 * ({@code {"min_ms", "max_ms", "jitter"}}) and {@code significant}, the keys of a child in
 * {@code conf/}.
 */
public class ProcessOptions extends DeploymentOptions {

  /** Restarted whatever its exit, as OTP's default. */
  public static final Restart DEFAULT_RESTART = Restart.PERMANENT;
  /** Not significant: its end never stops its supervisor. */
  public static final boolean DEFAULT_SIGNIFICANT = false;

  private Restart restart = DEFAULT_RESTART;
  private Shutdown shutdown;
  private Backoff backoff;
  private boolean significant = DEFAULT_SIGNIFICANT;

  /** Options with the defaults. */
  public ProcessOptions() {
  }

  /**
   * A copy, with the policy when {@code other} has one.
   *
   * @param other the options to copy
   */
  public ProcessOptions(DeploymentOptions other) {
    super(other);
    if (other instanceof ProcessOptions policy) {
      restart = policy.restart;
      shutdown = policy.shutdown;
      backoff = policy.backoff;
      significant = policy.significant;
    }
  }

  /**
   * Reads the JSON form; the refusal of a bad value names its key.
   *
   * @param json Vert.x's deployment options plus the policy's keys
   */
  public ProcessOptions(JsonObject json) {
    super(json);
    readPolicy(JsonOptions.of(json, ""));
  }

  /**
   * Reads the policy's keys of a JSON object into these options.
   *
   * @param json the reader, whose path prefixes every error
   * @return these options
   */
  ProcessOptions readPolicy(JsonOptions json) {
    restart = json.wireName("restart", Restart.values(), restart);
    shutdown = json.read("shutdown", Shutdown::parse, shutdown);
    significant = json.bool("significant", significant);
    if (json.has("backoff")) {
      JsonOptions read = json.nested("backoff");
      try {
        backoff = new Backoff(read.millis("min_ms", Duration.ofMillis(100)), read.millis("max_ms", Duration.ofSeconds(10)),
          read.number("jitter", 0.2, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY));
      } catch (IllegalArgumentException e) {
        throw e.getMessage() != null && e.getMessage().startsWith(json.path("backoff"))
          ? e : new IllegalArgumentException(json.path("backoff") + ": " + e.getMessage(), e);
      }
    }
    return this;
  }

  /** @return when the supervisor restarts it */
  public Restart getRestart() {
    return restart;
  }

  /** @param restart when the supervisor restarts it @return these options */
  public ProcessOptions setRestart(Restart restart) {
    this.restart = Objects.requireNonNull(restart, "restart");
    return this;
  }

  /** @return how the supervisor stops it, or null for its type's default */
  public Shutdown getShutdown() {
    return shutdown;
  }

  /** @param shutdown how the supervisor stops it @return these options */
  public ProcessOptions setShutdown(Shutdown shutdown) {
    this.shutdown = Objects.requireNonNull(shutdown, "shutdown");
    return this;
  }

  /** @return the restart's backoff, or null */
  public Backoff getBackoff() {
    return backoff;
  }

  /** @param backoff the restart's backoff, or null for none @return these options */
  public ProcessOptions setBackoff(Backoff backoff) {
    this.backoff = backoff;
    return this;
  }

  /** @return whether its end may stop its supervisor ({@link AutoShutdown}) */
  public boolean isSignificant() {
    return significant;
  }

  /** @param significant whether its end may stop its supervisor @return these options */
  public ProcessOptions setSignificant(boolean significant) {
    this.significant = significant;
    return this;
  }

  @Override
  public ProcessOptions setConfig(JsonObject config) {
    super.setConfig(config);
    return this;
  }

  @Override
  public ProcessOptions setThreadingModel(ThreadingModel threadingModel) {
    super.setThreadingModel(threadingModel);
    return this;
  }

  @Override
  public ProcessOptions setInstances(int instances) {
    super.setInstances(instances);
    return this;
  }

  @Override
  public ProcessOptions setWorkerPoolName(String workerPoolName) {
    super.setWorkerPoolName(workerPoolName);
    return this;
  }

  @Override
  public ProcessOptions setWorkerPoolSize(int workerPoolSize) {
    super.setWorkerPoolSize(workerPoolSize);
    return this;
  }

  @Override
  public JsonObject toJson() {
    JsonObject json = super.toJson().put("restart", restart.wireName()).put("significant", significant);
    if (shutdown != null) {
      json.put("shutdown", shutdown instanceof Shutdown.Timeout timeout ? timeout.timeout().toMillis() : shutdown.toString());
    }
    if (backoff != null) {
      json.put("backoff", new JsonObject().put("min_ms", backoff.min().toMillis()).put("max_ms", backoff.max().toMillis())
        .put("jitter", backoff.jitter()));
    }
    return json;
  }
}
