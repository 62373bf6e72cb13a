package dev.otpx.process.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otpx.process.OtpException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class LocalCallerTest {

  @Test
  void theFirstAnswerWinsAndLaterOnesAreDropped(Vertx vertx, VertxTestContext ctx) {
    LocalCaller<String> caller = new LocalCaller<>((ContextInternal) vertx.getOrCreateContext(), ProcessTable.of(vertx).clock(), "t", "t", 60_000);
    caller.reply("first");
    caller.reply("second");
    caller.fail(OtpException.noproc("t"));
    assertThat(caller.isDone()).isTrue();
    caller.future().onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
      assertThat(reply).isEqualTo("first");
      ctx.completeNow();
    })));
  }

  @Test
  void theTimeoutFailsTheCallWithItsCode(Vertx vertx, VertxTestContext ctx) {
    LocalCaller<String> caller = new LocalCaller<>((ContextInternal) vertx.getOrCreateContext(), ProcessTable.of(vertx).clock(), "slow", "slow", 20);
    caller.future().onComplete(ctx.failing(err -> ctx.verify(() -> {
      assertThat(((OtpException) err).failure()).isEqualTo(OtpException.Failure.TIMEOUT);
      caller.reply("late");
      assertThat(caller.future().failed()).isTrue();
      ctx.completeNow();
    })));
  }

  @Test
  void aJsonReplyIsCopiedSoTheServerCannotChangeItAfterwards(Vertx vertx, VertxTestContext ctx) {
    LocalCaller<JsonObject> caller = new LocalCaller<>((ContextInternal) vertx.getOrCreateContext(), ProcessTable.of(vertx).clock(), "t", "t", 60_000);
    JsonObject state = new JsonObject().put("n", 1);
    caller.reply(state);
    state.put("n", 2);
    Future<JsonObject> reply = caller.future();
    reply.onComplete(ctx.succeeding(json -> ctx.verify(() -> {
      assertThat(json.getInteger("n")).isEqualTo(1);
      ctx.completeNow();
    })));
  }
}
