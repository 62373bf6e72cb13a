package dev.otpx.process.internal;

import dev.otpx.process.Down;
import dev.otpx.process.ExitReason;
import dev.otpx.process.OtpException;
import dev.otpx.process.Pid;
import io.netty.channel.EventLoop;
import io.vertx.core.Completable;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's processes and registered names: the single source of truth for "is this pid alive"
 * and "who holds this name". One table per Vert.x instance, kept in its local shared data so it
 * lives and dies with that instance.
 */
public final class ProcessTable implements Shareable {

  private static final Logger log = LoggerFactory.getLogger(ProcessTable.class);
  private static final String MAP = "otpx.runtime";
  private static final String KEY = "process-table";

  /** How long an orderly node shutdown may take before what is left is killed. */
  public static final Duration SHUTDOWN_LIMIT = Duration.ofSeconds(30);

  // The hot path (every call and cast) asks for the table of the same Vertx again and again.
  private static volatile ProcessTable last;

  private final Vertx vertx;
  private final String node;
  private final AtomicLong ids = new AtomicLong();
  private final AtomicLong refs = new AtomicLong();
  private final ConcurrentHashMap<Pid, ProcessCell> processes = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, ProcessCell> names = new ConcurrentHashMap<>();
  private final ContextInternal neutral;
  private final ConcurrentHashMap<EventLoop, ContextInternal> neutralByLoop = new ConcurrentHashMap<>();
  private volatile boolean closing;
  private final Set<Future<Void>> undeploys = ConcurrentHashMap.newKeySet();

  private ProcessTable(Vertx vertx) {
    this.vertx = vertx;
    // Short and random: unique enough among the nodes of one cluster, readable in a pid.
    this.node = UUID.randomUUID().toString().substring(0, 8);
    this.neutral = Placement.newNeutralContext(vertx, null);
    // Close hooks run before Vert.x undeploys everything at once: stop the trees in order first.
    ((VertxInternal) vertx).addCloseHook(this::shutdownNode);
  }

  /**
   * The table of a Vert.x instance, created on first use.
   *
   * @param vertx the instance
   * @return its table
   */
  public static ProcessTable of(Vertx vertx) {
    ProcessTable cached = last;
    if (cached != null && cached.vertx == vertx) {
      return cached;
    }
    LocalMap<String, ProcessTable> map = vertx.sharedData().getLocalMap(MAP);
    ProcessTable table = map.get(KEY);
    if (table == null) {
      ProcessTable created = new ProcessTable(vertx);
      table = map.putIfAbsent(KEY, created);
      if (table == null) {
        table = created;
      }
    }
    last = table;
    return table;
  }

  @Override
  public Shareable copy() {
    return this; // the table itself is thread-safe; sharing it is the point
  }

  /**
   * The exit that a process's abnormal exit sends to the processes linked to it: the same reason,
   * with {@code kill} turned into {@code killed} as Erlang does for exit signals.
   *
   * @param reason the exiting process's reason (not normal)
   * @return the reason the linked processes stop with
   */
  public static ExitReason linkedExit(ExitReason reason) {
    return reason instanceof ExitReason.Kill ? ExitReason.KILLED : reason;
  }

  /** @return a context that belongs to no deployment, for {@link Placement} */
  ContextInternal neutralContext() {
    return neutral;
  }

  /** @return a context that belongs to no deployment, on the given event loop, for {@link Placement} */
  ContextInternal neutralContext(EventLoop loop) {
    return neutralByLoop.computeIfAbsent(loop, l -> Placement.newNeutralContext(vertx, l));
  }

  /** @return whether the node is shutting down: supervisors then restart nothing */
  public boolean closing() {
    return closing;
  }

  /**
   * Undeploys a process's deployment after its own exit, unless the node is closing (Vert.x then
   * undeploys everything itself). The node's close waits for such undeploys: Vert.x's undeploy-all
   * fails, and logs an error, on a deployment that is halfway undeployed.
   *
   * @param deploymentID the exited process's deployment
   * @return the undeploy, or null when the node is closing
   */
  public synchronized Future<Void> undeployAfterExit(String deploymentID) {
    if (closing) {
      return null;
    }
    Future<Void> undeploy = vertx.undeploy(deploymentID);
    undeploys.add(undeploy);
    undeploy.onComplete(ar -> undeploys.remove(undeploy));
    return undeploy;
  }

  /**
   * Stops the node's process trees in order, as {@code init:stop()} stops the applications: every
   * root process (one that no live process started) gets an orderly shutdown, and each supervisor
   * among them stops its children in reverse order. Anything still alive after
   * {@link #SHUTDOWN_LIMIT} is killed; what is left then is Vert.x's to undeploy.
   */
  private void shutdownNode(Completable<Void> completion) {
    List<Future<?>> undeploysUnderWay;
    synchronized (this) {
      closing = true;
      undeploysUnderWay = List.copyOf(undeploys);
    }
    if (!undeploysUnderWay.isEmpty()) {
      Future.join(undeploysUnderWay).onComplete(ar -> shutdownNode(completion));
      return;
    }
    List<Future<Down>> downs = new ArrayList<>();
    for (ProcessCell cell : processes.values()) {
      Pid parent = cell.parent();
      if (parent == null || processes.get(parent) == null) {
        downs.add(stopForShutdown(cell));
      }
    }
    if (downs.isEmpty()) {
      completion.succeed();
      return;
    }
    log.info("node {} shutting down {} process tree(s)", node, downs.size());
    io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
    long guard = neutral.setTimer(SHUTDOWN_LIMIT.toMillis(), id -> {
      log.warn("node {}: processes still alive {} ms after shutdown began: killed", node, SHUTDOWN_LIMIT.toMillis());
      processes.values().forEach(ProcessCell::kill);
      // Whatever did not answer is Vert.x's to undeploy now: the close must go on.
      done.tryComplete();
    });
    Future.join(downs).onComplete(ar -> {
      vertx.cancelTimer(guard);
      done.tryComplete();
    });
    done.future().onComplete(ar -> completion.succeed());
  }

  private Future<Down> stopForShutdown(ProcessCell cell) {
    io.vertx.core.Promise<Down> down = io.vertx.core.Promise.promise();
    long ref = newRef();
    if (!cell.addMonitor(ref, reason -> down.tryComplete(new Down(ref, cell.pid(), reason)))) {
      return Future.succeededFuture(new Down(ref, cell.pid(), ExitReason.NOPROC));
    }
    cell.deliver(new Envelope.Stop(ExitReason.SHUTDOWN));
    return down.future();
  }

  /** @return this node's id, part of every pid it hands out */
  public String node() {
    return node;
  }

  /** @return a pid never handed out before on this node */
  public Pid newPid() {
    return new Pid(node, ids.incrementAndGet());
  }

  /** @return a monitor or timer reference never handed out before on this node */
  public long newRef() {
    return refs.incrementAndGet();
  }

  /**
   * Adds a process that has just been spawned, linked to the process that started it. A process
   * whose starter has already exited is an orphan: it is told to stop (after its init, like any
   * message) rather than left running unsupervised.
   *
   * @param cell the new process
   */
  public void add(ProcessCell cell) {
    processes.put(cell.pid(), cell);
    if (cell.parent() != null) {
      ProcessCell parent = processes.get(cell.parent());
      if (parent == null || !parent.adopt(cell)) {
        cell.deliver(new Envelope.Stop(ExitReason.SHUTDOWN));
      }
    }
  }

  /**
   * @param pid a pid
   * @return its live process, or null
   */
  public ProcessCell lookup(Pid pid) {
    return processes.get(pid);
  }

  /**
   * @param name a registered name
   * @return the live process holding it, or null
   */
  public ProcessCell lookup(String name) {
    return names.get(name);
  }

  /**
   * Registers a unique name.
   *
   * @param name the name
   * @param cell the process
   * @throws OtpException already_started when the name is held, noproc when the process has exited
   */
  public void register(String name, ProcessCell cell) {
    ProcessCell holder = names.putIfAbsent(name, cell);
    if (holder != null) {
      throw OtpException.alreadyStarted(name, holder.pid());
    }
    if (!cell.addName(name)) {
      names.remove(name, cell);
      throw OtpException.noproc(cell.pid());
    }
  }

  /**
   * @param name the name
   * @return the process that held it, or null
   */
  public ProcessCell unregister(String name) {
    ProcessCell cell = names.remove(name);
    if (cell != null) {
      cell.removeName(name);
    }
    return cell;
  }

  /** @return the registered names and their pids, sorted by name */
  public Map<String, Pid> registered() {
    Map<String, Pid> result = new TreeMap<>();
    names.forEach((name, cell) -> result.put(name, cell.pid()));
    return result;
  }

  /** @return the live processes */
  public Collection<ProcessCell> processes() {
    return processes.values();
  }

  /**
   * Removes an exited process: frees its names first, then tells every monitor, so that whoever
   * reacts to the DOWN (a supervisor restarting it) finds the name free.
   *
   * @param cell the process
   * @param reason its exit reason
   */
  public void remove(ProcessCell cell, ExitReason reason) {
    // Names go first: once the exit can be seen (a DOWN, or a new monitor refused as noproc), a
    // lookup must not find the dead process, or a caller that waited for its DOWN would call it again.
    for (String name : cell.names()) {
      names.remove(name, cell);
    }
    ProcessCell.Exited exited = cell.markExited(reason);
    if (exited == null) {
      return;
    }
    for (String name : exited.names()) {
      names.remove(name, cell);
    }
    processes.remove(cell.pid(), cell);
    if (cell.parent() != null) {
      ProcessCell parent = processes.get(cell.parent());
      if (parent != null) {
        parent.disown(cell);
      }
    }
    // The exiting process stopped its linked processes and waited for them (GenServer#finish);
    // any started since then would be orphans: same signal, no waiting.
    if (!(reason instanceof ExitReason.Normal)) {
      for (ProcessCell orphan : exited.linked()) {
        orphan.deliver(new Envelope.Stop(linkedExit(reason)));
      }
    }
    for (Consumer<ExitReason> monitor : exited.monitors()) {
      try {
        monitor.accept(reason);
      } catch (RuntimeException e) {
        log.warn("monitor of {} failed while being told {}", cell.pid(), reason, e);
      }
    }
  }
}
