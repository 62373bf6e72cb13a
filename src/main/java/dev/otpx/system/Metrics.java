package dev.otpx.system;

import dev.otpx.process.ProcessEvent;
import dev.otpx.infosys.ResultCache;
import dev.otpx.process.Processes;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.datagram.DatagramSocketOptions;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.metrics.MetricsOptions;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.SocketAddress;
import io.vertx.core.spi.VertxMetricsFactory;
import io.vertx.core.spi.metrics.ClientMetrics;
import io.vertx.core.spi.metrics.DatagramSocketMetrics;
import io.vertx.core.spi.metrics.EventBusMetrics;
import io.vertx.core.spi.metrics.HttpClientMetrics;
import io.vertx.core.spi.metrics.HttpServerMetrics;
import io.vertx.core.spi.metrics.PoolMetrics;
import io.vertx.core.spi.metrics.TCPMetrics;
import io.vertx.core.spi.metrics.VertxMetrics;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import java.util.EnumSet;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The node's metrics for Prometheus: Vert.x's own (HTTP server and client, event bus, pools such as
 * the database's, through vertx-micrometer-metrics), the JVM's, and otpx's runtime:
 * <ul>
 *   <li>{@code otpx_processes}: the processes alive on the node;</li>
 *   <li>{@code otpx_restarts_total{supervisor,child}}: restarts a supervisor made on its own;</li>
 *   <li>{@code otpx_supervisor_gave_up_total{supervisor}}: supervisors that reached their restart
 *       intensity and stopped;</li>
 *   <li>InfoSys: {@code otpx_infosys_backend_latency_seconds{backend,outcome}} (histogram),
 *       {@code otpx_infosys_backend_results_total{backend}},
 *       {@code otpx_infosys_backend_failures_total{backend,outcome}},
 *       {@code otpx_infosys_circuit_state{backend}} (0 closed, 1 open, 2 half-open),
 *       {@code otpx_infosys_cache_hits_total}, {@code _misses_total}, {@code _evictions_total},
 *       {@code otpx_infosys_cache_size};</li>
 *   <li>channels: {@code otpx_channels_sockets}, {@code otpx_channels_joins_total},
 *       {@code otpx_channels_posts_total}, {@code otpx_channels_refusals_total{code}};</li>
 *   <li>database: {@code otpx_db_query_seconds{outcome}} (histogram), and Vert.x's
 *       {@code vertx_pool_*} for the connection pool.</li>
 * </ul>
 * InfoSys, the bridge and the store count on Micrometer's global registry, which {@link #bind}
 * feeds into this one.
 * Label values stay few: a supervisor is labelled by its registered name ({@code unnamed} when it
 * has none, never a pid), a dynamic supervisor's children all as {@code dynamic}; Vert.x's
 * event-bus address and HTTP path labels are off (pids and reply addresses would be unbounded),
 * the HTTP route pattern, method and code are on.
 *
 * <p>Metrics are served on their own port ({@link #PORT_ENV}, default {@value #DEFAULT_PORT}),
 * unauthenticated, as Prometheus scrapes: see {@code MetricsVerticle} for why.
 */
public final class Metrics {

  /** The environment variable with the port of {@code GET /metrics}; 0 for any free port. */
  public static final String PORT_ENV = "OTPX_METRICS_PORT";
  /** The default metrics port (the one OpenTelemetry's Prometheus exporter uses). */
  public static final int DEFAULT_PORT = 9464;

  private final PrometheusMeterRegistry registry;

  private Metrics(PrometheusMeterRegistry registry) {
    this.registry = registry;
  }

  /** @return fresh metrics with their own Prometheus registry */
  public static Metrics create() {
    return new Metrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
  }

  /**
   * A Vert.x builder whose instance reports into these metrics.
   *
   * @param options the instance's options (their metrics options are replaced)
   * @return the builder
   */
  public VertxBuilder builder(VertxOptions options) {
    MicrometerMetricsOptions metrics = new MicrometerMetricsOptions()
      .setEnabled(true)
      .setJvmMetricsEnabled(true)
      .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true))
      .setLabels(EnumSet.of(Label.HTTP_ROUTE, Label.HTTP_METHOD, Label.HTTP_CODE, Label.POOL_TYPE, Label.POOL_NAME, Label.EB_SIDE));
    return Vertx.builder().with(options.setMetricsOptions(metrics)).withMetrics(new Factory(new MicrometerMetricsFactory(registry)));
  }

  /** vertx-micrometer's metrics with the event bus's counted by {@link EventBusMeters}, which says why. */
  private final class Factory implements VertxMetricsFactory {
    private final MicrometerMetricsFactory micrometer;

    Factory(MicrometerMetricsFactory micrometer) {
      this.micrometer = micrometer;
    }

    @Override
    public VertxMetrics metrics(VertxOptions options) {
      return new Metered(micrometer.metrics(options), new EventBusMeters(registry));
    }

    @Override
    public MetricsOptions newOptions() {
      return micrometer.newOptions();
    }

    @Override
    public MetricsOptions newOptions(MetricsOptions options) {
      return micrometer.newOptions(options);
    }

    @Override
    public MetricsOptions newOptions(JsonObject json) {
      return micrometer.newOptions(json);
    }
  }

  /** Every metric vertx-micrometer's, but the event bus's. */
  private record Metered(VertxMetrics micrometer, EventBusMeters eventBus) implements VertxMetrics {
    @Override
    public EventBusMetrics<?> createEventBusMetrics() {
      return eventBus;
    }

    @Override
    public HttpServerMetrics<?, ?, ?> createHttpServerMetrics(HttpServerOptions options, SocketAddress localAddress) {
      return micrometer.createHttpServerMetrics(options, localAddress);
    }

    @Override
    public ClientMetrics<?, ?, ?> createClientMetrics(SocketAddress remoteAddress, String type, String namespace) {
      return micrometer.createClientMetrics(remoteAddress, type, namespace);
    }

    @Override
    public HttpClientMetrics<?, ?, ?> createHttpClientMetrics(HttpClientOptions options) {
      return micrometer.createHttpClientMetrics(options);
    }

    @Override
    public TCPMetrics<?> createNetServerMetrics(NetServerOptions options, SocketAddress localAddress) {
      return micrometer.createNetServerMetrics(options, localAddress);
    }

    @Override
    public TCPMetrics<?> createNetClientMetrics(NetClientOptions options) {
      return micrometer.createNetClientMetrics(options);
    }

    @Override
    public DatagramSocketMetrics createDatagramSocketMetrics(DatagramSocketOptions options) {
      return micrometer.createDatagramSocketMetrics(options);
    }

    @Override
    public PoolMetrics<?, ?> createPoolMetrics(String poolType, String poolName, int maxPoolSize) {
      return micrometer.createPoolMetrics(poolType, poolName, maxPoolSize);
    }

    @Override
    public void vertxCreated(Vertx vertx) {
      micrometer.vertxCreated(vertx);
    }

    @Override
    public boolean isMetricsEnabled() {
      return micrometer.isMetricsEnabled();
    }

    @Override
    public void close() {
      micrometer.close();
    }
  }

  /**
   * Counts a node's processes, restarts and give-ups into these metrics, from its process events.
   *
   * @param vertx the node
   * @return what stops counting
   */
  public ProcessEvent.Subscription bind(Vertx vertx) {
    Objects.requireNonNull(vertx, "vertx");
    Gauge.builder("otpx.processes", () -> Processes.list(vertx).size())
      .description("processes alive on the node").register(registry);
    Gauge.builder("otpx.infosys.cache.size", () -> ResultCache.size(vertx))
      .description("entries in the InfoSys cache").register(registry);
    // InfoSys, the bridge and the store count on Micrometer's global registry: this node's
    // registry takes them in (one node per JVM in service; tests read differences).
    io.micrometer.core.instrument.Metrics.addRegistry(registry);
    // One counter per (supervisor, child), found once: a registry lookup builds and hashes a
    // meter id, which each restart paid for before (issue 12's benchmark).
    Map<String, Map<String, Counter>> restarts = new ConcurrentHashMap<>();
    Map<String, Counter> gaveUp = new ConcurrentHashMap<>();
    ProcessEvent.Subscription counting = ProcessEvent.subscribe(vertx, event -> {
      if (event instanceof ProcessEvent.ChildRestarted restarted) {
        String child = restarted.dynamic() ? "dynamic" : restarted.childId();
        restarts.computeIfAbsent(label(restarted.supervisorId()), supervisor -> new ConcurrentHashMap<>())
          .computeIfAbsent(child, c -> Counter.builder("otpx.restarts").description("restarts supervisors made on their own")
            .tag("supervisor", label(restarted.supervisorId())).tag("child", c).register(registry))
          .increment();
      } else if (event instanceof ProcessEvent.IntensityReached reached) {
        gaveUp.computeIfAbsent(label(reached.supervisorId()), supervisor -> Counter.builder("otpx.supervisor.gave.up")
          .description("supervisors that reached their restart intensity").tag("supervisor", supervisor).register(registry))
          .increment();
      }
    });
    return () -> {
      counting.cancel();
      io.micrometer.core.instrument.Metrics.removeRegistry(registry);
    };
  }

  /** @return the registry, for the scrape handler and for other parts' own meters */
  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** @return the registry as Micrometer's general type */
  public MeterRegistry meters() {
    return registry;
  }

  /**
   * The metrics port from the environment.
   *
   * @param env the environment
   * @return {@link #DEFAULT_PORT} unless {@link #PORT_ENV} says otherwise
   * @throws IllegalArgumentException naming {@link #PORT_ENV} when it is not a port
   */
  public static int port(Map<String, String> env) {
    String raw = env.get(PORT_ENV);
    if (raw == null || raw.isBlank()) {
      return DEFAULT_PORT;
    }
    try {
      int port = Integer.parseInt(raw.strip());
      if (port < 0 || port > 65535) {
        throw new NumberFormatException();
      }
      return port;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(PORT_ENV + " must be a port from 0 to 65535, got '" + raw + "'");
    }
  }

  /** A supervisor's label: its registered name; a pid would make one series per restart. */
  private static String label(String supervisorId) {
    return supervisorId.startsWith("<") ? "unnamed" : supervisorId;
  }
}
