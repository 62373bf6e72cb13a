package dev.otpx.process.engine;

import dev.otpx.process.Clock;
import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;

/** The default clock: Vert.x's timers, {@link System#nanoTime()} for the time. */
final class SystemClock implements Clock {

  private final Vertx vertx;

  SystemClock(Vertx vertx) {
    this.vertx = vertx;
  }

  @Override
  public long millis() {
    return System.nanoTime() / 1_000_000;
  }

  @Override
  public long setTimer(Context context, long delayMillis, Handler<Long> handler) {
    return ((ContextInternal) context).setTimer(Math.max(1, delayMillis), handler);
  }

  @Override
  public boolean cancelTimer(long id) {
    return vertx.cancelTimer(id);
  }
}
