package dev.otpx.counter;

import static dev.otpx.process.testing.OtpAsserts.assertFailure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.otpx.process.CallResult;
import dev.otpx.process.ExitReason;
import dev.otpx.process.From;
import dev.otpx.process.GenServer;
import dev.otpx.process.InitResult;
import dev.otpx.process.OtpException;
import dev.otpx.process.Processes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Duration;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class CounterTest {

  /** Takes every call and never answers it. */
  private static final class Silent extends GenServer<Void> {
    @Override
    protected Future<InitResult<Void>> init(JsonObject args) {
      return Future.succeededFuture(InitResult.ok(null));
    }

    @Override
    protected CallResult<Void> handleCall(Object request, From from, Void state) {
      return CallResult.noReply(state);
    }
  }

  @Nested
  class Counting {

    @Test
    void valueReadsTheCounter(Vertx vertx, VertxTestContext ctx) {
      CounterServer.start(vertx, "counter", 12, Duration.ZERO)
        .compose(pid -> Counter.value(vertx, "counter"))
        .onComplete(ctx.succeeding(n -> ctx.verify(() -> {
          assertEquals(12, n);
          ctx.completeNow();
        })));
    }

    @Test
    void incrementsAndDecrementsAreCountedBeforeALaterValue(Vertx vertx, VertxTestContext ctx) {
      CounterServer.start(vertx, "counter", 0, Duration.ZERO).compose(pid -> {
        Counter.increment(vertx, "counter");
        Counter.increment(vertx, "counter");
        Counter.increment(vertx, "counter");
        Counter.decrement(vertx, "counter");
        return Counter.value(vertx, "counter");
      }).onComplete(ctx.succeeding(n -> ctx.verify(() -> {
        assertEquals(2, n);
        ctx.completeNow();
      })));
    }

    @Test
    void theFacadeAndTheEventBusShareOneCounter(Vertx vertx, VertxTestContext ctx) {
      CounterServer.start(vertx, "counter", 0, Duration.ZERO).compose(pid -> {
        Counter.increment(vertx, "counter");
        return vertx.eventBus().<JsonObject>request("counter", new JsonObject().put("action", "inc"));
      }).compose(reply -> Counter.value(vertx, "counter").map(n -> reply.body().getInteger("value") + "," + n))
        .onComplete(ctx.succeeding(values -> ctx.verify(() -> {
          assertEquals("2,2", values);
          ctx.completeNow();
        })));
    }
  }

  @Nested
  class Failures {

    @Test
    void valueOfANameNobodyHoldsFailsNoprocAtOnce(Vertx vertx, VertxTestContext ctx) {
      Future<Integer> value = Counter.value(vertx, "nobody");
      ctx.verify(() -> {
        assertTrue(value.failed(), "noproc must not wait for a timeout");
        OtpException noproc = assertFailure(OtpException.Failure.NOPROC, value.cause());
        assertEquals("noproc", noproc.code());
        assertTrue(noproc.getMessage().contains("nobody"), noproc.getMessage());
        ctx.completeNow();
      });
    }

    @Test
    void incrementAndDecrementOfANameNobodyHoldsDoNotFail(Vertx vertx, VertxTestContext ctx) {
      ctx.verify(() -> {
        Counter.increment(vertx, "nobody");
        Counter.decrement(vertx, "nobody");
        ctx.completeNow();
      });
    }

    @Test
    void valueOfAServerThatNeverAnswersTimesOut(Vertx vertx, VertxTestContext ctx) {
      GenServer.start(vertx, new Silent(), "counter")
        .compose(pid -> Counter.value(vertx, "counter", Duration.ofMillis(100)))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertFailure(OtpException.Failure.TIMEOUT, err);
          ctx.completeNow();
        })));
    }

    @Test
    void valueOfACounterThatDiesBeforeAnsweringFailsExit(Vertx vertx, VertxTestContext ctx) {
      GenServer.start(vertx, new Silent(), "counter").onComplete(ctx.succeeding(pid -> {
        Future<Integer> value = Counter.value(vertx, "counter", Duration.ofSeconds(2));
        Processes.kill(vertx, pid);
        value.onComplete(ctx.failing(err -> ctx.verify(() -> {
          OtpException exit = assertFailure(OtpException.Failure.EXIT, err);
          assertEquals(pid, exit.pid());
          assertEquals(ExitReason.KILLED, exit.reason());
          ctx.completeNow();
        })));
      }));
    }
  }
}
