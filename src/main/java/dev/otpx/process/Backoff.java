package dev.otpx.process;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Beyond OTP: a child's restart delayed by an exponential backoff, like Akka's
 * {@code restartWithBackoff}. The n-th consecutive crash waits {@code min × 2^(n-1)}, capped at
 * {@code max}, stretched by up to {@code jitter} (0.2 = up to 20 % longer) so that siblings do not
 * retry in step. The count of consecutive crashes goes back to zero once the child has run for
 * {@code max} without crashing.
 *
 * <p>Each crash counts towards the supervisor's intensity when it happens, not when the delayed
 * restart runs, so a child that keeps crashing still takes its supervisor down. While the restart
 * waits the child has no process: calls to it fail at once with noproc and casts are dropped, so
 * nothing is silently held back and lost if the restarted child crashes again (Akka's stash bug).
 *
 * @param min the first delay
 * @param max the largest delay
 * @param jitter the random stretch, from 0 to 1
 */
public record Backoff(Duration min, Duration max, double jitter) {

  public Backoff {
    Objects.requireNonNull(min, "min");
    Objects.requireNonNull(max, "max");
    if (min.isNegative() || min.isZero()) {
      throw new IllegalArgumentException("backoff 'min' must be positive, got " + min);
    }
    if (max.compareTo(min) < 0) {
      throw new IllegalArgumentException("backoff 'max' must be at least 'min', got " + max + " < " + min);
    }
    if (!(jitter >= 0 && jitter <= 1)) {
      throw new IllegalArgumentException("backoff 'jitter' must be between 0 and 1, got " + jitter);
    }
  }

  /**
   * The delay before the restart after the given count of consecutive crashes.
   *
   * @param consecutiveCrashes 1 for the first crash
   * @return the delay
   */
  public Duration delay(int consecutiveCrashes) {
    int doublings = Math.max(consecutiveCrashes, 1) - 1;
    long cap = max.toMillis();
    long first = min.toMillis();
    // Saturating: min << doublings would overflow a long long before any sane cap.
    long millis = doublings >= 62 || first > (cap >> doublings) ? cap : Math.min(cap, first << doublings);
    double stretch = jitter == 0 ? 1 : 1 + ThreadLocalRandom.current().nextDouble() * jitter;
    return Duration.ofMillis(Math.max(1, Math.round(millis * stretch)));
  }
}
