package dev.otpx.process;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.otpx.process.testing.EchoServer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@ExtendWith(VertxExtension.class)
class PidTest {

  @Nested
  class Printing {

    @Test
    void toStringIsErlangStyle(VertxTestContext ctx) {
      ctx.verify(() -> {
        assertEquals("<node1.42>", new Pid("node1", 42).toString());
        ctx.completeNow();
      });
    }

    @Test
    void addressIsThePidPrefixNodeAndId(VertxTestContext ctx) {
      ctx.verify(() -> {
        assertEquals("otpx.pid.node1.42", new Pid("node1", 42).address());
        ctx.completeNow();
      });
    }

    @Test
    void parseReadsWhatToStringPrints(VertxTestContext ctx) {
      ctx.verify(() -> {
        Pid pid = new Pid("a1b2-c3", 7);
        assertEquals(pid, Pid.parse(pid.toString()));
        assertEquals(new Pid("n", 0), Pid.parse("<n.0>"));
        ctx.completeNow();
      });
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "n.1", "<n.1", "n.1>", "<n>", "<.1>", "<n.>", "<n.x>", "<n.-1>", "<a.b.1>", "<n<.1>"})
    void parseRejectsWhatIsNotAPid(String text, VertxTestContext ctx) {
      ctx.verify(() -> {
        assertThrows(IllegalArgumentException.class, () -> Pid.parse(text));
        ctx.completeNow();
      });
    }

    @Test
    void parseOfANonNumberKeepsTheCause(VertxTestContext ctx) {
      ctx.verify(() -> {
        IllegalArgumentException err = assertThrows(IllegalArgumentException.class, () -> Pid.parse("<n.abc>"));
        assertEquals("not a pid: <n.abc>", err.getMessage());
        assertInstanceOf(NumberFormatException.class, err.getCause());
        ctx.completeNow();
      });
    }
  }

  @Nested
  class Validation {

    @ParameterizedTest
    @ValueSource(strings = {"", "a.b", "a<b"})
    void nodeMustBeNonEmptyWithoutDotOrAngleBracket(String node, VertxTestContext ctx) {
      ctx.verify(() -> {
        IllegalArgumentException err = assertThrows(IllegalArgumentException.class, () -> new Pid(node, 1));
        assertEquals("node id must be non-empty without '.' or '<': " + node, err.getMessage());
        ctx.completeNow();
      });
    }

    @Test
    void nodeMustNotBeNull(VertxTestContext ctx) {
      ctx.verify(() -> {
        assertThrows(NullPointerException.class, () -> new Pid(null, 1));
        ctx.completeNow();
      });
    }

    @Test
    void idMustNotBeNegative(VertxTestContext ctx) {
      ctx.verify(() -> {
        IllegalArgumentException err = assertThrows(IllegalArgumentException.class, () -> new Pid("n", -1));
        assertEquals("id must not be negative: -1", err.getMessage());
        ctx.completeNow();
      });
    }

    @Test
    void pidsWithTheSameNodeAndIdAreEqual(VertxTestContext ctx) {
      ctx.verify(() -> {
        assertEquals(new Pid("n", 3), new Pid("n", 3));
        assertEquals(new Pid("n", 3).hashCode(), new Pid("n", 3).hashCode());
        assertNotEquals(new Pid("n", 3), new Pid("m", 3));
        assertNotEquals(new Pid("n", 3), new Pid("n", 4));
        ctx.completeNow();
      });
    }
  }

  @Nested
  class HandedOutByANode {

    @Test
    void aRestartedProcessGetsANewPidOnTheSameNode(Vertx vertx, VertxTestContext ctx) {
      GenServer.start(vertx, new EchoServer(), "worker")
        .compose(first -> GenServer.stop(vertx, first)
          .compose(v -> GenServer.start(vertx, new EchoServer(), "worker"))
          .onComplete(ctx.succeeding(second -> ctx.verify(() -> {
            assertNotEquals(first, second);
            assertEquals(first.node(), second.node());
            ctx.completeNow();
          }))));
    }

    @Test
    void theProcessListensOnItsPidAddress(Vertx vertx, VertxTestContext ctx) {
      GenServer.start(vertx, new EchoServer())
        .compose(pid -> vertx.eventBus().<Object>request(pid.address(), new JsonObject().put("n", 1)))
        .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          assertEquals(new JsonObject().put("n", 1).put("echo", true), reply.body());
          ctx.completeNow();
        })));
    }
  }
}
