package dev.otpx.process.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otpx.process.CallResult;
import dev.otpx.process.From;
import dev.otpx.process.GenServer;
import dev.otpx.process.InitResult;
import dev.otpx.process.Pid;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The engine's bookkeeping that the public API does not show. */
@ExtendWith(VertxExtension.class)
class ProcessCoreTest {

  /** Answers every call through a deferred decision that is already known. */
  static final class Deferring extends GenServer<Void> {
    @Override
    protected Future<InitResult<Void>> init(JsonObject args) {
      return Future.succeededFuture(InitResult.ok());
    }

    @Override
    protected CallResult<Void> handleCall(Object request, From from, Void state) {
      return CallResult.deferred(Future.succeededFuture(CallResult.reply("done")));
    }
  }

  /** How many callers the process holds, read on its own context. */
  private static Future<Integer> callersHeld(Vertx vertx, Pid pid) {
    ProcessCell cell = ProcessTable.of(vertx).lookup(pid);
    Promise<Integer> held = Promise.promise();
    cell.context().runOnContext(v -> held.complete(((ProcessCore<?>) cell.core()).callersHeld()));
    return held.future();
  }

  @Test
  void answeredDeferredCallsAreForgottenSoTheirRepliesCanBeCollected(Vertx vertx, VertxTestContext ctx) {
    GenServer.start(vertx, new Deferring()).onComplete(ctx.succeeding(pid -> {
      Future<Object> calls = Future.succeededFuture();
      for (int i = 0; i < 100; i++) {
        calls = calls.compose(v -> GenServer.call(vertx, pid, "deferred"));
      }
      calls.compose(v -> callersHeld(vertx, pid))
        .onComplete(ctx.succeeding(held -> ctx.verify(() -> {
          // Each held caller kept its reply reachable: a topic's join replies grew the heap as N².
          assertThat(held).isZero();
          ctx.completeNow();
        })));
    }));
  }
}
