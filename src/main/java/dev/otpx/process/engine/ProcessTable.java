package dev.otpx.process.engine;

import dev.otpx.process.Clock;
import dev.otpx.process.ExitReason;
import dev.otpx.process.OtpException;
import dev.otpx.process.Pid;
import dev.otpx.process.Shutdown;
import io.netty.channel.EventLoop;
import io.vertx.core.Completable;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import io.vertx.core.spi.cluster.ClusterManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's processes and registered names: the single source of truth for "is this pid alive"
 * and "who holds this name", and the node's clock and event stream. One table per Vert.x instance,
 * kept in its local shared data so it lives and dies with that instance.
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
  private final EventStream events = new EventStream();
  private volatile Clock clock;
  private volatile boolean closing;
  private final Set<Future<Void>> undeploys = ConcurrentHashMap.newKeySet();
  private final List<Supplier<Future<?>>> shutdownSteps = new CopyOnWriteArrayList<>();
  /** How processes of other nodes are reached; null on a node that is not clustered. */
  private final Distribution distribution;
  private final GlobalNames globalNames;

  private ProcessTable(Vertx vertx) {
    this.vertx = vertx;
    // A clustered node's pids carry the cluster manager's id for the node, which every member
    // sees when it leaves; a lone node's, a short random id, readable in a pid.
    ClusterManager cluster = ((VertxInternal) vertx).clusterManager();
    this.node = cluster != null ? cluster.getNodeId() : UUID.randomUUID().toString().substring(0, 8);
    this.distribution = cluster != null ? new Distribution(this) : null;
    this.globalNames = new GlobalNames(this);
    if (distribution != null) {
      distribution.onNodeLeft(globalNames::freeNamesOf);
    }
    this.neutral = Placement.newNeutralContext(vertx, null);
    this.clock = new SystemClock(vertx);
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

  /** @return the Vert.x instance of this node */
  public Vertx vertx() {
    return vertx;
  }

  /** @return the node's clock */
  public Clock clock() {
    return clock;
  }

  /**
   * Replaces the node's clock, before any process runs.
   *
   * @param replacement the clock
   */
  public synchronized void useClock(Clock replacement) {
    if (!processes.isEmpty()) {
      throw new IllegalStateException("the clock of a node is chosen before its first process starts; "
        + processes.size() + " already run");
    }
    clock = replacement;
  }

  /** @return the node's event stream */
  public EventStream events() {
    return events;
  }

  /** @return a context that belongs to no deployment, for {@link Placement} and for waits */
  ContextInternal neutralContext() {
    return neutral;
  }

  /** @return a context that belongs to no deployment, on the given event loop, for {@link Placement} */
  ContextInternal neutralContext(EventLoop loop) {
    return neutralByLoop.computeIfAbsent(loop, l -> Placement.newNeutralContext(vertx, l));
  }

  /**
   * The context a runtime wait started from the current thread completes on: the caller's own, or
   * a neutral one when the caller is not on a Vert.x thread.
   *
   * @return the context
   */
  public ContextInternal callerContext() {
    ContextInternal current = ContextInternal.current();
    return current != null ? current : neutral;
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
   * Adds a step to the node's shutdown, run when Vert.x closes before the remaining process trees
   * are stopped: how the runtime's own layers (the application controller) stop what they started
   * in their own order, inside the one close hook of the node, instead of racing it with a second.
   * Steps run one after the other, the last added first; a failed step does not stop the rest. They
   * share the node's {@link #SHUTDOWN_LIMIT}: at the limit every live process is killed.
   *
   * @param step starts the step; its future completes when the step is done
   */
  public void onShutdown(Supplier<Future<?>> step) {
    shutdownSteps.add(step);
  }

  /**
   * Stops the node as {@code init:stop()} does: first the shutdown steps (the applications, newest
   * first), then every root process still alive (one that no live process started) through the exit
   * protocol (an orderly shutdown, then a kill at {@link #SHUTDOWN_LIMIT}); each supervisor among
   * them stops its children in reverse order. At the limit, counted from the start of the close,
   * everything still alive is killed, so the close goes on; what is left then is Vert.x's to
   * undeploy.
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
    long sweep = clock.setTimer(neutral, SHUTDOWN_LIMIT.toMillis(), id -> {
      log.warn("node {}: processes still alive {} ms after shutdown began: killed", node, SHUTDOWN_LIMIT.toMillis());
      processes.values().forEach(ProcessCell::kill);
    });
    runShutdownSteps().eventually(this::stopRoots).onComplete(ar -> {
      clock.cancelTimer(sweep);
      completion.succeed();
    });
  }

  private Future<Void> runShutdownSteps() {
    Future<Void> chain = Future.succeededFuture();
    List<Supplier<Future<?>>> steps = List.copyOf(shutdownSteps);
    for (int i = steps.size() - 1; i >= 0; i--) {
      Supplier<Future<?>> step = steps.get(i);
      chain = chain.eventually(() -> runShutdownStep(step));
    }
    return chain;
  }

  private Future<Void> runShutdownStep(Supplier<Future<?>> step) {
    Future<Void> done;
    try {
      done = step.get().mapEmpty();
    } catch (RuntimeException e) {
      done = Future.failedFuture(e);
    }
    return done.recover(err -> {
      // The close goes on whatever a step says; what it left running is stopped with the roots.
      log.warn("node {}: a shutdown step failed: {}", node, err.toString());
      return Future.succeededFuture();
    });
  }

  private Future<Void> stopRoots() {
    List<Future<ExitReason>> downs = new ArrayList<>();
    Shutdown limit = Shutdown.timeout(SHUTDOWN_LIMIT);
    for (ProcessCell cell : processes.values()) {
      Pid parent = cell.parent();
      if (parent == null || processes.get(parent) == null) {
        downs.add(ExitProtocol.stop(this, cell, new Envelope.Stop(ExitReason.SHUTDOWN), limit, neutral));
      }
    }
    if (downs.isEmpty()) {
      return Future.succeededFuture();
    }
    log.info("node {} shutting down {} process tree(s)", node, downs.size());
    // The protocol kills each root at the limit; what the roots started goes with them at once.
    return Future.join(downs).mapEmpty();
  }

  /** @return this node's id, part of every pid it hands out */
  public String node() {
    return node;
  }

  /** @return the cluster's global names (this node's alone when it is not clustered) */
  public GlobalNames globalNames() {
    return globalNames;
  }

  /** @return how other nodes' processes are reached, or null when the node is not clustered */
  public Distribution distribution() {
    return distribution;
  }

  /**
   * @param pid a pid
   * @return whether it names a process of another node of the cluster
   */
  public boolean isRemote(Pid pid) {
    return distribution != null && distribution.isRemote(pid);
  }

  /**
   * Monitors a process of this node or another: as {@link #monitor(ProcessCell, long, Consumer)},
   * or, for another node's process, with {@link ExitReason#NOCONNECTION} when its node leaves.
   *
   * @param pid the process to watch
   * @param ref the monitor's reference
   * @param onDown gets the reason, exactly once
   */
  public void monitor(Pid pid, long ref, Consumer<ExitReason> onDown) {
    if (isRemote(pid)) {
      distribution.monitor(pid, ref, onDown);
    } else {
      monitor(lookup(pid), ref, onDown);
    }
  }

  /**
   * Removes a monitor of {@link #monitor(Pid, long, Consumer)}.
   *
   * @param pid the watched process
   * @param ref the reference
   * @return true when the monitor was active
   */
  public boolean demonitor(Pid pid, long ref) {
    return isRemote(pid) ? distribution.demonitor(pid, ref) : demonitor(lookup(pid), ref);
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
      if (parent == null || !ProcessCell.link(cell, parent)) {
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
   * Monitors a process: the one way a monitor is set, whoever sets it. {@code onDown} runs exactly
   * once with the exit reason, from the exiting process's thread, or at once (on this thread) with
   * {@link ExitReason#NOPROC} when there is no such live process.
   *
   * @param target the process to watch, or null
   * @param ref the monitor's reference, from {@link #newRef()}
   * @param onDown gets the reason
   */
  public void monitor(ProcessCell target, long ref, Consumer<ExitReason> onDown) {
    if (target == null || !target.addMonitor(ref, onDown)) {
      onDown.accept(ExitReason.NOPROC);
    }
  }

  /**
   * Removes a monitor of {@link #monitor}.
   *
   * @param target the watched process, or null
   * @param ref the reference
   * @return true when the monitor was active
   */
  public boolean demonitor(ProcessCell target, long ref) {
    return target != null && target.removeMonitor(ref);
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
   * Removes an exited process: frees its names first, then signals the processes linked to it,
   * then tells every monitor, so that whoever reacts to the exit (a supervisor restarting it) finds
   * the name free, and whoever saw a DOWN knows the links' signals are already queued.
   *
   * @param cell the process
   * @param reason its exit reason
   * @param signalParent false when its init failed: the starter learns that from the start's failure
   */
  void remove(ProcessCell cell, ExitReason reason, boolean signalParent) {
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
    // The reason goes as it is: through a link even kill is an ordinary reason (only exit/2's kill
    // is untrappable), so a supervisor sees kill from a child that stopped itself with it. The
    // children it stopped before (ProcessCore#finish) are dying and skipped; any started since are
    // orphans and get the same signal, without waiting.
    for (ProcessCell linked : exited.links()) {
      boolean parent = linked.pid().equals(cell.parent());
      if (linked.alive() && (signalParent || !parent)) {
        if (reason instanceof ExitReason.Normal && !linked.trapsExits()) {
          // A normal exit signal does nothing to a process that does not trap exits but end the
          // link: ended here, not sent through its mailbox (every Task.async ends this way).
          linked.removeLink(cell.pid());
        } else {
          linked.signal(cell.pid(), reason, true);
        }
      }
    }
    for (Pid remote : exited.remoteLinks()) {
      distribution.exit(remote, cell.pid(), reason, true);
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
