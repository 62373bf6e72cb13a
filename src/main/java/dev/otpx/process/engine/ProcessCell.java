package dev.otpx.process.engine;

import dev.otpx.process.ExitReason;
import dev.otpx.process.OtpException;
import dev.otpx.process.Pid;
import dev.otpx.process.ProcessStatus;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The runtime's handle on one live process: what other threads may touch. Delivery, signals and
 * kill are thread-safe and hop to the process's own context; names, monitors and links are guarded
 * by the cell so that nothing can be added to a process that has already exited (no name held by a
 * dead pid, no monitor or link that never fires).
 */
public final class ProcessCell {

  private final Pid pid;
  // The pid's address, built once, on first use: every message by pid and every bus delivery compares
  // or hands it out, while a task never has one. A String is immutable, so a racing second build is harmless.
  private String address;
  private final Pid parent;
  private final ContextInternal context;
  private final Engine core;
  // Made on first use, under the cell's lock: most processes (every task) never hold a name, a
  // monitor or a remote link, and a task starts and ends once per backend per InfoSys query.
  private Map<Long, Consumer<ExitReason>> monitors;
  private List<String> names;
  private Map<Pid, ProcessCell> links;
  // Links to processes of other nodes: only their pids are known here (Distribution signals them).
  private Set<Pid> remoteLinks;
  private ExitReason exitReason;
  private volatile boolean dying;
  // Messages handed to the context and not yet taken: the mailbox an observer sees.
  private final AtomicInteger queued = new AtomicInteger();

  ProcessCell(Pid pid, Pid parent, ContextInternal context, Engine core) {
    this.pid = pid;
    this.parent = parent;
    this.context = context;
    this.core = core;
  }

  /** @return the process that started this one (its supervisor, usually), or null */
  public Pid parent() {
    return parent;
  }

  /** @return the process id */
  public Pid pid() {
    return pid;
  }

  /** @return the pid's event-bus address, {@link Pid#address()} */
  public String address() {
    String built = address;
    if (built == null) {
      built = pid.address();
      address = built;
    }
    return built;
  }

  /** @return the process's own (non-duplicated) context */
  public ContextInternal context() {
    return context;
  }

  /** @return the engine of the process: a {@link ProcessCore} or a {@link TaskCore} */
  Engine core() {
    return core;
  }

  /** @return whether the process traps exits now */
  public boolean trapsExits() {
    return core != null && core.trapsExits();
  }

  /**
   * Puts a message in the process's mailbox; never runs it on the caller's stack.
   *
   * @param envelope the message
   */
  void deliver(Envelope envelope) {
    // Always through the event loop's queue: a delivery never runs on the sender's stack.
    queued.incrementAndGet();
    context.runOnContext(v -> {
      queued.decrementAndGet();
      core.receive(envelope);
    });
  }

  /** @return messages delivered to the process and not yet taken from its context's queue */
  int queued() {
    return Math.max(0, queued.get());
  }

  /**
   * Reads the process's status on its own thread, beside its mailbox rather than through it, so a
   * process suspended on a deferred decision still answers (as a system message does in OTP).
   *
   * @return the status; fails with noproc when the process has exited meanwhile
   */
  public Future<ProcessStatus> status() {
    // Completed on the asker's context: its next step must not run on the process's thread.
    Promise<ProcessStatus> promise = core.table().callerContext().promise();
    context.runOnContext(v -> {
      ProcessStatus status = core.snapshot();
      if (status == null) {
        promise.fail(OtpException.noproc(pid));
      } else {
        promise.complete(status);
      }
    });
    return promise.future();
  }

  /**
   * Traces the next messages the process handles, on its own thread: each one (and the reply to
   * each traced call) becomes a {@link dev.otpx.process.ProcessEvent.Traced} event.
   *
   * @param messages how many; 0 turns tracing off
   * @return completes once set; fails with noproc when the process has exited
   */
  public Future<Void> trace(int messages) {
    Promise<Void> promise = core.table().callerContext().promise();
    context.runOnContext(v -> {
      if (core.trace(messages)) {
        promise.complete();
      } else {
        promise.fail(OtpException.noproc(pid));
      }
    });
    return promise.future();
  }

  /** Kills the process at once: it cannot refuse, no terminate, reason killed. */
  void kill() {
    core.requestKill();
    context.runOnContext(v -> core.killNow());
  }

  /**
   * Sends an exit signal, Erlang's {@code exit/2} (or a link's signal): {@code kill} kills at once;
   * any other reason is read by the process in mailbox order (see {@link Envelope.Signal}).
   *
   * @param from the sender, or null
   * @param reason the reason
   * @param viaLink whether a link carries it
   */
  void signal(Pid from, ExitReason reason, boolean viaLink) {
    if (reason instanceof ExitReason.Kill && !viaLink) {
      kill();
    } else {
      deliver(new Envelope.Signal(from, reason, viaLink));
    }
  }

  /**
   * Makes the process listen on an extra event-bus address (its registered name).
   *
   * @param address the address
   * @return completes once the consumer is registered
   */
  public Future<Void> listenOn(String address) {
    return core.listenOn(address);
  }

  /**
   * Stops listening on an address at once, from any thread: later sends no longer reach this process.
   *
   * @param address the address
   */
  public void stopListening(String address) {
    core.stopListening(address);
  }

  /**
   * Adds a monitor unless the process has exited.
   *
   * @param ref the monitor reference
   * @param onDown called once, from the exiting process's thread, with the exit reason
   * @return false when the process had already exited
   */
  synchronized boolean addMonitor(long ref, Consumer<ExitReason> onDown) {
    if (exitReason != null) {
      return false;
    }
    if (monitors == null) {
      monitors = new LinkedHashMap<>();
    }
    monitors.put(ref, onDown);
    return true;
  }

  /**
   * @param ref the monitor reference
   * @return true when it was active
   */
  synchronized boolean removeMonitor(long ref) {
    return monitors != null && monitors.remove(ref) != null;
  }

  /** @return whether the process has exited */
  public synchronized boolean exited() {
    return exitReason != null;
  }

  /**
   * Marks the process as dying: it handles nothing more, though its names and monitors are only
   * released once the processes it started have stopped.
   */
  void markDying() {
    dying = true;
  }

  /** @return false from the moment the process starts to die */
  public boolean alive() {
    return !dying && !exited();
  }

  /**
   * Links two processes, both ways, as Erlang's {@code link/1}.
   *
   * @param self the calling process
   * @param other the process to link to
   * @return false when {@code other} has already exited (the caller then gets a noproc signal)
   */
  static boolean link(ProcessCell self, ProcessCell other) {
    // Other first: if it exits before this returns, its exit already sees the link and signals.
    synchronized (other) {
      if (other.exitReason != null) {
        return false;
      }
      other.linksForAdd().put(self.pid, self);
    }
    synchronized (self) {
      if (self.exitReason == null) {
        self.linksForAdd().put(other.pid, other);
      }
    }
    return true;
  }

  /**
   * @param other a pid
   * @return true when this process was linked to it (the link is gone now)
   */
  synchronized boolean removeLink(Pid other) {
    return links != null && links.remove(other) != null || remoteLinks != null && remoteLinks.remove(other);
  }

  private Map<Pid, ProcessCell> linksForAdd() {
    if (links == null) {
      links = new LinkedHashMap<>();
    }
    return links;
  }

  /**
   * Links this process to a process of another node, this side only (the other node records its
   * side when the link request reaches it).
   *
   * @param other the remote pid
   * @return false when this process has already exited
   */
  synchronized boolean addRemoteLink(Pid other) {
    if (exitReason != null) {
      return false;
    }
    if (remoteLinks == null) {
      remoteLinks = new LinkedHashSet<>();
    }
    remoteLinks.add(other);
    return true;
  }

  /**
   * @param node a node's id
   * @return the processes of that node this one is linked to
   */
  synchronized List<Pid> remoteLinksOn(String node) {
    if (remoteLinks == null || remoteLinks.isEmpty()) {
      return List.of();
    }
    return remoteLinks.stream().filter(p -> p.node().equals(node)).toList();
  }

  /** @return the live processes of this node this one is linked to */
  public synchronized List<ProcessCell> links() {
    return links == null ? List.of() : List.copyOf(links.values());
  }

  /** @return every process this one is linked to, of this node (first) and of others */
  public synchronized List<Pid> linkedPids() {
    List<Pid> all = new ArrayList<>();
    if (links != null) {
      all.addAll(links.keySet());
    }
    if (remoteLinks != null) {
      all.addAll(remoteLinks);
    }
    return all;
  }

  /** @return the linked processes this one started, oldest first */
  synchronized List<ProcessCell> children() {
    if (links == null) {
      return List.of();
    }
    List<ProcessCell> children = null;
    for (ProcessCell linked : links.values()) {
      if (pid.equals(linked.parent)) {
        if (children == null) {
          children = new ArrayList<>();
        }
        children.add(linked);
      }
    }
    // A worker's only link is its parent: no list for it on the restart path.
    return children == null ? List.of() : children;
  }

  synchronized boolean addName(String name) {
    if (exitReason != null) {
      return false;
    }
    if (names == null) {
      names = new ArrayList<>(1);
    }
    names.add(name);
    return true;
  }

  synchronized void removeName(String name) {
    if (names != null) {
      names.remove(name);
    }
  }

  /** @return the names registered for this process now */
  public synchronized List<String> names() {
    return names == null ? List.of() : List.copyOf(names);
  }

  /**
   * Marks the cell exited and hands back what must be cleaned up; later adds are refused.
   *
   * @param reason the exit reason
   * @return the names it held, the monitors to notify and the links to signal, or null when already
   *     exited
   */
  synchronized Exited markExited(ExitReason reason) {
    if (exitReason != null) {
      return null;
    }
    exitReason = reason;
    Exited exited = new Exited(names == null ? List.of() : names, monitors == null ? List.of() : List.copyOf(monitors.values()),
      links == null ? List.of() : List.copyOf(links.values()), remoteLinks == null ? List.of() : List.copyOf(remoteLinks));
    // Nothing is added after the exit (every add checks it): these are the last holders.
    names = null;
    monitors = null;
    links = null;
    remoteLinks = null;
    return exited;
  }

  record Exited(List<String> names, List<Consumer<ExitReason>> monitors, List<ProcessCell> links, List<Pid> remoteLinks) { }
}
