package dev.otpx.process;

import static dev.otpx.process.testing.OtpAsserts.assertFailure;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.otpx.process.testing.EchoServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Global names and singletons on a node that is not clustered: the same rules as in a cluster of
 * one (the multi-node behaviour is ClusterIT's, with separate JVMs).
 */
@ExtendWith(VertxExtension.class)
class GlobalTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(2);
  private static final SupervisorFlags FLAGS = SupervisorFlags.of(Strategy.ONE_FOR_ONE);

  private static Future<Pid> spawn(Vertx vertx) {
    return GenServer.start(vertx, new EchoServer());
  }

  @Nested
  class Names {

    @Test
    void aGlobalNameIsCalledAndListed(Vertx vertx, VertxTestContext ctx) {
      spawn(vertx).compose(pid -> Global.register(vertx, "leader", pid)
          .compose(v -> Global.<String>call(vertx, "leader", "ping", TIMEOUT))
          .compose(pong -> Global.registered(vertx).map(all -> List.of(pid, pong, all))))
        .onComplete(ctx.succeeding(got -> ctx.verify(() -> {
          assertEquals("pong", got.get(1));
          assertEquals(Map.of("leader", got.get(0)), got.get(2));
          ctx.completeNow();
        })));
    }

    @Test
    void registeringAHeldNameFailsAlreadyStartedNamingTheHolder(Vertx vertx, VertxTestContext ctx) {
      spawn(vertx).compose(first -> Global.register(vertx, "leader", first)
          .compose(v -> spawn(vertx))
          .compose(second -> Global.register(vertx, "leader", second))
          .map(v -> first)
          .recover(err -> {
            OtpException refused = assertFailure(OtpException.Failure.ALREADY_STARTED, err);
            assertEquals(first, refused.pid());
            return Future.succeededFuture(first);
          }))
        .onComplete(ctx.succeedingThenComplete());
    }

    @Test
    void theNameIsFreedWhenItsProcessExits(Vertx vertx, VertxTestContext ctx) {
      spawn(vertx).compose(pid -> Global.register(vertx, "leader", pid).map(pid))
        .compose(pid -> {
          Monitor monitor = Processes.monitor(vertx, pid);
          Processes.kill(vertx, pid);
          return monitor.down();
        })
        .compose(down -> waitUntilFree(vertx, "leader", 100))
        .compose(v -> spawn(vertx).compose(next -> Global.register(vertx, "leader", next)))
        .onComplete(ctx.succeedingThenComplete());
    }

    @Test
    void aCallToAFreeNameFailsNoproc(Vertx vertx, VertxTestContext ctx) {
      Global.call(vertx, "nobody", "ping", TIMEOUT).onComplete(ctx.failing(err -> ctx.verify(() -> {
        assertFailure(OtpException.Failure.NOPROC, err);
        ctx.completeNow();
      })));
    }
  }

  /** The name is freed by a monitor of the holder, a moment after the DOWN: ask until it is. */
  private static Future<Void> waitUntilFree(Vertx vertx, String name, int tries) {
    return Global.whereis(vertx, name).compose(holder -> {
      if (holder.isEmpty()) {
        return Future.succeededFuture();
      }
      if (tries == 0) {
        return Future.failedFuture("global name " + name + " still held by " + holder.get());
      }
      return vertx.timer(10).compose(t -> waitUntilFree(vertx, name, tries - 1));
    });
  }

  @Nested
  class Singletons {

    @Test
    void aSingletonChildRunsUnderItsGlobalNameAndASecondGuardStandsBy(Vertx vertx, VertxTestContext ctx) {
      ChildSpec spec = ChildSpec.worker("leader", EchoServer::new).asSingleton("leader");
      Supervisor.start(vertx, SupervisorSpec.of(FLAGS, List.of(spec)), "sup.a")
        .compose(a -> Supervisor.start(vertx, SupervisorSpec.of(FLAGS, List.of(spec)), "sup.b"))
        .compose(b -> Global.<String>call(vertx, "leader", "ping", TIMEOUT))
        .compose(pong -> Global.whereis(vertx, "leader").map(holder -> List.of(pong, holder.orElseThrow())))
        .onComplete(ctx.succeeding(got -> ctx.verify(() -> {
          assertEquals("pong", got.get(0));
          // Both guards run (one per supervisor); the name is their child's, and it answers.
          long running = Processes.list(vertx).stream().filter(pid -> Processes.info(vertx, pid).isPresent()).count();
          assertEquals(true, running >= 5);
          ctx.completeNow();
        })));
    }

    @Test
    void whenTheRunningOneDiesTheStandbyTakesOver(Vertx vertx, VertxTestContext ctx) {
      ChildSpec spec = ChildSpec.worker("leader", EchoServer::new).asSingleton("leader").withRestart(Restart.TEMPORARY);
      Supervisor.start(vertx, SupervisorSpec.of(FLAGS, List.of(spec)), "sup.a")
        .compose(first -> Global.whereis(vertx, "leader").map(Optional::orElseThrow))
        .compose(holder -> Supervisor.start(vertx, SupervisorSpec.of(FLAGS, List.of(spec)), "sup.b")
          .compose(second -> {
            Processes.kill(vertx, holder);
            return takenOverFrom(vertx, holder, 200);
          }))
        .compose(next -> pingOnceHandedOver(vertx, 200))
        .onComplete(ctx.succeeding(pong -> ctx.verify(() -> {
          assertEquals("pong", pong);
          ctx.completeNow();
        })));
    }
  }

  /**
   * Calls the singleton by its name; while the standby that took the name is still starting the
   * child it answers {@code singleton_starting}, as it says it will, and the call is made again.
   */
  private static Future<String> pingOnceHandedOver(Vertx vertx, int tries) {
    return Global.<String>call(vertx, "leader", "ping", TIMEOUT).recover(err -> {
      if (tries > 0 && err instanceof OtpException starting && "singleton_starting".equals(starting.code())) {
        return vertx.timer(10).compose(t -> pingOnceHandedOver(vertx, tries - 1));
      }
      return Future.failedFuture(err);
    });
  }

  /** Asks for the holder until it is another than {@code old}; each ask is an event-bus round trip. */
  private static Future<Pid> takenOverFrom(Vertx vertx, Pid old, int tries) {
    return Global.whereis(vertx, "leader").compose(holder -> {
      if (holder.isPresent() && !holder.get().equals(old)) {
        return Future.succeededFuture(holder.get());
      }
      if (tries == 0) {
        return Future.failedFuture("the singleton did not move from " + old);
      }
      return vertx.timer(10).compose(t -> takenOverFrom(vertx, old, tries - 1));
    });
  }
}
