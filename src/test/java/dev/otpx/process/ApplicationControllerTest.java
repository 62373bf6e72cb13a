package dev.otpx.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.otpx.process.ApplicationController.NodeStop;
import dev.otpx.process.testing.EchoServer;
import dev.otpx.testing.LogCapture;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class ApplicationControllerTest {

  private final Promise<NodeStop> nodeStop = Promise.promise();
  private final LogCapture log = LogCapture.of(ApplicationController.class);

  @AfterEach
  void detachTheLog() {
    log.close();
  }

  /** An application of one echo server named {@code <name>.worker}, whose supervisor gives up at its first crash. */
  private static Application fragile(String name, ApplicationType type) {
    SupervisorFlags noRestarts = new SupervisorFlags(Strategy.ONE_FOR_ONE, 0, 5, AutoShutdown.NEVER);
    ChildSpec worker = ChildSpec.worker("worker", EchoServer::new).withName(name + ".worker");
    return new Application(name, type, SupervisorSpec.of(noRestarts, List.of(worker)));
  }

  private ApplicationController controller(Vertx vertx) {
    return ApplicationController.create(vertx, nodeStop::tryComplete);
  }

  /** Crashes an application's worker; its supervisor then gives up and the application ends. */
  private static Future<Down> crash(Vertx vertx, ApplicationController controller, String name) {
    Pid supervisor = controller.whereis(name).orElseThrow();
    Future<Down> down = Processes.monitor(vertx, supervisor).down();
    GenServer.cast(vertx, name + ".worker", "crash");
    return down;
  }

  @Nested
  class Starting {

    @Test
    void startsEachApplicationsTreeInOrderUnderItsOwnName(Vertx vertx, VertxTestContext ctx) {
      ApplicationController controller = controller(vertx);
      controller.startAll(List.of(fragile("first", ApplicationType.TEMPORARY), fragile("second", ApplicationType.PERMANENT)))
        .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
          assertThat(controller.running()).extracting(running -> running.application().name()).containsExactly("first", "second");
          assertThat(Registry.whereis(vertx, "otpx.app.first")).isEqualTo(controller.whereis("first"));
          assertThat(Registry.whereis(vertx, "second.worker")).isPresent();
          assertThat(log.messages()).contains("application=first type=temporary context=started supervisor=otpx.app.first pid="
            + controller.whereis("first").orElseThrow());
          ctx.completeNow();
        })));
    }

    @Test
    void anApplicationThatFailsToStartStopsThoseStartedBeforeItAndFailsNamingIt(Vertx vertx, VertxTestContext ctx) {
      ApplicationController controller = controller(vertx);
      // The second application's worker takes a name the first one holds: its start fails.
      Application clash = new Application("clash", ApplicationType.PERMANENT, SupervisorSpec.of(SupervisorFlags.of(Strategy.ONE_FOR_ONE),
        List.of(ChildSpec.worker("worker", EchoServer::new).withName("first.worker"))));
      controller.startAll(List.of(fragile("first", ApplicationType.PERMANENT), clash))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertThat(err).hasMessageStartingWith("application clash failed to start: ");
          assertThat(controller.running()).isEmpty();
          assertThat(Registry.registered(vertx)).isEmpty();
          assertThat(nodeStop.future().isComplete()).isFalse();
          ctx.completeNow();
        })));
    }

    @Test
    void aNameRunsOnce(Vertx vertx, VertxTestContext ctx) {
      ApplicationController controller = controller(vertx);
      controller.start(fragile("once", ApplicationType.TEMPORARY))
        .compose(pid -> controller.start(fragile("once", ApplicationType.TEMPORARY)))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertThat(err).isInstanceOf(OtpException.class);
          assertThat(((OtpException) err).failure()).isEqualTo(OtpException.Failure.ALREADY_STARTED);
          ctx.completeNow();
        })));
    }

    @Test
    void aBadNameIsRefusedBeforeAnythingStarts() {
      assertThatThrownBy(() -> fragile("Counters!", ApplicationType.TEMPORARY)).hasMessageContaining("Counters!");
    }
  }

  @Nested
  class WhenAnApplicationEndsOnItsOwn {

    @Test
    void aTemporaryOneIsReportedOnOneLineAndTheOthersKeepRunning(Vertx vertx, VertxTestContext ctx) {
      ApplicationController controller = controller(vertx);
      controller.startAll(List.of(fragile("demo", ApplicationType.TEMPORARY), fragile("service", ApplicationType.PERMANENT)))
        .compose(v -> crash(vertx, controller, "demo"))
        .compose(down -> log.line("application=demo type=temporary context=exited"))
        .onComplete(ctx.succeeding(line -> ctx.verify(() -> {
          assertThat(line.getLevel()).hasToString("WARN");
          assertThat(line.getFormattedMessage()).isEqualTo(
            "application=demo type=temporary context=exited reason=shutdown: the node keeps running");
          assertThat(controller.running()).extracting(running -> running.application().name()).containsExactly("service");
          assertThat(Registry.whereis(vertx, "service.worker")).isPresent();
          assertThat(nodeStop.future().isComplete()).isFalse();
          ctx.completeNow();
        })));
    }

    @Test
    void aPermanentOneStopsTheOthersNewestFirstThenTheNode(Vertx vertx, VertxTestContext ctx) {
      ApplicationController controller = controller(vertx);
      controller.startAll(List.of(fragile("a", ApplicationType.TEMPORARY), fragile("core", ApplicationType.PERMANENT),
          fragile("z", ApplicationType.TEMPORARY)))
        .compose(v -> crash(vertx, controller, "core"))
        .compose(down -> nodeStop.future())
        .onComplete(ctx.succeeding(stop -> ctx.verify(() -> {
          assertThat(stop.application().name()).isEqualTo("core");
          assertThat(stop.reason()).isEqualTo(ExitReason.SHUTDOWN);
          assertThat(controller.running()).isEmpty();
          assertThat(Registry.registered(vertx)).isEmpty();
          List<String> lines = log.messages();
          assertThat(lines).contains("application=core type=permanent context=exited reason=shutdown: stopping the node");
          assertThat(lines).containsSubsequence("application=z type=temporary context=stopped",
            "application=a type=temporary context=stopped");
          ctx.completeNow();
        })));
    }

    @Test
    void aTransientOneStopsTheNodeWhenItsSupervisorGivesUp(Vertx vertx, VertxTestContext ctx) {
      ApplicationController controller = controller(vertx);
      controller.start(fragile("job", ApplicationType.TRANSIENT))
        .compose(pid -> crash(vertx, controller, "job"))
        .compose(down -> nodeStop.future())
        .onComplete(ctx.succeeding(stop -> ctx.verify(() -> {
          assertThat(stop.application().name()).isEqualTo("job");
          ctx.completeNow();
        })));
    }

    @Test
    void aTransientOneThatEndsNormallyLeavesTheNodeRunning(Vertx vertx, VertxTestContext ctx) {
      ApplicationController controller = controller(vertx);
      // A supervisor that gives up or shuts down automatically exits with shutdown, not normal: a
      // top supervisor ends normal only when something stops it with that reason.
      controller.startAll(List.of(fragile("job", ApplicationType.TRANSIENT), fragile("service", ApplicationType.PERMANENT)))
        .compose(v -> GenServer.stop(vertx, controller.whereis("job").orElseThrow(), ExitReason.NORMAL))
        .compose(v -> log.line("application=job type=transient context=exited"))
        .onComplete(ctx.succeeding(line -> ctx.verify(() -> {
          assertThat(line.getFormattedMessage()).isEqualTo("application=job type=transient context=exited reason=normal");
          assertThat(line.getLevel()).hasToString("INFO");
          assertThat(controller.whereis("service")).isPresent();
          assertThat(nodeStop.future().isComplete()).isFalse();
          ctx.completeNow();
        })));
    }
  }

  @Nested
  class Stopping {

    @Test
    void stoppingAPermanentApplicationOnPurposeNeverStopsTheNode(Vertx vertx, VertxTestContext ctx) {
      ApplicationController controller = controller(vertx);
      controller.startAll(List.of(fragile("core", ApplicationType.PERMANENT), fragile("other", ApplicationType.PERMANENT)))
        .compose(v -> controller.stop("core"))
        .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
          assertThat(controller.running()).extracting(running -> running.application().name()).containsExactly("other");
          assertThat(Registry.whereis(vertx, "core.worker")).isEmpty();
          assertThat(log.messages()).contains("application=core type=permanent context=stopped");
          assertThat(nodeStop.future().isComplete()).isFalse();
          ctx.completeNow();
        })));
    }

    @Test
    void stopAllStopsNewestFirst(Vertx vertx, VertxTestContext ctx) {
      ApplicationController controller = controller(vertx);
      controller.startAll(List.of(fragile("one", ApplicationType.PERMANENT), fragile("two", ApplicationType.PERMANENT)))
        .compose(v -> controller.stopAll())
        .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
          assertThat(log.messages()).containsSubsequence("application=two type=permanent context=stopped",
            "application=one type=permanent context=stopped");
          assertThat(Registry.registered(vertx)).isEmpty();
          assertThat(nodeStop.future().isComplete()).isFalse();
          ctx.completeNow();
        })));
    }

    @Test
    void closingVertxStopsTheApplicationsNewestFirstWithoutCallingItANodeStop(VertxTestContext ctx) {
      Vertx own = Vertx.vertx();
      ApplicationController controller = ApplicationController.create(own, nodeStop::tryComplete);
      controller.startAll(List.of(fragile("one", ApplicationType.PERMANENT), fragile("two", ApplicationType.PERMANENT)))
        .compose(v -> own.close())
        .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
          assertThat(nodeStop.future().isComplete()).isFalse();
          assertThat(log.messages()).noneMatch(line -> line.contains("context=exited"));
          // A step of the node's one close: the applications go in order, not all at once with the
          // other process trees.
          assertThat(log.messages()).containsSubsequence("application=two type=permanent context=stopped",
            "application=one type=permanent context=stopped");
          ctx.completeNow();
        })));
    }

    @Test
    void stoppingAnApplicationThatDoesNotRunFailsWithNoproc(Vertx vertx, VertxTestContext ctx) {
      controller(vertx).stop("nothing").onComplete(ctx.failing(err -> ctx.verify(() -> {
        assertThat(((OtpException) err).failure()).isEqualTo(OtpException.Failure.NOPROC);
        ctx.completeNow();
      })));
    }
  }
}
