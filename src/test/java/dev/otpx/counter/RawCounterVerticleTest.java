package dev.otpx.counter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class RawCounterVerticleTest {

  private static final String ADDRESS = "raw.counter";
  private static final JsonObject INC = new JsonObject().put("action", "inc");
  private static final JsonObject DEC = new JsonObject().put("action", "dec");
  private static final JsonObject VAL = new JsonObject().put("action", "val");

  private String deploymentId;

  @BeforeEach
  void deploy(Vertx vertx, VertxTestContext ctx) {
    vertx.deployVerticle(new RawCounterVerticle(ADDRESS, 7)).onComplete(ctx.succeeding(id -> {
      deploymentId = id;
      ctx.completeNow();
    }));
  }

  private static Future<JsonObject> request(Vertx vertx, Object body) {
    return vertx.eventBus().<JsonObject>request(ADDRESS, body).map(reply -> reply.body());
  }

  @Nested
  class RequestReply {

    @Test
    void valAnswersTheInitialValue(Vertx vertx, VertxTestContext ctx) {
      request(vertx, VAL).onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
        assertEquals(new JsonObject().put("value", 7), reply);
        ctx.completeNow();
      })));
    }

    @Test
    void sentIncAndDecAreCountedBeforeALaterVal(Vertx vertx, VertxTestContext ctx) {
      vertx.eventBus().send(ADDRESS, INC);
      vertx.eventBus().send(ADDRESS, INC);
      vertx.eventBus().send(ADDRESS, DEC);
      request(vertx, VAL).onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
        assertEquals(8, reply.getInteger("value"));
        ctx.completeNow();
      })));
    }

    @Test
    void incAndDecAsRequestsAnswerTheNewValue(Vertx vertx, VertxTestContext ctx) {
      request(vertx, INC)
        .compose(afterInc -> request(vertx, DEC).map(afterDec -> afterInc.getInteger("value") + "," + afterDec.getInteger("value")))
        .onComplete(ctx.succeeding(values -> ctx.verify(() -> {
          assertEquals("8,7", values);
          ctx.completeNow();
        })));
    }

    @Test
    void anUnknownActionRequestFailsWith400UnknownAction(Vertx vertx, VertxTestContext ctx) {
      request(vertx, new JsonObject().put("action", "reset")).onComplete(ctx.failing(err -> ctx.verify(() -> {
        ReplyException failure = assertInstanceOf(ReplyException.class, err);
        assertEquals(ReplyFailure.RECIPIENT_FAILURE, failure.failureType());
        assertEquals(400, failure.failureCode());
        assertTrue(failure.getMessage().startsWith("unknown_action"), failure.getMessage());
        assertTrue(failure.getMessage().contains("'reset'"), failure.getMessage());
        ctx.completeNow();
      })));
    }

    @Test
    void aRequestThatIsNotAnObjectFailsWith400(Vertx vertx, VertxTestContext ctx) {
      request(vertx, "val").onComplete(ctx.failing(err -> ctx.verify(() -> {
        ReplyException failure = assertInstanceOf(ReplyException.class, err);
        assertEquals(400, failure.failureCode());
        assertTrue(failure.getMessage().startsWith("unknown_action"), failure.getMessage());
        ctx.completeNow();
      })));
    }

    @Test
    void anUnknownSendIsIgnoredAndTheCounterKeepsServing(Vertx vertx, VertxTestContext ctx) {
      vertx.eventBus().send(ADDRESS, new JsonObject().put("action", "reset"));
      vertx.eventBus().send(ADDRESS, "garbage");
      vertx.eventBus().send(ADDRESS, INC);
      request(vertx, VAL).onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
        assertEquals(8, reply.getInteger("value"));
        ctx.completeNow();
      })));
    }
  }

  @Nested
  class RefProtocol {

    @Test
    void valWithAReplyToGetsTheValueAndTheRefThere(Vertx vertx, VertxTestContext ctx) {
      MessageConsumer<JsonObject> inbox = vertx.eventBus().consumer("test.inbox", message -> ctx.verify(() -> {
        assertEquals(new JsonObject().put("value", 8).put("ref", "r-1"), message.body());
        ctx.completeNow();
      }));
      inbox.completion().onComplete(ctx.succeeding(v -> {
        vertx.eventBus().send(ADDRESS, INC);
        vertx.eventBus().send(ADDRESS, VAL.copy().put("ref", "r-1").put("reply_to", "test.inbox"));
      }));
    }
  }

  @Nested
  class Lifecycle {

    @Test
    void afterUndeployNobodyListensAtTheAddress(Vertx vertx, VertxTestContext ctx) {
      vertx.undeploy(deploymentId)
        .compose(v -> request(vertx, VAL))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          ReplyException failure = assertInstanceOf(ReplyException.class, err);
          assertEquals(ReplyFailure.NO_HANDLERS, failure.failureType());
          ctx.completeNow();
        })));
    }

    @Test
    void theAddressIsRequired(Vertx vertx, VertxTestContext ctx) {
      ctx.verify(() -> {
        assertThrows(NullPointerException.class, () -> new RawCounterVerticle(null, 0));
        ctx.completeNow();
      });
    }
  }
}
