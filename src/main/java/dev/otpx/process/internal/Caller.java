package dev.otpx.process.internal;

import dev.otpx.process.From;
import dev.otpx.process.OtpException;

/** A {@link From} that the runtime can also fail, e.g. when the server exits with the call pending. */
public interface Caller extends From {

  /**
   * Fails the call unless it was already answered.
   *
   * @param failure the failure
   */
  void fail(OtpException failure);
}
