package dev.otpx.process.internal;

import dev.otpx.process.OtpException;
import dev.otpx.process.Pid;
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
public final class LocalCaller<R> implements Caller {

  private final ContextInternal context;
  private final String address;
  private final PromiseInternal<R> promise;
  private final AtomicBoolean done = new AtomicBoolean();
  private final long timerId;

  /**
   * Starts the clock.
   *
   * @param context the caller's context
   * @param target the name or pid called: the call's address, and the timeout message's target
   * @param timeoutMillis the timeout
   */
  public LocalCaller(ContextInternal context, Object target, long timeoutMillis) {
    this.context = context;
    this.address = target instanceof Pid pid ? pid.address() : String.valueOf(target);
    this.promise = context.promise();
    this.timerId = context.setTimer(timeoutMillis, id -> fail(OtpException.timeout(target, timeoutMillis)));
  }

  /** @return the caller's future */
  public Future<R> future() {
    return promise.future();
  }

  @Override
  @SuppressWarnings("unchecked")
  public void reply(Object reply) {
    if (done.compareAndSet(false, true)) {
      context.owner().cancelTimer(timerId);
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
      context.owner().cancelTimer(timerId);
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
