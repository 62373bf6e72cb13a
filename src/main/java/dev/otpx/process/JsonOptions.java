package dev.otpx.process;

import dev.otpx.process.engine.WireNames;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Function;

/**
 * The one reader of JSON options (a process's init args, a child spec in {@code conf/}, a
 * request's options): every value is read by the same rules, and every refusal names the key with
 * its full path, e.g. {@code supervision.children[1] ('cache').backoff.min_ms: expected a whole
 * number, got '1.5'}.
 *
 * <p>The rules: a missing or null key takes the fallback; a whole number is a JSON number with no
 * fraction ({@code 5} and {@code 5.0}, not {@code 5.5} nor {@code "5"}); a duration is a whole
 * number of milliseconds, never negative, under a key that says so ({@code timeout_ms}); an enum is
 * its snake_case wire name ({@code one_for_all}); a string, a boolean, an object and an array are
 * those JSON types and nothing else. A refusal is an {@link IllegalArgumentException}.
 *
 * <p>Usage: {@code JsonOptions args = JsonOptions.of(json, "infosys cache arg");
 * Duration ttl = args.millis("ttl_ms", Duration.ofMinutes(1));}
 */
public final class JsonOptions {

  private final JsonObject json;
  private final String path;
  /** How a key is named in errors: its path under {@link #path}, or its owner's arg in quotes. */
  private final Function<String, String> names;

  private JsonOptions(JsonObject json, String path) {
    this.json = json == null ? new JsonObject() : json;
    this.path = Objects.requireNonNull(path, "path");
    this.names = key -> path.isEmpty() ? key : path + "." + key;
  }

  private JsonOptions(JsonObject json, String owner, Function<String, String> names) {
    this.json = json == null ? new JsonObject() : json;
    this.path = owner;
    this.names = names;
  }

  /**
   * A reader of one JSON object.
   *
   * @param json the object; null reads as empty
   * @param path where the object sits, for errors ({@code ""} for the top)
   * @return the reader
   */
  public static JsonOptions of(JsonObject json, String path) {
    return new JsonOptions(json, path);
  }

  /**
   * A reader of a process's args, whose errors name a key as its owner's arg, e.g. {@code counter
   * arg 'tick_ms': expected a whole number, got 'fast'}: for args that are not read from a place in
   * the config tree, where {@link #of}'s paths apply.
   *
   * @param json the args; null reads as empty
   * @param owner whose args they are, e.g. {@code counter arg} or {@code wolfram config}
   * @return the reader
   */
  public static JsonOptions args(JsonObject json, String owner) {
    Objects.requireNonNull(owner, "owner");
    return new JsonOptions(json, owner, key -> owner + " '" + key + "'");
  }

  /** @return the object read */
  public JsonObject json() {
    return json;
  }

  /**
   * @param key a key
   * @return its full path, as errors name it
   */
  public String path(String key) {
    return names.apply(key);
  }

  /**
   * @param key a key
   * @return whether it has a non-null value
   */
  public boolean has(String key) {
    return json.getValue(key) != null;
  }

  /**
   * @param key the key
   * @param fallback when absent
   * @return a JSON string
   */
  public String string(String key, String fallback) {
    Object value = json.getValue(key);
    if (value == null) {
      return fallback;
    }
    if (!(value instanceof String text)) {
      throw refuse(key, "a string", value);
    }
    return text;
  }

  /**
   * @param key the key
   * @return a non-blank JSON string, which must be there
   */
  public String requiredString(String key) {
    String value = string(key, null);
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(path(key) + ": required, a non-blank string");
    }
    return value;
  }

  /**
   * @param key the key
   * @param fallback when absent
   * @return a JSON boolean
   */
  public boolean bool(String key, boolean fallback) {
    Object value = json.getValue(key);
    if (value == null) {
      return fallback;
    }
    if (!(value instanceof Boolean bool)) {
      throw refuse(key, "a boolean", value);
    }
    return bool;
  }

  /**
   * @param key the key
   * @param fallback when absent
   * @return a whole number
   */
  public long wholeNumber(String key, long fallback) {
    Object value = json.getValue(key);
    if (value == null) {
      return fallback;
    }
    if (!(value instanceof Number number) || !Double.isFinite(number.doubleValue())
        || number.doubleValue() != Math.rint(number.doubleValue()) || !fitsALong(number)) {
      throw refuse(key, "a whole number", value);
    }
    return number.longValue();
  }

  /**
   * @param key the key
   * @param fallback when absent
   * @param min the least allowed
   * @param max the most allowed
   * @return a whole number within the bounds
   */
  public long wholeNumber(String key, long fallback, long min, long max) {
    long value = wholeNumber(key, fallback);
    if (value < min || value > max) {
      throw new IllegalArgumentException(path(key) + ": " + bounds(min, max) + ", got " + value);
    }
    return value;
  }

  /**
   * @param key the key
   * @param fallback when absent
   * @param min the least allowed
   * @param max the most allowed
   * @return a whole number within the bounds, as an int
   */
  public int intValue(String key, int fallback, int min, int max) {
    return (int) wholeNumber(key, fallback, min, max);
  }

  /**
   * @param key the key
   * @param fallback when absent
   * @param min the least allowed
   * @param max the most allowed
   * @return any JSON number within the bounds
   */
  public double number(String key, double fallback, double min, double max) {
    Object value = json.getValue(key);
    if (value == null) {
      return fallback;
    }
    if (!(value instanceof Number number) || !Double.isFinite(number.doubleValue())) {
      throw refuse(key, "a number", value);
    }
    double read = number.doubleValue();
    if (read < min || read > max) {
      throw new IllegalArgumentException(path(key) + ": must be between " + min + " and " + max + ", got " + read);
    }
    return read;
  }

  /**
   * @param key the key, conventionally ending in {@code _ms}
   * @param fallback when absent
   * @return a whole, non-negative number of milliseconds
   */
  public Duration millis(String key, Duration fallback) {
    if (!has(key)) {
      return fallback;
    }
    return Duration.ofMillis(wholeNumber(key, 0, 0, Long.MAX_VALUE));
  }

  /**
   * @param key the key, conventionally ending in {@code _ms}
   * @param fallback when absent
   * @param min the shortest allowed
   * @param max the longest allowed
   * @return a duration within the bounds
   */
  public Duration millis(String key, Duration fallback, Duration min, Duration max) {
    if (!has(key)) {
      return fallback;
    }
    return Duration.ofMillis(wholeNumber(key, 0, min.toMillis(), max.toMillis()));
  }

  /**
   * @param key the key
   * @param values the enum's values
   * @param fallback when absent
   * @param <E> the enum
   * @return the constant whose snake_case wire name the value is
   */
  public <E extends Enum<E>> E wireName(String key, E[] values, E fallback) {
    String text = string(key, null);
    if (text == null) {
      return fallback;
    }
    try {
      return WireNames.parse(values, text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(path(key) + ": " + e.getMessage(), e);
    }
  }

  /**
   * @param key the key
   * @param fallback when absent
   * @return a JSON object
   */
  public JsonObject object(String key, JsonObject fallback) {
    Object value = json.getValue(key);
    if (value == null) {
      return fallback;
    }
    if (!(value instanceof JsonObject object)) {
      throw refuse(key, "an object", value);
    }
    return object;
  }

  /**
   * @param key the key
   * @param fallback when absent
   * @return a JSON array
   */
  public JsonArray array(String key, JsonArray fallback) {
    Object value = json.getValue(key);
    if (value == null) {
      return fallback;
    }
    if (!(value instanceof JsonArray array)) {
      throw refuse(key, "an array", value);
    }
    return array;
  }

  /**
   * @param key the key of an object
   * @return a reader of that object (empty when absent), whose errors name its path
   */
  public JsonOptions nested(String key) {
    return new JsonOptions(object(key, new JsonObject()), path(key));
  }

  /**
   * Reads a value with a parser of its own (a form none of the rules above covers, such as a
   * shutdown's {@code "brutal_kill"} or milliseconds); the parser's refusal gets the key's path.
   *
   * @param key the key
   * @param parser reads the raw JSON value; throws {@link IllegalArgumentException} to refuse it
   * @param fallback when absent
   * @param <T> the value's type
   * @return the parsed value
   */
  public <T> T read(String key, Function<Object, T> parser, T fallback) {
    Object value = json.getValue(key);
    if (value == null) {
      return fallback;
    }
    try {
      return parser.apply(value);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(path(key) + ": " + e.getMessage(), e);
    }
  }

  /** Whether a whole number is within a long: a larger one would wrap around when read as one. */
  private static boolean fitsALong(Number number) {
    if (number instanceof Long || number instanceof Integer || number instanceof Short || number instanceof Byte) {
      return true;
    }
    if (number instanceof java.math.BigInteger big) {
      return big.bitLength() < Long.SIZE;
    }
    double read = number.doubleValue();
    return read >= -0x1p63 && read < 0x1p63;
  }

  private IllegalArgumentException refuse(String key, String expected, Object value) {
    return new IllegalArgumentException(path(key) + ": expected " + expected + ", got " + (value instanceof String ? "'" + value + "'" : value));
  }

  private static String bounds(long min, long max) {
    if ((max == Long.MAX_VALUE || max == Integer.MAX_VALUE) && (min == Long.MIN_VALUE || min == Integer.MIN_VALUE)) {
      return "must be between " + min + " and " + max; // only the type's range: an int's, say
    } else if (max == Long.MAX_VALUE || max == Integer.MAX_VALUE) {
      return "must be >= " + min;
    } else if (min == Long.MIN_VALUE || min == Integer.MIN_VALUE) {
      return "must be <= " + max;
    }
    return "must be between " + min + " and " + max;
  }
}
