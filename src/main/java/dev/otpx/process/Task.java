package dev.otpx.process;

import dev.otpx.process.engine.Client;
import dev.otpx.process.engine.ProcessTable;
import dev.otpx.process.engine.Spawn;
import dev.otpx.process.engine.TaskCore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Elixir's Task: one job run in a process of its own, whose single reply its owner (the code that
 * started it) collects with {@link #yield}, {@link #yieldMany} or {@link #shutdown}.
 *
 * <ul>
 *   <li>{@link #async} starts a task linked to the calling process (when called from one): if the
 *       task crashes, the caller goes with it, unless it traps exits.</li>
 *   <li>{@link TaskSupervisor#asyncNolink} starts it as a temporary child of a task supervisor
 *       instead, visible in its {@link Supervisor#whichChildren}: a crash is only an
 *       {@link Outcome.Exited} for the owner, never its end.</li>
 *   <li>The job runs at once, on a context of the task's own on the caller's event loop (so
 *       {@code self()} in it is the task), before {@code async} returns when the caller runs on
 *       that loop; its Future's value is the reply, sent the moment it completes. A failed Future
 *       or an exception crashes the task. A task is a process with no mailbox to read (the
 *       engine's {@code TaskCore}): it can be monitored, linked, sent exit signals and killed,
 *       and a call to it is refused.</li>
 * </ul>
 *
 * <p>Every wait is bounded on the node's {@link Clock}: {@link #yield} gives {@link Outcome.NoReply}
 * when the time is up and leaves the task running; {@link #shutdown} stops it and still returns a
 * reply that came in meanwhile, so a task still running at a deadline is killed without losing a
 * reply that arrives between the deadline and the kill (Elixir's {@code yield_many} then
 * {@code shutdown}).
 *
 * <p>Usage: {@code Task.yieldMany(List.of(Task.async(vertx, this::askA), Task.async(vertx, this::askB)),
 * Duration.ofSeconds(10), Shutdown.BRUTAL_KILL)}.
 *
 * @param <T> the reply type
 */
public final class Task<T> {

  /**
   * The kind of a task's process in {@link ProcessEvent.Started}. Its start and any end but a crash
   * (done, shut down, killed at a deadline) are logged at DEBUG only: a query fanned out to three
   * backends must not write six lines, and a straggler killed at its deadline is the plan, not an
   * error. A crash is logged as any process's is.
   */
  public static final String KIND = "Task";

  /** How long {@link #yield(Task)} waits by default: 5 s, as Task.yield. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

  /**
   * What became of a task, as its owner sees it.
   *
   * @param <T> the reply type
   */
  public sealed interface Outcome<T> {

    /**
     * The task replied: Elixir's {@code {:ok, value}}.
     *
     * @param value the reply
     * @param <T> the reply type
     */
    record Ok<T>(T value) implements Outcome<T> { }

    /**
     * The task ended without replying: Elixir's {@code {:exit, reason}} (a crash, a kill by someone
     * else, a failed start).
     *
     * @param reason why
     * @param <T> the reply type
     */
    record Exited<T>(ExitReason reason) implements Outcome<T> { }

    /**
     * No reply in time, or the task was shut down before it replied: Elixir's {@code nil}.
     *
     * @param <T> the reply type
     */
    record NoReply<T>() implements Outcome<T> { }
  }

  private final Vertx vertx;
  private final Future<Pid> started;
  /**
   * The outcome, completed on the task's own context: yieldMany and shutdown read it there, so a
   * reply reaches them without a hop to the owner's context per task.
   */
  private final PromiseInternal<Outcome<T>> result;
  /** The owner's context, where {@link #outcome()} completes. */
  private final ContextInternal owner;
  /** {@link #outcome()}, made on first use. */
  private Future<Outcome<T>> outcome;
  /** The process the task is linked to as its owner ({@link #async}), or null. */
  private final Pid linkedOwner;

  /**
   * Starts a task at once: its job runs before this returns when the caller is on an event loop.
   *
   * @param parent the process the task is linked to (the owner, or a task supervisor), or null
   * @param supervised whether the parent is a task supervisor
   */
  private Task(Vertx vertx, Pid parent, boolean supervised, Shutdown shutdown, Supplier<Future<T>> job) {
    this.vertx = vertx;
    this.owner = ProcessTable.of(vertx).callerContext();
    this.linkedOwner = supervised ? null : parent;
    ContextInternal context = TaskCore.newContext(vertx);
    this.result = context.promise();
    Future<Pid> pid;
    try {
      pid = Future.succeededFuture(TaskCore.start(vertx, context, parent, supervised, shutdown, job, this::reply, this::exited));
    } catch (OtpException failed) {
      pid = Future.failedFuture(failed);
      result.tryComplete(new Outcome.Exited<>(reasonOf(failed)));
    }
    this.started = pid;
  }

  /** A task under a task supervisor ({@link TaskSupervisor#asyncNolink}): linked to it, not to the caller. */
  static <T> Task<T> supervised(Vertx vertx, Pid supervisor, Supplier<Future<T>> job, Shutdown shutdown) {
    return new Task<>(vertx, supervisor, true, shutdown, job);
  }

  /** A task that could not start: its outcome is {@link Outcome.Exited} with the reason. */
  static <T> Task<T> failed(Vertx vertx, OtpException failure) {
    return new Task<>(vertx, failure);
  }

  private Task(Vertx vertx, OtpException failure) {
    this.vertx = vertx;
    this.owner = ProcessTable.of(vertx).callerContext();
    this.result = owner.promise();
    this.linkedOwner = null;
    this.started = Future.failedFuture(failure);
    result.tryComplete(new Outcome.Exited<>(reasonOf(failure)));
  }

  /**
   * Starts a task, linked to the calling process if there is one (Elixir's {@code Task.async}).
   *
   * @param vertx the Vert.x instance
   * @param job makes the reply; runs in the task's process
   * @param <T> the reply type
   * @return the task, at once
   */
  public static <T> Task<T> async(Vertx vertx, Supplier<Future<T>> job) {
    Objects.requireNonNull(job, "job");
    return new Task<>(vertx, Spawn.current(), false, TaskSupervisor.DEFAULT_SHUTDOWN, job);
  }

  /**
   * The task's outcome as soon as it is known: {@link Outcome.Ok} the moment it replies,
   * {@link Outcome.Exited} the moment it ends without replying (a crash, a kill, a failed start).
   * It does not complete while the task runs, so it bounds nothing by itself: the owner bounds the
   * wait with {@link #yield} or {@link #yieldMany} (and {@link #shutdown}, after which it is
   * complete). It lets an owner use each reply the moment it comes while the tasks wait together.
   *
   * @return the outcome, completed on the owner's context
   */
  public Future<Outcome<T>> outcome() {
    Future<Outcome<T>> mirrored = outcome;
    if (mirrored == null) {
      PromiseInternal<Outcome<T>> onOwner = owner.promise();
      result.future().onComplete(onOwner);
      mirrored = onOwner.future();
      outcome = mirrored;
    }
    return mirrored;
  }

  /** @return the task's pid, once its process has started */
  public Future<Pid> pid() {
    return started;
  }

  /**
   * Waits for the task's reply at most {@link #DEFAULT_TIMEOUT}; see {@link #yield(Task, Duration)}.
   *
   * @param task the task
   * @param <T> the reply type
   * @return what became of it
   */
  public static <T> Future<Outcome<T>> yield(Task<T> task) {
    return Task.yield(task, DEFAULT_TIMEOUT);
  }

  /**
   * Waits for the task's reply (Elixir's {@code Task.yield}): its {@link Outcome.Ok} or
   * {@link Outcome.Exited} if it comes within {@code timeout}, else {@link Outcome.NoReply}, and the
   * task goes on.
   *
   * @param task the task
   * @param timeout how long to wait, on the node's clock
   * @param <T> the reply type
   * @return what became of it, on the caller's context
   */
  public static <T> Future<Outcome<T>> yield(Task<T> task, Duration timeout) {
    return yieldMany(List.of(task), timeout).map(all -> all.get(0));
  }

  /**
   * Waits for several tasks under one shared deadline (Elixir's {@code Task.yield_many}): one
   * outcome per task, in the order given, {@link Outcome.NoReply} for those still running at the
   * deadline, which go on running.
   *
   * @param tasks the tasks
   * @param deadline how long to wait in all, on the node's clock
   * @param <T> the reply type
   * @return the outcomes, on the caller's context, as soon as all are known or at the deadline
   */
  public static <T> Future<List<Outcome<T>>> yieldMany(List<Task<T>> tasks, Duration deadline) {
    List<Task<T>> all = List.copyOf(tasks);
    if (all.isEmpty()) {
      return Future.succeededFuture(List.of());
    }
    List<Future<Outcome<T>>> results = new ArrayList<>(all.size());
    boolean known = true;
    for (Task<T> task : all) {
      results.add(task.result.future());
      known &= task.result.future().isComplete();
    }
    if (known) {
      return Future.succeededFuture(snapshot(all)); // all known now: no timer to set
    }
    ProcessTable table = ProcessTable.of(all.get(0).vertx);
    ContextInternal caller = table.callerContext();
    PromiseInternal<List<Outcome<T>>> done = caller.promise();
    Clock clock = table.clock();
    long timer = clock.setTimer(caller, Math.max(1, deadline.toMillis()), id -> done.tryComplete(snapshot(all)));
    Future.join(results).onComplete(ar -> {
      clock.cancelTimer(timer);
      done.tryComplete(snapshot(all));
    });
    return done.future();
  }

  /**
   * Waits for several tasks under one shared deadline and shuts down those still running at it
   * (Elixir's {@code yield_many} with {@code on_timeout: :kill_task}, or Rumbl's {@code yield_many}
   * then {@code shutdown(:brutal_kill)}): a reply that comes between the deadline and the end of the
   * shutdown is kept.
   *
   * @param tasks the tasks
   * @param deadline how long to wait in all, on the node's clock
   * @param onTimeout how to stop the tasks still running at the deadline
   * @param <T> the reply type
   * @return the outcomes, in the order given
   */
  public static <T> Future<List<Outcome<T>>> yieldMany(List<Task<T>> tasks, Duration deadline, Shutdown onTimeout) {
    List<Task<T>> all = List.copyOf(tasks);
    Future<List<Outcome<T>>> yielded = yieldMany(all, deadline);
    if (yielded.isComplete()) {
      return stopLate(all, yielded.result(), onTimeout);
    }
    return yielded.compose(outcomes -> stopLate(all, outcomes, onTimeout));
  }

  /** Stops the tasks that had not replied (usually none: then nothing more is made or waited for). */
  private static <T> Future<List<Outcome<T>>> stopLate(List<Task<T>> all, List<Outcome<T>> outcomes, Shutdown onTimeout) {
    List<Future<Outcome<T>>> settled = null;
    for (int i = 0; i < outcomes.size(); i++) {
      if (outcomes.get(i) instanceof Outcome.NoReply<T>) {
        if (settled == null) {
          settled = new ArrayList<>(outcomes.size());
          for (Outcome<T> known : outcomes) {
            settled.add(Future.succeededFuture(known));
          }
        }
        settled.set(i, shutdown(all.get(i), onTimeout));
      }
    }
    return settled == null ? Future.succeededFuture(outcomes) : Future.all(settled).map(done -> done.<Outcome<T>>list());
  }

  /**
   * Stops a task (Elixir's {@code Task.shutdown}): unlinks it from the caller, stops it as a
   * supervisor would ({@link Processes#shutdown}: brutal_kill at once, or shutdown then a kill at
   * the timeout), and answers with what it did: {@link Outcome.Ok} if it replied before it stopped,
   * even after a deadline had passed; {@link Outcome.Exited} if it had ended on its own with another
   * reason; else {@link Outcome.NoReply}.
   *
   * @param task the task
   * @param shutdown how to stop it
   * @param <T> the reply type
   * @return what became of it, on the caller's context
   */
  public static <T> Future<Outcome<T>> shutdown(Task<T> task, Shutdown shutdown) {
    Objects.requireNonNull(shutdown, "shutdown");
    if (task.result.future().isComplete()) {
      return Future.succeededFuture(task.result.future().result());
    }
    ContextInternal caller = ProcessTable.of(task.vertx).callerContext();
    PromiseInternal<Outcome<T>> done = caller.promise();
    task.started.onComplete(ar -> {
      if (ar.failed()) {
        task.result.future().onComplete(done);
        return;
      }
      Pid pid = ar.result();
      if (task.linkedOwner != null) {
        Client.unlink(task.vertx, task.linkedOwner, pid);
      }
      Processes.shutdown(task.vertx, pid, shutdown).onComplete(down -> {
        Outcome<T> replied = task.result.future().isComplete() ? task.result.future().result() : null;
        ExitReason reason = down.result();
        if (replied instanceof Outcome.Ok<T>) {
          done.complete(replied);
        } else if (reason.equals(ExitReason.SHUTDOWN) || reason instanceof ExitReason.Killed) {
          done.complete(new Outcome.NoReply<>());
        } else if (reason instanceof ExitReason.NoProc) {
          // Gone before the shutdown: its own end is the answer.
          done.complete(replied != null ? replied : new Outcome.NoReply<>());
        } else {
          done.complete(new Outcome.Exited<>(reason));
        }
      });
    });
    return done.future();
  }

  /** What the owner knows now: the outcome if it came, else no reply. */
  private static <T> List<Outcome<T>> snapshot(List<Task<T>> tasks) {
    List<Outcome<T>> outcomes = new ArrayList<>(tasks.size());
    for (Task<T> task : tasks) {
      Future<Outcome<T>> outcome = task.result.future();
      outcomes.add(outcome.isComplete() ? outcome.result() : new Outcome.NoReply<>());
    }
    return outcomes;
  }

  private static ExitReason reasonOf(Throwable failure) {
    if (failure instanceof OtpException otp && otp.reason() != null) {
      return otp.reason();
    }
    return ExitReason.error(failure);
  }

  /** The reply, sent by the task's process the moment its job completes. */
  void reply(T value) {
    result.tryComplete(new Outcome.Ok<>(value));
  }

  /** The task's process ended: an exit unless it replied first. */
  void exited(ExitReason reason) {
    result.tryComplete(new Outcome.Exited<>(reason));
  }
}
