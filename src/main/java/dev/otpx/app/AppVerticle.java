package dev.otpx.app;

import dev.otpx.channels.auth.Tokens;
import dev.otpx.counter.RawCounterVerticle;
import dev.otpx.process.ExitReason;
import dev.otpx.process.GenServer;
import dev.otpx.process.OtpException;
import dev.otpx.process.Pid;
import dev.otpx.process.Processes;
import dev.otpx.process.Supervisor;
import dev.otpx.store.Store;
import dev.otpx.web.HttpVerticle;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.util.Objects;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole service as one deployment: reads its config (an {@link AppConfig} document) once, then
 * opens the {@link Store} (migrating its schema), starts the root supervision tree of
 * {@code supervision} (registered as {@link #ROOT}), the raw counter and the HTTP front, in that
 * order, so that the HTTP server only listens once the tree runs. Undeploying it stops them all, the
 * tree in OTP order, and closes the store last.
 *
 * <p>Like a permanent application in Erlang, the service does not outlive its root supervisor:
 * when the root exits on its own (it gave up after too many restarts), the exit is logged and
 * handed to {@code onRootExit}, which in the jar stops the JVM with a non-zero status so that an
 * orchestrator restarts the node.
 */
public final class AppVerticle extends VerticleBase {

  /** The root supervisor's registered name. */
  public static final String ROOT = "otpx.root";

  private static final Logger log = LoggerFactory.getLogger(AppVerticle.class);

  private final Consumer<ExitReason> onRootExit;
  private HttpVerticle http;
  private Store store;
  private Pid root;
  private boolean stopping;

  /**
   * @param onRootExit what to do when the root supervisor exits while the service is not stopping
   */
  public AppVerticle(Consumer<ExitReason> onRootExit) {
    this.onRootExit = Objects.requireNonNull(onRootExit, "onRootExit");
  }

  @Override
  public Future<?> start() {
    AppConfig config = AppConfig.fromJson(config());
    AppConfig.RawCounterConfig raw = config.rawCounter();
    // The secret comes from the environment only (OTPX_TOKEN_SECRET), never from a config file.
    Tokens tokens = Tokens.fromEnvironment(System.getenv(), config.channels().tokenMaxAge());
    // The database URL may hold a password: from the environment only (OTPX_DATABASE_URL).
    return Store.open(vertx, config.store().options(System.getenv()))
      .compose(opened -> {
        store = opened;
        return Supervisor.start(vertx, config.supervisionSpec(), ROOT);
      })
      .onSuccess(this::watchRoot)
      .compose(pid -> vertx.deployVerticle(new RawCounterVerticle(raw.name(), raw.initial())))
      .compose(id -> {
        HttpVerticle front = new HttpVerticle(config.httpOptions(), tokens, config.channels().bridgeLimits(), store);
        return vertx.deployVerticle(front).map(front);
      })
      .onSuccess(front -> {
        http = front;
        log.info("started: root supervisor {} {}, raw counter '{}', http port {}", ROOT, root, raw.name(), front.actualPort());
      })
      .onFailure(err -> stop());
  }

  @Override
  public Future<?> stop() {
    return stopRoot().eventually(() -> store == null ? Future.succeededFuture() : store.close());
  }

  private void watchRoot(Pid pid) {
    root = pid;
    Processes.monitor(vertx, pid).down().onSuccess(down -> {
      if (stopping) {
        return;
      }
      log.error("root supervisor {} exited: {}; the service stops", ROOT, down.reason());
      onRootExit.accept(down.reason());
    });
  }

  private Future<Void> stopRoot() {
    stopping = true;
    if (root == null) {
      return Future.succeededFuture();
    }
    return GenServer.stop(vertx, root, ExitReason.SHUTDOWN).recover(err ->
      // Already gone (the node's close hook stopped it first) is what we wanted.
      err instanceof OtpException otp && otp.failure() == OtpException.Failure.NOPROC
        ? Future.succeededFuture()
        : Future.failedFuture(err));
  }

  /**
   * The HTTP server's port, useful when the config asked for port 0.
   *
   * @return the port
   * @throws IllegalStateException before the deployment has succeeded
   */
  public int httpPort() {
    if (http == null) {
      throw new IllegalStateException("AppVerticle is not started yet");
    }
    return http.actualPort();
  }

  /** @return the root supervisor's pid, once started */
  public Pid root() {
    return root;
  }
}
