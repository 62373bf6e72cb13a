package dev.otpx.accounts;

/**
 * The rule for the passwords people choose, after NIST SP 800-63B: long enough to resist guessing,
 * with room for passphrases, and no composition rules. The upper bound keeps one sign-in's hashing
 * work bounded.
 */
public final class Passwords {

  /** Shortest password, in characters. */
  public static final int MIN_LENGTH = 8;
  /** Longest password, in characters. */
  public static final int MAX_LENGTH = 128;

  private Passwords() {
  }

  /**
   * Checks a new password.
   *
   * @param password what the person chose
   * @param username the normal form of their username
   * @throws IllegalArgumentException naming the rule it breaks (never repeating the password)
   */
  public static void check(String password, String username) {
    if (password == null || password.isEmpty()) {
      throw new IllegalArgumentException("password is missing");
    }
    int length = password.codePointCount(0, password.length());
    if (length < MIN_LENGTH || length > MAX_LENGTH) {
      throw new IllegalArgumentException("password must be " + MIN_LENGTH + " to " + MAX_LENGTH
        + " characters long, got " + length);
    }
    if (password.strip().equalsIgnoreCase(username)) {
      throw new IllegalArgumentException("password must not be the username");
    }
  }
}
