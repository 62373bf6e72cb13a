package dev.otpx.process.engine;

import dev.otpx.process.Pid;
import io.vertx.core.Handler;
import java.util.function.Consumer;

/**
 * A process's context's exception handler: an exception thrown in one of the process's handlers
 * crashes it (Vert.x's default is to log and carry on), and the handler names the process, so
 * {@link Spawn#current()} knows whose callback runs with one volatile read, no map, and a task
 * costs no context data map.
 */
final class ProcessContext implements Handler<Throwable> {

  private final Pid pid;
  private final Consumer<Throwable> crash;

  ProcessContext(Pid pid, Consumer<Throwable> crash) {
    this.pid = pid;
    this.crash = crash;
  }

  /** @return the process whose context this is */
  Pid pid() {
    return pid;
  }

  @Override
  public void handle(Throwable failure) {
    crash.accept(failure);
  }
}
