package dev.otpx.logging;

/**
 * Text that is safe to put in a log line: nothing in it can end the line early, start a forged one,
 * or hide what it says. The one way otpx shows text it did not write itself in a log.
 *
 * <p>{@link #escape} is what the log layout applies to every message and exception message: the C0
 * and C1 control characters and DEL, the Unicode line and paragraph separators, invisible format
 * characters (zero-width spaces, bidirectional overrides that reorder what a reader sees), unpaired
 * surrogates and unassigned code points become visible escapes ({@code \n}, {@code \r}, {@code \t},
 * {@code \}{@code u2028}, ...). Everything else, letters of any script and emoji included, is kept.
 *
 * <p>{@link #quote} is for a value a client chose (a query, a path, an address, a backend's error
 * text): escaped as above and as a JSON string (quotes and backslashes too), in double quotes, and
 * cut short, so that a reader sees exactly where the value starts and ends and one request cannot
 * fill the log. Thread-safe; a text with nothing to escape is returned as it is.
 */
public final class LogText {

  /** How many characters of a value {@link #quote(Object)} shows. */
  public static final int DEFAULT_MAX_CHARS = 120;

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private LogText() {
  }

  /**
   * Escapes the characters that could break or disguise a log line; quotes and backslashes are
   * kept as they are.
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
    appendEscaped(out, text, first, text.length(), false);
    return out.toString();
  }

  /**
   * A client's value as a log argument, showing at most {@value #DEFAULT_MAX_CHARS} characters; see
   * {@link #quote(Object, int)}.
   *
   * @param value the value (its {@code toString}), or null
   * @return {@code "value"}, or {@code null} for null
   */
  public static String quote(Object value) {
    return quote(value, DEFAULT_MAX_CHARS);
  }

  /**
   * A client's value as a log argument: a double-quoted JSON string, escaped as {@link #escape}
   * does and with {@code "} and {@code \} escaped as well. A longer value is cut (never inside a
   * surrogate pair) and the quote is followed by {@code …} and its full length.
   *
   * @param value the value (its {@code toString}), or null
   * @param maxChars how many characters to show at most
   * @return {@code "value"}, or {@code null} for null
   * @throws IllegalArgumentException when {@code maxChars} is below 1
   */
  public static String quote(Object value, int maxChars) {
    if (maxChars < 1) {
      throw new IllegalArgumentException("maxChars must be >= 1, got " + maxChars);
    }
    if (value == null) {
      return "null";
    }
    String text = String.valueOf(value);
    int end = Math.min(text.length(), maxChars);
    if (end < text.length() && Character.isHighSurrogate(text.charAt(end - 1)) && Character.isLowSurrogate(text.charAt(end))) {
      end--; // keep the pair whole: drop both halves
    }
    StringBuilder out = new StringBuilder(end + 16).append('"');
    appendEscaped(out, text, 0, end, true);
    out.append('"');
    if (end < text.length()) {
      out.append("… (").append(text.length()).append(" chars)");
    }
    return out.toString();
  }

  private static int firstUnsafe(String text) {
    for (int i = 0; i < text.length(); ) {
      int cp = text.codePointAt(i);
      if (unsafe(cp)) {
        return i;
      }
      i += Character.charCount(cp);
    }
    return -1;
  }

  private static void appendEscaped(StringBuilder out, String text, int from, int to, boolean json) {
    for (int i = from; i < to; ) {
      // A pair cut off at `to` is read as the lone high surrogate it then is, and escaped.
      char c = text.charAt(i);
      int cp = Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(text.charAt(i + 1))
        ? Character.toCodePoint(c, text.charAt(i + 1))
        : c;
      int length = Character.charCount(cp);
      if (json && (cp == '"' || cp == '\\')) {
        out.append('\\').append((char) cp);
      } else if (!unsafe(cp)) {
        out.append(text, i, i + length);
      } else if (cp == '\n') {
        out.append("\\n");
      } else if (cp == '\r') {
        out.append("\\r");
      } else if (cp == '\t') {
        out.append("\\t");
      } else {
        for (int j = i; j < i + length; j++) {
          char unit = text.charAt(j);
          out.append("\\u").append(HEX[unit >> 12 & 0xf]).append(HEX[unit >> 8 & 0xf]).append(HEX[unit >> 4 & 0xf])
            .append(HEX[unit & 0xf]);
        }
      }
      i += length;
    }
  }

  private static boolean unsafe(int cp) {
    if (cp < 0x20 || cp == 0x7f) {
      return true;
    }
    if (cp < 0x80) {
      return false;
    }
    return switch (Character.getType(cp)) {
      case Character.CONTROL, Character.FORMAT, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR,
        Character.SURROGATE, Character.UNASSIGNED -> true;
      default -> false;
    };
  }
}
