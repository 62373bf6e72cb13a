package dev.otpx.process.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.otpx.process.AutoShutdown;
import dev.otpx.process.ChildType;
import dev.otpx.process.Restart;
import dev.otpx.process.Strategy;
import org.junit.jupiter.api.Test;

class WireNamesTest {

  @Test
  void everyPolicyReadsBackItsOwnWireName() {
    for (Restart value : Restart.values()) {
      assertThat(Restart.parse(value.wireName())).isEqualTo(value);
    }
    for (Strategy value : Strategy.values()) {
      assertThat(Strategy.parse(value.wireName())).isEqualTo(value);
    }
    for (AutoShutdown value : AutoShutdown.values()) {
      assertThat(AutoShutdown.parse(value.wireName())).isEqualTo(value);
    }
    for (ChildType value : ChildType.values()) {
      assertThat(ChildType.parse(value.wireName())).isEqualTo(value);
    }
    assertThat(Strategy.REST_FOR_ONE.wireName()).isEqualTo("rest_for_one");
  }

  @Test
  void anUnknownNameListsWhatWasExpected() {
    assertThatThrownBy(() -> Strategy.parse("one_for_some"))
      .hasMessage("expected one_for_one, one_for_all or rest_for_one, got 'one_for_some'");
    assertThatThrownBy(() -> ChildType.parse("Worker")).hasMessage("expected worker or supervisor, got 'Worker'");
    assertThatThrownBy(() -> Restart.parse(null)).hasMessageContaining("got 'null'");
  }
}
