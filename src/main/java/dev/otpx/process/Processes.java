package dev.otpx.process;

import dev.otpx.process.engine.Client;
import dev.otpx.process.engine.ProcessCell;
import dev.otpx.process.engine.ProcessTable;
import dev.otpx.process.engine.Watch;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Signals and questions about any process, from any code: plain sends, exit signals, kills,
 * monitors, liveness and what the node runs. (Calls, casts and orderly stops are on
 * {@link GenServer}.)
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
    Client.send(vertx, Objects.requireNonNull(pid, "pid"), message);
  }

  /**
   * Sends a message to the process registered under a name; see {@link #send(Vertx, Pid, Object)}.
   *
   * @param vertx the Vert.x instance
   * @param name the name
   * @param message the message
   */
  public static void send(Vertx vertx, String name, Object message) {
    Client.send(ProcessTable.of(vertx).lookup(name), message);
  }

  /**
   * Sends an exit signal, Erlang's {@code exit/2}, from the calling process (or from nobody, when
   * called outside any process):
   * <ul>
   *   <li>{@link ExitReason#KILL} kills at once: it cannot be trapped, terminate does not run, and
   *       the process's links and monitors see {@link ExitReason#KILLED};</li>
   *   <li>{@link ExitReason#NORMAL} ends nobody: a process that traps exits gets it as an
   *       {@link Exit} message, others ignore it;</li>
   *   <li>any other reason ends the process with that reason (terminate runs), unless it traps exits
   *       and the sender is not the process that started it: it then gets an {@link Exit}.</li>
   * </ul>
   * The signal is taken in mailbox order, behind what was sent before it.
   *
   * @param vertx the Vert.x instance
   * @param pid the process
   * @param reason the reason
   * @return false when no such process lived; true for a process of another node, which gets the
   *     signal if it still lives
   */
  public static boolean exit(Vertx vertx, Pid pid, ExitReason reason) {
    return Client.exit(vertx, Objects.requireNonNull(pid, "pid"), reason);
  }

  /**
   * Kills a process at once: it cannot refuse, terminate does not run, and its monitors see
   * {@link ExitReason#KILLED}, like {@code Process.exit(pid, :kill)}; the same as
   * {@code exit(vertx, pid, ExitReason.KILL)}.
   *
   * @param vertx the Vert.x instance
   * @param pid the process
   * @return false when no such process lived
   */
  public static boolean kill(Vertx vertx, Pid pid) {
    return exit(vertx, pid, ExitReason.KILL);
  }

  /**
   * Stops a process the way a supervisor stops a child (OTP's {@code supervisor:shutdown}): an exit
   * signal {@code shutdown} from the calling process, a wait for its end up to the limit, then a
   * kill; {@link Shutdown#BRUTAL_KILL} kills at once and {@link Shutdown#INFINITY} waits as long as
   * terminate takes. A process stopped by the process that started it stops even when it traps
   * exits.
   *
   * @param vertx the Vert.x instance
   * @param pid the process
   * @param shutdown how to stop it
   * @return the reason it exited with: shutdown after an orderly stop, killed after a kill, another
   *     reason when it ended on its own meanwhile, noproc when there was no such process
   */
  public static Future<ExitReason> shutdown(Vertx vertx, Pid pid, Shutdown shutdown) {
    return Client.shutdown(vertx, Objects.requireNonNull(pid, "pid"), Objects.requireNonNull(shutdown, "shutdown"));
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
   * Monitors a process from code that is not a process (tests, HTTP handlers): exactly one
   * {@link Down}, with {@link ExitReason#NOPROC} at once when the process is already gone. Inside a
   * GenServer, use {@link GenServer#monitor} to get the DOWN as a message.
   *
   * @param vertx the Vert.x instance
   * @param pid the process to watch
   * @return the monitor
   */
  public static Monitor monitor(Vertx vertx, Pid pid) {
    return Watch.of(vertx, Objects.requireNonNull(pid, "pid"));
  }

  /**
   * The processes that live on this node, Erlang's {@code processes()}.
   *
   * @param vertx the Vert.x instance
   * @return their pids, in no particular order
   */
  public static List<Pid> list(Vertx vertx) {
    return ProcessTable.of(vertx).processes().stream().map(ProcessCell::pid).toList();
  }

  /**
   * What the runtime knows of a live process, Erlang's {@code process_info}.
   *
   * @param vertx the Vert.x instance
   * @param pid the process
   * @return its info, or empty when it does not live here
   */
  public static Optional<ProcessInfo> info(Vertx vertx, Pid pid) {
    ProcessCell cell = ProcessTable.of(vertx).lookup(pid);
    if (cell == null) {
      return Optional.empty();
    }
    List<Pid> links = cell.linkedPids();
    return Optional.of(new ProcessInfo(cell.pid(), cell.parent(), cell.names(), links, cell.trapsExits()));
  }

  /**
   * A live process's status read on its own thread, Erlang's {@code sys:get_status}: mailbox
   * length, calls in flight, uptime, names and the state summary its {@link GenServer#formatStatus}
   * makes. Read beside the mailbox, not through it, so a process waiting on a deferred decision
   * still answers; a process whose thread is blocked does not, hence the limit.
   *
   * @param vertx the Vert.x instance
   * @param pid the process
   * @return its status; fails with noproc when it does not live here, timeout after {@link #STATUS_TIMEOUT}
   */
  public static Future<ProcessStatus> status(Vertx vertx, Pid pid) {
    ProcessCell cell = ProcessTable.of(vertx).lookup(Objects.requireNonNull(pid, "pid"));
    if (cell == null) {
      return Future.failedFuture(OtpException.noproc(pid));
    }
    return cell.status().timeout(STATUS_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
      .recover(err -> Future.failedFuture(err instanceof TimeoutException
        ? OtpException.timeout(pid, STATUS_TIMEOUT.toMillis()) : err));
  }

  /** How long {@link #status} waits for a process's thread. */
  public static final Duration STATUS_TIMEOUT = Duration.ofSeconds(2);

  /**
   * Traces the next {@code messages} messages a process handles, as Erlang's {@code sys:trace}:
   * each call, cast, info and exit signal it takes, and the reply to each traced call, becomes a
   * {@link ProcessEvent.Traced} event with its size and what {@link GenServer#formatMessage} shows
   * of it. Tracing stops by itself after that many messages; while off it costs one comparison per
   * message.
   *
   * @param vertx the Vert.x instance
   * @param pid the process
   * @param messages how many, from 0 (off) to {@link #MAX_TRACE}
   * @return completes once set; fails with noproc when the process does not live here
   * @throws IllegalArgumentException when {@code messages} is out of range
   */
  public static Future<Void> trace(Vertx vertx, Pid pid, int messages) {
    if (messages < 0 || messages > MAX_TRACE) {
      throw new IllegalArgumentException("messages must be from 0 to " + MAX_TRACE + ", got " + messages);
    }
    ProcessCell cell = ProcessTable.of(vertx).lookup(Objects.requireNonNull(pid, "pid"));
    return cell == null ? Future.failedFuture(OtpException.noproc(pid)) : cell.trace(messages);
  }

  /** The most messages one {@link #trace} may ask for: a trace is bounded. */
  public static final int MAX_TRACE = 1000;

  /**
   * Whether the node is shutting down (Vert.x is closing): its trees are being stopped on purpose,
   * so supervisors restart nothing.
   *
   * @param vertx the Vert.x instance
   * @return true from the moment the node's shutdown began
   */
  public static boolean isNodeStopping(Vertx vertx) {
    return ProcessTable.of(vertx).closing();
  }
}
