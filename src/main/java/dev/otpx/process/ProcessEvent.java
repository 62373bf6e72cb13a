package dev.otpx.process;

import dev.otpx.process.engine.ProcessTable;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * What happens to a node's processes, as data: every process start and exit, and every report a
 * supervisor makes (OTP's progress and supervisor reports). The log lines of the runtime are one
 * subscriber of these events; an observer, metrics or a cluster view can be others
 * ({@link #subscribe}).
 *
 * <p>Supervisor reports carry the supervisor's pid and id (its registered name, or its pid when it
 * has none), the child's id and pid, and reasons as {@link ExitReason} values; a nested start
 * failure's cause is reachable through {@link ExitReason.Shutdown#failedChild()}.
 */
public sealed interface ProcessEvent {

  /**
   * Subscribes to a node's events. The handler runs on the thread where the event happens (the
   * process's own event loop), synchronously, in the order of each process's events; it must be
   * quick and must not block. An exception it throws is logged and does not reach the runtime.
   * Publishing costs next to nothing while nobody but the log subscribes.
   *
   * @param vertx the node's Vert.x instance
   * @param handler gets each event
   * @return what stops the subscription
   */
  static Subscription subscribe(Vertx vertx, Consumer<? super ProcessEvent> handler) {
    return ProcessTable.of(vertx).events().subscribe(Objects.requireNonNull(handler, "handler"));
  }

  /**
   * Reports an event to a node's subscribers (the log among them), on the calling thread. The
   * runtime's own behaviours report through here; a behaviour built on the runtime may too.
   *
   * @param vertx the node's Vert.x instance
   * @param event the event
   */
  static void publish(Vertx vertx, ProcessEvent event) {
    ProcessTable.of(vertx).events().publish(Objects.requireNonNull(event, "event"));
  }

  /** A subscription of {@link #subscribe}. */
  @FunctionalInterface
  interface Subscription {
    /** Stops the events; idempotent. */
    void cancel();
  }

  /**
   * A process finished its init and runs.
   *
   * @param pid the process
   * @param name the name it was started under, or null
   * @param kind its class's simple name
   */
  record Started(Pid pid, String name, String kind) implements ProcessEvent { }

  /**
   * A process exited.
   *
   * @param pid the process
   * @param name the name it was started under, or null
   * @param reason why
   * @param initialized false when its init failed, stopped or ignored (the start failed, and the
   *     starter got the reason; no exit is logged for it)
   * @param kind what it was, as {@link Started#kind()} says (so a reader need not remember each start)
   */
  record Exited(Pid pid, String name, ExitReason reason, boolean initialized, String kind) implements ProcessEvent {

    /**
     * An exit whose kind is not told.
     *
     * @param pid the process
     * @param name the name it was started under, or null
     * @param reason why
     * @param initialized false when its start failed
     */
    public Exited(Pid pid, String name, ExitReason reason, boolean initialized) {
      this(pid, name, reason, initialized, null);
    }
  }

  /**
   * One message of a traced process ({@link Processes#trace}), Erlang's {@code sys:trace} line:
   * published only while an operator traces the process, so it costs nothing otherwise.
   *
   * @param pid the process
   * @param name the name it was started under, or null
   * @param kind {@code call}, {@code cast}, {@code info}, {@code signal}, {@code stop}, or
   *     {@code reply} (the answer to a traced call), or {@code reply_error}
   * @param size the message's size (bytes of a buffer, characters of its text or JSON)
   * @param body what {@link GenServer#formatMessage} shows of it, cut
   * @param remaining how many more messages will be traced after this one
   */
  record Traced(Pid pid, String name, String kind, int size, Object body, int remaining) implements ProcessEvent { }

  /** A report of a supervisor about one of its children. */
  sealed interface SupervisorReport extends ProcessEvent {
    /** @return the supervisor */
    Pid supervisor();

    /** @return the supervisor's registered name, or its pid as text */
    String supervisorId();

    /** @return the child's id */
    String childId();

    /** @return OTP's name for the report: started, child_terminated, start_error, ... */
    String context();
  }

  /**
   * The supervisor started a child (OTP's progress report).
   *
   * @param supervisor the supervisor
   * @param supervisorId its name or pid
   * @param childId the child's id
   * @param child the child's new pid
   * @param dynamic whether the supervisor is a dynamic one (its starts are logged at DEBUG only)
   */
  record ChildStarted(Pid supervisor, String supervisorId, String childId, Pid child, boolean dynamic) implements SupervisorReport {
    @Override
    public String context() {
      return "started";
    }
  }

  /**
   * The supervisor restarts a child on its own after the child ended (OTP writes no report of its
   * own for this; the restart's start follows as {@link ChildStarted}, or a delay as
   * {@link BackoffDelayed}). Counted towards the supervisor's intensity.
   *
   * @param supervisor the supervisor
   * @param supervisorId its name or pid
   * @param childId the child's id
   * @param restarts how many times the supervisor has restarted this child, this one included
   * @param dynamic whether the supervisor is a dynamic one (its child ids are generated)
   */
  record ChildRestarted(Pid supervisor, String supervisorId, String childId, int restarts, boolean dynamic)
      implements SupervisorReport {
    @Override
    public String context() {
      return "restarted";
    }
  }

  /**
   * A child ended in a way the supervisor reports (an abnormal exit, or any exit of a permanent
   * child).
   *
   * @param supervisor the supervisor
   * @param supervisorId its name or pid
   * @param childId the child's id
   * @param child the pid that ended
   * @param reason why
   */
  record ChildTerminated(Pid supervisor, String supervisorId, String childId, Pid child, ExitReason reason)
      implements SupervisorReport {
    @Override
    public String context() {
      return "child_terminated";
    }
  }

  /**
   * A start or restart the supervisor made on its own failed (not one a caller asked for with
   * {@link Supervisor#startChild} or {@link Supervisor#restartChild}: that caller gets the failure
   * instead).
   *
   * @param supervisor the supervisor
   * @param supervisorId its name or pid
   * @param childId the child's id
   * @param reason why (for a child supervisor, its own {@link ExitReason#failedToStartChild})
   */
  record StartError(Pid supervisor, String supervisorId, String childId, ExitReason reason) implements SupervisorReport {
    @Override
    public String context() {
      return "start_error";
    }
  }

  /**
   * A child did not stop the way its shutdown asked (killed after its timeout, or ended with
   * another reason).
   *
   * @param supervisor the supervisor
   * @param supervisorId its name or pid
   * @param childId the child's id
   * @param child the child's pid
   * @param reason how it ended
   */
  record ShutdownError(Pid supervisor, String supervisorId, String childId, Pid child, ExitReason reason)
      implements SupervisorReport {
    @Override
    public String context() {
      return "shutdown_error";
    }
  }

  /**
   * The supervisor gives up: one restart more than {@code maxRestarts} within {@code maxSeconds}.
   * It stops its children and exits with shutdown (OTP's report, reason
   * {@code reached_max_restart_intensity}).
   *
   * @param supervisor the supervisor
   * @param supervisorId its name or pid
   * @param childId the child whose restart was one too many
   * @param child the child's last pid
   * @param maxRestarts the intensity's restarts
   * @param maxSeconds the intensity's window
   */
  record IntensityReached(Pid supervisor, String supervisorId, String childId, Pid child, int maxRestarts, long maxSeconds)
      implements SupervisorReport {
    @Override
    public String context() {
      return "shutdown";
    }
  }

  /**
   * A child's restart waits for its backoff.
   *
   * @param supervisor the supervisor
   * @param supervisorId its name or pid
   * @param childId the child's id
   * @param delay how long
   * @param crashes the count of consecutive crashes it is for
   */
  record BackoffDelayed(Pid supervisor, String supervisorId, String childId, Duration delay, int crashes)
      implements SupervisorReport {
    @Override
    public String context() {
      return "backoff";
    }
  }

  /**
   * A significant child's end stops the supervisor (OTP's auto_shutdown, which writes no report in
   * OTP; otpx logs it at INFO).
   *
   * @param supervisor the supervisor
   * @param supervisorId its name or pid
   * @param childId the significant child
   * @param reason how the child ended
   */
  record AutoShutdownTriggered(Pid supervisor, String supervisorId, String childId, ExitReason reason) implements SupervisorReport {
    @Override
    public String context() {
      return "auto_shutdown";
    }
  }
}
