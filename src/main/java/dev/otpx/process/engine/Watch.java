package dev.otpx.process.engine;

import dev.otpx.process.Down;
import dev.otpx.process.ExitReason;
import dev.otpx.process.Monitor;
import dev.otpx.process.Pid;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;
import java.util.concurrent.atomic.AtomicBoolean;

/** A monitor set from code that is not a process: its one DOWN completes a future on the caller's context. */
public final class Watch implements Monitor {

  private final ProcessTable table;
  private final long ref;
  private final Pid pid;
  private final PromiseInternal<Down> down;
  private final AtomicBoolean done = new AtomicBoolean();

  private Watch(ProcessTable table, Pid pid, PromiseInternal<Down> down) {
    this.table = table;
    this.ref = table.newRef();
    this.pid = pid;
    this.down = down;
  }

  /**
   * Monitors a process.
   *
   * @param vertx the Vert.x instance
   * @param pid the process
   * @return the monitor, whose DOWN completes on the calling context
   */
  public static Watch of(Vertx vertx, Pid pid) {
    ProcessTable table = ProcessTable.of(vertx);
    ContextInternal context = (ContextInternal) vertx.getOrCreateContext();
    Watch watch = new Watch(table, pid, context.promise());
    table.monitor(pid, watch.ref, watch::fire);
    return watch;
  }

  private void fire(ExitReason reason) {
    if (done.compareAndSet(false, true)) {
      down.complete(new Down(ref, pid, reason));
    }
  }

  @Override
  public long ref() {
    return ref;
  }

  @Override
  public Pid pid() {
    return pid;
  }

  @Override
  public Future<Down> down() {
    return down.future();
  }

  @Override
  public boolean demonitor() {
    if (!done.compareAndSet(false, true)) {
      return false;
    }
    table.demonitor(pid, ref);
    return true;
  }
}
