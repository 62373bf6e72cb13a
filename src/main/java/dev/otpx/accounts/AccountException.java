package dev.otpx.accounts;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * A registration or sign-in that {@link Accounts} refused, with the {@link Failure} callers branch
 * on. Its message never holds a password or a hash.
 */
public final class AccountException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** Why an account operation was refused. */
  public enum Failure {
    /** The username or the password is wrong; which one is not said, on purpose. */
    INVALID_CREDENTIALS,
    /** Too many failed sign-ins for this username or from this address: wait {@link #retryAfter()}. */
    TOO_MANY_ATTEMPTS,
    /** Someone already has that username (in any case). */
    USERNAME_TAKEN,
    /** Too many passwords are being hashed at once: try again in {@link #retryAfter()}. */
    BUSY;

    /** @return the failure in snake_case, as clients see it, e.g. {@code invalid_credentials} */
    public String code() {
      return name().toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
      return code();
    }
  }

  private final Failure failure;
  private final Duration retryAfter;

  /**
   * @param failure why
   * @param message what to tell the client
   * @param retryAfter how long to wait before trying again; zero when waiting does not help
   */
  public AccountException(Failure failure, String message, Duration retryAfter) {
    super(Objects.requireNonNull(failure, "failure").code() + ": " + message, null, false, false);
    this.failure = failure;
    this.retryAfter = Objects.requireNonNull(retryAfter, "retryAfter");
  }

  /** @return why */
  public Failure failure() {
    return failure;
  }

  /** @return how long to wait before trying again; zero when waiting does not help */
  public Duration retryAfter() {
    return retryAfter;
  }
}
