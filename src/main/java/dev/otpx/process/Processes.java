package dev.otpx.process;

import dev.otpx.process.internal.Envelope;
import dev.otpx.process.internal.Messages;
import dev.otpx.process.internal.ProcessCell;
import dev.otpx.process.internal.ProcessTable;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Signals and questions about any process, from any code: plain sends, kills, monitors and
 * liveness. (Calls, casts and orderly stops are on {@link GenServer}.)
 */
public final class Processes {

  private Processes() {
  }

  /**
   * Sends a message to a process's {@link GenServer#handleInfo}, like Erlang's {@code send}: never
   * fails; dropped when no such process lives.
   *
   * @param vertx the Vert.x instance
   * @param pid the process
   * @param message the message
   */
  public static void send(Vertx vertx, Pid pid, Object message) {
    GenServer.deliver(ProcessTable.of(vertx).lookup(pid), new Envelope.Info(Messages.isolate(message)));
  }

  /**
   * Sends a message to the process registered under a name; see {@link #send(Vertx, Pid, Object)}.
   *
   * @param vertx the Vert.x instance
   * @param name the name
   * @param message the message
   */
  public static void send(Vertx vertx, String name, Object message) {
    GenServer.deliver(ProcessTable.of(vertx).lookup(name), new Envelope.Info(Messages.isolate(message)));
  }

  /**
   * Kills a process at once: it cannot refuse, terminate does not run, and its monitors see
   * {@link ExitReason#KILLED}, like {@code Process.exit(pid, :kill)}.
   *
   * @param vertx the Vert.x instance
   * @param pid the process
   * @return false when no such process lived
   */
  public static boolean kill(Vertx vertx, Pid pid) {
    ProcessCell cell = ProcessTable.of(vertx).lookup(pid);
    if (cell == null) {
      return false;
    }
    cell.kill();
    return true;
  }

  /**
   * Whether a process lives on this node.
   *
   * @param vertx the Vert.x instance
   * @param pid the process
   * @return true while it has not exited
   */
  public static boolean isAlive(Vertx vertx, Pid pid) {
    ProcessCell cell = ProcessTable.of(vertx).lookup(pid);
    return cell != null && cell.alive();
  }

  /**
   * Monitors a process from code that is not a process (tests, HTTP handlers, supervisors' helpers):
   * exactly one {@link Down}, with {@link ExitReason#NOPROC} at once when the process is already
   * gone. Inside a GenServer, use {@link GenServer#monitor} to get the DOWN as a message.
   *
   * @param vertx the Vert.x instance
   * @param pid the process to watch
   * @return the monitor
   */
  public static Monitor monitor(Vertx vertx, Pid pid) {
    Objects.requireNonNull(pid, "pid");
    ProcessTable table = ProcessTable.of(vertx);
    ContextInternal context = (ContextInternal) vertx.getOrCreateContext();
    OutsideMonitor monitor = new OutsideMonitor(table.newRef(), pid, table.lookup(pid), context.promise());
    if (monitor.target == null || !monitor.target.addMonitor(monitor.ref, monitor::fire)) {
      monitor.fire(ExitReason.NOPROC);
    }
    return monitor;
  }

  private static final class OutsideMonitor implements Monitor {
    private final long ref;
    private final Pid pid;
    private final ProcessCell target;
    private final PromiseInternal<Down> down;
    private final AtomicBoolean done = new AtomicBoolean();

    OutsideMonitor(long ref, Pid pid, ProcessCell target, PromiseInternal<Down> down) {
      this.ref = ref;
      this.pid = pid;
      this.target = target;
      this.down = down;
    }

    void fire(ExitReason reason) {
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
      if (target != null) {
        target.removeMonitor(ref);
      }
      return true;
    }
  }
}
