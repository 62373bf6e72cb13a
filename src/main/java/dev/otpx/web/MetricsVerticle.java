package dev.otpx.web;

import dev.otpx.system.Metrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.micrometer.PrometheusScrapingHandler;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /metrics} in Prometheus' text format, on a port of its own
 * ({@link Metrics#PORT_ENV}, default {@value Metrics#DEFAULT_PORT}), with no credential.
 *
 * <p>Who may read it, and why: Prometheus scrapes without credentials by default, and so do the
 * usual Kubernetes setups (a {@code ServiceMonitor} or {@code prometheus.io/port} annotations name a
 * port and a path, nothing more). So the metrics are open, but on a port of their own that the
 * public Service and Ingress do not expose: only what can reach the pod's network (Prometheus, kept
 * there by a NetworkPolicy) reads them. The text holds counts and timings with bounded labels, no
 * pid, user, topic or secret. The operator's token guards what changes or reveals the node's
 * processes; putting it on metrics would make every scrape config carry the operator's secret.
 */
public final class MetricsVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(MetricsVerticle.class);

  private final PrometheusMeterRegistry registry;
  private final String host;
  private final int port;
  private HttpServer server;

  /**
   * @param registry the registry to serve
   * @param host the interface to bind
   * @param port the port, 0 for any free one
   */
  public MetricsVerticle(PrometheusMeterRegistry registry, String host, int port) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.host = Objects.requireNonNull(host, "host");
    this.port = port;
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);
    router.get("/metrics").handler(PrometheusScrapingHandler.create(registry));
    return vertx.createHttpServer().requestHandler(router).listen(port, host)
      .recover(err -> Future.failedFuture(new IllegalStateException(
        "metrics cannot listen on " + host + ":" + port + " (" + Metrics.PORT_ENV + "): " + err.getMessage(), err)))
      .onSuccess(listening -> {
        server = listening;
        log.info("metrics listening on {}:{}", host, listening.actualPort());
      });
  }

  @Override
  public Future<?> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  /** @return the port it listens on */
  public int actualPort() {
    if (server == null) {
      throw new IllegalStateException("MetricsVerticle is not listening yet");
    }
    return server.actualPort();
  }
}
