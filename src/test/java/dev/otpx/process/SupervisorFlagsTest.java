package dev.otpx.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class SupervisorFlagsTest {

  @Nested
  class Defaults {

    @Test
    void ofGivesElixirsThreeRestartsInFiveSecondsAndNoAutoShutdown() {
      SupervisorFlags flags = SupervisorFlags.of(Strategy.REST_FOR_ONE);
      assertThat(flags.strategy()).isEqualTo(Strategy.REST_FOR_ONE);
      assertThat(flags.maxRestarts()).isEqualTo(3);
      assertThat(flags.maxSeconds()).isEqualTo(5);
      assertThat(flags.autoShutdown()).isEqualTo(AutoShutdown.NEVER);
      assertThat(SupervisorFlags.DEFAULT_MAX_RESTARTS).isEqualTo(3);
      assertThat(SupervisorFlags.DEFAULT_MAX_SECONDS).isEqualTo(5);
    }

    @Test
    void withCopiesChangeOnlyTheirFields() {
      SupervisorFlags flags = SupervisorFlags.of(Strategy.ONE_FOR_ALL);
      assertThat(flags.withIntensity(10, 60)).isEqualTo(new SupervisorFlags(Strategy.ONE_FOR_ALL, 10, 60, AutoShutdown.NEVER));
      assertThat(flags.withAutoShutdown(AutoShutdown.ALL_SIGNIFICANT))
        .isEqualTo(new SupervisorFlags(Strategy.ONE_FOR_ALL, 3, 5, AutoShutdown.ALL_SIGNIFICANT));
      assertThat(flags).isEqualTo(SupervisorFlags.of(Strategy.ONE_FOR_ALL));
    }

    @Test
    void zeroMaxRestartsIsAllowed() {
      assertThat(SupervisorFlags.of(Strategy.ONE_FOR_ONE).withIntensity(0, 1).maxRestarts()).isZero();
    }
  }

  @Nested
  class Validation {

    @Test
    void aNegativeMaxRestartsIsRefusedNamingTheFlag() {
      assertThatThrownBy(() -> new SupervisorFlags(Strategy.ONE_FOR_ONE, -1, 5, AutoShutdown.NEVER))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'max_restarts'").hasMessageContaining("-1");
      assertThatThrownBy(() -> SupervisorFlags.of(Strategy.ONE_FOR_ONE).withIntensity(-3, 5))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'max_restarts'");
    }

    @Test
    void aMaxSecondsOfZeroOrLessIsRefusedNamingTheFlag() {
      for (long bad : new long[] {0, -1}) {
        assertThatThrownBy(() -> new SupervisorFlags(Strategy.ONE_FOR_ONE, 3, bad, AutoShutdown.NEVER))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'max_seconds'").hasMessageContaining(String.valueOf(bad));
      }
    }

    @Test
    void aMissingStrategyOrAutoShutdownIsRefusedNamingTheFlag() {
      assertThatThrownBy(() -> new SupervisorFlags(null, 3, 5, AutoShutdown.NEVER)).hasMessageContaining("'strategy'");
      assertThatThrownBy(() -> new SupervisorFlags(Strategy.ONE_FOR_ONE, 3, 5, null)).hasMessageContaining("'auto_shutdown'");
    }
  }

  @Nested
  class WireNames {

    @Test
    void strategiesReadAndWriteTheirSnakeCaseNames() {
      for (Strategy strategy : Strategy.values()) {
        assertThat(Strategy.parse(strategy.wireName())).isEqualTo(strategy);
      }
      assertThat(Strategy.ONE_FOR_ONE.wireName()).isEqualTo("one_for_one");
      assertThatThrownBy(() -> Strategy.parse("ONE_FOR_ONE")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("ONE_FOR_ONE");
      assertThatThrownBy(() -> Strategy.parse(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void autoShutdownRestartAndTypeReadTheirNames() {
      assertThat(AutoShutdown.parse("any_significant")).isEqualTo(AutoShutdown.ANY_SIGNIFICANT);
      assertThat(AutoShutdown.parse("all_significant")).isEqualTo(AutoShutdown.ALL_SIGNIFICANT);
      assertThat(AutoShutdown.parse("never")).isEqualTo(AutoShutdown.NEVER);
      assertThat(Restart.parse("transient")).isEqualTo(Restart.TRANSIENT);
      assertThat(ChildType.parse("supervisor")).isEqualTo(ChildType.SUPERVISOR);
      assertThatThrownBy(() -> AutoShutdown.parse("always")).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> Restart.parse("Permanent")).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> ChildType.parse("boss")).isInstanceOf(IllegalArgumentException.class);
    }
  }
}
