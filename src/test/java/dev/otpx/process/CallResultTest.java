package dev.otpx.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Future;
import org.junit.jupiter.api.Test;

/** The result shapes of the GenServer callbacks (their handling is in GenServerTest). */
class CallResultTest {

  @Test
  void theFactoriesBuildTheShapesTheyName() {
    assertThat(CallResult.reply("r", 1)).isEqualTo(new CallResult.Reply<>("r", 1));
    assertThat(CallResult.noReply(1)).isEqualTo(new CallResult.NoReply<>(1));
    assertThat(CallResult.error("code", "text", 1)).isEqualTo(new CallResult.Error<>("code", "text", 1));
    assertThat(CallResult.stop(ExitReason.NORMAL, "bye", 1)).isEqualTo(new CallResult.Stop<>(ExitReason.NORMAL, "bye", true, 1));
    assertThat(CallResult.stop(ExitReason.NORMAL, 1)).isEqualTo(new CallResult.Stop<>(ExitReason.NORMAL, null, false, 1));
    assertThat(CastResult.noReply(2)).isEqualTo(new CastResult.NoReply<>(2));
    assertThat(CastResult.stop(ExitReason.SHUTDOWN, 2)).isEqualTo(new CastResult.Stop<>(ExitReason.SHUTDOWN, 2));
    assertThat(InitResult.ok(3)).isEqualTo(new InitResult.Ok<>(3));
    assertThat(InitResult.ignore()).isInstanceOf(InitResult.Ignore.class);
    assertThat(InitResult.stop(ExitReason.KILL)).isEqualTo(new InitResult.Stop<>(ExitReason.KILL));
    Future<CallResult<Integer>> later = Future.succeededFuture(CallResult.noReply(1));
    assertThat(((CallResult.Deferred<Integer>) CallResult.deferred(later)).next()).isSameAs(later);
  }

  @Test
  void whatIsRequiredIsRefusedWhenMissing() {
    assertThatThrownBy(() -> CallResult.stop(null, 1)).isInstanceOf(NullPointerException.class).hasMessageContaining("reason");
    assertThatThrownBy(() -> CallResult.error(null, "text", 1)).hasMessageContaining("code");
    assertThatThrownBy(() -> CastResult.stop(null, 1)).hasMessageContaining("reason");
    assertThatThrownBy(() -> InitResult.stop(null)).hasMessageContaining("reason");
    assertThatThrownBy(() -> CastResult.deferred(null)).hasMessageContaining("next");
  }
}
