package dev.otpx.process.engine;

import dev.otpx.process.ExitReason;
import dev.otpx.process.OtpException;
import dev.otpx.process.Pid;
import dev.otpx.process.Shutdown;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * What any code may do to a process: call, cast, send, signal, stop. The static API of the runtime
 * is a thin front for these.
 */
public final class Client {

  private Client() {
  }

  /**
   * Calls a process; see {@code GenServer.call}.
   *
   * @param vertx the Vert.x instance
   * @param target the live process, or null
   * @param dest the pid or name asked for, for failures
   * @param request the request
   * @param timeout the timeout
   * @param <R> the reply type
   * @return the reply, on the caller's context
   */
  public static <R> Future<R> call(Vertx vertx, ProcessCell target, Object dest, Object request, Duration timeout) {
    Objects.requireNonNull(request, "request");
    if (target == null) {
      return Future.failedFuture(OtpException.noproc(dest));
    }
    ContextInternal caller = (ContextInternal) vertx.getOrCreateContext();
    if (caller.unwrap() == target.context()) {
      return Future.failedFuture(OtpException.callingSelf(target.pid()));
    }
    // The address is the name asked for, or the pid's address the cell keeps: nothing is built per call.
    String address = dest instanceof String name ? name : target.address();
    LocalCaller<R> pending = new LocalCaller<>(caller, ProcessTable.of(vertx).clock(), dest, address, Math.max(1, timeout.toMillis()));
    target.deliver(new Envelope.Call(Messages.isolate(request), pending));
    return pending.future();
  }

  /**
   * Calls a process of this node or another by pid; see {@code GenServer.call}.
   *
   * @param vertx the Vert.x instance
   * @param pid the process
   * @param request the request
   * @param timeout the timeout
   * @param <R> the reply type
   * @return the reply, on the caller's context
   */
  public static <R> Future<R> call(Vertx vertx, Pid pid, Object request, Duration timeout) {
    ProcessTable table = ProcessTable.of(vertx);
    if (table.isRemote(pid)) {
      Objects.requireNonNull(request, "request");
      return table.distribution().call(pid.node(), pid, null, request, timeout);
    }
    return call(vertx, table.lookup(pid), pid, request, timeout);
  }

  /**
   * Casts to a process of this node or another by pid, or drops the message when there is none.
   *
   * @param vertx the Vert.x instance
   * @param pid the process
   * @param message the message
   */
  public static void cast(Vertx vertx, Pid pid, Object message) {
    ProcessTable table = ProcessTable.of(vertx);
    if (table.isRemote(pid)) {
      table.distribution().cast(pid.node(), pid, null, message, false);
    } else {
      cast(table.lookup(pid), message);
    }
  }

  /**
   * Sends to a process of this node or another by pid (its handleInfo), or drops the message.
   *
   * @param vertx the Vert.x instance
   * @param pid the process
   * @param message the message
   */
  public static void send(Vertx vertx, Pid pid, Object message) {
    ProcessTable table = ProcessTable.of(vertx);
    if (table.isRemote(pid)) {
      table.distribution().cast(pid.node(), pid, null, message, true);
    } else {
      send(table.lookup(pid), message);
    }
  }

  /**
   * Sends an exit signal to a process of this node or another; see {@link #exit(ProcessCell, ExitReason)}.
   *
   * @param vertx the Vert.x instance
   * @param pid the process
   * @param reason the reason
   * @return false when there was no such process on this node; true for another node's process
   */
  public static boolean exit(Vertx vertx, Pid pid, ExitReason reason) {
    Objects.requireNonNull(reason, "reason");
    ProcessTable table = ProcessTable.of(vertx);
    if (table.isRemote(pid)) {
      table.distribution().exit(pid, Spawn.current(), reason, false);
      return true;
    }
    return exit(table.lookup(pid), reason);
  }

  /**
   * Casts to a process by pid (its handleCast), or drops the message when there is no such process.
   *
   * @param target the live process, or null
   * @param message the message, copied when it is mutable JSON
   */
  public static void cast(ProcessCell target, Object message) {
    if (target != null) {
      target.deliver(new Envelope.Cast(Messages.isolate(message), target.address()));
    }
  }

  /**
   * Casts to a process by name (its handleCast, where {@code castAddress()} is the name), or drops
   * the message when there is no such process.
   *
   * @param target the live process, or null
   * @param name the name the sender used
   * @param message the message, copied when it is mutable JSON
   */
  public static void cast(ProcessCell target, String name, Object message) {
    if (target != null) {
      target.deliver(new Envelope.Cast(Messages.isolate(message), name));
    }
  }

  /**
   * Sends to a process (its handleInfo), or drops the message when there is no such process.
   *
   * @param target the live process, or null
   * @param message the message, copied when it is mutable JSON
   */
  public static void send(ProcessCell target, Object message) {
    if (target != null) {
      target.deliver(new Envelope.Info(Messages.isolate(message)));
    }
  }

  /**
   * Sends an exit signal from the calling process (or from nobody, outside any process), Erlang's
   * {@code exit/2}.
   *
   * @param target the live process, or null (the signal is then dropped)
   * @param reason the reason; {@code kill} kills at once
   * @return false when there was no such process
   */
  public static boolean exit(ProcessCell target, ExitReason reason) {
    Objects.requireNonNull(reason, "reason");
    if (target == null) {
      return false;
    }
    target.signal(Spawn.current(), reason, false);
    return true;
  }

  /**
   * Stops a process through the exit protocol with an orderly stop request; see {@code GenServer.stop}.
   *
   * @param vertx the Vert.x instance
   * @param target the live process, or null
   * @param dest the pid or name asked for, for failures
   * @param reason the reason
   * @param timeout how long terminate may take before the process is killed
   * @return completes when the process has exited with {@code reason}; fails with noproc or exit
   */
  public static Future<Void> stop(Vertx vertx, ProcessCell target, Object dest, ExitReason reason, Duration timeout) {
    Objects.requireNonNull(reason, "reason");
    if (target == null) {
      return Future.failedFuture(OtpException.noproc(dest));
    }
    ProcessTable table = ProcessTable.of(vertx);
    Pid pid = target.pid();
    return ExitProtocol.stop(table, target, new Envelope.Stop(reason), Shutdown.timeout(timeout), table.callerContext())
      .compose(exited -> {
        if (exited instanceof ExitReason.NoProc) {
          return Future.failedFuture(OtpException.noproc(dest));
        }
        return exited.equals(reason) ? Future.succeededFuture() : Future.failedFuture(OtpException.exit(pid, exited));
      });
  }

  /**
   * Stops a process as a supervisor does: an exit signal {@code shutdown} from the calling process,
   * then a kill at the limit; brutal_kill kills at once.
   *
   * @param vertx the Vert.x instance
   * @param pid the process
   * @param limit the shutdown
   * @return the reason it exited with (noproc when it was not there)
   */
  public static Future<ExitReason> shutdown(Vertx vertx, Pid pid, Shutdown limit) {
    ProcessTable table = ProcessTable.of(vertx);
    ProcessCell target = table.lookup(pid);
    Envelope signal = new Envelope.Signal(Spawn.current(), ExitReason.SHUTDOWN, false);
    return ExitProtocol.stop(table, target, signal, limit, table.callerContext());
  }

  /**
   * Monitors a process for runtime code that only needs to know of its end: {@code onDown} runs
   * once, on the thread where the process exits (or at once with noproc).
   *
   * @param vertx the Vert.x instance
   * @param pid the process
   * @param onDown gets the reason
   */
  public static void watch(Vertx vertx, Pid pid, Consumer<ExitReason> onDown) {
    ProcessTable table = ProcessTable.of(vertx);
    table.monitor(table.lookup(pid), table.newRef(), onDown);
  }

  /**
   * Removes the link between two processes, both ways, as the first one's {@code unlink} would.
   *
   * @param vertx the Vert.x instance
   * @param self the process that unlinks
   * @param other the other one
   */
  public static void unlink(Vertx vertx, Pid self, Pid other) {
    ProcessTable table = ProcessTable.of(vertx);
    ProcessCell a = table.lookup(self);
    ProcessCell b = table.lookup(other);
    if (a != null) {
      a.removeLink(other);
    }
    if (b != null) {
      b.removeLink(self);
    }
  }
}
