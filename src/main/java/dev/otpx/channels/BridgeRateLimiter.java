package dev.otpx.channels;

/**
 * A token bucket: {@code perSecond} tokens refilled per second, holding at most {@code perSecond},
 * so a socket may burst that many messages (or posts) and then go on at that rate. Not
 * thread-safe: each bucket belongs to one socket, whose bridge events come on one event loop.
 */
final class BridgeRateLimiter {

  private static final double NANOS_PER_SECOND = 1_000_000_000d;

  private final int perSecond;
  private double tokens;
  private long last;

  BridgeRateLimiter(int perSecond, long nowNanos) {
    this.perSecond = perSecond;
    this.tokens = perSecond;
    this.last = nowNanos;
  }

  /**
   * @param nowNanos a monotonic time ({@link System#nanoTime()})
   * @return whether one more post is allowed now (and counts it)
   */
  boolean tryAcquire(long nowNanos) {
    long elapsed = nowNanos - last;
    if (elapsed > 0) {
      tokens = Math.min(perSecond, tokens + elapsed / NANOS_PER_SECOND * perSecond);
      last = nowNanos;
    }
    if (tokens >= 1) {
      tokens -= 1;
      return true;
    }
    return false;
  }
}
