package dev.otpx.process;

import io.vertx.core.Future;

/**
 * A monitor set from outside any process ({@link Processes#monitor}): exactly one {@link Down}, or
 * none after {@link #demonitor()}.
 */
public interface Monitor {

  /** @return the monitor reference, unique on this node */
  long ref();

  /** @return the monitored process */
  Pid pid();

  /**
   * The DOWN notification, completed on the context that set the monitor. It never completes once
   * {@link #demonitor()} has returned true.
   *
   * @return a future of the single DOWN
   */
  Future<Down> down();

  /**
   * Stops watching.
   *
   * @return true when the monitor was active (no DOWN delivered yet)
   */
  boolean demonitor();
}
