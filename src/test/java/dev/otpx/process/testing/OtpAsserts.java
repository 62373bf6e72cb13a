package dev.otpx.process.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import dev.otpx.process.ExitReason;
import dev.otpx.process.OtpException;

/** Assertions on the runtime's failures, so tests read as the behaviour they check. */
public final class OtpAsserts {

  private OtpAsserts() {
  }

  /**
   * Asserts that a failure is an {@link OtpException} of the expected kind.
   *
   * @param expected the kind
   * @param err what the future failed with
   * @return the exception, for further checks
   */
  public static OtpException assertFailure(OtpException.Failure expected, Throwable err) {
    OtpException otp = assertInstanceOf(OtpException.class, err, "expected an OtpException");
    assertEquals(expected, otp.failure(), () -> "failure of " + otp);
    return otp;
  }

  /**
   * Asserts that a reason is a crash whose message mentions a text.
   *
   * @param reason the exit reason
   * @param text what the message must contain
   * @return the error reason
   */
  public static ExitReason.Error assertCrash(ExitReason reason, String text) {
    ExitReason.Error error = assertInstanceOf(ExitReason.Error.class, reason, "expected a crash");
    if (!error.message().contains(text)) {
      throw new AssertionError("crash message '" + error.message() + "' does not mention '" + text + "'");
    }
    return error;
  }
}
