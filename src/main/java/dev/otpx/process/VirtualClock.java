package dev.otpx.process;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A clock whose time moves only when a test says so, like Pekko's ManualTime: tests of time rules
 * (a restart window, a backoff, a call timeout, a shutdown limit) set it forward instead of waiting.
 *
 * <p>Timers fire in deadline order, each on its own context, during {@link #advance}. A timer set
 * while the clock advances (by a handler that just fired) waits for the next advance, so one
 * {@code advance} never chains more work than was due when it began. Thread-safe.
 *
 * <p>Usage: {@code VirtualClock clock = VirtualClock.install(vertx);} before any process starts, then
 * {@code clock.advance(Duration.ofSeconds(5)).onComplete(...)}.
 */
public final class VirtualClock implements Clock {

  private record Timer(long id, long deadline, Context context, Handler<Long> handler) { }

  private final AtomicLong ids = new AtomicLong();
  private final TreeSet<Timer> timers = new TreeSet<>(Comparator.comparingLong(Timer::deadline).thenComparingLong(Timer::id));
  private long now;

  /** A clock at time 0 with no timers; {@link #install} puts it in charge of a node. */
  public VirtualClock() {
  }

  /**
   * Makes a new virtual clock the clock of a node.
   *
   * @param vertx the node's Vert.x instance, before any process has started on it
   * @return the clock
   */
  public static VirtualClock install(Vertx vertx) {
    VirtualClock clock = new VirtualClock();
    Clock.use(vertx, clock);
    return clock;
  }

  @Override
  public synchronized long millis() {
    return now;
  }

  @Override
  public synchronized long setTimer(Context context, long delayMillis, Handler<Long> handler) {
    Objects.requireNonNull(context, "context");
    long id = ids.incrementAndGet();
    timers.add(new Timer(id, now + Math.max(1, delayMillis), context, handler));
    return id;
  }

  @Override
  public synchronized boolean cancelTimer(long id) {
    return timers.removeIf(timer -> timer.id() == id);
  }

  /** @return how many timers are set and have not fired */
  public synchronized int pendingTimers() {
    return timers.size();
  }

  /**
   * Moves time forward and fires every timer due by then, in deadline order.
   *
   * @param by how far
   * @return completes once the handler of every timer that fired has run
   */
  public Future<Void> advance(Duration by) {
    if (by.isNegative()) {
      throw new IllegalArgumentException("a clock does not go back: " + by);
    }
    List<Timer> due = new ArrayList<>();
    synchronized (this) {
      now += by.toMillis();
      while (!timers.isEmpty() && timers.first().deadline() <= now) {
        due.add(timers.pollFirst());
      }
    }
    List<Future<Void>> fired = new ArrayList<>(due.size());
    for (Timer timer : due) {
      Promise<Void> ran = Promise.promise();
      timer.context().runOnContext(v -> {
        try {
          timer.handler().handle(timer.id());
        } finally {
          ran.complete();
        }
      });
      fired.add(ran.future());
    }
    return Future.join(fired).mapEmpty();
  }
}
