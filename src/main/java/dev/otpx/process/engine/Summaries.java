package dev.otpx.process.engine;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/**
 * Bounded, JSON-ready summaries of what a process holds or receives, for its status and its trace:
 * an observer shows them, so they must never be unbounded and never anything but JSON values.
 */
final class Summaries {

  /** The longest text a summary keeps. */
  static final int MAX_CHARS = 512;
  /** The longest JSON structure a summary keeps as it is (longer ones become cut text). */
  static final int MAX_JSON_CHARS = 2048;

  private Summaries() {
  }

  /**
   * @param value what a format callback returned
   * @return the value itself when it is a JSON scalar or a JSON structure of at most
   *     {@link #MAX_JSON_CHARS} encoded, else its text, cut at {@link #MAX_CHARS} with a marker
   *     saying how long it was
   */
  static Object of(Object value) {
    if (value == null || value instanceof Boolean || value instanceof Number) {
      return value;
    }
    if (value instanceof JsonObject || value instanceof JsonArray) {
      String encoded = value instanceof JsonObject o ? o.encode() : ((JsonArray) value).encode();
      return encoded.length() <= MAX_JSON_CHARS ? value : cut(encoded);
    }
    return cut(String.valueOf(value));
  }

  /**
   * @param message a message
   * @return its size: bytes of a buffer, characters of text or of its JSON or of its text form
   */
  static int size(Object message) {
    if (message == null) {
      return 0;
    } else if (message instanceof Buffer buffer) {
      return buffer.length();
    } else if (message instanceof JsonObject json) {
      return json.encode().length();
    } else if (message instanceof JsonArray json) {
      return json.encode().length();
    }
    return String.valueOf(message).length();
  }

  private static String cut(String text) {
    return text.length() <= MAX_CHARS ? text : text.substring(0, MAX_CHARS) + "…(" + text.length() + " chars)";
  }
}
