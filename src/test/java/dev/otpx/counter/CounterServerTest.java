package dev.otpx.counter;

import static dev.otpx.process.testing.OtpAsserts.assertCrash;
import static dev.otpx.process.testing.OtpAsserts.assertFailure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.otpx.process.ExitReason;
import dev.otpx.process.GenServer;
import dev.otpx.process.Monitor;
import dev.otpx.process.OtpException;
import dev.otpx.process.Pid;
import dev.otpx.process.Processes;
import dev.otpx.process.Registry;
import dev.otpx.process.VirtualClock;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class CounterServerTest {

  private static final JsonObject INC = new JsonObject().put("action", "inc");
  private static final JsonObject DEC = new JsonObject().put("action", "dec");
  private static final JsonObject VAL = new JsonObject().put("action", "val");

  private static Future<JsonObject> request(Vertx vertx, String address, Object body) {
    return vertx.eventBus().<JsonObject>request(address, body).map(reply -> reply.body());
  }

  private static Future<Pid> startWithConfig(Vertx vertx, JsonObject config) {
    return GenServer.start(vertx, new CounterServer(), new DeploymentOptions().setConfig(config), "counter");
  }

  @Nested
  class OverTheEventBus {

    @Test
    void valAnswersTheInitialValue(Vertx vertx, VertxTestContext ctx) {
      CounterServer.start(vertx, "counter", 5, Duration.ZERO)
        .compose(pid -> request(vertx, "counter", VAL))
        .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          assertEquals(new JsonObject().put("value", 5), reply);
          ctx.completeNow();
        })));
    }

    @Test
    void sentIncAndDecAreCountedBeforeALaterVal(Vertx vertx, VertxTestContext ctx) {
      CounterServer.start(vertx, "counter", 5, Duration.ZERO).compose(pid -> {
        vertx.eventBus().send("counter", INC);
        vertx.eventBus().send("counter", INC);
        vertx.eventBus().send("counter", DEC);
        vertx.eventBus().send("counter", INC);
        return request(vertx, "counter", VAL);
      }).onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
        assertEquals(new JsonObject().put("value", 7), reply);
        ctx.completeNow();
      })));
    }

    @Test
    void incAsARequestAnswersTheNewValue(Vertx vertx, VertxTestContext ctx) {
      CounterServer.start(vertx, "counter", 5, Duration.ZERO)
        .compose(pid -> request(vertx, "counter", INC))
        .compose(afterInc -> request(vertx, "counter", DEC).map(afterDec -> afterInc.getInteger("value") + "," + afterDec.getInteger("value")))
        .onComplete(ctx.succeeding(values -> ctx.verify(() -> {
          assertEquals("6,5", values);
          ctx.completeNow();
        })));
    }

    @Test
    void theCounterAlsoAnswersAtItsPidAddress(Vertx vertx, VertxTestContext ctx) {
      CounterServer.start(vertx, "counter", 9, Duration.ZERO)
        .compose(pid -> request(vertx, pid.address(), VAL))
        .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          assertEquals(9, reply.getInteger("value"));
          ctx.completeNow();
        })));
    }

    @Test
    void anUnknownActionRequestFailsWith400UnknownAction(Vertx vertx, VertxTestContext ctx) {
      CounterServer.start(vertx, "counter", 0, Duration.ZERO)
        .compose(pid -> request(vertx, "counter", new JsonObject().put("action", "reset")))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          ReplyException failure = assertInstanceOf(ReplyException.class, err);
          assertEquals(400, failure.failureCode());
          assertTrue(failure.getMessage().startsWith("unknown_action"), failure.getMessage());
          assertTrue(failure.getMessage().contains("'reset'"), failure.getMessage());
          ctx.completeNow();
        })));
    }

    @Test
    void aRequestThatIsNotAnObjectFailsWith400UnknownAction(Vertx vertx, VertxTestContext ctx) {
      CounterServer.start(vertx, "counter", 0, Duration.ZERO)
        .compose(pid -> request(vertx, "counter", "inc"))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          ReplyException failure = assertInstanceOf(ReplyException.class, err);
          assertEquals(400, failure.failureCode());
          assertTrue(failure.getMessage().startsWith("unknown_action"), failure.getMessage());
          ctx.completeNow();
        })));
    }

    @Test
    void anUnknownActionRequestLeavesTheValueAlone(Vertx vertx, VertxTestContext ctx) {
      CounterServer.start(vertx, "counter", 3, Duration.ZERO)
        .compose(pid -> request(vertx, "counter", new JsonObject().put("action", "reset")).otherwiseEmpty())
        .compose(ignored -> request(vertx, "counter", VAL))
        .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          assertEquals(3, reply.getInteger("value"));
          ctx.completeNow();
        })));
    }

    @Test
    void anUnknownCastKeepsTheCounterServing(Vertx vertx, VertxTestContext ctx) {
      CounterServer.start(vertx, "counter", 3, Duration.ZERO).compose(pid -> {
        vertx.eventBus().send("counter", new JsonObject().put("action", "reset"));
        vertx.eventBus().send("counter", new JsonObject());
        vertx.eventBus().send("counter", "not json");
        vertx.eventBus().send("counter", INC);
        return request(vertx, "counter", VAL).map(reply -> {
          ctx.verify(() -> assertTrue(Processes.isAlive(vertx, pid)));
          return reply;
        });
      }).onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
        assertEquals(4, reply.getInteger("value"));
        ctx.completeNow();
      })));
    }
  }

  @Nested
  class Tick {

    /**
     * Moves virtual time on in ticks of 20 ms until {@code done}, at most 100 times: each tick is a
     * timer whose message the counter handles before it sets the next one.
     */
    private <T> Future<T> ticksUntil(VirtualClock clock, Future<T> done) {
      return ticksUntil(clock, done, 100);
    }

    private <T> Future<T> ticksUntil(VirtualClock clock, Future<T> done, int left) {
      if (done.isComplete() || left == 0) {
        return done;
      }
      return clock.advance(Duration.ofMillis(20)).compose(v -> ticksUntil(clock, done, left - 1));
    }

    @Test
    void theTickCountsDownToZeroThenCrashesWithBoom(Vertx vertx, VertxTestContext ctx) {
      VirtualClock clock = VirtualClock.install(vertx);
      long startedAt = clock.millis();
      CounterServer.start(vertx, "counter", 3, Duration.ofMillis(20)).onComplete(ctx.succeeding(pid -> {
        Monitor monitor = Processes.monitor(vertx, pid);
        ticksUntil(clock, monitor.down()).onComplete(ctx.succeeding(down -> ctx.verify(() -> {
          assertCrash(down.reason(), "boom");
          // 3, 2, 1 ticked down, and the fourth tick found 0: no earlier than 4 ticks of 20 ms.
          long elapsedMs = clock.millis() - startedAt;
          assertTrue(elapsedMs >= 75, "crashed after " + elapsedMs + " ms, before counting down from 3");
          assertEquals(Optional.empty(), Registry.whereis(vertx, "counter"));
          ctx.completeNow();
        })));
      }));
    }

    @Test
    void aCounterAtZeroCrashesOnItsFirstTick(Vertx vertx, VertxTestContext ctx) {
      VirtualClock clock = VirtualClock.install(vertx);
      CounterServer.start(vertx, "counter", 0, Duration.ofMillis(20)).onComplete(ctx.succeeding(pid ->
        ticksUntil(clock, Processes.monitor(vertx, pid).down()).onComplete(ctx.succeeding(down -> ctx.verify(() -> {
          assertCrash(down.reason(), "boom");
          ctx.completeNow();
        })))));
    }

    @Test
    void aCrashedCounterCanBeStartedAgainUnderItsName(Vertx vertx, VertxTestContext ctx) {
      VirtualClock clock = VirtualClock.install(vertx);
      CounterServer.start(vertx, "counter", 0, Duration.ofMillis(20)).onComplete(ctx.succeeding(old ->
        ticksUntil(clock, Processes.monitor(vertx, old).down())
          .compose(down -> CounterServer.start(vertx, "counter", 8, Duration.ZERO))
          .compose(fresh -> {
            ctx.verify(() -> assertNotEquals(old, fresh));
            return request(vertx, "counter", VAL);
          })
          .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
            assertEquals(8, reply.getInteger("value"));
            ctx.completeNow();
          })))));
    }

    @Test
    void tickZeroMeansNoTick(Vertx vertx, VertxTestContext ctx) {
      // A ticking witness at 0 crashes on its first 20 ms tick; by then an untouched counter at 0
      // would have crashed too if tick_ms 0 meant any tick at all (say, as fast as possible).
      VirtualClock clock = VirtualClock.install(vertx);
      Future.all(CounterServer.start(vertx, "still", 0, Duration.ZERO), CounterServer.start(vertx, "witness", 0, Duration.ofMillis(20)))
        .onComplete(ctx.succeeding(both -> {
          Pid still = both.resultAt(0);
          Pid witness = both.resultAt(1);
          ticksUntil(clock, Processes.monitor(vertx, witness).down())
            .compose(down -> {
              ctx.verify(() -> {
                assertCrash(down.reason(), "boom");
                assertTrue(Processes.isAlive(vertx, still), "a counter with tick_ms 0 died");
              });
              return request(vertx, "still", VAL);
            })
            .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
              assertEquals(0, reply.getInteger("value"));
              ctx.completeNow();
            })));
        }));
    }
  }

  @Nested
  class Args {

    @Test
    void argsAreTheInitialValueAndTheTickInMilliseconds(Vertx vertx, VertxTestContext ctx) {
      ctx.verify(() -> {
        assertEquals(new JsonObject().put("initial", 3).put("tick_ms", 20L), CounterServer.args(3, Duration.ofMillis(20)));
        ctx.completeNow();
      });
    }

    @Test
    void withoutArgsTheCounterStartsAtZero(Vertx vertx, VertxTestContext ctx) {
      // The default 1 s tick does not come before the answer.
      startWithConfig(vertx, new JsonObject())
        .compose(pid -> request(vertx, "counter", VAL))
        .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          assertEquals(0, reply.getInteger("value"));
          ctx.completeNow();
        })));
    }

    @Test
    void aWholeNumberWrittenAsADoubleIsAccepted(Vertx vertx, VertxTestContext ctx) {
      startWithConfig(vertx, new JsonObject().put("initial", 4.0).put("tick_ms", 0))
        .compose(pid -> request(vertx, "counter", VAL))
        .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          assertEquals(4, reply.getInteger("value"));
          ctx.completeNow();
        })));
    }

    private void checkRefused(Vertx vertx, VertxTestContext ctx, JsonObject config, String arg) {
      startWithConfig(vertx, config).onComplete(ctx.failing(err -> ctx.verify(() -> {
        OtpException exit = assertFailure(OtpException.Failure.EXIT, err);
        ExitReason.Error crash = assertCrash(exit.reason(), "'" + arg + "'");
        assertInstanceOf(IllegalArgumentException.class, crash.cause());
        assertEquals(Optional.empty(), Registry.whereis(vertx, "counter"));
        assertFalse(Processes.isAlive(vertx, exit.pid()));
        ctx.completeNow();
      })));
    }

    @Test
    void anInitialThatIsNotANumberFailsTheStartNamingIt(Vertx vertx, VertxTestContext ctx) {
      checkRefused(vertx, ctx, new JsonObject().put("initial", "x").put("tick_ms", 0), "initial");
    }

    @Test
    void aFractionalInitialFailsTheStartNamingIt(Vertx vertx, VertxTestContext ctx) {
      checkRefused(vertx, ctx, new JsonObject().put("initial", 1.5).put("tick_ms", 0), "initial");
    }

    @Test
    void aTickThatIsNotANumberFailsTheStartNamingIt(Vertx vertx, VertxTestContext ctx) {
      checkRefused(vertx, ctx, new JsonObject().put("initial", 1).put("tick_ms", "fast"), "tick_ms");
    }

    @Test
    void anInitialBeyondTheIntRangeFailsTheStartNamingIt(Vertx vertx, VertxTestContext ctx) {
      // 2^32 must not wrap around to a counter at 0.
      checkRefused(vertx, ctx, new JsonObject().put("initial", 4_294_967_296L).put("tick_ms", 0), "initial");
    }

    @Test
    void aTickBeyondTheIntRangeFailsTheStartNamingIt(Vertx vertx, VertxTestContext ctx) {
      // 2^32 + 20 must not wrap around to a 20 ms tick.
      checkRefused(vertx, ctx, new JsonObject().put("initial", 1).put("tick_ms", 4_294_967_316L), "tick_ms");
    }

    @Test
    void aNegativeTickFailsTheStartNamingIt(Vertx vertx, VertxTestContext ctx) {
      checkRefused(vertx, ctx, new JsonObject().put("initial", 1).put("tick_ms", -5), "tick_ms");
    }
  }
}
