package dev.otpx.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otpx.process.ChildSpec;
import dev.otpx.process.Processes;
import dev.otpx.process.Registry;
import dev.otpx.process.Strategy;
import dev.otpx.process.Supervisor;
import dev.otpx.process.SupervisorFlags;
import dev.otpx.process.SupervisorSpec;
import dev.otpx.process.testing.EchoServer;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class SystemEventsTest {

  @Test
  void aKillAndItsRestartArePublishedAsJsonWithTheirFields(Vertx vertx, VertxTestContext ctx) {
    SystemEvents.start(vertx);
    List<JsonObject> seen = new CopyOnWriteArrayList<>();
    Promise<Void> restartedAndStarted = Promise.promise();
    vertx.eventBus().<JsonArray>consumer(SystemEvents.ADDRESS, msg -> {
      msg.body().forEach(event -> seen.add((JsonObject) event));
      long children = seen.stream().filter(e -> "child_started".equals(e.getString("event"))).count();
      if (children == 2) {
        restartedAndStarted.tryComplete();
      }
    }).completion()
      .compose(v -> Supervisor.start(vertx, SupervisorSpec.of(SupervisorFlags.of(Strategy.ONE_FOR_ONE).withIntensity(3, 5),
        List.of(ChildSpec.worker("echo", EchoServer::new).withName("events.echo"))), "events.sup"))
      .compose(sup -> {
        Processes.kill(vertx, Registry.whereis(vertx, "events.echo").orElseThrow());
        return restartedAndStarted.future();
      })
      .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
        JsonObject terminated = seen.stream().filter(e -> "child_terminated".equals(e.getString("event"))).findFirst().orElseThrow();
        assertThat(terminated.getString("supervisor_id")).isEqualTo("events.sup");
        assertThat(terminated.getString("child_id")).isEqualTo("echo");
        assertThat(terminated.getString("reason")).isEqualTo("killed");
        assertThat(terminated.getString("pid")).startsWith("<");
        JsonObject restarted = seen.stream().filter(e -> "child_restarted".equals(e.getString("event"))).findFirst().orElseThrow();
        assertThat(restarted.getInteger("restarts")).isEqualTo(1);
        List<String> pids = seen.stream().filter(e -> "child_started".equals(e.getString("event")))
          .map(e -> e.getString("pid")).toList();
        assertThat(pids).doesNotHaveDuplicates();
        assertThat(seen).anyMatch(e -> "process_exited".equals(e.getString("event")) && "killed".equals(e.getString("reason")));
        assertThat(seen).allMatch(e -> e.getLong("at") > 0);
        ctx.completeNow();
      })));
  }
}
