package dev.otpx.process.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otpx.process.OtpException;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class EventBusCallerTest {

  record NotEncodable(String text) { }

  @Test
  void theFirstAnswerWinsAndTheCallerIsDone(Vertx vertx, VertxTestContext ctx) {
    vertx.eventBus().consumer("t.first", message -> {
      EventBusCaller caller = new EventBusCaller(message);
      caller.reply("first");
      caller.fail(OtpException.noproc("x"));
      caller.reply("second");
      ctx.verify(() -> assertThat(caller.isDone()).isTrue());
    }).completion()
      .compose(v -> vertx.eventBus().<String>request("t.first", "q"))
      .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
        assertThat(reply.body()).isEqualTo("first");
        ctx.completeNow();
      })));
  }

  @Test
  void aFailureCarriesItsCodeAndSnakeCaseMessage(Vertx vertx, VertxTestContext ctx) {
    vertx.eventBus().consumer("t.fail", message -> new EventBusCaller(message).replyError("unknown_action", "no such action"))
      .completion()
      .compose(v -> vertx.eventBus().request("t.fail", "q"))
      .onComplete(ctx.failing(err -> ctx.verify(() -> {
        assertThat(((ReplyException) err).failureCode()).isEqualTo(OtpException.Failure.ERROR.failureCode());
        assertThat(err.getMessage()).isEqualTo("unknown_action: no such action");
        ctx.completeNow();
      })));
  }

  @Test
  void aReplyThatCannotCrossTheBusBecomesABadReplyFailure(Vertx vertx, VertxTestContext ctx) {
    vertx.eventBus().consumer("t.bad", message -> new EventBusCaller(message).reply(new NotEncodable("x")))
      .completion()
      .compose(v -> vertx.eventBus().request("t.bad", "q"))
      .onComplete(ctx.failing(err -> ctx.verify(() -> {
        assertThat(err.getMessage()).startsWith("bad_reply:");
        ctx.completeNow();
      })));
  }
}
