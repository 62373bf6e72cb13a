package dev.otpx.counter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class RawCounterTest {

  private static final Duration SHORT = Duration.ofMillis(200);

  /** Stands in for a counter at an address: answers each val as the test says, and remembers the last one. */
  private static final class FakeCounter extends VerticleBase {
    private final String address;
    private final BiConsumer<Vertx, JsonObject> onVal;
    volatile JsonObject lastVal;

    FakeCounter(String address, BiConsumer<Vertx, JsonObject> onVal) {
      this.address = address;
      this.onVal = onVal;
    }

    @Override
    public Future<?> start() {
      return vertx.eventBus().<JsonObject>consumer(address, this::receive).completion();
    }

    private void receive(Message<JsonObject> message) {
      if ("val".equals(message.body().getString("action"))) {
        lastVal = message.body();
        onVal.accept(vertx, message.body());
      }
    }
  }

  private static void answer(Vertx vertx, JsonObject val, String ref, int value) {
    vertx.eventBus().send(val.getString("reply_to"), new JsonObject().put("value", value).put("ref", ref));
  }

  @Nested
  class AgainstTheRealCounter {

    @Test
    void valueFollowsTheRefProtocol(Vertx vertx, VertxTestContext ctx) {
      vertx.deployVerticle(new RawCounterVerticle("raw", 4))
        .compose(id -> {
          RawCounter.increment(vertx, "raw");
          RawCounter.increment(vertx, "raw");
          RawCounter.decrement(vertx, "raw");
          return RawCounter.value(vertx, "raw", SHORT);
        })
        .onComplete(ctx.succeeding(n -> ctx.verify(() -> {
          assertEquals(5, n);
          ctx.completeNow();
        })));
    }

    @Test
    void plainRequestReplyReachesTheSameCounter(Vertx vertx, VertxTestContext ctx) {
      vertx.deployVerticle(new RawCounterVerticle("raw", 4))
        .compose(id -> {
          RawCounter.increment(vertx, "raw");
          return vertx.eventBus().<JsonObject>request("raw", new JsonObject().put("action", "val"));
        })
        .compose(reply -> RawCounter.value(vertx, "raw", SHORT).map(n -> reply.body().getInteger("value") + "," + n))
        .onComplete(ctx.succeeding(values -> ctx.verify(() -> {
          assertEquals("5,5", values);
          ctx.completeNow();
        })));
    }

    @Test
    void anUnknownActionRequestFailsWith400(Vertx vertx, VertxTestContext ctx) {
      vertx.deployVerticle(new RawCounterVerticle("raw", 4))
        .compose(id -> vertx.eventBus().request("raw", new JsonObject().put("action", "nope")))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          ReplyException failure = assertInstanceOf(ReplyException.class, err);
          assertEquals(400, failure.failureCode());
          assertTrue(failure.getMessage().startsWith("unknown_action"), failure.getMessage());
          ctx.completeNow();
        })));
    }
  }

  @Nested
  class References {

    @Test
    void aReplyWithTheWrongRefIsIgnored(Vertx vertx, VertxTestContext ctx) {
      FakeCounter fake = new FakeCounter("fake", (v, val) -> {
        answer(v, val, "somebody-else", -1);
        answer(v, val, val.getString("ref"), 42);
      });
      vertx.deployVerticle(fake)
        .compose(id -> RawCounter.value(vertx, "fake", SHORT))
        .onComplete(ctx.succeeding(n -> ctx.verify(() -> {
          assertEquals(42, n);
          ctx.completeNow();
        })));
    }

    @Test
    void onlyWrongRefsMeanATimeout(Vertx vertx, VertxTestContext ctx) {
      FakeCounter fake = new FakeCounter("fake", (v, val) -> {
        answer(v, val, "somebody-else", -1);
        answer(v, val, null, -2);
      });
      vertx.deployVerticle(fake)
        .compose(id -> RawCounter.value(vertx, "fake", SHORT))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertInstanceOf(TimeoutException.class, err);
          ctx.completeNow();
        })));
    }

    @Test
    void eachValueCarriesAFreshRefAndItsOwnReplyAddress(Vertx vertx, VertxTestContext ctx) {
      FakeCounter fake = new FakeCounter("fake", (v, val) -> answer(v, val, val.getString("ref"), 1));
      vertx.deployVerticle(fake)
        .compose(id -> RawCounter.value(vertx, "fake", SHORT).map(n -> fake.lastVal))
        .compose(first -> RawCounter.value(vertx, "fake", SHORT).map(n -> {
          ctx.verify(() -> {
            JsonObject second = fake.lastVal;
            assertNotNull(first.getString("ref"));
            assertTrue(first.getString("reply_to").startsWith("fake.reply."), first.getString("reply_to"));
            assertTrue(!first.getString("ref").equals(second.getString("ref")), "ref reused");
            assertTrue(!first.getString("reply_to").equals(second.getString("reply_to")), "reply address reused");
          });
          return n;
        }))
        .onComplete(ctx.succeedingThenComplete());
    }

    @Test
    void theReplyAddressIsDroppedOnceAnswered(Vertx vertx, VertxTestContext ctx) {
      FakeCounter fake = new FakeCounter("fake", (v, val) -> answer(v, val, val.getString("ref"), 1));
      vertx.deployVerticle(fake)
        .compose(id -> RawCounter.value(vertx, "fake", SHORT))
        .compose(n -> vertx.eventBus().request(fake.lastVal.getString("reply_to"), new JsonObject()))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertEquals(ReplyFailure.NO_HANDLERS, assertInstanceOf(ReplyException.class, err).failureType());
          ctx.completeNow();
        })));
    }
  }

  @Nested
  class NoCounter {

    @Test
    void valueWithNobodyAtTheAddressFailsAfterTheTimeout(Vertx vertx, VertxTestContext ctx) {
      long startedAt = System.nanoTime();
      RawCounter.value(vertx, "nobody", SHORT).onComplete(ctx.failing(err -> ctx.verify(() -> {
        TimeoutException timeout = assertInstanceOf(TimeoutException.class, err);
        long elapsedMs = (System.nanoTime() - startedAt) / 1_000_000;
        assertTrue(elapsedMs >= SHORT.toMillis() - 5, "failed after " + elapsedMs + " ms");
        assertTrue(timeout.getMessage().contains("nobody"), timeout.getMessage());
        ctx.completeNow();
      })));
    }

    @Test
    void incrementAndDecrementWithNobodyAtTheAddressDoNotFail(Vertx vertx, VertxTestContext ctx) {
      ctx.verify(() -> {
        RawCounter.increment(vertx, "nobody");
        RawCounter.decrement(vertx, "nobody");
        ctx.completeNow();
      });
    }
  }
}
