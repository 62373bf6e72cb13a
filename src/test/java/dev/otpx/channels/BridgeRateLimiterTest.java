package dev.otpx.channels;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BridgeRateLimiterTest {

  private static final long SECOND = Duration.ofSeconds(1).toNanos();

  /** One socket's bucket under a limiter, as the hook keeps it: a number, full at time 0. */
  private static final class Bucket {
    final BridgeRateLimiter limiter;
    long state;

    Bucket(int perSecond) {
      limiter = new BridgeRateLimiter(perSecond);
      state = limiter.full(0);
    }

    boolean tryAcquire(long now) {
      if (!limiter.allows(state, now)) {
        return false;
      }
      state = limiter.take(state, now);
      return true;
    }
  }

  @Test
  void aFullBucketAllowsABurstOfThePerSecondRateThenRefuses() {
    Bucket limiter = new Bucket(3);
    assertThat(limiter.tryAcquire(0)).isTrue();
    assertThat(limiter.tryAcquire(0)).isTrue();
    assertThat(limiter.tryAcquire(0)).isTrue();
    assertThat(limiter.tryAcquire(0)).isFalse();
  }

  @Test
  void tokensComeBackAtThePerSecondRate() {
    Bucket limiter = new Bucket(2);
    limiter.tryAcquire(0);
    limiter.tryAcquire(0);
    assertThat(limiter.tryAcquire(SECOND / 4)).isFalse();
    assertThat(limiter.tryAcquire(SECOND / 2)).isTrue();
    assertThat(limiter.tryAcquire(SECOND / 2)).isFalse();
  }

  @Test
  void aLongPauseRefillsNoMoreThanOneSecondsWorth() {
    Bucket limiter = new Bucket(2);
    long later = 60 * SECOND;
    assertThat(limiter.tryAcquire(later)).isTrue();
    assertThat(limiter.tryAcquire(later)).isTrue();
    assertThat(limiter.tryAcquire(later)).isFalse();
  }

  @Test
  void refusedAttemptsDoNotCountAgainstTheSocket() {
    Bucket limiter = new Bucket(1);
    assertThat(limiter.tryAcquire(0)).isTrue();
    for (int i = 0; i < 10; i++) {
      assertThat(limiter.tryAcquire(SECOND / 20 * i)).isFalse();
    }
    assertThat(limiter.tryAcquire(SECOND)).isTrue();
  }

  @Test
  void aRateOfNothingIsRefusedAtConstruction() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new BridgeRateLimiter(0))
      .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 1 per second");
  }
}
