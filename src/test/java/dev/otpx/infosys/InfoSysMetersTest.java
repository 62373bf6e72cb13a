package dev.otpx.infosys;

import static dev.otpx.infosys.InfoSysFixtures.ask;
import static dev.otpx.infosys.InfoSysFixtures.startCache;
import static dev.otpx.infosys.InfoSysFixtures.startFakes;
import static dev.otpx.infosys.InfoSysFixtures.startInfoSys;
import static org.assertj.core.api.Assertions.assertThat;

import dev.otpx.process.VirtualClock;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** What Prometheus reads of InfoSys: per-backend latency, results, failures, circuits, and the cache. */
@ExtendWith(VertxExtension.class)
class InfoSysMetersTest {

  /** A fresh registry, fed as the node's is: counts start at zero when it joins. */
  private final PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  @BeforeEach
  void feed() {
    Metrics.addRegistry(prometheus);
  }

  @AfterEach
  void unfeed() {
    Metrics.removeRegistry(prometheus);
  }

  private static JsonObject query(String text) {
    return new JsonObject().put("query", text).put("timeout_ms", 2_000);
  }

  @Test
  void callsResultsFailuresCircuitsHitsMissesAndEvictionsAreScraped(Vertx vertx, VertxTestContext ctx) {
    VirtualClock clock = VirtualClock.install(vertx);
    startCache(vertx, new JsonObject().put("sweep_ms", 100).put("ttl_ms", 50))
      .compose(pid -> startFakes(vertx, "meter1"))
      .compose(pids -> startInfoSys(vertx))
      .compose(pid -> ask(vertx, query("result")))
      .compose(first -> ask(vertx, query("result")))
      .compose(hit -> ask(vertx, query("boom")))
      .compose(failed -> clock.advance(Duration.ofMillis(250)))
      .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
        String text = prometheus.scrape();
        assertThat(text).contains("otpx_infosys_backend_latency_seconds_count{backend=\"meter1\",outcome=\"ok\"} 1");
        assertThat(text).contains("otpx_infosys_backend_latency_seconds_bucket{backend=\"meter1\",outcome=\"ok\",le=");
        assertThat(text).contains("otpx_infosys_backend_results_total{backend=\"meter1\"} 1.0");
        assertThat(text).contains("otpx_infosys_backend_failures_total{backend=\"meter1\",outcome=\"failed\"} 1.0");
        assertThat(text).contains("otpx_infosys_circuit_state{backend=\"meter1\"} 0.0");
        // The first "result" and "boom" missed (a failure is not cached, nor looked up again), the second "result" hit.
        assertThat(text).contains("otpx_infosys_cache_hits_total 1.0");
        assertThat(text).contains("otpx_infosys_cache_misses_total 2.0");
        assertThat(text).contains("otpx_infosys_cache_evictions_total 1.0");
        assertThat(text).doesNotContain("query=");
        ctx.completeNow();
      })));
  }
}
