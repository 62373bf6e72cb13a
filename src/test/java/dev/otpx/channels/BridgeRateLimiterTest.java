package dev.otpx.channels;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BridgeRateLimiterTest {

  private static final long SECOND = Duration.ofSeconds(1).toNanos();

  @Test
  void aFullBucketAllowsABurstOfThePerSecondRateThenRefuses() {
    BridgeRateLimiter limiter = new BridgeRateLimiter(3, 0);
    assertThat(limiter.tryAcquire(0)).isTrue();
    assertThat(limiter.tryAcquire(0)).isTrue();
    assertThat(limiter.tryAcquire(0)).isTrue();
    assertThat(limiter.tryAcquire(0)).isFalse();
  }

  @Test
  void tokensComeBackAtThePerSecondRate() {
    BridgeRateLimiter limiter = new BridgeRateLimiter(2, 0);
    limiter.tryAcquire(0);
    limiter.tryAcquire(0);
    assertThat(limiter.tryAcquire(SECOND / 4)).isFalse();
    assertThat(limiter.tryAcquire(SECOND / 2)).isTrue();
    assertThat(limiter.tryAcquire(SECOND / 2)).isFalse();
  }

  @Test
  void aLongPauseRefillsNoMoreThanOneSecondsWorth() {
    BridgeRateLimiter limiter = new BridgeRateLimiter(2, 0);
    long later = 60 * SECOND;
    assertThat(limiter.tryAcquire(later)).isTrue();
    assertThat(limiter.tryAcquire(later)).isTrue();
    assertThat(limiter.tryAcquire(later)).isFalse();
  }

  @Test
  void refusedAttemptsDoNotCountAgainstTheSocket() {
    BridgeRateLimiter limiter = new BridgeRateLimiter(1, 0);
    assertThat(limiter.tryAcquire(0)).isTrue();
    for (int i = 0; i < 10; i++) {
      assertThat(limiter.tryAcquire(SECOND / 20 * i)).isFalse();
    }
    assertThat(limiter.tryAcquire(SECOND)).isTrue();
  }
}
