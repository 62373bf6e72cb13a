package dev.otpx.system;

import dev.otpx.process.ExitReason;
import dev.otpx.process.OtpException;
import dev.otpx.process.Pid;
import dev.otpx.process.ProcessStatus;
import dev.otpx.process.Processes;
import dev.otpx.process.Supervisor;
import dev.otpx.process.SupervisorInfo;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The node's live process trees as JSON, what Observer's applications tab shows: every process
 * that no live process started is a root; each process lists the processes it started; a
 * supervisor adds its strategy, intensity, the restarts inside its current window, and each child
 * spec with its status (also those without a process: restarting, backing_off, ignored, undefined).
 * Read from the processes' own threads, so it is a snapshot taken over a few milliseconds, not an
 * atomic one.
 */
public final class SystemTree {

  /** How long a supervisor may take to list its children (it may be busy restarting them). */
  static final Duration SUPERVISOR_TIMEOUT = Duration.ofSeconds(2);
  /** The longest exit reason text an operator may send. */
  public static final int MAX_REASON_CHARS = 200;

  private SystemTree() {
  }

  /**
   * @param vertx the node
   * @return {@code {"processes": n, "roots": [node...]}}, each node a process's status with its
   *     {@code children}
   */
  public static Future<JsonObject> tree(Vertx vertx) {
    List<Pid> pids = Processes.list(vertx);
    List<Future<ProcessStatus>> reads = pids.stream().map(pid -> Processes.status(vertx, pid)
      .otherwise(err -> null)).toList();
    return Future.join(reads).compose(done -> {
      Map<Pid, ProcessStatus> statuses = new HashMap<>();
      for (Future<ProcessStatus> read : reads) {
        if (read.result() != null) {
          statuses.put(read.result().pid(), read.result());
        }
      }
      List<Pid> supervisors = statuses.values().stream().filter(SystemTree::isSupervisor).map(ProcessStatus::pid).toList();
      List<Future<SupervisorInfo>> infos = supervisors.stream().map(pid -> Supervisor.info(vertx, pid)
        .timeout(SUPERVISOR_TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS).otherwise(err -> null)).toList();
      return Future.join(infos).map(v -> {
        Map<Pid, SupervisorInfo> byPid = new HashMap<>();
        for (Future<SupervisorInfo> info : infos) {
          if (info.result() != null) {
            byPid.put(info.result().pid(), info.result());
          }
        }
        return assemble(statuses, byPid);
      });
    });
  }

  /**
   * @param vertx the node
   * @param pid the process
   * @return its status as JSON, with its supervisor's view when it is a supervisor; fails noproc
   */
  public static Future<JsonObject> process(Vertx vertx, Pid pid) {
    return Processes.status(vertx, pid).compose(status -> {
      if (!isSupervisor(status)) {
        return Future.succeededFuture(status.toJson());
      }
      return Supervisor.info(vertx, pid).timeout(SUPERVISOR_TIMEOUT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
        .map(info -> status.toJson().put("supervisor", info.toJson()))
        .otherwise(err -> status.toJson());
    });
  }

  /**
   * Parses what an operator typed for a pid: {@code <node.id>} or {@code node.id}.
   *
   * @param text the text
   * @return the pid
   * @throws IllegalArgumentException when it is not one
   */
  public static Pid parsePid(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("pid must be <node.id>, e.g. <3f2a9c1b.12>");
    }
    String trimmed = text.strip();
    try {
      return Pid.parse(trimmed.startsWith("<") ? trimmed : "<" + trimmed + ">");
    } catch (IllegalArgumentException bad) {
      throw new IllegalArgumentException("pid must be <node.id>, e.g. <3f2a9c1b.12>");
    }
  }

  /**
   * The exit reason an operator asks for, as Erlang's {@code exit(Pid, Reason)} takes it.
   *
   * @param text {@code kill}, {@code shutdown}, {@code normal}, or any other text (an abnormal
   *     reason), at most {@link #MAX_REASON_CHARS} characters
   * @return the reason
   * @throws IllegalArgumentException when it is missing, blank or too long
   */
  public static ExitReason parseReason(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("reason must be \"kill\", \"shutdown\", \"normal\" or another text");
    }
    if (text.length() > MAX_REASON_CHARS) {
      throw new IllegalArgumentException("reason must be at most " + MAX_REASON_CHARS + " characters");
    }
    return switch (text) {
      case "kill" -> ExitReason.KILL;
      case "shutdown" -> ExitReason.SHUTDOWN;
      case "normal" -> ExitReason.NORMAL;
      default -> ExitReason.error(text);
    };
  }

  /**
   * Sends an exit signal from the operator (from no process), {@link Processes#exit}.
   *
   * @param vertx the node
   * @param pid the process
   * @param reason the reason
   * @return completes when sent; fails noproc when no such process lives
   */
  public static Future<Void> exit(Vertx vertx, Pid pid, ExitReason reason) {
    return Processes.exit(vertx, pid, reason) ? Future.succeededFuture() : Future.failedFuture(OtpException.noproc(pid));
  }

  static boolean isSupervisor(ProcessStatus status) {
    return "Supervisor".equals(status.kind());
  }

  private static JsonObject assemble(Map<Pid, ProcessStatus> statuses, Map<Pid, SupervisorInfo> supervisors) {
    Map<Pid, List<ProcessStatus>> started = new HashMap<>();
    List<ProcessStatus> roots = new ArrayList<>();
    for (ProcessStatus status : statuses.values()) {
      if (status.parent() == null || !statuses.containsKey(status.parent())) {
        roots.add(status);
      } else {
        started.computeIfAbsent(status.parent(), p -> new ArrayList<>()).add(status);
      }
    }
    roots.sort(SystemTree::byPid);
    JsonArray rootNodes = new JsonArray();
    for (ProcessStatus root : roots) {
      rootNodes.add(node(root, statuses, supervisors, started));
    }
    return new JsonObject().put("processes", statuses.size()).put("roots", rootNodes);
  }

  private static JsonObject node(ProcessStatus status, Map<Pid, ProcessStatus> statuses, Map<Pid, SupervisorInfo> supervisors,
                                 Map<Pid, List<ProcessStatus>> started) {
    JsonObject node = status.toJson();
    JsonArray children = new JsonArray();
    List<ProcessStatus> mine = new ArrayList<>(started.getOrDefault(status.pid(), List.of()));
    mine.sort(SystemTree::byPid);
    SupervisorInfo info = supervisors.get(status.pid());
    Set<Pid> shown = new HashSet<>();
    if (info != null) {
      JsonObject supervisor = info.toJson();
      supervisor.remove("children");
      node.put("supervisor", supervisor);
      // Start order (the supervisor lists them newest first), with the specs that have no process.
      for (int i = info.children().size() - 1; i >= 0; i--) {
        Supervisor.ChildInfo child = info.children().get(i);
        JsonObject entry = child.toJson();
        ProcessStatus process = child.pid() == null ? null : statuses.get(child.pid());
        if (process != null) {
          shown.add(process.pid());
          entry.put("process", node(process, statuses, supervisors, started));
        }
        children.add(entry);
      }
    }
    for (ProcessStatus other : mine) {
      if (!shown.contains(other.pid())) {
        children.add(new JsonObject().put("process", node(other, statuses, supervisors, started)));
      }
    }
    return node.put("children", children);
  }

  private static int byPid(ProcessStatus a, ProcessStatus b) {
    return Long.compare(a.pid().id(), b.pid().id());
  }
}
