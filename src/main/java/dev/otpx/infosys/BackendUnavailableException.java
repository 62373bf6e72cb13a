package dev.otpx.infosys;

/** A backend that cannot run here (no API key, say): it is left out and the log says why. */
public final class BackendUnavailableException extends RuntimeException {

  /** @param why what is missing, for the log */
  public BackendUnavailableException(String why) {
    super(why, null, false, false);
  }
}
