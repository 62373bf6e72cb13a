package dev.otpx.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class OtpExceptionTest {

  private static final Pid PID = new Pid("node1", 9);

  @Nested
  class Failures {

    @Test
    void eachFailureHasItsCodeAndEventBusFailureCode(VertxTestContext ctx) {
      ctx.verify(() -> {
        assertEquals(List.of("noproc:404", "exit:500", "timeout:504", "calling_self:508", "already_started:409",
            "ignore:204", "error:400"),
          Arrays.stream(OtpException.Failure.values()).map(f -> f.code() + ":" + f.failureCode()).toList());
        ctx.completeNow();
      });
    }
  }

  @Nested
  class Factories {

    @Test
    void noprocNamesTheTargetAndHasReasonNoproc(VertxTestContext ctx) {
      ctx.verify(() -> {
        OtpException e = OtpException.noproc("counter");
        assertEquals(OtpException.Failure.NOPROC, e.failure());
        assertEquals("noproc", e.code());
        assertEquals("noproc: no process counter", e.getMessage());
        assertSame(ExitReason.NOPROC, e.reason());
        assertNull(e.pid());
        ctx.completeNow();
      });
    }

    @Test
    void exitCarriesThePidAndTheReason(VertxTestContext ctx) {
      ctx.verify(() -> {
        ExitReason reason = ExitReason.error("disk full");
        OtpException e = OtpException.exit(PID, reason);
        assertEquals(OtpException.Failure.EXIT, e.failure());
        assertEquals("exit", e.code());
        assertEquals(PID, e.pid());
        assertSame(reason, e.reason());
        assertEquals("exit: process <node1.9> exited with {error, disk full}", e.getMessage());
        ctx.completeNow();
      });
    }

    @Test
    void timeoutNamesTargetAndTimeout(VertxTestContext ctx) {
      ctx.verify(() -> {
        OtpException e = OtpException.timeout("counter", 250);
        assertEquals(OtpException.Failure.TIMEOUT, e.failure());
        assertEquals("timeout: no reply from counter within 250 ms", e.getMessage());
        ctx.completeNow();
      });
    }

    @Test
    void alreadyStartedNamesTheNameAndTheHolder(VertxTestContext ctx) {
      ctx.verify(() -> {
        OtpException e = OtpException.alreadyStarted("counter", PID);
        assertEquals(OtpException.Failure.ALREADY_STARTED, e.failure());
        assertEquals("already_started", e.code());
        assertEquals(PID, e.pid());
        assertEquals("already_started: name 'counter' is held by <node1.9>", e.getMessage());
        ctx.completeNow();
      });
    }

    @Test
    void callingSelfAndIgnoreHaveTheirCodes(VertxTestContext ctx) {
      ctx.verify(() -> {
        assertEquals("calling_self", OtpException.callingSelf(PID).code());
        assertEquals(PID, OtpException.callingSelf(PID).pid());
        assertEquals("ignore", OtpException.ignore().code());
        ctx.completeNow();
      });
    }

    @Test
    void anApplicationErrorKeepsTheServersOwnCode(VertxTestContext ctx) {
      ctx.verify(() -> {
        OtpException e = OtpException.error("unknown_action", "no such action 'x'");
        assertEquals(OtpException.Failure.ERROR, e.failure());
        assertEquals("unknown_action", e.code());
        assertEquals("unknown_action: no such action 'x'", e.getMessage());
        ctx.completeNow();
      });
    }
  }
}
