package dev.otpx.infosys;

import dev.otpx.process.JsonOptions;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Objects;

/**
 * The {@link InfoSysServer}'s args: the longest query it takes, and each backend's circuit breaker.
 *
 * @param maxQueryLength the longest query accepted, once stripped (published for {@link InfoSys#accepts})
 * @param breakerFailureRate the percentage of failed calls that opens a backend's circuit
 * @param breakerWindow how many of its last calls a breaker weighs
 * @param breakerMinimumCalls how many calls a breaker needs before it judges
 * @param breakerOpen how long an open circuit skips its backend before one query tries it again
 * @param breakerSlowCall how long a call the caller's deadline cut off must have run to count as
 *     the backend's failure
 */
public record InfoSysOptions(int maxQueryLength, int breakerFailureRate, int breakerWindow, int breakerMinimumCalls,
    Duration breakerOpen, Duration breakerSlowCall) {

  /** Default longest query accepted. */
  public static final int DEFAULT_MAX_QUERY_LENGTH = 500;
  /** Default failure rate that opens a circuit: 50 %. */
  public static final int DEFAULT_BREAKER_FAILURE_RATE = 50;
  /** Default number of calls a breaker weighs. */
  public static final int DEFAULT_BREAKER_WINDOW = 10;
  /** Default number of calls a breaker needs before it judges. */
  public static final int DEFAULT_BREAKER_MINIMUM_CALLS = 5;
  /** Default time an open circuit skips its backend. */
  public static final Duration DEFAULT_BREAKER_OPEN = Duration.ofSeconds(30);
  /** Default time after which a call the caller's deadline cut off counts as the backend's failure. */
  public static final Duration DEFAULT_BREAKER_SLOW_CALL = Duration.ofSeconds(5);
  /** The defaults. */
  public static final InfoSysOptions DEFAULTS = new InfoSysOptions(DEFAULT_MAX_QUERY_LENGTH, DEFAULT_BREAKER_FAILURE_RATE,
    DEFAULT_BREAKER_WINDOW, DEFAULT_BREAKER_MINIMUM_CALLS, DEFAULT_BREAKER_OPEN, DEFAULT_BREAKER_SLOW_CALL);

  /** Checks every field; the error names the field at fault. */
  public InfoSysOptions {
    atLeast(maxQueryLength, 1, "max_query_length");
    if (breakerFailureRate < 1 || breakerFailureRate > 100) {
      throw new IllegalArgumentException("breaker_failure_rate must be between 1 and 100, got " + breakerFailureRate);
    }
    atLeast(breakerWindow, 1, "breaker_window");
    atLeast(breakerMinimumCalls, 1, "breaker_minimum_calls");
    atLeast(Objects.requireNonNull(breakerOpen, "breaker_open_ms").toMillis(), 1, "breaker_open_ms");
    atLeast(Objects.requireNonNull(breakerSlowCall, "breaker_slow_call_ms").toMillis(), 1, "breaker_slow_call_ms");
  }

  /**
   * Reads the args with {@link JsonOptions}' rules, every key optional: a string where a number
   * belongs is refused naming the key.
   *
   * @param json {@code {"max_query_length", "breaker_failure_rate", "breaker_window",
   *     "breaker_minimum_calls", "breaker_open_ms", "breaker_slow_call_ms"}}
   * @return the options
   * @throws IllegalArgumentException naming the key at fault
   */
  public static InfoSysOptions fromJson(JsonObject json) {
    JsonOptions args = JsonOptions.args(json, "infosys arg");
    Duration longest = Duration.ofMillis(Long.MAX_VALUE);
    return new InfoSysOptions(
      args.intValue("max_query_length", DEFAULT_MAX_QUERY_LENGTH, 1, Integer.MAX_VALUE),
      args.intValue("breaker_failure_rate", DEFAULT_BREAKER_FAILURE_RATE, 1, 100),
      args.intValue("breaker_window", DEFAULT_BREAKER_WINDOW, 1, Integer.MAX_VALUE),
      args.intValue("breaker_minimum_calls", DEFAULT_BREAKER_MINIMUM_CALLS, 1, Integer.MAX_VALUE),
      args.millis("breaker_open_ms", DEFAULT_BREAKER_OPEN, Duration.ofMillis(1), longest),
      args.millis("breaker_slow_call_ms", DEFAULT_BREAKER_SLOW_CALL, Duration.ofMillis(1), longest));
  }

  /** @return the args as JSON, which {@link #fromJson} reads back */
  public JsonObject toJson() {
    return new JsonObject().put("max_query_length", maxQueryLength).put("breaker_failure_rate", breakerFailureRate)
      .put("breaker_window", breakerWindow).put("breaker_minimum_calls", breakerMinimumCalls)
      .put("breaker_open_ms", breakerOpen.toMillis()).put("breaker_slow_call_ms", breakerSlowCall.toMillis());
  }

  private static void atLeast(long value, long min, String key) {
    if (value < min) {
      throw new IllegalArgumentException(key + " must be >= " + min + ", got " + value);
    }
  }
}
