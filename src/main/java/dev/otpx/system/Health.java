package dev.otpx.system;

import dev.otpx.process.Application;
import dev.otpx.process.ApplicationController;
import dev.otpx.process.ApplicationType;
import dev.otpx.process.Processes;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.HealthChecks;
import io.vertx.ext.healthchecks.Status;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The node's health as Kubernetes probes it, with vertx-health-check's procedures: liveness (is
 * this node worth keeping, or should it be restarted) and readiness (may it be sent traffic). Each
 * named check answers UP or DOWN with its own data; the HTTP front serves them at
 * {@code /health/live} and {@code /health/ready}, 200 when every check is UP and 503 otherwise.
 *
 * <p>Checks are added by whoever owns what they look at: the service adds its applications and
 * the store, the HTTP front adds its listening server, and a clustered node adds {@code cluster}
 * (joined) with {@link #addReadiness}. A check that does not answer within {@link #CHECK_TIMEOUT}
 * is DOWN.
 */
public final class Health {

  /** How long one check may take before it counts as DOWN. */
  public static final Duration CHECK_TIMEOUT = Duration.ofSeconds(2);

  private final Vertx vertx;
  private final HealthChecks liveness;
  private final HealthChecks readiness;

  private Health(Vertx vertx) {
    this.vertx = vertx;
    this.liveness = HealthChecks.create(vertx);
    this.readiness = HealthChecks.create(vertx);
    // Live until the node stops on purpose (SIGTERM, or a permanent application's end).
    addLiveness("node", () -> Processes.isNodeStopping(vertx)
      ? Future.failedFuture("the node is stopping") : Future.succeededFuture(new JsonObject()));
  }

  /**
   * @param vertx the node
   * @return a health with the one check every node has: {@code node}, live until it stops
   */
  public static Health create(Vertx vertx) {
    return new Health(Objects.requireNonNull(vertx, "vertx"));
  }

  /**
   * Adds a liveness check: DOWN here makes an orchestrator restart the node.
   *
   * @param name the check's id in the JSON
   * @param check succeeds with its data (UP) or fails with why (DOWN)
   * @return this
   */
  public Health addLiveness(String name, Supplier<Future<JsonObject>> check) {
    liveness.register(name, CHECK_TIMEOUT.toMillis(), procedure(check));
    return this;
  }

  /**
   * Adds a readiness check: DOWN here takes the node out of the traffic until it is UP again.
   *
   * @param name the check's id in the JSON
   * @param check succeeds with its data (UP) or fails with why (DOWN)
   * @return this
   */
  public Health addReadiness(String name, Supplier<Future<JsonObject>> check) {
    readiness.register(name, CHECK_TIMEOUT.toMillis(), procedure(check));
    return this;
  }

  /**
   * Adds the applications' checks: ready once every permanent application of {@code expected}
   * has started and its supervisor runs; live while every started permanent application's
   * supervisor runs (one that has not started yet does not make the node dead).
   *
   * @param controller the node's applications
   * @param expected the applications the node is configured to run
   * @return this
   */
  public Health addApplications(ApplicationController controller, List<Application> expected) {
    List<Application> permanent = expected.stream().filter(app -> app.type() == ApplicationType.PERMANENT).toList();
    addReadiness("applications", () -> {
      JsonArray missing = new JsonArray();
      for (Application app : permanent) {
        if (controller.whereis(app.name()).filter(pid -> Processes.isAlive(vertx, pid)).isEmpty()) {
          missing.add(app.name());
        }
      }
      JsonObject data = new JsonObject().put("permanent", new JsonArray(permanent.stream().map(Application::name).toList()));
      return missing.isEmpty() ? Future.succeededFuture(data)
        : Future.failedFuture(new DownException("permanent applications not running: " + missing.encode(), data.put("missing", missing)));
    });
    addLiveness("supervisors", () -> {
      JsonArray dead = new JsonArray();
      for (ApplicationController.Running running : controller.running()) {
        if (running.application().type() == ApplicationType.PERMANENT && !Processes.isAlive(vertx, running.supervisor())) {
          dead.add(running.application().name());
        }
      }
      return dead.isEmpty() ? Future.succeededFuture(new JsonObject())
        : Future.failedFuture(new DownException("supervisors not running: " + dead.encode(), new JsonObject().put("dead", dead)));
    });
    return this;
  }

  /** @return the liveness checks, for {@code HealthCheckHandler.createWithHealthChecks} */
  public HealthChecks liveness() {
    return liveness;
  }

  /** @return the readiness checks, for {@code HealthCheckHandler.createWithHealthChecks} */
  public HealthChecks readiness() {
    return readiness;
  }

  /** A DOWN with data for the JSON (which check saw what). */
  public static final class DownException extends RuntimeException {
    private final JsonObject data;

    /**
     * @param message why the check is DOWN
     * @param data what it saw
     */
    public DownException(String message, JsonObject data) {
      super(message, null, false, false);
      this.data = data;
    }
  }

  private static Handler<Promise<Status>> procedure(Supplier<Future<JsonObject>> check) {
    return promise -> {
      Future<JsonObject> outcome;
      try {
        outcome = check.get();
      } catch (RuntimeException e) {
        outcome = Future.failedFuture(e);
      }
      outcome.onComplete(ar -> {
        if (ar.succeeded()) {
          promise.tryComplete(Status.OK(ar.result()));
        } else {
          JsonObject data = ar.cause() instanceof DownException down ? down.data.copy() : new JsonObject();
          promise.tryComplete(Status.KO(data.put("reason", String.valueOf(ar.cause().getMessage()))));
        }
      });
    };
  }
}
