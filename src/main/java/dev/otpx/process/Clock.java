package dev.otpx.process;

import dev.otpx.process.engine.ProcessTable;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import java.util.Objects;

/**
 * The time the runtime reads: every time rule of a node (call timeouts, {@link GenServer#sendAfter}
 * timers, supervisors' restart windows and backoffs, shutdown limits, task deadlines) asks its
 * node's clock, so that tests can run those rules in virtual time ({@link VirtualClock}) instead of
 * waiting for them.
 *
 * <p>The system clock, the default, is Vert.x's timers on a monotonic clock. A node's clock is
 * chosen with {@link #use} before its first process starts; it cannot change afterwards, since
 * timers already set would be lost.
 */
public interface Clock {

  /**
   * Monotonic time: only differences mean anything.
   *
   * @return milliseconds since some fixed point
   */
  long millis();

  /**
   * Runs {@code handler} on {@code context} once {@code delayMillis} have passed.
   *
   * @param context where the handler runs
   * @param delayMillis the delay, at least 1
   * @param handler gets the timer's id
   * @return the timer's id, for {@link #cancelTimer}
   */
  long setTimer(Context context, long delayMillis, Handler<Long> handler);

  /**
   * Cancels a timer of {@link #setTimer}.
   *
   * @param id the timer's id
   * @return true when it had not fired yet
   */
  boolean cancelTimer(long id);

  /**
   * The clock of a node.
   *
   * @param vertx the node's Vert.x instance
   * @return its clock (the system clock unless {@link #use} chose another)
   */
  static Clock of(Vertx vertx) {
    return ProcessTable.of(vertx).clock();
  }

  /**
   * Chooses a node's clock, before its first process starts.
   *
   * @param vertx the node's Vert.x instance
   * @param clock the clock
   * @throws IllegalStateException when processes already run on the node
   */
  static void use(Vertx vertx, Clock clock) {
    ProcessTable.of(vertx).useClock(Objects.requireNonNull(clock, "clock"));
  }
}
