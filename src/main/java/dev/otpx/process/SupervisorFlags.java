package dev.otpx.process;

import java.util.Objects;

/**
 * A supervisor's flags: strategy, restart intensity and auto_shutdown.
 *
 * <p>Intensity: more than {@code maxRestarts} restarts within {@code maxSeconds} and the supervisor
 * gives up: it stops all its children in reverse start order and exits with reason shutdown, which
 * its own supervisor handles like any child exit. The defaults are Elixir's, 3 restarts in 5
 * seconds (Erlang's are 1 in 5). {@code maxRestarts} 0 means the first crash takes the supervisor
 * down. The window is a sliding window with millisecond precision: a restart counts while less than
 * {@code maxSeconds} have passed since it (OTP counts whole seconds; this is the stricter reading).
 *
 * @param strategy which children a restart affects
 * @param maxRestarts restarts allowed within the window
 * @param maxSeconds the window, in seconds
 * @param autoShutdown whether significant children's ends stop the supervisor
 */
public record SupervisorFlags(Strategy strategy, int maxRestarts, long maxSeconds, AutoShutdown autoShutdown) {

  /** Elixir's default intensity: 3 restarts... */
  public static final int DEFAULT_MAX_RESTARTS = 3;
  /** ...in 5 seconds. */
  public static final long DEFAULT_MAX_SECONDS = 5;

  public SupervisorFlags {
    Objects.requireNonNull(strategy, "supervisor flag 'strategy' is required");
    Objects.requireNonNull(autoShutdown, "supervisor flag 'auto_shutdown' is required");
    if (maxRestarts < 0) {
      throw new IllegalArgumentException("supervisor flag 'max_restarts' must be >= 0, got " + maxRestarts);
    }
    if (maxSeconds <= 0) {
      throw new IllegalArgumentException("supervisor flag 'max_seconds' must be > 0, got " + maxSeconds);
    }
  }

  /**
   * @param strategy the strategy
   * @return flags with the default intensity and auto_shutdown never
   */
  public static SupervisorFlags of(Strategy strategy) {
    return new SupervisorFlags(strategy, DEFAULT_MAX_RESTARTS, DEFAULT_MAX_SECONDS, AutoShutdown.NEVER);
  }

  /** @param restarts max restarts @param seconds the window @return a copy with this intensity */
  public SupervisorFlags withIntensity(int restarts, long seconds) {
    return new SupervisorFlags(strategy, restarts, seconds, autoShutdown);
  }

  /** @param value the auto_shutdown @return a copy with it */
  public SupervisorFlags withAutoShutdown(AutoShutdown value) {
    return new SupervisorFlags(strategy, maxRestarts, maxSeconds, value);
  }
}
