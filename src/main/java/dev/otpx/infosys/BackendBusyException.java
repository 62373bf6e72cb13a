package dev.otpx.infosys;

/**
 * A backend turned a query away because it already has as much work as it takes (its connection
 * pool and wait queue are full, say). It says nothing about the backend's health, and a flood of
 * queries must not be able to switch a backend off for everyone, so InfoSys drops this backend's
 * part of the query without counting it against the backend's circuit breaker.
 */
public final class BackendBusyException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** @param why what is full, for the log */
  public BackendBusyException(String why) {
    super(why, null, false, false);
  }
}
