package dev.otpx.infosys;

import dev.otpx.process.JsonOptions;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Objects;

/**
 * The {@link ResultCache}'s args: how long an entry lives, how often expired ones are swept, and
 * how many entries the map may hold.
 *
 * @param sweep how often the owner evicts what has expired (Rumbl's 60 s by default)
 * @param ttl how long an entry is served (the sweep interval when not given)
 * @param maxEntries the most entries the map holds
 */
public record CacheOptions(Duration sweep, Duration ttl, int maxEntries) {

  /** Default sweep interval, Rumbl's: 60 s. */
  public static final Duration DEFAULT_SWEEP = Duration.ofSeconds(60);
  /** Default bound on entries. */
  public static final int DEFAULT_MAX_ENTRIES = 10_000;

  /** Checks every field; the error names the field at fault. */
  public CacheOptions {
    positive(Objects.requireNonNull(sweep, "sweep_ms"), "sweep_ms");
    positive(Objects.requireNonNull(ttl, "ttl_ms"), "ttl_ms");
    if (maxEntries < 1) {
      throw new IllegalArgumentException("max_entries must be >= 1, got " + maxEntries);
    }
  }

  /**
   * Reads the args with {@link JsonOptions}' rules, every key optional.
   *
   * @param json {@code {"sweep_ms", "ttl_ms", "max_entries"}}
   * @return the options
   * @throws IllegalArgumentException naming the key at fault
   */
  public static CacheOptions fromJson(JsonObject json) {
    JsonOptions args = JsonOptions.args(json, "infosys cache arg");
    Duration sweep = args.millis("sweep_ms", DEFAULT_SWEEP, Duration.ofMillis(1), Duration.ofMillis(Long.MAX_VALUE));
    return new CacheOptions(sweep, args.millis("ttl_ms", sweep, Duration.ofMillis(1), Duration.ofMillis(Long.MAX_VALUE)),
      args.intValue("max_entries", DEFAULT_MAX_ENTRIES, 1, Integer.MAX_VALUE));
  }

  /** @return the args as JSON, which {@link #fromJson} reads back */
  public JsonObject toJson() {
    return new JsonObject().put("sweep_ms", sweep.toMillis()).put("ttl_ms", ttl.toMillis()).put("max_entries", maxEntries);
  }

  private static void positive(Duration value, String key) {
    if (value.toMillis() < 1) {
      throw new IllegalArgumentException(key + " must be at least 1 ms, got " + value.toMillis());
    }
  }
}
