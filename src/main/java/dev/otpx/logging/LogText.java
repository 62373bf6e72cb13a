package dev.otpx.logging;

/**
 * Text that is safe to put in a log line: control characters, line and paragraph separators and
 * invisible format characters become visible escapes ({@code \n}, {@code \r}, {@code \t},
 * {@code \u2028}, ...), so no text can end a log line early or hide what it says.
 *
 * <p>The log layout escapes every message and throwable with {@link #escape}; code that logs a
 * value a client chose wraps it in {@link #quote} as well, which also cuts it short, so that one
 * request cannot fill the log.
 */
public final class LogText {

  /** How much of a client's value {@link #quote} keeps. */
  public static final int MAX_QUOTED = 80;

  private LogText() {
  }

  /**
   * Escapes the characters that could break or disguise a log line. Everything else, including
   * non-ASCII letters, is kept as it is.
   *
   * @param text any text, or null
   * @return the text on one line, or null for null
   */
  public static String escape(String text) {
    if (text == null) {
      return null;
    }
    int first = firstUnsafe(text);
    if (first < 0) {
      return text;
    }
    StringBuilder out = new StringBuilder(text.length() + 16).append(text, 0, first);
    for (int i = first; i < text.length(); i++) {
      char c = text.charAt(i);
      if (!unsafe(c)) {
        out.append(c);
      } else if (c == '\n') {
        out.append("\\n");
      } else if (c == '\r') {
        out.append("\\r");
      } else if (c == '\t') {
        out.append("\\t");
      } else {
        out.append(String.format("\\u%04x", (int) c));
      }
    }
    return out.toString();
  }

  /**
   * A client's value as a log argument: escaped, in single quotes, and cut to {@value #MAX_QUOTED}
   * characters (then ending in {@code ...}).
   *
   * @param value the value, or null
   * @return {@code 'value'}, or {@code null} for null
   */
  public static String quote(Object value) {
    if (value == null) {
      return "null";
    }
    String text = String.valueOf(value);
    String kept = text.length() <= MAX_QUOTED ? text : text.substring(0, MAX_QUOTED);
    return "'" + escape(kept) + (kept.length() < text.length() ? "...'" : "'");
  }

  private static int firstUnsafe(String text) {
    for (int i = 0; i < text.length(); i++) {
      if (unsafe(text.charAt(i))) {
        return i;
      }
    }
    return -1;
  }

  private static boolean unsafe(char c) {
    if (c < 0x20 || c == 0x7f) {
      return true;
    }
    if (c < 0x80) {
      return false;
    }
    int type = Character.getType(c);
    // C1 controls (NEL among them), line and paragraph separators, and invisible format
    // characters (zero-width spaces, bidirectional overrides that reorder what a reader sees).
    return type == Character.CONTROL || type == Character.LINE_SEPARATOR
      || type == Character.PARAGRAPH_SEPARATOR || type == Character.FORMAT;
  }
}
