package dev.otpx.channels.auth;

import java.util.Locale;
import java.util.Objects;

/**
 * A session token that {@link Tokens#verify} refused, with the {@link Reason} why. The message
 * never contains the token itself, so it is safe to log.
 */
public final class InvalidTokenException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** Why a token was refused. */
  public enum Reason {
    /** No token at all: null or blank. */
    MISSING,
    /** Not the shape of a token: not two base64url parts, or a payload that is not ours. */
    MALFORMED,
    /** Well formed, but its signature was not made with this server's secret. */
    FORGED,
    /** Signed by this server, but older than the maximum age. */
    EXPIRED;

    /**
     * @return the reason in snake_case, e.g. {@code expired}, as clients see it
     */
    public String code() {
      return name().toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
      return code();
    }
  }

  private final Reason reason;

  /**
   * @param reason why the token was refused
   * @param message what was wrong with it, without the token
   */
  public InvalidTokenException(Reason reason, String message) {
    super(Objects.requireNonNull(reason, "reason").code() + ": " + message, null, false, false);
    this.reason = reason;
  }

  /**
   * @return why the token was refused
   */
  public Reason reason() {
    return reason;
  }
}
