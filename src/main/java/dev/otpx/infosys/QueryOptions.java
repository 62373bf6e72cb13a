package dev.otpx.infosys;

import dev.otpx.process.JsonOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How to ask: at most {@code limit} results, by {@code timeout} at the latest, from these
 * {@code backends} (null: every backend running). The defaults are Rumbl's: 10 results, 10 s.
 *
 * @param limit 1 to {@link #MAX_LIMIT}
 * @param timeout 1 ms to {@link #MAX_TIMEOUT}
 * @param backends backend names, or null for all
 */
public record QueryOptions(int limit, Duration timeout, List<String> backends) {

  /** Default limit, Rumbl's. */
  public static final int DEFAULT_LIMIT = 10;
  /** Largest limit accepted. */
  public static final int MAX_LIMIT = 100;
  /** Default deadline, Rumbl's. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);
  /** Longest deadline accepted. */
  public static final Duration MAX_TIMEOUT = Duration.ofSeconds(60);

  public QueryOptions {
    if (limit < 1 || limit > MAX_LIMIT) {
      throw new IllegalArgumentException("limit must be between 1 and " + MAX_LIMIT + ", got " + limit);
    }
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.toMillis() < 1 || timeout.compareTo(MAX_TIMEOUT) > 0) {
      throw new IllegalArgumentException("timeout_ms must be between 1 and " + MAX_TIMEOUT.toMillis() + ", got " + timeout.toMillis());
    }
    if (backends != null) {
      for (String name : backends) {
        if (name == null || name.isBlank()) {
          throw new IllegalArgumentException("backends must be non-blank names");
        }
      }
      backends = List.copyOf(backends);
    }
  }

  /** @return 10 results, 10 s, every backend */
  public static QueryOptions defaults() {
    return new QueryOptions(DEFAULT_LIMIT, DEFAULT_TIMEOUT, null);
  }

  /** @param value the limit @return a copy with it */
  public QueryOptions withLimit(int value) {
    return new QueryOptions(value, timeout, backends);
  }

  /** @param value the timeout @return a copy with it */
  public QueryOptions withTimeout(Duration value) {
    return new QueryOptions(limit, value, backends);
  }

  /** @param value the backend names, or null for all @return a copy with them */
  public QueryOptions withBackends(List<String> value) {
    return new QueryOptions(limit, timeout, value);
  }

  /**
   * The request on the {@code infosys} address.
   *
   * @param query the question
   * @return {@code {"query", "limit", "timeout_ms", "backends"?}}
   */
  public JsonObject toRequest(String query) {
    JsonObject json = new JsonObject().put("query", query).put("limit", limit).put("timeout_ms", timeout.toMillis());
    if (backends != null) {
      json.put("backends", new JsonArray(new ArrayList<>(backends)));
    }
    return json;
  }

  /**
   * Reads the options of a request, every field optional.
   *
   * @param json the request
   * @return the options
   * @throws IllegalArgumentException naming the field at fault
   */
  public static QueryOptions fromRequest(JsonObject json) {
    JsonOptions request = JsonOptions.of(json, "");
    int limit = request.intValue("limit", DEFAULT_LIMIT, Integer.MIN_VALUE, Integer.MAX_VALUE);
    long timeout = request.intValue("timeout_ms", (int) DEFAULT_TIMEOUT.toMillis(), Integer.MIN_VALUE, Integer.MAX_VALUE);
    List<String> backends = null;
    JsonArray array = request.array("backends", null);
    if (array != null) {
      backends = new ArrayList<>();
      for (Object name : array) {
        if (!(name instanceof String text)) {
          throw new IllegalArgumentException("backends must be an array of names, got " + array.encode());
        }
        backends.add(text);
      }
    }
    return new QueryOptions(limit, Duration.ofMillis(timeout), backends);
  }
}
