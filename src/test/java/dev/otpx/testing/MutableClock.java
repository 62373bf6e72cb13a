package dev.otpx.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A wall clock ({@link java.time.Clock}, for code that reads dates such as token expiry or sign-in
 * throttling) that moves only when the test says so. Thread-safe. The runtime's own time rules run
 * on {@code dev.otpx.process.VirtualClock} instead.
 */
public final class MutableClock extends Clock {

  private volatile Instant now;

  /** A clock standing at 2026-01-01T00:00:00Z. */
  public MutableClock() {
    this(Instant.parse("2026-01-01T00:00:00Z"));
  }

  /** @param start where the clock stands until it is moved */
  public MutableClock(Instant start) {
    this.now = start;
  }

  /** @param by how far to move the clock forward */
  public void advance(Duration by) {
    now = now.plus(by);
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }

  @Override
  public Instant instant() {
    return now;
  }
}
