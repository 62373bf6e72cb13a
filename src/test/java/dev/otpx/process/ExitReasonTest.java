package dev.otpx.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
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
class ExitReasonTest {

  private static final List<ExitReason> ALL = List.of(ExitReason.NORMAL, ExitReason.SHUTDOWN,
    ExitReason.shutdown("maintenance"), ExitReason.KILL, ExitReason.KILLED, ExitReason.NOPROC,
    ExitReason.error("disk full"));

  @Nested
  class Normality {

    @Test
    void normalAndShutdownsAreNormal(VertxTestContext ctx) {
      ctx.verify(() -> {
        assertTrue(ExitReason.NORMAL.isNormal());
        assertTrue(ExitReason.SHUTDOWN.isNormal());
        assertTrue(ExitReason.shutdown("maintenance").isNormal());
        ctx.completeNow();
      });
    }

    @Test
    void killsNoprocAndCrashesAreAbnormal(VertxTestContext ctx) {
      ctx.verify(() -> {
        assertFalse(ExitReason.KILL.isNormal());
        assertFalse(ExitReason.KILLED.isNormal());
        assertFalse(ExitReason.NOPROC.isNormal());
        assertFalse(ExitReason.error("disk full").isNormal());
        assertFalse(ExitReason.error(new IllegalStateException("boom")).isNormal());
        ctx.completeNow();
      });
    }
  }

  @Nested
  class Naming {

    @Test
    void codesAreErlangsWords(VertxTestContext ctx) {
      ctx.verify(() -> {
        assertEquals(List.of("normal", "shutdown", "shutdown", "kill", "killed", "noproc", "error"),
          ALL.stream().map(ExitReason::code).toList());
        ctx.completeNow();
      });
    }

    @Test
    void toStringPrintsTheErlangTerm(VertxTestContext ctx) {
      ctx.verify(() -> {
        assertEquals(List.of("normal", "shutdown", "{shutdown, maintenance}", "kill", "killed", "noproc", "{error, disk full}"),
          ALL.stream().map(ExitReason::toString).toList());
        ctx.completeNow();
      });
    }
  }

  @Nested
  class Errors {

    @Test
    void errorFromAnExceptionNamesItsTypeAndMessageAndKeepsIt(VertxTestContext ctx) {
      ctx.verify(() -> {
        IllegalStateException boom = new IllegalStateException("boom");
        ExitReason.Error error = (ExitReason.Error) ExitReason.error(boom);
        assertEquals("java.lang.IllegalStateException: boom", error.message());
        assertSame(boom, error.cause());
        ctx.completeNow();
      });
    }

    @Test
    void errorFromAnExceptionWithoutMessageNamesItsType(VertxTestContext ctx) {
      ctx.verify(() -> {
        ExitReason.Error error = (ExitReason.Error) ExitReason.error(new NullPointerException());
        assertEquals("java.lang.NullPointerException", error.message());
        ctx.completeNow();
      });
    }

    @Test
    void errorFromATextHasNoCause(VertxTestContext ctx) {
      ctx.verify(() -> {
        ExitReason.Error error = (ExitReason.Error) ExitReason.error("disk full");
        assertEquals("disk full", error.message());
        assertNull(error.cause());
        ctx.completeNow();
      });
    }

    @Test
    void anErrorNeedsAMessageAndAShutdownTermIsNotNull(VertxTestContext ctx) {
      ctx.verify(() -> {
        assertThrows(NullPointerException.class, () -> new ExitReason.Error(null, null));
        assertThrows(NullPointerException.class, () -> ExitReason.shutdown(null));
        ctx.completeNow();
      });
    }

    @Test
    void plainShutdownEqualsTheConstant(VertxTestContext ctx) {
      ctx.verify(() -> {
        assertEquals(ExitReason.SHUTDOWN, new ExitReason.Shutdown(null));
        assertEquals(ExitReason.shutdown("x"), ExitReason.shutdown("x"));
        assertFalse(ExitReason.SHUTDOWN.equals(ExitReason.shutdown("x")));
        ctx.completeNow();
      });
    }
  }

  @Nested
  class Json {

    @Test
    void toJsonCarriesTheCodeAndTheTermOrMessage(VertxTestContext ctx) {
      ctx.verify(() -> {
        assertEquals(new JsonObject().put("reason", "normal"), ExitReason.NORMAL.toJson());
        assertEquals(new JsonObject().put("reason", "shutdown"), ExitReason.SHUTDOWN.toJson());
        assertEquals(new JsonObject().put("reason", "shutdown").put("term", "maintenance"),
          ExitReason.shutdown("maintenance").toJson());
        assertEquals(new JsonObject().put("reason", "killed"), ExitReason.KILLED.toJson());
        assertEquals(new JsonObject().put("reason", "error").put("message", "disk full"),
          ExitReason.error("disk full").toJson());
        ctx.completeNow();
      });
    }

    @Test
    void everyReasonSurvivesAJsonRoundTrip(VertxTestContext ctx) {
      ctx.verify(() -> {
        for (ExitReason reason : ALL) {
          assertEquals(reason, ExitReason.fromJson(reason.toJson()), () -> "round trip of " + reason);
        }
        ctx.completeNow();
      });
    }

    @Test
    void aCrashLosesOnlyItsExceptionOnTheWire(VertxTestContext ctx) {
      ctx.verify(() -> {
        ExitReason back = ExitReason.fromJson(ExitReason.error(new IllegalStateException("boom")).toJson());
        assertEquals(new ExitReason.Error("java.lang.IllegalStateException: boom", null), back);
        ctx.completeNow();
      });
    }

    @Test
    void fromJsonRejectsAMissingReason(VertxTestContext ctx) {
      ctx.verify(() -> {
        IllegalArgumentException err = assertThrows(IllegalArgumentException.class,
          () -> ExitReason.fromJson(new JsonObject().put("message", "x")));
        assertEquals("exit reason: missing field 'reason'", err.getMessage());
        ctx.completeNow();
      });
    }

    @Test
    void fromJsonRejectsAnUnknownReasonNamingIt(VertxTestContext ctx) {
      ctx.verify(() -> {
        IllegalArgumentException err = assertThrows(IllegalArgumentException.class,
          () -> ExitReason.fromJson(new JsonObject().put("reason", "exploded")));
        assertTrue(err.getMessage().contains("'exploded'"), err.getMessage());
        ctx.completeNow();
      });
    }
  }
}
