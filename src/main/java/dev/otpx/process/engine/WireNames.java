package dev.otpx.process.engine;

import java.util.Arrays;
import java.util.Locale;

/** The snake_case names that the policy enums use in configuration and logs. */
public final class WireNames {

  private WireNames() {
  }

  /**
   * @param value an enum constant
   * @return its name in lower case, e.g. {@code one_for_all}
   */
  public static String of(Enum<?> value) {
    return value.name().toLowerCase(Locale.ROOT);
  }

  /**
   * Finds the constant with this wire name.
   *
   * @param values the enum's values
   * @param text the wire name
   * @param <E> the enum
   * @return the constant
   * @throws IllegalArgumentException listing the names it expected
   */
  public static <E extends Enum<E>> E parse(E[] values, String text) {
    for (E value : values) {
      if (of(value).equals(text)) {
        return value;
      }
    }
    String[] names = Arrays.stream(values).map(WireNames::of).toArray(String[]::new);
    String expected = names.length == 1 ? names[0]
      : String.join(", ", Arrays.copyOf(names, names.length - 1)) + " or " + names[names.length - 1];
    throw new IllegalArgumentException("expected " + expected + ", got '" + text + "'");
  }
}
