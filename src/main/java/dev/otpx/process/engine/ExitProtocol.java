package dev.otpx.process.engine;

import dev.otpx.process.Clock;
import dev.otpx.process.ExitReason;
import dev.otpx.process.Shutdown;
import io.vertx.core.Future;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;

/**
 * How every process is stopped, as OTP's {@code supervisor:shutdown/1} is one function: monitor the
 * process, send it the exit signal, wait for its DOWN up to the limit, then kill it and wait for the
 * DOWN of the kill. A supervisor stopping a child, a process stopping the processes it started, the
 * node stopping its trees, an undeploy and {@code GenServer.stop} all come here, each with its own
 * signal and limit.
 */
final class ExitProtocol {

  private ExitProtocol() {
  }

  /**
   * Stops a process.
   *
   * @param table the node
   * @param target the process, or null when it is gone (the answer is then noproc)
   * @param signal what asks it to stop: an {@link Envelope.Stop} or an {@link Envelope.Signal}
   *     (ignored for brutal_kill)
   * @param limit brutal_kill (kill at once), a timeout (then kill) or infinity (wait)
   * @param waiter the context the answer completes on
   * @return the reason the process exited with: noproc when it was not there, killed when the limit
   *     ran out
   */
  public static Future<ExitReason> stop(ProcessTable table, ProcessCell target, Envelope signal, Shutdown limit,
      ContextInternal waiter) {
    PromiseInternal<ExitReason> down = waiter.promise();
    table.monitor(target, table.newRef(), down::tryComplete);
    if (down.future().isComplete()) {
      return down.future();
    }
    if (limit instanceof Shutdown.BrutalKill) {
      target.kill();
      return down.future();
    }
    target.deliver(signal);
    if (limit instanceof Shutdown.Timeout timeout) {
      Clock clock = table.clock();
      long timer = clock.setTimer(waiter, Math.max(1, timeout.timeout().toMillis()), id -> target.kill());
      down.future().onComplete(ar -> clock.cancelTimer(timer));
    }
    return down.future();
  }
}
