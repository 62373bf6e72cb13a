package dev.otpx.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otpx.process.ChildSpec;
import dev.otpx.process.Monitor;
import dev.otpx.process.Pid;
import dev.otpx.process.Processes;
import dev.otpx.process.Registry;
import dev.otpx.process.Strategy;
import dev.otpx.process.Supervisor;
import dev.otpx.process.SupervisorFlags;
import dev.otpx.process.SupervisorSpec;
import dev.otpx.process.testing.EchoServer;
import dev.otpx.system.Metrics;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code GET /metrics}: Vert.x's, the JVM's and otpx's own metrics, with bounded labels. */
class MetricsVerticleTest {

  private final Metrics metrics = Metrics.create();
  private final Vertx vertx = metrics.builder(new VertxOptions()).build();

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @Test
  void prometheusSeesHttpJvmProcessesRestartsAndGiveUpsWithoutAPidAsALabel() throws Throwable {
    VertxTestContext ctx = new VertxTestContext();
    metrics.bind(vertx);
    MetricsVerticle front = new MetricsVerticle(metrics.registry(), "127.0.0.1", 0);
    WebClient client = WebClient.create(vertx);
    ChildSpec worker = ChildSpec.worker("w", EchoServer::new).withName("m.worker");
    vertx.deployVerticle(front)
      .compose(id -> Supervisor.start(vertx, SupervisorSpec.of(SupervisorFlags.of(Strategy.ONE_FOR_ONE).withIntensity(1, 60),
        List.of(worker)), "m.sup"))
      .compose(sup -> {
        Monitor supervisorDown = Processes.monitor(vertx, sup);
        Pid first = Registry.whereis(vertx, "m.worker").orElseThrow();
        Monitor firstDown = Processes.monitor(vertx, first);
        Processes.kill(vertx, first);
        return firstDown.down()
          .compose(d -> Supervisor.whichChildren(vertx, sup))
          .compose(children -> {
            // The second kill is one restart too many: the supervisor gives up.
            Processes.kill(vertx, children.get(0).pid());
            return supervisorDown.down();
          });
      })
      // One request over the event bus, for its meters (kept by otpx's EventBusMeters).
      .compose(d -> vertx.eventBus().consumer("m.echo", message -> message.reply(message.body())).completion())
      .compose(v -> vertx.eventBus().request("m.echo", "ping"))
      .compose(d -> client.get(front.actualPort(), "127.0.0.1", "/metrics").send())
      // The second scrape sees the first one's HTTP request counted.
      .compose(warm -> client.get(front.actualPort(), "127.0.0.1", "/metrics").send())
      .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.getHeader("Content-Type")).startsWith("text/plain");
        String text = r.bodyAsString();
        assertThat(text).contains("otpx_restarts_total{child=\"w\",supervisor=\"m.sup\"} 1.0");
        assertThat(text).contains("otpx_supervisor_gave_up_total{supervisor=\"m.sup\"} 1.0");
        assertThat(text).containsPattern("(?m)^otpx_processes \\d+\\.0$");
        assertThat(text).contains("vertx_http_server_requests_total{code=\"200\",method=\"GET\"");
        assertThat(text).contains("jvm_memory_used_bytes");
        // Vert.x's event-bus meters under vertx-micrometer's names: the echo, and each process's consumers.
        assertThat(text).containsPattern("(?m)^vertx_eventbus_handlers [1-9]\\d*\\.0$");
        assertThat(text).containsPattern("(?m)^vertx_eventbus_sent_total\\{side=\"local\"} [1-9]\\d*\\.0$");
        assertThat(text).containsPattern("(?m)^vertx_eventbus_processed_total\\{side=\"local\"} [1-9]\\d*\\.0$");
        assertThat(text).contains("vertx_eventbus_pending{side=\"local\"} 0.0");
        // No label value is a pid or an event-bus address of one.
        assertThat(text).doesNotContain("=\"<").doesNotContain("otpx.pid.");
        ctx.completeNow();
      })));
    assertThat(ctx.awaitCompletion(20, TimeUnit.SECONDS)).isTrue();
    if (ctx.failed()) {
      throw ctx.causeOfFailure();
    }
  }

  @Test
  void thePortComesFromTheEnvironmentWithADefault() {
    assertThat(Metrics.port(Map.of())).isEqualTo(Metrics.DEFAULT_PORT);
    assertThat(Metrics.port(Map.of(Metrics.PORT_ENV, "0"))).isZero();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Metrics.port(Map.of(Metrics.PORT_ENV, "http")))
      .hasMessageContaining(Metrics.PORT_ENV);
  }
}
