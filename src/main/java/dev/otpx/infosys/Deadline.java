package dev.otpx.infosys;

import dev.otpx.process.Clock;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A point in time by which InfoSys's work must be done, on the node's {@link Clock} (so that tests
 * run deadlines in virtual time): the one way InfoSys bounds a wait ({@link #bound}), tells how much
 * time is left ({@link #left}), and cancels work at the deadline ({@link Cancellation}). Its timer is
 * set only when something waits for it, on the context that made it, and cleared by {@link #clear}.
 *
 * <p>Usage: {@code Deadline deadline = Deadline.in(vertx, Duration.ofSeconds(10));
 * deadline.bound(work, List.of())}.
 */
public final class Deadline implements Cancellation {

  private static final Logger log = LoggerFactory.getLogger(Deadline.class);

  private final Clock clock;
  private final Context context;
  private final long began;
  private final long at;
  private final List<Runnable> actions = new ArrayList<>(1);
  private volatile boolean cancelled;
  private long timer = -1;

  private Deadline(Clock clock, Context context, long began, long at) {
    this.clock = clock;
    this.context = context;
    this.began = began;
    this.at = at;
  }

  /**
   * A deadline {@code timeout} from now, whose cancellation runs on the calling context.
   *
   * @param vertx the node's Vert.x instance
   * @param timeout how long from now
   * @return the deadline
   */
  public static Deadline in(Vertx vertx, Duration timeout) {
    Clock clock = Clock.of(vertx);
    long now = clock.millis();
    return new Deadline(clock, vertx.getOrCreateContext(), now, now + Math.max(0, timeout.toMillis()));
  }

  /** @return the time left until the deadline, never negative */
  public Duration left() {
    return Duration.ofMillis(Math.max(0, at - clock.millis()));
  }

  /** @return whether the deadline has passed (or was cancelled early): nobody waits any more */
  public boolean passed() {
    return cancelled || clock.millis() >= at;
  }

  /** @return the time since the deadline was made */
  public Duration elapsed() {
    return Duration.ofMillis(clock.millis() - began);
  }

  /**
   * Waits for work at most until the deadline.
   *
   * @param work the work
   * @param fallback the answer when the work fails or is not done by the deadline
   * @param <T> the work's result
   * @return the work's result, or the fallback
   */
  public <T> Future<T> bound(Future<T> work, T fallback) {
    if (work.isComplete()) {
      return work.succeeded() ? work : Future.succeededFuture(fallback);
    }
    Promise<T> bounded = Promise.promise();
    long id = clock.setTimer(context, Math.max(1, at - clock.millis()), fired -> bounded.tryComplete(fallback));
    work.onComplete(ar -> {
      clock.cancelTimer(id);
      bounded.tryComplete(ar.succeeded() ? ar.result() : fallback);
    });
    return bounded.future();
  }

  /** Fires the cancellation now, as the deadline would. */
  public synchronized void cancel() {
    cancelled = true;
    clear();
    for (Runnable action : actions) {
      try {
        action.run();
      } catch (RuntimeException e) {
        log.warn("a cancellation action failed: {}", e.toString());
      }
    }
    actions.clear();
  }

  /** Stops waiting for the deadline: the work is done, and nothing is cancelled. */
  public synchronized void clear() {
    if (timer != -1) {
      clock.cancelTimer(timer);
      timer = -1;
    }
    if (!cancelled) {
      actions.clear();
    }
  }

  @Override
  public synchronized void onCancel(Runnable action) {
    if (cancelled) {
      action.run();
      return;
    }
    actions.add(action);
    if (timer == -1) {
      timer = clock.setTimer(context, Math.max(1, at - clock.millis()), id -> cancel());
    }
  }

  @Override
  public boolean cancelled() {
    return cancelled;
  }
}
