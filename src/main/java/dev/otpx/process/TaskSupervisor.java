package dev.otpx.process;

import dev.otpx.process.engine.ProcessTable;
import dev.otpx.process.engine.TaskCore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Elixir's Task.Supervisor: a dynamic supervisor whose children are tasks, each a temporary child
 * (never restarted) with shutdown 5 s unless told otherwise, listed by
 * {@link Supervisor#whichChildren} like any child. {@link #asyncNolink} is how a process runs work
 * it must survive: the task is the supervisor's child, not the caller's, so its crash reaches the
 * caller only as an {@link Task.Outcome.Exited}.
 *
 * <p>Usage: {@code TaskSupervisor.start(vertx, "infosys.tasks")}, then
 * {@code TaskSupervisor.asyncNolink(vertx, "infosys.tasks", () -> backend.ask(query), Shutdown.BRUTAL_KILL)}.
 */
public final class TaskSupervisor {

  /** A task's shutdown unless told otherwise: 5 s, as Task.Supervisor's. */
  public static final Shutdown DEFAULT_SHUTDOWN = Shutdown.DEFAULT_WORKER;

  private TaskSupervisor() {
  }

  /**
   * Starts a task supervisor (intensity 3 in 5 s, no cap on children).
   *
   * @param vertx the Vert.x instance
   * @param name the name to register, or null
   * @return its pid
   */
  public static Future<Pid> start(Vertx vertx, String name) {
    return Supervisor.start(vertx, spec(), name);
  }

  /**
   * A task supervisor as a child of a tree, registered under a name.
   *
   * @param id the child's id
   * @param name the name to register
   * @return the spec
   */
  public static ChildSpec childSpec(String id, String name) {
    return ChildSpec.supervisor(id, spec()).withName(Objects.requireNonNull(name, "name"));
  }

  private static SupervisorSpec spec() {
    return SupervisorSpec.dynamic(SupervisorFlags.DEFAULT_MAX_RESTARTS, SupervisorFlags.DEFAULT_MAX_SECONDS, DynamicSupervisor.UNLIMITED);
  }

  /**
   * Runs a job as a task under the supervisor, not linked to the caller (Elixir's
   * {@code Task.Supervisor.async_nolink}), with shutdown 5 s.
   *
   * @param vertx the Vert.x instance
   * @param supervisor the task supervisor
   * @param job makes the reply; runs in the task's process
   * @param <T> the reply type
   * @return the task, at once
   */
  public static <T> Task<T> asyncNolink(Vertx vertx, Pid supervisor, Supplier<Future<T>> job) {
    return asyncNolink(vertx, supervisor, job, DEFAULT_SHUTDOWN);
  }

  /**
   * Runs a job as a task under the supervisor, not linked to the caller.
   *
   * @param vertx the Vert.x instance
   * @param supervisor the task supervisor
   * @param job makes the reply; runs in the task's process
   * @param shutdown how the supervisor stops the task when it stops (brutal_kill, as Rumbl's
   *     InfoSys asks, or a timeout)
   * @param <T> the reply type
   * @return the task, at once; its outcome is {@link Task.Outcome.Exited} when it could not start
   */
  public static <T> Task<T> asyncNolink(Vertx vertx, Pid supervisor, Supplier<Future<T>> job, Shutdown shutdown) {
    Objects.requireNonNull(supervisor, "supervisor");
    Objects.requireNonNull(job, "job");
    Objects.requireNonNull(shutdown, "shutdown");
    return startTask(vertx, supervisor, job, shutdown);
  }

  /**
   * Runs a job under the task supervisor registered under a name; see
   * {@link #asyncNolink(Vertx, Pid, Supplier, Shutdown)}.
   *
   * @param vertx the Vert.x instance
   * @param supervisor the task supervisor's name
   * @param job makes the reply
   * @param shutdown how to stop the task
   * @param <T> the reply type
   * @return the task, at once; {@link Task.Outcome.Exited} with noproc when no such supervisor runs
   */
  public static <T> Task<T> asyncNolink(Vertx vertx, String supervisor, Supplier<Future<T>> job, Shutdown shutdown) {
    Objects.requireNonNull(supervisor, "supervisor");
    Objects.requireNonNull(job, "job");
    Objects.requireNonNull(shutdown, "shutdown");
    return Registry.whereis(vertx, supervisor)
      .map(pid -> startTask(vertx, pid, job, shutdown))
      .orElseGet(() -> Task.failed(vertx, OtpException.noproc(supervisor)));
  }

  /**
   * Starts a task as a temporary child: at once, on the caller's event loop, linked to the
   * supervisor, which finds it among its links (no start through its mailbox, no message at the
   * task's end). A task's job is code, not data, so its supervisor runs on the caller's node.
   */
  private static <T> Task<T> startTask(Vertx vertx, Pid supervisor, Supplier<Future<T>> job, Shutdown shutdown) {
    if (ProcessTable.of(vertx).isRemote(supervisor)) {
      return Task.failed(vertx, OtpException.error("remote_task_supervisor",
        "task supervisor " + supervisor + " runs on another node: a task's job runs on the caller's node"));
    }
    return Task.supervised(vertx, supervisor, job, shutdown);
  }

  /**
   * The tasks running under a supervisor, for its {@link Supervisor#whichChildren}, counts and
   * shutdown.
   *
   * @param vertx the Vert.x instance
   * @param supervisor the supervisor
   * @return its tasks, oldest first
   */
  static List<TaskCore.Running> running(Vertx vertx, Pid supervisor) {
    return TaskCore.under(vertx, supervisor);
  }
}
