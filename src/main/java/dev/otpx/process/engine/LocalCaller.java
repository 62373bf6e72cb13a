package dev.otpx.process.engine;

import dev.otpx.process.Clock;
import dev.otpx.process.From;
import dev.otpx.process.OtpException;
import io.vertx.core.Future;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A call made in this JVM: the answer completes a promise of the caller's context (so the caller's
 * code runs on its own thread), a timer fails it with timeout, and whichever comes first wins: a
 * reply after the timeout is dropped, as OTP has done since 24.
 *
 * @param <R> the reply type
 */
final class LocalCaller<R> implements From {

  private final Clock clock;
  private final String address;
  private final PromiseInternal<R> promise;
  private final AtomicBoolean done = new AtomicBoolean();
  private final long timerId;

  /**
   * Starts the clock.
   *
   * @param context the caller's context
   * @param clock the node's clock, which times the call out
   * @param target the name or pid called, for the timeout message
   * @param address the address called: the name, or the pid's address
   * @param timeoutMillis the timeout
   */
  public LocalCaller(ContextInternal context, Clock clock, Object target, String address, long timeoutMillis) {
    this.clock = clock;
    this.address = address;
    this.promise = context.promise();
    this.timerId = clock.setTimer(context, timeoutMillis, id -> fail(OtpException.timeout(target, timeoutMillis)));
  }

  /** @return the caller's future */
  public Future<R> future() {
    return promise.future();
  }

  @Override
  @SuppressWarnings("unchecked")
  public void reply(Object reply) {
    if (done.compareAndSet(false, true)) {
      clock.cancelTimer(timerId);
      promise.complete((R) Messages.isolate(reply));
    }
  }

  @Override
  public void replyError(String code, String message) {
    fail(OtpException.error(code, message));
  }

  @Override
  public void fail(OtpException failure) {
    if (done.compareAndSet(false, true)) {
      clock.cancelTimer(timerId);
      promise.fail(failure);
    }
  }

  @Override
  public String address() {
    return address;
  }

  @Override
  public boolean isDone() {
    return done.get();
  }
}
