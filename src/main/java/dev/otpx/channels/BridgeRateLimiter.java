package dev.otpx.channels;

/**
 * A token bucket: {@code perSecond} tokens refilled per second, holding at most {@code perSecond},
 * so a socket may burst that many messages (or posts) and then go on at that rate.
 *
 * <p>A bucket is one number its owner keeps, not an object: the time at which it will be full
 * again (the generic cell rate algorithm, GCRA, which is a token bucket told by one timestamp).
 * Each socket has two buckets, and at 10,000 sockets two objects each were a measurable part of
 * otpx's heap per client over a plain bridge's (docs/benchmarks.md). This class is the rule, shared
 * by every socket; each bucket belongs to one socket, whose bridge events come on one event loop.
 */
final class BridgeRateLimiter {

  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  /** Nanoseconds per token. */
  private final long interval;
  /** How far past now a bucket's full-again time may be while it still holds a token. */
  private final long threshold;

  BridgeRateLimiter(int perSecond) {
    if (perSecond < 1) {
      throw new IllegalArgumentException("a rate limit must allow at least 1 per second, not " + perSecond);
    }
    this.interval = NANOS_PER_SECOND / perSecond;
    this.threshold = interval * perSecond - interval;
  }

  /**
   * @param nowNanos a monotonic time ({@link System#nanoTime()})
   * @return a full bucket
   */
  long full(long nowNanos) {
    return nowNanos;
  }

  /**
   * @param bucket the bucket, as {@link #full} or {@link #take} last returned it
   * @param nowNanos a monotonic time
   * @return whether it holds a token now
   */
  boolean allows(long bucket, long nowNanos) {
    return bucket - nowNanos <= threshold;
  }

  /**
   * Takes one token: call only when {@link #allows}, so that a refused attempt costs nothing.
   *
   * @param bucket the bucket
   * @param nowNanos a monotonic time
   * @return the bucket with one token fewer
   */
  long take(long bucket, long nowNanos) {
    return Math.max(bucket, nowNanos) + interval;
  }
}
