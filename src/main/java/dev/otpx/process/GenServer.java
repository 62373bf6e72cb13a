package dev.otpx.process;

import dev.otpx.process.internal.Caller;
import dev.otpx.process.internal.Envelope;
import dev.otpx.process.internal.EventBusCaller;
import dev.otpx.process.internal.LocalCaller;
import dev.otpx.process.internal.Messages;
import dev.otpx.process.internal.Placement;
import dev.otpx.process.internal.ProcessCell;
import dev.otpx.process.internal.ProcessTable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.impl.MessageConsumerImpl;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Erlang's gen_server on Vert.x 5: a verticle whose user code only answers callbacks, while this
 * engine owns the mailbox, the replies, the timers and the crashes.
 *
 * <p><b>Callbacks.</b> {@link #init} returns a Future of an {@link InitResult} (ok, stop, ignore);
 * {@link #handleCall} a {@link CallResult} (reply, no reply yet, error reply, stop);
 * {@link #handleCast} and {@link #handleInfo} a {@link CastResult}; {@link #terminate} runs on every
 * exit the process can observe (a stop, a crash in a handle callback, a shutdown), not on a kill and
 * not when init fails. Every callback runs on the process's own context, one message at a time, in
 * the order messages arrived from each sender.
 *
 * <p><b>Crashes.</b> An exception thrown from any callback, or reported to the process's context
 * (a throwing timer or future callback of its own), crashes the process with that exception as its
 * {@link ExitReason.Error}: terminate runs (except for init), pending callers fail with
 * {@link OtpException.Failure#EXIT}, names are freed, monitors get DOWN, and the verticle is
 * undeployed. A process is never left half alive.
 *
 * <p><b>Addresses.</b> The process consumes at {@link Pid#address()} and at each registered name.
 * Over the event bus, a message with a reply address is a call and one without is a cast; bodies
 * there are JSON. Inside the JVM, {@link #call}/{@link #cast} deliver straight to the mailbox and
 * messages may be any immutable Java value, records included (JSON objects are copied).
 *
 * @param <S> the state type
 */
public abstract class GenServer<S> extends VerticleBase {

  /** Default timeout of {@link #call}: 5 s, as GenServer.call. */
  public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofSeconds(5);

  /**
   * How long an undeploy (or {@code vertx.close()}) waits for terminate before killing: 5 s, the
   * default shutdown of an OTP worker.
   */
  public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = Duration.ofSeconds(5);

  private static final Logger log = LoggerFactory.getLogger(GenServer.class);

  // SUSPENDED: a handler returned Await; messages wait in `waiting` as they do while STARTING.
  private enum Status { NEW, STARTING, RUNNING, SUSPENDED, EXITING, DEAD }

  private Status status = Status.NEW;
  private String requestedName;
  private Pid parent;
  private ProcessTable table;
  private ContextInternal home;
  private Cell cell;
  private S state;
  private ExitReason exitReason;
  private boolean undeploying;
  private volatile boolean killRequested;
  private final Promise<ExitReason> exited = Promise.promise();
  private final ArrayDeque<Envelope> waiting = new ArrayDeque<>();
  private final List<Caller> unanswered = new ArrayList<>();
  // Concurrent: Registry.unregister removes a name's consumer from the caller's thread, at once.
  private final Map<String, MessageConsumer<Object>> consumers = new ConcurrentHashMap<>(2);
  private final Set<Long> timers = new HashSet<>();
  private final Map<Long, ProcessCell> monitoring = new HashMap<>();
  /** The address of the cast being handled, for {@link #castAddress()}. */
  private String castAddress;

  // ---------------------------------------------------------------- callbacks

  /**
   * Builds the initial state. Runs before any message is handled; messages that arrive meanwhile
   * wait. A failed future or an exception is a crash (terminate does not run) and the start fails.
   *
   * @param args the deployment's config (the child spec's args)
   * @return the decision
   */
  protected abstract Future<InitResult<S>> init(JsonObject args);

  /**
   * Answers a call. The default crashes the server, as Elixir's does: a server that takes calls
   * overrides it.
   *
   * @param request the request
   * @param from the caller, to keep when replying later
   * @param state the current state
   * @return the decision
   */
  protected CallResult<S> handleCall(Object request, From from, S state) {
    throw new IllegalStateException(kind() + " received a call it has no handleCall for: " + request);
  }

  /**
   * Handles a cast. The default crashes the server, as Elixir's does.
   *
   * @param message the message
   * @param state the current state
   * @return the decision
   */
  protected CastResult<S> handleCast(Object message, S state) {
    throw new IllegalStateException(kind() + " received a cast it has no handleCast for: " + message);
  }

  /**
   * Handles everything else: timers from {@link #sendAfter}, {@link Down} notifications from
   * {@link #monitor}, and messages from {@link Processes#send}. The default logs and ignores the
   * message, as Elixir's does.
   *
   * @param message the message
   * @param state the current state
   * @return the decision
   */
  protected CastResult<S> handleInfo(Object message, S state) {
    log.warn("{} {} ignored an unexpected message: {}", kind(), self(), message);
    return CastResult.noReply(state);
  }

  /**
   * Cleans up before the process exits. May be asynchronous; a supervisor's shutdown timeout (or
   * {@link #DEFAULT_SHUTDOWN_TIMEOUT} on undeploy) bounds it. A failure replaces the exit reason.
   *
   * @param reason why the process exits
   * @param state the last state
   * @return completes when done
   */
  protected Future<Void> terminate(ExitReason reason, S state) {
    return Future.succeededFuture();
  }

  // ---------------------------------------------------------------- helpers for callbacks

  /**
   * The address the cast being handled was sent to: the registered name the sender used, or this
   * process's mailbox address ({@link Pid#address()}) for a cast by pid. What {@link
   * From#address()} is for a call: a server with several names tells what a message is by the
   * address it came on, never by its body's shape.
   *
   * @return the address, or null outside {@link #handleCast}
   */
  protected final String castAddress() {
    return castAddress;
  }

  /**
   * The process's own pid.
   *
   * @return the pid, once deployed
   */
  public final Pid self() {
    if (cell == null) {
      throw new IllegalStateException(kind() + " is not started");
    }
    return cell.pid();
  }

  /**
   * Sends {@code message} to this process's {@link #handleInfo} after {@code delay}, like
   * {@code Process.send_after}. Timers die with the process.
   *
   * @param message the message
   * @param delay the delay
   * @return a reference for {@link #cancelTimer}
   */
  protected final long sendAfter(Object message, Duration delay) {
    requireOnHome("sendAfter");
    long[] ref = new long[1];
    ref[0] = home.setTimer(Math.max(1, delay.toMillis()), id -> {
      timers.remove(ref[0]);
      receive(new Envelope.Info(message));
    });
    timers.add(ref[0]);
    return ref[0];
  }

  /**
   * Cancels a timer of {@link #sendAfter}.
   *
   * @param ref the timer reference
   * @return true when it had not fired yet
   */
  protected final boolean cancelTimer(long ref) {
    requireOnHome("cancelTimer");
    return timers.remove(ref) && vertx.cancelTimer(ref);
  }

  /**
   * Monitors another process: exactly one {@link Down} comes to {@link #handleInfo}, with
   * {@link ExitReason#NOPROC} when the process is already gone.
   *
   * @param pid the process to watch
   * @return the monitor reference
   */
  protected final long monitor(Pid pid) {
    requireOnHome("monitor");
    long ref = table.newRef();
    ProcessCell target = table.lookup(pid);
    monitoring.put(ref, target);
    if (target == null || !target.addMonitor(ref, reason -> cell.deliver(new Envelope.Info(new Down(ref, pid, reason))))) {
      cell.deliver(new Envelope.Info(new Down(ref, pid, ExitReason.NOPROC)));
    }
    return ref;
  }

  /**
   * Stops a monitor; a DOWN already on its way is dropped (Erlang's demonitor with flush).
   *
   * @param ref the monitor reference
   * @return true when the monitor was active
   */
  protected final boolean demonitor(long ref) {
    requireOnHome("demonitor");
    if (!monitoring.containsKey(ref)) {
      return false;
    }
    ProcessCell target = monitoring.remove(ref);
    if (target != null) {
      target.removeMonitor(ref);
    }
    return true;
  }

  // ---------------------------------------------------------------- client API

  /**
   * Starts a server without a name.
   *
   * @param vertx the Vert.x instance
   * @param server a fresh instance
   * @return its pid once init said ok
   */
  public static Future<Pid> start(Vertx vertx, GenServer<?> server) {
    return start(vertx, server, new DeploymentOptions(), null);
  }

  /**
   * Starts a server registered under a name.
   *
   * @param vertx the Vert.x instance
   * @param server a fresh instance
   * @param name the name, or null
   * @return its pid once init said ok
   */
  public static Future<Pid> start(Vertx vertx, GenServer<?> server, String name) {
    return start(vertx, server, new DeploymentOptions(), name);
  }

  /**
   * Starts a server: deploys it as one verticle instance with the given options, whose config is
   * the {@code args} of {@link #init}. Fails with {@link OtpException.Failure#ALREADY_STARTED} when
   * the name is taken (before init runs), {@link OtpException.Failure#EXIT} when init stops or
   * crashes, and {@link OtpException.Failure#IGNORE} when init ignores.
   *
   * @param vertx the Vert.x instance
   * @param server a fresh instance (each instance starts once)
   * @param options deployment options: config, threading model, worker pool
   * @param name the name to register, or null
   * @return its pid once init said ok
   */
  public static Future<Pid> start(Vertx vertx, GenServer<?> server, DeploymentOptions options, String name) {
    Objects.requireNonNull(server, "server");
    if (server.status != Status.NEW) {
      return Future.failedFuture(new IllegalStateException("this " + server.kind() + " instance was already started"));
    }
    if (name != null) {
      Registry.validateName(name);
    }
    ProcessTable table = ProcessTable.of(vertx);
    server.requestedName = name;
    server.parent = currentProcess(table);
    server.status = Status.STARTING;
    return Placement.deploy(vertx, table, server, new DeploymentOptions(options).setInstances(1), server.parent != null)
      .map(id -> server.self());
  }

  /** The process whose callback is running on this thread, if any. */
  private static Pid currentProcess(ProcessTable table) {
    ContextInternal current = ContextInternal.current();
    return current == null ? null : (Pid) current.unwrap().contextData().get(ProcessTable.class);
  }

  /**
   * Calls a server by pid with the default 5 s timeout.
   *
   * @param vertx the Vert.x instance
   * @param pid the server
   * @param request the request
   * @param <R> the reply type
   * @return the reply, or a failed future with an {@link OtpException}
   */
  public static <R> Future<R> call(Vertx vertx, Pid pid, Object request) {
    return call(vertx, pid, request, DEFAULT_CALL_TIMEOUT);
  }

  /**
   * Calls a server by registered name with the default 5 s timeout.
   *
   * @param vertx the Vert.x instance
   * @param name the server's name
   * @param request the request
   * @param <R> the reply type
   * @return the reply, or a failed future with an {@link OtpException}
   */
  public static <R> Future<R> call(Vertx vertx, String name, Object request) {
    return call(vertx, name, request, DEFAULT_CALL_TIMEOUT);
  }

  /**
   * Calls a server by pid. Fails with noproc at once when no such process lives, exit at once when
   * it dies before replying, timeout after {@code timeout}, calling_self when a process calls itself.
   *
   * @param vertx the Vert.x instance
   * @param pid the server
   * @param request the request
   * @param timeout how long to wait for the reply
   * @param <R> the reply type
   * @return the reply, completed on the caller's context
   */
  public static <R> Future<R> call(Vertx vertx, Pid pid, Object request, Duration timeout) {
    return call(vertx, ProcessTable.of(vertx).lookup(pid), pid, request, timeout);
  }

  /**
   * Calls a server by registered name; see {@link #call(Vertx, Pid, Object, Duration)}.
   *
   * @param vertx the Vert.x instance
   * @param name the server's name
   * @param request the request
   * @param timeout how long to wait for the reply
   * @param <R> the reply type
   * @return the reply, completed on the caller's context
   */
  public static <R> Future<R> call(Vertx vertx, String name, Object request, Duration timeout) {
    return call(vertx, ProcessTable.of(vertx).lookup(name), name, request, timeout);
  }

  private static <R> Future<R> call(Vertx vertx, ProcessCell target, Object dest, Object request, Duration timeout) {
    Objects.requireNonNull(request, "request");
    if (target == null) {
      return Future.failedFuture(OtpException.noproc(dest));
    }
    ContextInternal caller = (ContextInternal) vertx.getOrCreateContext();
    if (caller.unwrap() == target.context()) {
      return Future.failedFuture(OtpException.callingSelf(target.pid()));
    }
    LocalCaller<R> pending = new LocalCaller<>(caller, dest, Math.max(1, timeout.toMillis()));
    target.deliver(new Envelope.Call(Messages.isolate(request), pending));
    return pending.future();
  }

  /**
   * Casts to a server by pid: returns at once and never fails, even when no such process lives
   * (the message is then dropped), like GenServer.cast.
   *
   * @param vertx the Vert.x instance
   * @param pid the server
   * @param message the message
   */
  public static void cast(Vertx vertx, Pid pid, Object message) {
    deliver(ProcessTable.of(vertx).lookup(pid), new Envelope.Cast(Messages.isolate(message), pid.address()));
  }

  /**
   * Casts to a server by name; see {@link #cast(Vertx, Pid, Object)}.
   *
   * @param vertx the Vert.x instance
   * @param name the server's name
   * @param message the message
   */
  public static void cast(Vertx vertx, String name, Object message) {
    deliver(ProcessTable.of(vertx).lookup(name), new Envelope.Cast(Messages.isolate(message), name));
  }

  static void deliver(ProcessCell target, Envelope envelope) {
    if (target != null) {
      target.deliver(envelope);
    }
  }

  /**
   * Stops a server with reason normal and waits until it is gone.
   *
   * @param vertx the Vert.x instance
   * @param pid the server
   * @return completes after terminate ran and the process exited
   */
  public static Future<Void> stop(Vertx vertx, Pid pid) {
    return stop(vertx, pid, ExitReason.NORMAL);
  }

  /**
   * Stops a server: the request is queued behind the messages already in its mailbox, terminate
   * runs with {@code reason}, and the future completes once the process has exited. Fails with
   * noproc when there is no such process, and with exit when it ended with another reason (say,
   * terminate crashed).
   *
   * @param vertx the Vert.x instance
   * @param pid the server
   * @param reason the exit reason
   * @return completes when the process is gone
   */
  public static Future<Void> stop(Vertx vertx, Pid pid, ExitReason reason) {
    return stop(vertx, ProcessTable.of(vertx).lookup(pid), pid, reason);
  }

  /**
   * Stops a server by name; see {@link #stop(Vertx, Pid, ExitReason)}.
   *
   * @param vertx the Vert.x instance
   * @param name the server's name
   * @param reason the exit reason
   * @return completes when the process is gone
   */
  public static Future<Void> stop(Vertx vertx, String name, ExitReason reason) {
    return stop(vertx, ProcessTable.of(vertx).lookup(name), name, reason);
  }

  private static Future<Void> stop(Vertx vertx, ProcessCell target, Object dest, ExitReason reason) {
    Objects.requireNonNull(reason, "reason");
    if (target == null) {
      return Future.failedFuture(OtpException.noproc(dest));
    }
    Monitor monitor = Processes.monitor(vertx, target.pid());
    target.deliver(new Envelope.Stop(reason));
    return monitor.down().compose(down -> {
      if (down.reason() instanceof ExitReason.NoProc) {
        return Future.failedFuture(OtpException.noproc(dest));
      }
      return down.reason().equals(reason)
        ? Future.succeededFuture()
        : Future.failedFuture(OtpException.exit(down.pid(), down.reason()));
    });
  }

  // ---------------------------------------------------------------- engine: lifecycle

  @Override
  public final Future<?> start() {
    if (status != Status.STARTING) {
      // Deployed straight through vertx.deployVerticle rather than GenServer.start: same rules.
      if (status != Status.NEW) {
        return Future.failedFuture(new IllegalStateException("this " + kind() + " instance was already started"));
      }
      status = Status.STARTING;
    }
    home = (ContextInternal) context;
    table = ProcessTable.of(vertx);
    cell = new Cell(table.newPid(), parent, home);
    table.add(cell);
    home.contextData().put(ProcessTable.class, cell.pid());
    // Vert.x's default for an exception in a handler is to log and carry on; a process crashes.
    home.exceptionHandler(this::crash);
    try {
      if (requestedName != null) {
        table.register(requestedName, cell);
      }
    } catch (OtpException taken) {
      finish(ExitReason.NORMAL, false);
      return Future.failedFuture(taken);
    }
    List<Future<Void>> listening = new ArrayList<>(2);
    listening.add(listen(cell.pid().address()));
    if (requestedName != null) {
      listening.add(listen(requestedName));
    }
    return Future.all(listening).compose(v -> runInit());
  }

  private Future<Void> runInit() {
    Future<InitResult<S>> decided;
    try {
      decided = Objects.requireNonNull(init(config()), "init returned null");
    } catch (Throwable t) {
      decided = Future.failedFuture(t);
    }
    Promise<Void> started = home.promise();
    decided.onComplete(ar -> onHome(() -> {
      if (status != Status.STARTING) {
        // Killed or stopped while init was still running.
        started.fail(OtpException.exit(self(), exitReason == null ? ExitReason.KILLED : exitReason));
        return;
      }
      if (ar.failed()) {
        ExitReason reason = ExitReason.error(ar.cause());
        finish(reason, false);
        started.fail(OtpException.exit(self(), reason));
      } else if (ar.result() instanceof InitResult.Ok<S> ok) {
        state = ok.state();
        status = Status.RUNNING;
        log.info("process {}{} started: {}", self(), nameSuffix(), kind());
        started.complete();
        // Messages that waited for init go first, before anything that arrives from now on.
        drainWaiting();
      } else if (ar.result() instanceof InitResult.Stop<S> stop) {
        finish(stop.reason(), false);
        started.fail(OtpException.exit(self(), stop.reason()));
      } else if (ar.result() instanceof InitResult.Ignore<S>) {
        finish(ExitReason.NORMAL, false);
        started.fail(OtpException.ignore());
      } else {
        ExitReason reason = ExitReason.error("init returned " + ar.result());
        finish(reason, false);
        started.fail(OtpException.exit(self(), reason));
      }
    }));
    return started.future();
  }

  @Override
  public final Future<?> stop() {
    undeploying = true;
    if (status == Status.DEAD || status == Status.NEW) {
      return Future.succeededFuture();
    }
    exit(ExitReason.SHUTDOWN, true);
    if (status != Status.DEAD) {
      long guard = home.setTimer(DEFAULT_SHUTDOWN_TIMEOUT.toMillis(), id -> {
        log.warn("process {} did not terminate within {} ms of its undeploy: killed", self(), DEFAULT_SHUTDOWN_TIMEOUT.toMillis());
        exit(ExitReason.KILLED, false);
      });
      exited.future().onComplete(ar -> vertx.cancelTimer(guard));
    }
    return exited.future();
  }

  private void crash(Throwable failure) {
    if (status == Status.STARTING || status == Status.RUNNING || status == Status.SUSPENDED) {
      exit(ExitReason.error(failure), status != Status.STARTING);
    } else {
      log.warn("process {} threw while {}: {}", cell == null ? "?" : self(), status, failure.toString());
    }
  }

  /**
   * Begins the exit: runs terminate when asked and possible, then finishes with the reason (or
   * with terminate's failure). A kill while terminate runs cuts it short.
   */
  private void exit(ExitReason reason, boolean runTerminate) {
    if (status == Status.DEAD) {
      return;
    }
    if (status == Status.EXITING) {
      if (!runTerminate) {
        finish(reason, true);
      }
      return;
    }
    boolean initialized = status == Status.RUNNING || status == Status.SUSPENDED;
    status = Status.EXITING;
    exitReason = reason;
    for (Long timer : timers) {
      vertx.cancelTimer(timer);
    }
    timers.clear();
    if (!runTerminate || !initialized) {
      finish(reason, true);
      return;
    }
    Future<Void> terminated;
    try {
      terminated = terminate(reason, state);
      if (terminated == null) {
        terminated = Future.succeededFuture();
      }
    } catch (Throwable t) {
      terminated = Future.failedFuture(t);
    }
    terminated.onComplete(ar -> onHome(() -> finish(ar.succeeded() ? reason : ExitReason.error(ar.cause()), true)));
  }

  /** The process is gone: free names, fail callers, tell monitors, undeploy. Runs once. */
  private void finish(ExitReason reason, boolean logExit) {
    if (status == Status.DEAD) {
      return;
    }
    status = Status.DEAD;
    exitReason = reason;
    cell.markDying();
    for (MessageConsumer<Object> consumer : consumers.values()) {
      consumer.unregister();
    }
    consumers.clear();
    for (Long timer : timers) {
      vertx.cancelTimer(timer);
    }
    timers.clear();
    for (Map.Entry<Long, ProcessCell> watched : monitoring.entrySet()) {
      if (watched.getValue() != null) {
        watched.getValue().removeMonitor(watched.getKey());
      }
    }
    monitoring.clear();
    OtpException failure = OtpException.exit(cell.pid(), reason);
    for (Caller caller : unanswered) {
      caller.fail(failure);
    }
    unanswered.clear();
    for (Envelope held : waiting) {
      if (held instanceof Envelope.Call call) {
        call.caller().fail(failure);
      }
    }
    waiting.clear();
    if (logExit) {
      if (reason.isNormal()) {
        log.info("process {}{} exited: {}", cell.pid(), nameSuffix(), reason);
      } else if (reason instanceof ExitReason.Error error && error.cause() != null) {
        // One line per crash; the stack trace is there for whoever turns DEBUG on.
        log.error("process {}{} crashed: {}", cell.pid(), nameSuffix(), reason);
        log.debug("stack trace of the crash of {}", cell.pid(), error.cause());
      } else {
        log.error("process {}{} exited: {}", cell.pid(), nameSuffix(), reason);
      }
    }
    stopLinked(reason).onComplete(ar -> onHome(() -> {
      table.remove(cell, reason);
      exited.complete(reason);
      undeployAfterExit();
    }));
  }

  /**
   * Links, as start_link makes them: an abnormal exit stops every process this one started (a
   * supervisor's children) with the same reason, terminate running, and waits for them, so that
   * whoever restarts this process never meets its predecessor's children still holding their
   * names. Bounded by {@link #DEFAULT_SHUTDOWN_TIMEOUT}, then they are killed. A normal exit
   * leaves them running, as a normal exit signal does in Erlang.
   */
  private Future<Void> stopLinked(ExitReason reason) {
    List<ProcessCell> linked = cell.linked();
    if (linked.isEmpty() || reason instanceof ExitReason.Normal) {
      return Future.succeededFuture();
    }
    List<Future<Void>> downs = new ArrayList<>(linked.size());
    for (int i = linked.size() - 1; i >= 0; i--) {
      ProcessCell child = linked.get(i);
      Promise<Void> down = Promise.promise();
      if (child.addMonitor(table.newRef(), r -> down.tryComplete())) {
        child.deliver(new Envelope.Stop(ProcessTable.linkedExit(reason)));
        downs.add(down.future());
      }
    }
    if (downs.isEmpty()) {
      return Future.succeededFuture();
    }
    long guard = vertx.setTimer(DEFAULT_SHUTDOWN_TIMEOUT.toMillis(), id -> linked.forEach(ProcessCell::kill));
    return Future.join(downs).andThen(ar -> vertx.cancelTimer(guard)).mapEmpty();
  }

  private void undeployAfterExit() {
    // While the node closes, Vert.x undeploys every deployment itself right after the close hook.
    if (!undeploying && !table.closing()) {
      // On the next turn: a process that dies while its deployment is still completing is not in
      // deploymentIDs() yet, and one whose start failed is undeployed by Vert.x itself.
      home.runOnContext(v -> {
        Future<Void> undeploy = vertx.deploymentIDs().contains(deploymentID()) ? table.undeployAfterExit(deploymentID()) : null;
        if (undeploy != null) {
          undeploy.onFailure(err -> log.debug("undeploy of {} after its exit: {}", cell.pid(), err.toString()));
        }
      });
    }
  }

  /** @return the name this process was started under, or null */
  final String startName() {
    return requestedName;
  }

  /**
   * Completes on this process's own context whatever context {@code future} completes on, so a
   * callback can use the process's helpers ({@link #monitor}, {@link #sendAfter}) safely.
   *
   * @param future any future
   * @param <T> its type
   * @return the same outcome, delivered on this process's context
   */
  protected final <T> Future<T> onOwnContext(Future<T> future) {
    Promise<T> promise = home.promise();
    future.onComplete(promise);
    return promise.future();
  }

  private String kind() {
    String simple = getClass().getSimpleName();
    return simple.isEmpty() ? getClass().getName() : simple;
  }

  private String nameSuffix() {
    return requestedName == null ? "" : " (" + requestedName + ")";
  }

  // ---------------------------------------------------------------- engine: messages

  private Future<Void> listen(String address) {
    MessageConsumer<Object> consumer = vertx.eventBus().consumer(address);
    consumer.handler(message -> routeFromBus(address, message));
    if (consumer instanceof MessageConsumerImpl<Object> impl) {
      // Vert.x answers requests still queued when a consumer goes away with a bare TIMEOUT
      // ("Discarded the request"); answer first with what really happened (vert.x issue 3979).
      impl.discardHandler(message -> refuseFromBus(address, message));
    }
    consumers.put(address, consumer);
    return consumer.completion();
  }

  /**
   * A message from the bus. One sent to a name goes to whoever holds the name now, as in Erlang:
   * the consumer of a process that has just given the name up (or exited) may still get a few,
   * because unregistering a consumer takes effect on this process's own loop.
   */
  private void routeFromBus(String address, Message<Object> message) {
    Envelope envelope = message.replyAddress() != null
      ? new Envelope.Call(message.body(), new EventBusCaller(message))
      : new Envelope.Cast(message.body(), address);
    if (address.equals(cell.pid().address())) {
      receive(envelope);
      return;
    }
    ProcessCell holder = table.lookup(address);
    if (holder == cell) {
      receive(envelope);
    } else if (holder != null) {
      holder.deliver(envelope);
    } else if (envelope instanceof Envelope.Call call) {
      call.caller().fail(OtpException.noproc(address));
    }
  }

  private void refuseFromBus(String address, Message<Object> message) {
    if (message.replyAddress() == null) {
      return;
    }
    EventBusCaller caller = new EventBusCaller(message);
    if (status == Status.DEAD || address.equals(cell.pid().address())) {
      caller.fail(OtpException.exit(cell.pid(), exitReason == null ? ExitReason.NOPROC : exitReason));
    } else {
      // The process lives but gave the name up while this request waited for it.
      caller.fail(OtpException.noproc(address));
    }
  }

  private void receive(Envelope envelope) {
    if (killRequested && status != Status.DEAD) {
      exit(ExitReason.KILLED, false);
    }
    switch (status) {
      case STARTING, SUSPENDED -> waiting.add(envelope);
      case RUNNING -> dispatch(envelope);
      case EXITING -> {
        // The final reason is not known until terminate is done: answer these callers then.
        if (envelope instanceof Envelope.Call call) {
          unanswered.add(call.caller());
        }
      }
      default -> {
        if (envelope instanceof Envelope.Call call) {
          call.caller().fail(OtpException.exit(cell.pid(), exitReason));
        }
      }
    }
  }

  private void dispatch(Envelope envelope) {
    try {
      if (envelope instanceof Envelope.Call call) {
        handle(call);
      } else if (envelope instanceof Envelope.Cast cast) {
        castAddress = cast.address();
        try {
          apply(handleCast(cast.message(), state), "handleCast");
        } finally {
          castAddress = null;
        }
      } else if (envelope instanceof Envelope.Info info) {
        if (info.message() instanceof Down down) {
          if (!monitoring.containsKey(down.ref())) {
            return; // demonitored: drop the DOWN that was already on its way
          }
          monitoring.remove(down.ref());
        }
        apply(handleInfo(info.message(), state), "handleInfo");
      } else if (envelope instanceof Envelope.Stop stop) {
        exit(stop.reason(), true);
      }
    } catch (Throwable t) {
      if (envelope instanceof Envelope.Call call) {
        unanswered.add(call.caller());
      }
      exit(ExitReason.error(t), true);
    }
  }

  private void handle(Envelope.Call call) {
    applyCall(handleCall(call.request(), call.caller(), state), call.caller());
  }

  private void applyCall(CallResult<S> result, Caller caller) {
    if (result instanceof CallResult.Await<S> await) {
      suspendUntil(await.next(), next -> applyCall(next, caller), caller);
    } else if (result instanceof CallResult.Reply<S> reply) {
      state = reply.state();
      caller.reply(reply.reply());
    } else if (result instanceof CallResult.NoReply<S> noReply) {
      state = noReply.state();
      remember(caller);
    } else if (result instanceof CallResult.Error<S> error) {
      state = error.state();
      caller.replyError(error.code(), error.message());
    } else if (result instanceof CallResult.Stop<S> stop) {
      state = stop.state();
      if (stop.replies()) {
        caller.reply(stop.reply());
      } else {
        unanswered.add(caller);
      }
      exit(stop.reason(), true);
    } else {
      throw new IllegalStateException("handleCall returned " + result);
    }
  }

  /** @return how many callers this process holds to answer later or fail at its exit (for tests) */
  final int callersHeld() {
    return unanswered.size();
  }

  private void remember(Caller caller) {
    if (caller.isDone()) {
      return;
    }
    // Callers answered later drop out here, so the list stays as long as the calls really open.
    if (unanswered.size() >= 32) {
      unanswered.removeIf(Caller::isDone);
    }
    unanswered.add(caller);
  }

  private void apply(CastResult<S> result, String callback) {
    if (result instanceof CastResult.Await<S> await) {
      suspendUntil(await.next(), next -> apply(next, callback), null);
    } else if (result instanceof CastResult.NoReply<S> noReply) {
      state = noReply.state();
    } else if (result instanceof CastResult.Stop<S> stop) {
      state = stop.state();
      exit(stop.reason(), true);
    } else {
      throw new IllegalStateException(callback + " returned " + result);
    }
  }

  /**
   * Holds the mailbox until {@code next} completes, then applies its decision and lets the waiting
   * messages through in order. A kill or crash meanwhile wins: the decision is then dropped.
   */
  private <T> void suspendUntil(Future<T> next, java.util.function.Consumer<T> andThen, Caller caller) {
    status = Status.SUSPENDED;
    if (caller != null) {
      // Should the process die while suspended, finish() fails this caller at once.
      remember(caller);
    }
    next.onComplete(ar -> onHome(() -> {
      if (status != Status.SUSPENDED) {
        return;
      }
      status = Status.RUNNING;
      try {
        if (ar.failed()) {
          throw ar.cause();
        }
        andThen.accept(Objects.requireNonNull(ar.result(), "an awaited decision was null"));
        if (caller != null && caller.isDone()) {
          // Answered: forget it, or every awaited call would stay reachable with its reply.
          unanswered.remove(caller);
        }
      } catch (Throwable t) {
        exit(ExitReason.error(t), true);
        return;
      }
      drainWaiting();
    }));
  }

  private void drainWaiting() {
    while (status == Status.RUNNING && !waiting.isEmpty()) {
      dispatch(waiting.poll());
    }
  }

  private void onHome(Runnable action) {
    if (home.isRunningOnContext() || ContextInternal.current() != null && ContextInternal.current().unwrap() == home) {
      action.run();
    } else {
      home.runOnContext(v -> action.run());
    }
  }

  private void requireOnHome(String what) {
    ContextInternal current = ContextInternal.current();
    if (home == null || current == null || current.unwrap() != home) {
      throw new IllegalStateException(what + " must be called from the process's own callbacks");
    }
  }

  /** The runtime's view of this process. */
  private final class Cell extends ProcessCell {

    Cell(Pid pid, Pid parent, ContextInternal context) {
      super(pid, parent, context);
    }

    @Override
    public void deliver(Envelope envelope) {
      // Always through the event loop's queue: a delivery never runs on the sender's stack.
      context().runOnContext(v -> receive(envelope));
    }

    @Override
    public void kill() {
      killRequested = true;
      context().runOnContext(v -> exit(ExitReason.KILLED, false));
    }

    @Override
    public Future<Void> listenOn(String address) {
      Promise<Void> listening = Promise.promise();
      context().runOnContext(v -> {
        if (status == Status.DEAD) {
          listening.fail(OtpException.noproc(pid()));
        } else {
          listen(address).onComplete(listening);
        }
      });
      return listening.future();
    }

    @Override
    public void stopListening(String address) {
      // Synchronously, from the caller's thread: once unregister returns, nothing new reaches
      // this process through the name, so a new holder registered next gets every message.
      MessageConsumer<Object> consumer = consumers.remove(address);
      if (consumer != null) {
        consumer.unregister();
      }
    }
  }
}
