package dev.otpx.process;

import java.time.Duration;
import java.util.Objects;

/**
 * How a supervisor stops a child: brutal_kill (kill at once, no terminate), a timeout (an orderly
 * stop with reason shutdown, so terminate runs, then a kill when the time is up), or infinity
 * (wait as long as it takes: the default for supervisors).
 */
public sealed interface Shutdown {

  /** Kill at once. */
  Shutdown BRUTAL_KILL = new BrutalKill();
  /** Wait for terminate however long it takes. */
  Shutdown INFINITY = new Infinity();
  /** 5 s, OTP's default for a worker. */
  Shutdown DEFAULT_WORKER = new Timeout(Duration.ofSeconds(5));

  /** Kill at once. */
  record BrutalKill() implements Shutdown {
    @Override
    public String toString() {
      return "brutal_kill";
    }
  }

  /** Wait without limit. */
  record Infinity() implements Shutdown {
    @Override
    public String toString() {
      return "infinity";
    }
  }

  /** @param timeout how long terminate may take before the kill */
  record Timeout(Duration timeout) implements Shutdown {
    public Timeout {
      Objects.requireNonNull(timeout, "timeout");
      if (timeout.isNegative()) {
        throw new IllegalArgumentException("shutdown timeout must not be negative: " + timeout);
      }
    }

    @Override
    public String toString() {
      return timeout.toMillis() + " ms";
    }
  }

  /**
   * @param timeout how long terminate may take
   * @return an orderly stop with a deadline
   */
  static Shutdown timeout(Duration timeout) {
    return new Timeout(timeout);
  }

  /**
   * Reads the configuration form: {@code "brutal_kill"}, {@code "infinity"} or milliseconds.
   *
   * @param value the JSON value
   * @return the shutdown
   * @throws IllegalArgumentException for anything else
   */
  static Shutdown parse(Object value) {
    if ("brutal_kill".equals(value)) {
      return BRUTAL_KILL;
    } else if ("infinity".equals(value)) {
      return INFINITY;
    } else if (value instanceof Number millis && millis.longValue() >= 0 && millis.doubleValue() == millis.longValue()) {
      return timeout(Duration.ofMillis(millis.longValue()));
    }
    throw new IllegalArgumentException("expected brutal_kill, infinity or a non-negative number of milliseconds, got '" + value + "'");
  }
}
