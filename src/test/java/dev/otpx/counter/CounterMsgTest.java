package dev.otpx.counter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class CounterMsgTest {

  @Nested
  class Writing {

    @Test
    void eachMessageIsItsActionOnTheWire(VertxTestContext ctx) {
      ctx.verify(() -> {
        assertEquals(new JsonObject().put("action", "inc"), new CounterMsg.Increment().toJson());
        assertEquals(new JsonObject().put("action", "dec"), new CounterMsg.Decrement().toJson());
        assertEquals(new JsonObject().put("action", "val"), new CounterMsg.Value().toJson());
        ctx.completeNow();
      });
    }

    @Test
    void theValueReplyIsAnObjectWithTheValue(VertxTestContext ctx) {
      ctx.verify(() -> {
        assertEquals(new JsonObject().put("value", -3), CounterMsg.valueReply(-3));
        ctx.completeNow();
      });
    }

    @Test
    void eachCallGetsAFreshObjectToAddTo(VertxTestContext ctx) {
      ctx.verify(() -> {
        CounterMsg.Value value = new CounterMsg.Value();
        value.toJson().put("ref", "r1");
        assertEquals(new JsonObject().put("action", "val"), value.toJson());
        ctx.completeNow();
      });
    }
  }

  @Nested
  class Reading {

    @Test
    void everyMessageSurvivesARoundTrip(VertxTestContext ctx) {
      ctx.verify(() -> {
        for (CounterMsg msg : List.of(new CounterMsg.Increment(), new CounterMsg.Decrement(), new CounterMsg.Value())) {
          assertEquals(msg, CounterMsg.fromJson(msg.toJson()));
        }
        ctx.completeNow();
      });
    }

    @Test
    void extraFieldsAreIgnored(VertxTestContext ctx) {
      ctx.verify(() -> {
        assertInstanceOf(CounterMsg.Value.class,
          CounterMsg.fromJson(new JsonObject().put("action", "val").put("ref", "r1").put("reply_to", "x")));
        ctx.completeNow();
      });
    }

    @Test
    void aBodyThatIsNotAnObjectIsRejected(VertxTestContext ctx) {
      ctx.verify(() -> {
        IllegalArgumentException err = assertThrows(IllegalArgumentException.class, () -> CounterMsg.fromJson("inc"));
        assertTrue(err.getMessage().startsWith("expected a JSON object"), err.getMessage());
        assertThrows(IllegalArgumentException.class, () -> CounterMsg.fromJson(null));
        ctx.completeNow();
      });
    }

    @Test
    void aMissingActionIsRejected(VertxTestContext ctx) {
      ctx.verify(() -> {
        IllegalArgumentException err = assertThrows(IllegalArgumentException.class,
          () -> CounterMsg.fromJson(new JsonObject().put("act", "inc")));
        assertEquals("missing field 'action' (inc, dec or val)", err.getMessage());
        ctx.completeNow();
      });
    }

    @Test
    void anUnknownActionIsRejectedByName(VertxTestContext ctx) {
      ctx.verify(() -> {
        IllegalArgumentException err = assertThrows(IllegalArgumentException.class,
          () -> CounterMsg.fromJson(new JsonObject().put("action", "reset")));
        assertEquals("unknown action 'reset' (inc, dec or val)", err.getMessage());
        ctx.completeNow();
      });
    }

    @Test
    void actionsAreCaseSensitive(VertxTestContext ctx) {
      ctx.verify(() -> {
        assertThrows(IllegalArgumentException.class, () -> CounterMsg.fromJson(new JsonObject().put("action", "INC")));
        ctx.completeNow();
      });
    }
  }
}
