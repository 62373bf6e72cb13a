package dev.otpx.channels.auth;

import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The rule for the usernames people sign in with: 2 to 24 characters of {@code [a-z0-9_.-]},
 * starting with a letter, case-folded to lower case; the {@link #RESERVED} names are refused so
 * that nobody can pose as an InfoSys backend or as the system.
 */
public final class Usernames {

  /** Shortest username. */
  public static final int MIN_LENGTH = 2;
  /** Longest username. */
  public static final int MAX_LENGTH = 24;
  /** Names nobody may sign in as: the InfoSys backends' users, {@code system} and {@code admin}. */
  public static final Set<String> RESERVED = Set.of("wolfram", "calculator", "clock", "system", "admin");

  // Checked before lower-casing: toLowerCase maps some non-ASCII letters (the Kelvin sign) to ASCII.
  private static final Pattern ALLOWED = Pattern.compile("[A-Za-z0-9_.-]+");
  private static final Pattern STARTS_WITH_LETTER = Pattern.compile("[A-Za-z].*");

  private Usernames() {
  }

  /**
   * Checks a username and returns it in its normal form. Surrounding whitespace is dropped.
   *
   * @param username what the person typed
   * @return the username, lower case
   * @throws IllegalArgumentException naming the rule it breaks: missing, length, characters,
   *     first character, or reserved
   */
  public static String validate(String username) {
    if (username == null || username.isBlank()) {
      throw new IllegalArgumentException("username is missing");
    }
    String name = username.strip();
    if (name.length() < MIN_LENGTH || name.length() > MAX_LENGTH) {
      throw new IllegalArgumentException("username must be " + MIN_LENGTH + " to " + MAX_LENGTH
        + " characters long, got " + name.length());
    }
    if (!ALLOWED.matcher(name).matches()) {
      throw new IllegalArgumentException(
        "username may contain only letters a-z, digits and the characters _ . -");
    }
    if (!STARTS_WITH_LETTER.matcher(name).matches()) {
      throw new IllegalArgumentException("username must start with a letter");
    }
    String normal = name.toLowerCase(Locale.ROOT);
    if (RESERVED.contains(normal)) {
      throw new IllegalArgumentException("username '" + normal + "' is reserved");
    }
    return normal;
  }
}
