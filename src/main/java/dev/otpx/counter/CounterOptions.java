package dev.otpx.counter;

import dev.otpx.process.JsonOptions;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Objects;

/**
 * A {@link CounterServer}'s args: where it starts and how often it ticks down.
 *
 * @param initial the start value, and the value a restart starts from again
 * @param tick the tick interval; zero for none
 */
public record CounterOptions(int initial, Duration tick) {

  /** Default start value. */
  public static final int DEFAULT_INITIAL = 0;
  /** Default tick: one second, as in the book. */
  public static final Duration DEFAULT_TICK = Duration.ofSeconds(1);

  /** Checks every field; the error names the field at fault. */
  public CounterOptions {
    Objects.requireNonNull(tick, "tick_ms");
    if (tick.isNegative()) {
      throw new IllegalArgumentException("tick_ms must be >= 0, got " + tick.toMillis());
    }
  }

  /**
   * Reads the args with {@link JsonOptions}' rules, every key optional.
   *
   * @param json {@code {"initial", "tick_ms"}}
   * @return the options
   * @throws IllegalArgumentException naming the key at fault
   */
  public static CounterOptions fromJson(JsonObject json) {
    JsonOptions args = JsonOptions.args(json, "counter arg");
    return new CounterOptions(args.intValue("initial", DEFAULT_INITIAL, Integer.MIN_VALUE, Integer.MAX_VALUE),
      args.millis("tick_ms", DEFAULT_TICK, Duration.ZERO, Duration.ofMillis(Integer.MAX_VALUE)));
  }

  /** @return the args as JSON, which {@link #fromJson} reads back */
  public JsonObject toJson() {
    return new JsonObject().put("initial", initial).put("tick_ms", tick.toMillis());
  }
}
