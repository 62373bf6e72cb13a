package dev.otpx.infosys;

/**
 * How a value InfoSys did not write itself (a client's query, a backend's error text) appears in a
 * log line: as one double-quoted string, escaped as in JSON, and cut short. A query that carries
 * CR/LF therefore cannot forge a log line, and a reader still sees exactly what was asked.
 *
 * <p>Beyond JSON's rules (quote, backslash, C0 controls) it also escapes DEL and the C1 controls,
 * the Unicode line and paragraph separators, format characters such as bidi overrides (some
 * viewers treat these as line breaks or reorder the text around them), and unpaired surrogates,
 * each as {@code \}{@code uXXXX}. Thread-safe and allocation-light.
 */
public final class LogText {

  /** How many characters of a value a log line shows by default. */
  public static final int DEFAULT_MAX_CHARS = 120;

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private LogText() {
  }

  /**
   * Quotes a value for a log line, showing at most {@value #DEFAULT_MAX_CHARS} characters.
   *
   * @param value the value, may be null
   * @return {@code "..."}, or {@code null} for null
   */
  public static String quote(String value) {
    return quote(value, DEFAULT_MAX_CHARS);
  }

  /**
   * Quotes a value for a log line.
   *
   * @param value the value, may be null
   * @param maxChars how many characters to show at most; a longer value is cut (never inside a
   *     surrogate pair) and ends with {@code …} followed by its full length
   * @return {@code "..."}, or {@code null} for null
   */
  public static String quote(String value, int maxChars) {
    if (maxChars < 1) {
      throw new IllegalArgumentException("maxChars must be >= 1, got " + maxChars);
    }
    if (value == null) {
      return "null";
    }
    int end = Math.min(value.length(), maxChars);
    if (end < value.length() && end > 0 && Character.isHighSurrogate(value.charAt(end - 1))
      && Character.isLowSurrogate(value.charAt(end))) {
      end--; // keep the pair whole: drop both halves
    }
    StringBuilder out = new StringBuilder(end + 16).append('"');
    for (int i = 0; i < end; i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (Character.isHighSurrogate(c) && i + 1 < end && Character.isLowSurrogate(value.charAt(i + 1))) {
            out.append(c).append(value.charAt(++i));
          } else if (needsEscape(c)) {
            out.append("\\u").append(HEX[c >> 12 & 0xf]).append(HEX[c >> 8 & 0xf]).append(HEX[c >> 4 & 0xf]).append(HEX[c & 0xf]);
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
    if (end < value.length()) {
      out.append("… (").append(value.length()).append(" chars)");
    }
    return out.toString();
  }

  private static boolean needsEscape(char c) {
    return switch (Character.getType(c)) {
      case Character.CONTROL, Character.FORMAT, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR,
        Character.SURROGATE, Character.UNASSIGNED -> true;
      default -> false;
    };
  }
}
