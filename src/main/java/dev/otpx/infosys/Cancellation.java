package dev.otpx.infosys;

/**
 * Tells a backend that nobody waits for its answer any more (the query's deadline passed): it should
 * stop its work, reset its HTTP request, clear its timers, so that no orphaned work piles up under
 * load. Actions registered after the cancellation run at once.
 */
public interface Cancellation {

  /**
   * Registers what to do on cancellation; runs on the backend's own context.
   *
   * @param action the clean-up
   */
  void onCancel(Runnable action);

  /** @return whether the work has been cancelled */
  boolean cancelled();
}
