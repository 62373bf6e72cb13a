package dev.otpx.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class BackoffTest {

  private static Duration ms(long millis) {
    return Duration.ofMillis(millis);
  }

  @Nested
  class Delays {

    @Test
    void withoutJitterTheDelaysDoubleFromMinAndStopAtMax() {
      Backoff backoff = new Backoff(ms(100), ms(1000), 0);
      assertThat(backoff.delay(1)).isEqualTo(ms(100));
      assertThat(backoff.delay(2)).isEqualTo(ms(200));
      assertThat(backoff.delay(3)).isEqualTo(ms(400));
      assertThat(backoff.delay(4)).isEqualTo(ms(800));
      assertThat(backoff.delay(5)).isEqualTo(ms(1000));
      assertThat(backoff.delay(6)).isEqualTo(ms(1000));
      assertThat(backoff.delay(1000)).isEqualTo(ms(1000));
      assertThat(backoff.delay(Integer.MAX_VALUE)).isEqualTo(ms(1000));
    }

    @Test
    void aCountBelowOneIsTheFirstDelay() {
      Backoff backoff = new Backoff(ms(50), ms(1000), 0);
      assertThat(backoff.delay(0)).isEqualTo(ms(50));
      assertThat(backoff.delay(-4)).isEqualTo(ms(50));
    }

    @Test
    void minEqualToMaxGivesAConstantDelay() {
      Backoff backoff = new Backoff(ms(300), ms(300), 0);
      for (int n = 1; n <= 40; n++) {
        assertThat(backoff.delay(n)).isEqualTo(ms(300));
      }
    }

    @Test
    void delaysNeverShrinkAndNeverPassTheCapEvenForLongBackoffs() {
      Backoff backoff = new Backoff(Duration.ofDays(365), Duration.ofDays(3650), 0);
      Duration previous = Duration.ZERO;
      for (int n = 1; n <= 64; n++) {
        Duration delay = backoff.delay(n);
        assertThat(delay).as("delay(%d)", n).isGreaterThanOrEqualTo(previous).isLessThanOrEqualTo(Duration.ofDays(3650));
        previous = delay;
      }
      assertThat(backoff.delay(64)).isEqualTo(Duration.ofDays(3650));
    }

    @Test
    void jitterStretchesEachDelayByAtMostItsFraction() {
      Backoff backoff = new Backoff(ms(100), ms(1000), 0.5);
      Set<Duration> seen = new HashSet<>();
      for (int i = 0; i < 2000; i++) {
        Duration first = backoff.delay(1);
        assertThat(first).isBetween(ms(100), ms(150));
        assertThat(backoff.delay(3)).isBetween(ms(400), ms(600));
        assertThat(backoff.delay(20)).isBetween(ms(1000), ms(1500));
        seen.add(first);
      }
      // The stretch is random: 2000 draws over 51 possible values cannot all be the same.
      assertThat(seen).hasSizeGreaterThan(10);
    }

    @Test
    void fullJitterStaysWithinDoubleTheDelay() {
      Backoff backoff = new Backoff(ms(10), ms(10), 1);
      for (int i = 0; i < 1000; i++) {
        assertThat(backoff.delay(1)).isBetween(ms(10), ms(20));
      }
    }
  }

  @Nested
  class Validation {

    @Test
    void aMinOfZeroOrLessIsRefusedNamingMin() {
      assertThatThrownBy(() -> new Backoff(Duration.ZERO, ms(10), 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'min'");
      assertThatThrownBy(() -> new Backoff(ms(-1), ms(10), 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'min'");
    }

    @Test
    void aMaxBelowMinIsRefusedNamingMax() {
      assertThatThrownBy(() -> new Backoff(ms(100), ms(99), 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'max'");
    }

    @Test
    void aJitterOutsideZeroToOneIsRefusedNamingJitter() {
      for (double bad : new double[] {-0.1, 1.01, Double.NaN, Double.POSITIVE_INFINITY}) {
        assertThatThrownBy(() -> new Backoff(ms(1), ms(2), bad))
          .as("jitter %s", bad).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'jitter'");
      }
    }

    @Test
    void missingDurationsAreRefused() {
      assertThatThrownBy(() -> new Backoff(null, ms(2), 0)).hasMessageContaining("min");
      assertThatThrownBy(() -> new Backoff(ms(1), null, 0)).hasMessageContaining("max");
    }
  }
}
