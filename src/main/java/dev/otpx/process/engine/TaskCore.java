package dev.otpx.process.engine;

import dev.otpx.process.ExitReason;
import dev.otpx.process.OtpException;
import dev.otpx.process.Pid;
import dev.otpx.process.ProcessEvent;
import dev.otpx.process.ProcessStatus;
import dev.otpx.process.Shutdown;
import dev.otpx.process.Task;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The engine of a task, beside {@link ProcessCore}: a process that runs one job, at once, and ends
 * when the job's future does. It has no mailbox to read and no status machine; what makes it a
 * process is its cell (pid, links, monitors, exit signals, kill), which is the same as any process's.
 *
 * <ul>
 *   <li>The job runs on a context of its own on its starter's event loop (so {@code self()} in the
 *       job and in the callbacks of what it starts is the task's pid), on the starter's thread when
 *       that is the loop's, else as the loop's next task.</li>
 *   <li>A reply is handed over the moment the job's future succeeds, then the task ends normally; a
 *       failed future or an exception thrown in the job or its callbacks is a crash.</li>
 *   <li>An exit signal other than normal ends it (a task does not trap exits), a kill at once; a
 *       reply that comes after a kill was asked is not handed over.</li>
 *   <li>A task of a task supervisor is linked to it, so the supervisor's end ends the task, but the
 *       task's end sends the supervisor nothing: it leaves the supervisor's links, where the
 *       supervisor finds its running tasks ({@link #under}), as Task.Supervisor keeps its
 *       children, without a message per task.</li>
 * </ul>
 *
 * <p>Why an engine of its own: a task started as a GenServer cost a mailbox, a status machine and
 * two messages through them, and InfoSys starts one per backend per query (docs/benchmarks.md).
 */
public final class TaskCore implements Engine {

  /**
   * A task running under a supervisor, as the supervisor lists it.
   *
   * @param pid the task
   * @param shutdown how the supervisor stops it
   * @param startedAt when it started, on the node's clock
   */
  public record Running(Pid pid, Shutdown shutdown, long startedAt) { }

  private final ProcessTable table;
  private final ProcessCell cell;
  private final Shutdown shutdown;
  private final boolean supervised;
  private final long startedAt;
  private final Consumer<Object> onReply;
  private final Consumer<ExitReason> onEnd;
  private volatile boolean killRequested;
  private volatile boolean dead;

  private TaskCore(ProcessTable table, Pid parent, ContextInternal context, Shutdown shutdown, boolean supervised,
      Consumer<Object> onReply, Consumer<ExitReason> onEnd) {
    this.table = table;
    this.shutdown = shutdown;
    this.supervised = supervised;
    this.onReply = onReply;
    this.onEnd = onEnd;
    this.startedAt = table.clock().millis();
    this.cell = new ProcessCell(table.newPid(), parent, context, this);
  }

  /**
   * The context a task started from the calling thread runs on: a context of its own on the
   * caller's event loop, or on the next loop when the caller is not on one.
   *
   * @param vertx the Vert.x instance
   * @return a new context
   */
  public static ContextInternal newContext(Vertx vertx) {
    ContextInternal starter = ContextInternal.current();
    boolean onLoop = starter != null && starter.isEventLoopContext() && starter.nettyEventLoop().inEventLoop();
    return Placement.newNeutralContext(vertx, onLoop ? starter.nettyEventLoop() : null);
  }

  /**
   * Starts a task and runs its job: at once when the caller runs on the task's event loop, else as
   * the loop's next task.
   *
   * @param vertx the Vert.x instance
   * @param context the task's context, from {@link #newContext}
   * @param parent the process it is linked to: its owner ({@code Task.async}) or its task
   *     supervisor; null for none
   * @param supervised whether {@code parent} is a task supervisor (its end then sends it nothing)
   * @param shutdown how a supervisor stops it
   * @param job makes the reply
   * @param onReply gets the reply, before the task's end, on the thread that completed the job
   * @param onEnd gets the reason of its end, on the task's context, exactly once
   * @param <T> the reply type
   * @return its pid
   * @throws OtpException noproc when the parent is not alive
   */
  @SuppressWarnings("unchecked")
  public static <T> Pid start(Vertx vertx, ContextInternal context, Pid parent, boolean supervised, Shutdown shutdown,
      Supplier<Future<T>> job, Consumer<? super T> onReply, Consumer<ExitReason> onEnd) {
    Objects.requireNonNull(job, "job");
    ProcessTable table = ProcessTable.of(vertx);
    ProcessCell linkTo = parent == null ? null : table.lookup(parent);
    if (parent != null && (linkTo == null || !linkTo.alive())) {
      throw OtpException.noproc(parent);
    }
    TaskCore core = new TaskCore(table, parent, context, shutdown, supervised, (Consumer<Object>) onReply, onEnd);
    Pid pid = core.cell.pid();
    // Names the task ({@code self()}) and makes an exception in its handlers a crash.
    context.exceptionHandler(new ProcessContext(pid, core::crash));
    table.add(core.cell);
    table.events().publish(new ProcessEvent.Started(pid, null, Task.KIND));
    if (context.nettyEventLoop().inEventLoop()) {
      context.dispatch(v -> core.run(job));
    } else {
      context.runOnContext(v -> core.run(job));
    }
    return pid;
  }

  /**
   * The tasks running under a process, oldest first.
   *
   * @param vertx the Vert.x instance
   * @param supervisor the task supervisor
   * @return its running tasks
   */
  public static List<Running> under(Vertx vertx, Pid supervisor) {
    ProcessCell cell = ProcessTable.of(vertx).lookup(supervisor);
    if (cell == null) {
      return List.of();
    }
    List<Running> running = new ArrayList<>();
    for (ProcessCell child : cell.children()) {
      if (child.core() instanceof TaskCore task && !task.dead) {
        running.add(new Running(child.pid(), task.shutdown, task.startedAt));
      }
    }
    return running;
  }

  private <T> void run(Supplier<Future<T>> job) {
    if (dead) {
      return; // stopped before its turn came
    }
    Future<T> reply = Objects.requireNonNull(job.get(), "a task's job returned null");
    reply.onComplete(ar -> {
      // Handed over on whatever thread completes the job, as a message is sent the moment it is:
      // a reply that comes before a kill is kept, even when the kill reaches the task first.
      if (ar.succeeded() && !killRequested && !dead) {
        onReply.accept(ar.result());
      }
      onHome(() -> exit(killRequested ? ExitReason.KILLED : ar.succeeded() ? ExitReason.NORMAL : ExitReason.error(ar.cause())));
    });
  }

  private void crash(Throwable failure) {
    exit(ExitReason.error(failure));
  }

  private void onHome(Runnable action) {
    ContextInternal current = ContextInternal.current();
    if (current != null && current.unwrap() == cell.context()) {
      action.run();
    } else {
      cell.context().runOnContext(v -> action.run());
    }
  }

  /** The task is gone: its supervisor forgets it, then names, links and monitors go as any process's do. */
  private void exit(ExitReason reason) {
    if (dead) {
      return;
    }
    dead = true;
    cell.markDying();
    table.events().publish(new ProcessEvent.Exited(cell.pid(), null, reason, true, Task.KIND));
    if (supervised) {
      // Out of the supervisor's links before anyone sees the DOWN: a which_children after it no
      // longer lists the task, and the supervisor gets no exit message to read.
      ProcessCell supervisor = table.lookup(cell.parent());
      if (supervisor != null) {
        supervisor.removeLink(cell.pid());
      }
    }
    // The owner knows the outcome before anyone sees the DOWN, as a task's reply comes before it.
    onEnd.accept(reason);
    table.remove(cell, reason, !supervised);
  }

  // ---------------------------------------------------------------- the cell's engine

  @Override
  public void receive(Envelope envelope) {
    if (killRequested) {
      exit(ExitReason.KILLED);
    } else if (envelope instanceof Envelope.Stop stop) {
      exit(stop.reason());
    } else if (envelope instanceof Envelope.Signal signal) {
      if (signal.viaLink() && !cell.removeLink(signal.from())) {
        return; // unlinked while the signal was on its way
      }
      // A task does not trap exits: normal is ignored, anything else ends it.
      if (!(signal.reason() instanceof ExitReason.Normal)) {
        exit(signal.reason());
      }
    } else if (envelope instanceof Envelope.Call call) {
      // One refusal, one answer: nobody reads a task's mailbox, so a call would wait for nothing.
      call.caller().fail(dead ? OtpException.exit(cell.pid(), ExitReason.NORMAL)
        : OtpException.error("not_a_server", "process " + cell.pid() + " is a task: it takes no calls"));
    }
    // Casts and messages: a task reads no mailbox (Elixir's tasks do not either).
  }

  @Override
  public void requestKill() {
    killRequested = true;
  }

  @Override
  public void killNow() {
    exit(ExitReason.KILLED);
  }

  @Override
  public boolean trapsExits() {
    return false;
  }

  @Override
  public ProcessStatus snapshot() {
    if (dead) {
      return null;
    }
    return new ProcessStatus(cell.pid(), null, cell.names(), Task.KIND, cell.parent(), cell.linkedPids(), false, "running",
      Duration.ofMillis(Math.max(0, table.clock().millis() - startedAt)), cell.queued(), 0, null, 0);
  }

  /** A task handles no messages, so there is nothing to trace; it answers as any live process does. */
  @Override
  public boolean trace(int messages) {
    return !dead;
  }

  @Override
  public Future<Void> listenOn(String address) {
    return Future.failedFuture(OtpException.error("not_a_server",
      "process " + cell.pid() + " is a task: it has no event-bus consumer for a name"));
  }

  @Override
  public void stopListening(String address) {
    // Never listening: nothing to stop.
  }

  @Override
  public ProcessTable table() {
    return table;
  }
}
