package dev.otpx.store;

import java.util.Locale;
import java.util.Objects;

/**
 * A store call that failed, with the {@link Failure} callers branch on. The message names the
 * database without its password and never holds a password or a hash, so it is safe to log.
 */
public final class StoreException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** Why a store call failed. */
  public enum Failure {
    /**
     * The database did not answer: unreachable, refused, closed the connection, or exceeded the
     * store's timeout. Worth retrying later; the store reconnects by itself.
     */
    UNAVAILABLE,
    /** A row the call needs does not exist: a video, or a user, that is not there. */
    NOT_FOUND,
    /** A row that must be unique already exists, e.g. a taken username. */
    DUPLICATE,
    /** The database refused the statement itself: a bug in otpx, not a client's fault. */
    INTERNAL;

    /** @return the failure in snake_case, as clients see it, e.g. {@code unavailable} */
    public String code() {
      return name().toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
      return code();
    }
  }

  private final Failure failure;

  /**
   * @param failure why the call failed
   * @param message what failed, without passwords
   * @param cause the driver's exception, if any
   */
  public StoreException(Failure failure, String message, Throwable cause) {
    super(Objects.requireNonNull(failure, "failure").code() + ": " + message, cause);
    this.failure = failure;
  }

  /** @return why the call failed */
  public Failure failure() {
    return failure;
  }

  /** @return whether the database was unavailable (and a retry may succeed) */
  public boolean isUnavailable() {
    return failure == Failure.UNAVAILABLE;
  }
}
