package dev.otpx.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import dev.otpx.process.ChildSpec;
import dev.otpx.process.Processes;
import dev.otpx.process.Registry;
import dev.otpx.process.Strategy;
import dev.otpx.process.Supervisor;
import dev.otpx.process.SupervisorFlags;
import dev.otpx.process.SupervisorSpec;
import dev.otpx.process.testing.EchoServer;
import dev.otpx.testing.LogCapture;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The JSON log (OTPX_LOG_FORMAT=json) as logback.xml configures it: a restart's fields are fields. */
@ExtendWith(VertxExtension.class)
class JsonLogTest {

  /**
   * One line as the service's logback.xml (not the tests' logging set-up) encodes it in its JSON
   * appender, parsed back.
   */
  @SuppressWarnings("unchecked")
  private static JsonObject asJsonLine(ILoggingEvent event) throws Exception {
    LoggerContext service = new LoggerContext();
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(service);
    configurator.doConfigure(JsonLogTest.class.getResource("/logback.xml"));
    Logger root = service.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    OutputStreamAppender<ILoggingEvent> json = (OutputStreamAppender<ILoggingEvent>) root.getAppender("JSON");
    String line = new String(json.getEncoder().encode(event), StandardCharsets.UTF_8);
    assertThat(line).endsWith("\n").doesNotContain("\n\n");
    assertThat(line.strip()).doesNotContain("\n");
    return new JsonObject(line);
  }

  /** The line's key-value pairs: Logback's JsonEncoder writes them as a list of one-key objects. */
  private static JsonObject fields(JsonObject line) {
    JsonObject fields = new JsonObject();
    JsonArray pairs = line.getJsonArray("kvpList", new JsonArray());
    pairs.forEach(pair -> fields.mergeIn((JsonObject) pair));
    return fields;
  }

  @Test
  void aRestartsLinesCarryTheSupervisorChildPidContextAndReasonAsFields(Vertx vertx, VertxTestContext ctx) {
    LogCapture capture = LogCapture.of("dev.otpx.process.Supervisor");
    Future<ILoggingEvent> terminated = capture.next(e -> e.getFormattedMessage().contains("context=child_terminated"));
    Future<ILoggingEvent> restarted = capture.next(e -> e.getFormattedMessage().contains("context=started")
      && e.getFormattedMessage().contains("json.sup") && capture.events().stream()
        .anyMatch(t -> t.getFormattedMessage().contains("context=child_terminated")));
    Supervisor.start(vertx, SupervisorSpec.of(SupervisorFlags.of(Strategy.ONE_FOR_ONE),
        List.of(ChildSpec.worker("echo", EchoServer::new).withName("json.echo"))), "json.sup")
      .compose(sup -> {
        Processes.kill(vertx, Registry.whereis(vertx, "json.echo").orElseThrow());
        return Future.all(terminated, restarted);
      })
      .eventually(() -> {
        capture.close();
        return Future.succeededFuture();
      })
      .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
        JsonObject crash = asJsonLine(terminated.result());
        assertThat(crash.getString("level")).isEqualTo("ERROR");
        assertThat(crash.getString("loggerName")).isEqualTo("dev.otpx.process.Supervisor");
        JsonObject crashFields = fields(crash);
        assertThat(crashFields.getString("supervisor")).isEqualTo("json.sup");
        assertThat(crashFields.getString("child")).isEqualTo("echo");
        assertThat(crashFields.getString("context")).isEqualTo("child_terminated");
        assertThat(crashFields.getString("reason")).isEqualTo("killed");
        String deadPid = crashFields.getString("pid");
        assertThat(deadPid).startsWith("<");
        JsonObject restart = fields(asJsonLine(restarted.result()));
        assertThat(restart.getString("context")).isEqualTo("started");
        assertThat(restart.getString("child")).isEqualTo("echo");
        assertThat(restart.getString("pid")).startsWith("<").isNotEqualTo(deadPid);
        ctx.completeNow();
      })));
  }
}
