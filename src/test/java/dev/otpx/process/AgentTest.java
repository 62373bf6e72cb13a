package dev.otpx.process;

import static dev.otpx.process.testing.OtpAsserts.assertCrash;
import static dev.otpx.process.testing.OtpAsserts.assertFailure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class AgentTest {

  private static Integer fail(String message) {
    throw new IllegalStateException(message);
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      if (!latch.await(2, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the test never queued its second call");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Nested
  class ReadingAndWriting {

    @Test
    void getAnswersWhatTheFunctionComputesFromTheState(Vertx vertx, VertxTestContext ctx) {
      Agent.start(vertx, () -> 10)
        .compose(agent -> agent.get(n -> "n=" + n))
        .onComplete(ctx.succeeding(answer -> ctx.verify(() -> {
          assertEquals("n=10", answer);
          ctx.completeNow();
        })));
    }

    @Test
    void updateReplacesTheState(Vertx vertx, VertxTestContext ctx) {
      Agent.start(vertx, () -> 10)
        .compose(agent -> agent.update(n -> n + 1).compose(v -> agent.get(Function.identity())))
        .onComplete(ctx.succeeding(n -> ctx.verify(() -> {
          assertEquals(11, n);
          ctx.completeNow();
        })));
    }

    @Test
    void getAndUpdateAnswersFromTheOldStateAndKeepsTheNewOne(Vertx vertx, VertxTestContext ctx) {
      Agent.start(vertx, () -> 10).onComplete(ctx.succeeding(agent ->
        agent.getAndUpdate(n -> new Agent.GetAndUpdate<>("was " + n, n + 5))
          .compose(answer -> agent.get(Function.identity()).map(n -> answer + ", now " + n))
          .onComplete(ctx.succeeding(text -> ctx.verify(() -> {
            assertEquals("was 10, now 15", text);
            ctx.completeNow();
          })))));
    }

    @Test
    void castsAreAppliedInOrderBeforeALaterGet(Vertx vertx, VertxTestContext ctx) {
      Agent.start(vertx, () -> "").compose(agent -> {
        agent.cast(s -> s + "a");
        agent.cast(s -> s + "b");
        agent.cast(s -> s + "c");
        return agent.get(Function.identity());
      }).onComplete(ctx.succeeding(s -> ctx.verify(() -> {
        assertEquals("abc", s);
        ctx.completeNow();
      })));
    }

    @Test
    void aHandleFromThePidReachesTheSameAgent(Vertx vertx, VertxTestContext ctx) {
      Agent.start(vertx, () -> 7)
        .compose(agent -> Agent.<Integer>of(vertx, agent.pid()).get(n -> n * 6))
        .onComplete(ctx.succeeding(n -> ctx.verify(() -> {
          assertEquals(42, n);
          ctx.completeNow();
        })));
    }

    @Test
    void aHandleOnAPidNobodyHasFailsNoproc(Vertx vertx, VertxTestContext ctx) {
      Agent.<Integer>of(vertx, new Pid("elsewhere", 1)).get(Function.identity())
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertFailure(OtpException.Failure.NOPROC, err);
          ctx.completeNow();
        })));
    }
  }

  @Nested
  class Stopping {

    @Test
    void stopEndsTheAgentWithReasonNormal(Vertx vertx, VertxTestContext ctx) {
      Agent.start(vertx, () -> 1).onComplete(ctx.succeeding(agent -> {
        Monitor monitor = Processes.monitor(vertx, agent.pid());
        agent.stop().onComplete(ctx.succeeding(v -> monitor.down().onComplete(ctx.succeeding(down -> ctx.verify(() -> {
          assertSame(ExitReason.NORMAL, down.reason());
          assertFalse(Processes.isAlive(vertx, agent.pid()));
          ctx.completeNow();
        })))));
      }));
    }

    @Test
    void aStoppedAgentAnswersNoproc(Vertx vertx, VertxTestContext ctx) {
      Agent.start(vertx, () -> 1)
        .compose(agent -> agent.stop().compose(v -> agent.get(Function.identity())))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertFailure(OtpException.Failure.NOPROC, err);
          ctx.completeNow();
        })));
    }
  }

  @Nested
  class Naming {

    @Test
    void aNamedAgentIsRegisteredUnderItsName(Vertx vertx, VertxTestContext ctx) {
      Agent.start(vertx, () -> 1, "store").onComplete(ctx.succeeding(agent -> ctx.verify(() -> {
        assertEquals(Optional.of(agent.pid()), Registry.whereis(vertx, "store"));
        ctx.completeNow();
      })));
    }

    @Test
    void aSecondAgentWithTheSameNameFailsAlreadyStartedAndItsSupplierNeverRuns(Vertx vertx, VertxTestContext ctx) {
      AtomicBoolean secondRan = new AtomicBoolean();
      Agent.start(vertx, () -> 1, "store").onComplete(ctx.succeeding(first ->
        Agent.start(vertx, () -> {
          secondRan.set(true);
          return 2;
        }, "store").onComplete(ctx.failing(err -> ctx.verify(() -> {
          OtpException taken = assertFailure(OtpException.Failure.ALREADY_STARTED, err);
          assertEquals(first.pid(), taken.pid());
          assertFalse(secondRan.get(), "the refused agent computed its state");
          assertEquals(Map.of("store", first.pid()), Registry.registered(vertx));
          ctx.completeNow();
        })))));
    }
  }

  @Nested
  class Crashes {

    /** Makes the agent run a throwing function through {@code crash}, and checks the caller, the DOWN and the name. */
    private void checkCrash(Vertx vertx, VertxTestContext ctx, Function<Agent<Integer>, Future<?>> crash) {
      Checkpoint done = ctx.checkpoint(2);
      Agent.start(vertx, () -> 1, "store").onComplete(ctx.succeeding(agent -> {
        Monitor monitor = Processes.monitor(vertx, agent.pid());
        crash.apply(agent).onComplete(ctx.failing(err -> ctx.verify(() -> {
          OtpException exit = assertFailure(OtpException.Failure.EXIT, err);
          assertEquals(agent.pid(), exit.pid());
          assertCrash(exit.reason(), "bad function");
          done.flag();
        })));
        monitor.down()
          .compose(down -> {
            ctx.verify(() -> {
              assertCrash(down.reason(), "bad function");
              assertFalse(Processes.isAlive(vertx, agent.pid()));
              assertEquals(Optional.empty(), Registry.whereis(vertx, "store"));
            });
            return agent.get(Function.identity());
          })
          .onComplete(ctx.failing(err -> ctx.verify(() -> {
            assertFailure(OtpException.Failure.NOPROC, err);
            done.flag();
          })));
      }));
    }

    @Test
    void aThrowingGetCrashesTheAgent(Vertx vertx, VertxTestContext ctx) {
      checkCrash(vertx, ctx, agent -> agent.get(n -> fail("bad function")));
    }

    @Test
    void aThrowingUpdateCrashesTheAgent(Vertx vertx, VertxTestContext ctx) {
      checkCrash(vertx, ctx, agent -> agent.update(n -> fail("bad function")));
    }

    @Test
    void aThrowingGetAndUpdateCrashesTheAgent(Vertx vertx, VertxTestContext ctx) {
      checkCrash(vertx, ctx, agent -> agent.getAndUpdate(n -> {
        throw new IllegalArgumentException("bad function");
      }));
    }

    @Test
    void aThrowingCastCrashesTheAgent(Vertx vertx, VertxTestContext ctx) {
      Agent.start(vertx, () -> 1, "store").onComplete(ctx.succeeding(agent -> {
        Monitor monitor = Processes.monitor(vertx, agent.pid());
        agent.cast(n -> fail("bad cast"));
        monitor.down().onComplete(ctx.succeeding(down -> ctx.verify(() -> {
          assertCrash(down.reason(), "bad cast");
          assertEquals(Optional.empty(), Registry.whereis(vertx, "store"));
          ctx.completeNow();
        })));
      }));
    }

    @Test
    void callersStillWaitingWhenTheAgentCrashesFailWithExit(Vertx vertx, VertxTestContext ctx) {
      Checkpoint failed = ctx.checkpoint(2);
      CountDownLatch queued = new CountDownLatch(1);
      // A context of the test's own: calls from the agent's context would be calling_self.
      Context tester = vertx.getOrCreateContext();
      Agent.start(vertx, () -> 1).onComplete(ctx.succeeding(agent -> tester.executeBlocking(() -> {
        // From a worker thread, so that the agent can be held in the crashing function until the
        // second call is surely in its mailbox (a caller arriving after the death gets noproc).
        Future<Void> crashing = agent.update(n -> {
          awaitQuietly(queued);
          return fail("bad function");
        });
        Future<Integer> waiting = agent.get(Function.identity());
        queued.countDown();
        return List.<Future<?>>of(crashing, waiting);
      }).onComplete(ctx.succeeding(calls -> {
        for (Future<?> call : calls) {
          call.onComplete(ctx.failing(err -> ctx.verify(() -> {
            OtpException exit = assertFailure(OtpException.Failure.EXIT, err);
            assertCrash(exit.reason(), "bad function");
            failed.flag();
          })));
        }
      }))));
    }

    @Test
    void aThrowingInitialSupplierFailsTheStartWithExit(Vertx vertx, VertxTestContext ctx) {
      Agent.start(vertx, () -> fail("no state"), "store").onComplete(ctx.failing(err -> ctx.verify(() -> {
        OtpException exit = assertFailure(OtpException.Failure.EXIT, err);
        assertCrash(exit.reason(), "no state");
        assertEquals(Optional.empty(), Registry.whereis(vertx, "store"));
        assertFalse(Processes.isAlive(vertx, exit.pid()));
        ctx.completeNow();
      })));
    }

    @Test
    void theNameOfACrashedAgentCanBeTakenAgain(Vertx vertx, VertxTestContext ctx) {
      Agent.start(vertx, () -> 1, "store").onComplete(ctx.succeeding(agent -> {
        Monitor monitor = Processes.monitor(vertx, agent.pid());
        agent.cast(n -> fail("bad cast"));
        monitor.down()
          .compose(down -> Agent.start(vertx, () -> 2, "store"))
          .compose(fresh -> fresh.get(Function.identity()))
          .onComplete(ctx.succeeding(n -> ctx.verify(() -> {
            assertEquals(2, n);
            assertTrue(Registry.whereis(vertx, "store").isPresent());
            ctx.completeNow();
          })));
      }));
    }
  }
}
