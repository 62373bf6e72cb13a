package dev.otpx.app;

import dev.otpx.channels.auth.Tokens;
import dev.otpx.counter.RawCounterVerticle;
import dev.otpx.process.ApplicationController;
import dev.otpx.process.ApplicationController.NodeStop;
import dev.otpx.store.Store;
import dev.otpx.system.Health;
import dev.otpx.system.Metrics;
import dev.otpx.system.SystemEvents;
import dev.otpx.web.HttpVerticle;
import dev.otpx.web.MetricsVerticle;
import dev.otpx.web.OperatorAuth;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.VerticleBase;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole service as one deployment: reads its config (an {@link AppConfig} document) once, then
 * opens the {@link Store} (migrating its schema), starts the applications of {@code applications}
 * in order (each its own supervision tree, under an {@link ApplicationController}), the raw counter
 * and the HTTP front, in that order, so that the HTTP server only listens once the trees run.
 * Undeploying it stops the HTTP front first, then the applications newest first, each tree in OTP
 * order, and closes the store last.
 *
 * <p>As on an Erlang node, an application's type decides what its end means: a temporary one
 * (the demo counters) is reported and the service keeps serving; when a permanent one (InfoSys,
 * the channels) ends, the others are stopped and {@code onNodeStop} is called, which in the jar
 * stops the JVM with a non-zero status so that an orchestrator starts a fresh node.
 */
public final class AppVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(AppVerticle.class);

  private final Handler<NodeStop> onNodeStop;
  private final Metrics metrics;
  private MetricsVerticle metricsFront;
  private HttpVerticle http;
  private Store store;
  private ApplicationController applications;
  private Health health;

  /**
   * @param onNodeStop what to do when an application ends in a way its type says stops the node
   */
  public AppVerticle(Handler<NodeStop> onNodeStop) {
    this(onNodeStop, null);
  }

  /**
   * @param onNodeStop what to do when an application ends in a way its type says stops the node
   * @param metrics the metrics the node's Vert.x reports into ({@link Metrics#builder}), served at
   *     {@code /metrics} on their own port; null for none
   */
  public AppVerticle(Handler<NodeStop> onNodeStop, Metrics metrics) {
    this.onNodeStop = Objects.requireNonNull(onNodeStop, "onNodeStop");
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    AppConfig config = AppConfig.fromJson(config());
    AppConfig.RawCounterConfig raw = config.rawCounter();
    // The secret comes from the environment only (OTPX_TOKEN_SECRET), never from a config file.
    Tokens tokens = Tokens.fromEnvironment(System.getenv(), config.channels().tokenMaxAge());
    // The operator's token likewise (OTPX_ADMIN_TOKEN); without it the operator's endpoints say 403.
    OperatorAuth operator = OperatorAuth.fromEnvironment(System.getenv());
    if (!operator.enabled()) {
      log.info("operator endpoints are disabled: {} is not set", OperatorAuth.ENV);
    } else {
      // Only an operator can watch them, so without one they are not published at all.
      SystemEvents.start(vertx);
    }
    applications = ApplicationController.create(vertx, onNodeStop);
    health = Health.create(vertx).addApplications(applications, config.applicationList());
    if (vertx.isClustered()) {
      // A clustered node is ready only while it is in its cluster (Hazelcast running, not split off).
      health.addReadiness("cluster", () -> dev.otpx.cluster.ClusterNode.joined(vertx)
        ? io.vertx.core.Future.succeededFuture(new io.vertx.core.json.JsonObject())
        : io.vertx.core.Future.failedFuture("this node is not in its cluster"));
    }
    // The database URL may hold a password: from the environment only (OTPX_DATABASE_URL).
    return Store.open(vertx, config.store().options(System.getenv()))
      .compose(opened -> {
        store = opened.share();
        return applications.startAll(config.applicationList());
      })
      .compose(v -> vertx.deployVerticle(new RawCounterVerticle(raw.name(), raw.initial())))
      .compose(id -> {
        if (metrics == null) {
          return Future.succeededFuture();
        }
        metrics.bind(vertx);
        MetricsVerticle front = new MetricsVerticle(metrics.registry(), config.http().host(), Metrics.port(System.getenv()));
        return vertx.deployVerticle(front).onSuccess(deployed -> metricsFront = front);
      })
      .compose(id -> {
        HttpVerticle front = new HttpVerticle(config.httpOptions(), tokens, config.channels().bridgeLimits(), store, operator, health);
        return vertx.deployVerticle(front).map(front);
      })
      .onSuccess(front -> {
        http = front;
        log.info("started: applications {}, raw counter '{}', http port {}",
          applications.running().stream().map(running -> running.application().name()).toList(), raw.name(), front.actualPort());
      })
      .onFailure(err -> stop());
  }

  @Override
  public Future<?> stop() {
    // Vert.x has undeployed the HTTP front and the raw counter (child deployments) by now.
    Future<Void> stopped = applications == null ? Future.succeededFuture() : applications.stopAll();
    return stopped.eventually(() -> store == null ? Future.succeededFuture() : store.close());
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

  /**
   * The node's health checks, where a layer started later (the cluster) adds its own readiness
   * check with {@link Health#addReadiness}.
   *
   * @return the checks, once start began
   */
  public Health health() {
    return health;
  }

  /**
   * @return the port of {@code /metrics}
   * @throws IllegalStateException when the node serves no metrics
   */
  public int metricsPort() {
    if (metricsFront == null) {
      throw new IllegalStateException("this node serves no metrics");
    }
    return metricsFront.actualPort();
  }

  /** @return the controller running the applications, once start began */
  public ApplicationController applications() {
    return applications;
  }
}
