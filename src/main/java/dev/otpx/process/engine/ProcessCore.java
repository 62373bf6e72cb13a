package dev.otpx.process.engine;

import dev.otpx.process.CallResult;
import dev.otpx.process.CastResult;
import dev.otpx.process.Clock;
import dev.otpx.process.Down;
import dev.otpx.process.Exit;
import dev.otpx.process.ExitReason;
import dev.otpx.process.From;
import dev.otpx.process.InitResult;
import dev.otpx.process.OtpException;
import dev.otpx.process.Pid;
import dev.otpx.process.ProcessEvent;
import dev.otpx.process.ProcessStatus;
import dev.otpx.process.Shutdown;
import io.vertx.core.Context;
import io.vertx.core.Deployable;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
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
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine of one process: its mailbox and status machine, its timers, monitors and links as seen
 * from inside, and its exit. It runs a {@link Behaviour}'s callbacks one message at a time on the
 * process's own context and turns their decisions (and their exceptions) into replies, state and
 * exits. Everything here runs on that context, except {@link #requestKill}.
 *
 * <p>A core is also the {@link Deployable} that Vert.x deploys for the process: it binds the
 * behaviour, then hands the Vert.x lifecycle to the user's verticle instance, whose start and stop
 * come back to {@link #boot} and {@link #undeployed}.
 *
 * @param <S> the state type
 */
public final class ProcessCore<S> implements Deployable, Engine {

  /** How long an undeploy or a dying starter waits for a process to stop before killing it: 5 s, OTP's worker default. */
  public static final Duration STOP_LIMIT = Duration.ofSeconds(5);

  private static final Logger log = LoggerFactory.getLogger("dev.otpx.process.GenServer");

  // SUSPENDED: a handler returned Deferred; messages wait in `waiting` as they do while STARTING.
  private enum Status { NEW, STARTING, RUNNING, SUSPENDED, EXITING, DEAD }

  private final Vertx vertx;
  private final ProcessTable table;
  private final Behaviour<S> behaviour;
  private final Deployable instance;
  private final String name;
  private final Pid parent;
  private Status status = Status.NEW;
  private ContextInternal home;
  private ProcessCell cell;
  private BusAdapter bus;
  private S state;
  private ExitReason exitReason;
  private boolean initialized;
  private boolean undeploying;
  // The address of the cast being handled: set around handleCast only, so it costs a cast nothing.
  private String castAddress;
  private volatile boolean trapExit;
  private volatile boolean killRequested;
  private final Promise<ExitReason> exited = Promise.promise();
  private final ArrayDeque<Envelope> waiting = new ArrayDeque<>();
  private final List<From> unanswered = new ArrayList<>();
  private final Set<Long> timers = new HashSet<>();
  private final Map<Long, Pid> monitoring = new HashMap<>();
  private long startedAt;
  // How many more messages are traced; 0 (the usual case) costs dispatch one int compare.
  private int traceLeft;

  ProcessCore(Vertx vertx, Behaviour<S> behaviour, Deployable instance, String name, Pid parent) {
    this.vertx = vertx;
    this.table = ProcessTable.of(vertx);
    this.behaviour = behaviour;
    this.instance = instance;
    this.name = name;
    this.parent = parent;
  }

  /**
   * The core of a process deployed straight through {@code vertx.deployVerticle} rather than the
   * runtime's start: no name, no parent, same rules otherwise.
   *
   * @param vertx the Vert.x instance
   * @param behaviour its callbacks
   * @param instance the deployed verticle
   * @param <S> the state type
   * @return the core, bound to the behaviour; null when the behaviour already runs elsewhere
   */
  public static <S> ProcessCore<S> direct(Vertx vertx, Behaviour<S> behaviour, Deployable instance) {
    ProcessCore<S> core = new ProcessCore<>(vertx, behaviour, instance, null, null);
    return behaviour.attach(core) ? core : null;
  }

  // ---------------------------------------------------------------- Vert.x lifecycle

  @Override
  public Future<?> deploy(Context context) throws Exception {
    if (!behaviour.attach(this)) {
      return Future.failedFuture(new IllegalStateException("this " + behaviour.kind() + " instance was already started"));
    }
    return instance.deploy(context);
  }

  @Override
  public Future<?> undeploy(Context context) throws Exception {
    return instance.undeploy(context);
  }

  /**
   * Starts the process on its context: pid, names, consumers, then init. Messages that arrive
   * before init is done wait.
   *
   * @param context the verticle's context
   * @param args the init args
   * @return completes once init said ok; fails with already_started, exit or ignore
   */
  public Future<Void> boot(Context context, JsonObject args) {
    if (status != Status.NEW) {
      return Future.failedFuture(new IllegalStateException("this " + behaviour.kind() + " instance was already started"));
    }
    status = Status.STARTING;
    startedAt = table.clock().millis();
    home = (ContextInternal) context;
    cell = new ProcessCell(table.newPid(), parent, home, this);
    bus = new BusAdapter(this);
    table.add(cell);
    home.contextData().put(ProcessTable.class, cell.pid());
    // Vert.x's default for an exception in a handler is to log and carry on; a process crashes.
    home.exceptionHandler(new ProcessContext(cell.pid(), this::crash));
    try {
      if (name != null) {
        table.register(name, cell);
      }
    } catch (OtpException taken) {
      finish(ExitReason.NORMAL);
      return Future.failedFuture(taken);
    }
    List<Future<Void>> listening = new ArrayList<>(2);
    listening.add(bus.listen(cell.address()));
    if (name != null) {
      listening.add(bus.listen(name));
    }
    return Future.all(listening).compose(v -> runInit(args == null ? new JsonObject() : args));
  }

  private Future<Void> runInit(JsonObject args) {
    Future<InitResult<S>> decided;
    try {
      decided = Objects.requireNonNull(behaviour.init(args), "init returned null");
    } catch (Throwable t) {
      decided = Future.failedFuture(t);
    }
    Promise<Void> started = home.promise();
    decided.onComplete(ar -> onHome(() -> {
      if (status != Status.STARTING) {
        // Killed or stopped while init was still running.
        started.fail(OtpException.exit(cell.pid(), exitReason == null ? ExitReason.KILLED : exitReason));
        return;
      }
      if (ar.failed()) {
        ExitReason reason = ExitReason.error(ar.cause());
        finish(reason);
        started.fail(OtpException.exit(cell.pid(), reason));
      } else if (ar.result() instanceof InitResult.Ok<S> ok) {
        state = ok.state();
        status = Status.RUNNING;
        initialized = true;
        table.events().publish(new ProcessEvent.Started(cell.pid(), name, behaviour.kind()));
        started.complete();
        // Messages that waited for init go first, before anything that arrives from now on.
        drainWaiting();
      } else if (ar.result() instanceof InitResult.Stop<S> stop) {
        finish(stop.reason());
        started.fail(OtpException.exit(cell.pid(), stop.reason()));
      } else if (ar.result() instanceof InitResult.Ignore<S>) {
        finish(ExitReason.NORMAL);
        started.fail(OtpException.ignore());
      } else {
        ExitReason reason = ExitReason.error("init returned " + ar.result());
        finish(reason);
        started.fail(OtpException.exit(cell.pid(), reason));
      }
    }));
    return started.future();
  }

  /**
   * The verticle is being undeployed (by Vert.x, or by whoever called undeploy): an orderly stop
   * through the exit protocol, killed at {@link #STOP_LIMIT}.
   *
   * @return completes once the process has exited
   */
  public Future<?> undeployed() {
    undeploying = true;
    if (status == Status.DEAD || status == Status.NEW) {
      return Future.succeededFuture();
    }
    boolean killedBefore = killRequested;
    ExitProtocol.stop(table, cell, new Envelope.Stop(ExitReason.SHUTDOWN), Shutdown.timeout(STOP_LIMIT), home)
      .onSuccess(reason -> {
        if (reason instanceof ExitReason.Killed && !killedBefore) {
          log.warn("process {} did not terminate within {} ms of its undeploy: killed", cell.pid(), STOP_LIMIT.toMillis());
        }
      });
    return exited.future();
  }

  // ---------------------------------------------------------------- accessors for the runtime

  /** @return the process's pid, once started */
  public Pid pid() {
    if (cell == null) {
      throw new IllegalStateException(behaviour.kind() + " is not started");
    }
    return cell.pid();
  }

  ProcessCell cell() {
    return cell;
  }

  /** @return the user's verticle this core runs */
  Deployable instance() {
    return instance;
  }

  BusAdapter bus() {
    return bus;
  }

  @Override
  public Future<Void> listenOn(String address) {
    return bus.listenOn(address);
  }

  @Override
  public void stopListening(String address) {
    bus.stopListening(address);
  }

  @Override
  public ProcessTable table() {
    return table;
  }

  Vertx vertx() {
    return vertx;
  }

  boolean dead() {
    return status == Status.DEAD;
  }

  ExitReason exitReason() {
    return exitReason;
  }

  @Override
  public boolean trapsExits() {
    return trapExit;
  }

  /** @return the address the cast being handled was sent to, or null outside handleCast */
  public String castAddress() {
    return castAddress;
  }

  /** @return the name this process was started under, or null */
  public String name() {
    return name;
  }

  /** @return how many callers this process holds to answer later or fail at its exit (for tests) */
  int callersHeld() {
    return unanswered.size();
  }

  // ---------------------------------------------------------------- introspection

  /**
   * The status an observer sees, read on the process's own thread; the state goes through the
   * behaviour's formatStatus, whose failure shows as text instead of failing the read.
   *
   * @return the status, or null when the process is not alive
   */
  @Override
  public ProcessStatus snapshot() {
    if (status == Status.NEW || status == Status.DEAD) {
      return null;
    }
    Object summary;
    try {
      summary = initialized ? Summaries.of(behaviour.formatStatus(state)) : null;
    } catch (RuntimeException e) {
      summary = "formatStatus failed: " + e;
    }
    int calls = 0;
    for (From caller : unanswered) {
      if (!caller.isDone()) {
        calls++;
      }
    }
    for (Envelope held : waiting) {
      if (held instanceof Envelope.Call) {
        calls++;
      }
    }
    String shown = switch (status) {
      case STARTING -> "starting";
      case SUSPENDED -> "suspended";
      case EXITING -> "exiting";
      default -> "running";
    };
    return new ProcessStatus(cell.pid(), name, cell.names(), behaviour.kind(), parent,
      cell.linkedPids(), trapExit, shown,
      Duration.ofMillis(Math.max(0, table.clock().millis() - startedAt)), cell.queued() + waiting.size(), calls, summary,
      traceLeft);
  }

  /**
   * @param messages how many of the next messages to trace; 0 stops
   * @return false when the process is not alive
   */
  @Override
  public boolean trace(int messages) {
    if (status == Status.NEW || status == Status.DEAD) {
      return false;
    }
    traceLeft = Math.max(0, messages);
    return true;
  }

  private Envelope traced(Envelope envelope) {
    traceLeft--;
    if (envelope instanceof Envelope.Call call) {
      publishTrace("call", call.request());
      return new Envelope.Call(call.request(), new TracedCaller(call.caller()));
    } else if (envelope instanceof Envelope.Cast cast) {
      publishTrace("cast", cast.message());
    } else if (envelope instanceof Envelope.Info info) {
      publishTrace("info", info.message());
    } else if (envelope instanceof Envelope.Signal signal) {
      publishTrace("signal", signal.reason().toString());
    } else if (envelope instanceof Envelope.Stop stop) {
      publishTrace("stop", stop.reason().toString());
    }
    return envelope;
  }

  private void publishTrace(String kind, Object message) {
    Object body;
    try {
      body = Summaries.of(behaviour.formatMessage(message));
    } catch (RuntimeException e) {
      body = "formatMessage failed: " + e;
    }
    table.events().publish(new ProcessEvent.Traced(cell.pid(), name, kind, Summaries.size(message), body, traceLeft));
  }

  /** A traced call's caller: its answer is traced too, whenever and from wherever it comes. */
  private final class TracedCaller implements From {
    private final From caller;

    TracedCaller(From caller) {
      this.caller = caller;
    }

    @Override
    public void reply(Object reply) {
      if (!caller.isDone()) {
        publishTrace("reply", reply);
      }
      caller.reply(reply);
    }

    @Override
    public void replyError(String code, String message) {
      if (!caller.isDone()) {
        publishTrace("reply_error", code + ": " + message);
      }
      caller.replyError(code, message);
    }

    @Override
    public void fail(OtpException failure) {
      caller.fail(failure);
    }

    @Override
    public String address() {
      return caller.address();
    }

    @Override
    public boolean isDone() {
      return caller.isDone();
    }
  }

  // ---------------------------------------------------------------- helpers for callbacks

  /**
   * @param message the message
   * @param delay the delay
   * @return a reference for {@link #cancelTimer}
   */
  public long sendAfter(Object message, Duration delay) {
    requireOnHome("sendAfter");
    Clock clock = table.clock();
    long[] ref = new long[1];
    ref[0] = clock.setTimer(home, Math.max(1, delay.toMillis()), id -> {
      timers.remove(ref[0]);
      receive(new Envelope.Info(message));
    });
    timers.add(ref[0]);
    return ref[0];
  }

  /**
   * @param ref a reference of {@link #sendAfter}
   * @return true when it had not fired yet
   */
  public boolean cancelTimer(long ref) {
    requireOnHome("cancelTimer");
    return timers.remove(ref) && table.clock().cancelTimer(ref);
  }

  /**
   * Monitors another process; its DOWN comes to handleInfo as a {@link Down}.
   *
   * @param pid the process to watch
   * @return the monitor reference
   */
  public long monitor(Pid pid) {
    requireOnHome("monitor");
    long ref = table.newRef();
    // Recorded first: a DOWN for a process already gone is on its way at once, and demonitor must
    // still be able to drop it.
    monitoring.put(ref, pid);
    table.monitor(pid, ref, reason -> cell.deliver(new Envelope.Info(new Down(ref, pid, reason))));
    return ref;
  }

  /**
   * Stops a monitor; a DOWN already on its way is dropped (Erlang's demonitor with flush).
   *
   * @param ref the monitor reference
   * @return true when the monitor was active
   */
  public boolean demonitor(long ref) {
    requireOnHome("demonitor");
    if (!monitoring.containsKey(ref)) {
      return false;
    }
    table.demonitor(monitoring.remove(ref), ref);
    return true;
  }

  /**
   * Links this process to another, both ways. Linking to a process that is gone sends this one an
   * exit signal noproc, as Erlang does.
   *
   * @param pid the other process
   */
  public void link(Pid pid) {
    requireOnHome("link");
    if (table.isRemote(pid)) {
      table.distribution().link(cell, pid);
      return;
    }
    ProcessCell other = table.lookup(pid);
    if (other == cell) {
      return;
    }
    if (other == null || !ProcessCell.link(cell, other)) {
      cell.signal(pid, ExitReason.NOPROC, false);
    }
  }

  /**
   * Removes a link both ways; an exit signal already on its way through it is dropped.
   *
   * @param pid the other process
   */
  public void unlink(Pid pid) {
    requireOnHome("unlink");
    cell.removeLink(pid);
    if (table.isRemote(pid)) {
      table.distribution().unlink(cell.pid(), pid);
      return;
    }
    ProcessCell other = table.lookup(pid);
    if (other != null) {
      other.removeLink(cell.pid());
    }
  }

  /**
   * @param trap whether exit signals become {@link Exit} messages
   * @return the previous value
   */
  public boolean trapExits(boolean trap) {
    requireOnHome("trapExits");
    boolean before = trapExit;
    trapExit = trap;
    return before;
  }

  /**
   * @param future any future
   * @param <T> its type
   * @return the same outcome, delivered on this process's context
   */
  public <T> Future<T> onOwnContext(Future<T> future) {
    Promise<T> promise = home.promise();
    future.onComplete(promise);
    return promise.future();
  }

  private void requireOnHome(String what) {
    ContextInternal current = ContextInternal.current();
    if (home == null || current == null || current.unwrap() != home) {
      throw new IllegalStateException(what + " must be called from the process's own callbacks");
    }
  }

  // ---------------------------------------------------------------- kills and crashes

  @Override
  public void requestKill() {
    killRequested = true;
  }

  @Override
  public void killNow() {
    exit(ExitReason.KILLED, false);
  }

  private void crash(Throwable failure) {
    if (status == Status.STARTING || status == Status.RUNNING || status == Status.SUSPENDED) {
      exit(ExitReason.error(failure), status != Status.STARTING);
    } else {
      log.warn("process {} threw while {}: {}", cell == null ? "?" : cell.pid(), status, failure.toString());
    }
  }

  // ---------------------------------------------------------------- mailbox

  /**
   * Takes a message on the process's own context.
   *
   * @param envelope the message
   */
  @Override
  public void receive(Envelope envelope) {
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
    if (traceLeft > 0) {
      envelope = traced(envelope);
    }
    try {
      if (envelope instanceof Envelope.Call call) {
        applyCall(behaviour.handleCall(call.request(), call.caller(), state), call.caller());
      } else if (envelope instanceof Envelope.Cast cast) {
        castAddress = cast.address();
        try {
          apply(behaviour.handleCast(cast.message(), state), "handleCast");
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
        apply(behaviour.handleInfo(info.message(), state), "handleInfo");
      } else if (envelope instanceof Envelope.Signal signal) {
        exitSignal(signal);
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

  /**
   * An exit signal taken from the mailbox. From the parent (the process that started this one), any
   * reason but normal stops the process, trapping or not, as a gen_server obeys its parent; a normal
   * one is ignored. From anyone else, a process that traps exits gets an {@link Exit} message; one
   * that does not ignores normal and stops with any other reason. Either way terminate runs.
   */
  private void exitSignal(Envelope.Signal signal) {
    if (signal.viaLink() && !cell.removeLink(signal.from())) {
      return; // unlinked while the signal was on its way
    }
    boolean fromParent = signal.from() != null && signal.from().equals(cell.parent());
    if (signal.reason() instanceof ExitReason.Normal) {
      if (trapExit && !fromParent) {
        apply(behaviour.handleInfo(new Exit(signal.from(), signal.reason()), state), "handleInfo");
      }
      return;
    }
    if (fromParent || !trapExit) {
      exit(signal.reason(), true);
    } else {
      apply(behaviour.handleInfo(new Exit(signal.from(), signal.reason()), state), "handleInfo");
    }
  }

  private void applyCall(CallResult<S> result, From caller) {
    if (result instanceof CallResult.Deferred<S> deferred) {
      suspendUntil(deferred.next(), next -> applyCall(next, caller), caller);
    } else if (result instanceof CallResult.Reply<S> reply) {
      if (!reply.keepsState()) {
        state = reply.state();
      }
      caller.reply(reply.reply());
    } else if (result instanceof CallResult.NoReply<S> noReply) {
      if (!noReply.keepsState()) {
        state = noReply.state();
      }
      remember(caller);
    } else if (result instanceof CallResult.Error<S> error) {
      if (!error.keepsState()) {
        state = error.state();
      }
      caller.replyError(error.code(), error.message());
    } else if (result instanceof CallResult.Stop<S> stop) {
      if (!stop.keepsState()) {
        state = stop.state();
      }
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

  private void remember(From caller) {
    if (caller.isDone()) {
      return;
    }
    // Callers answered later drop out here, so the list stays as long as the calls really open.
    if (unanswered.size() >= 32) {
      unanswered.removeIf(From::isDone);
    }
    unanswered.add(caller);
  }

  private void apply(CastResult<S> result, String callback) {
    if (result instanceof CastResult.Deferred<S> deferred) {
      suspendUntil(deferred.next(), next -> apply(next, callback), null);
    } else if (result instanceof CastResult.NoReply<S> noReply) {
      if (!noReply.keepsState()) {
        state = noReply.state();
      }
    } else if (result instanceof CastResult.Stop<S> stop) {
      if (!stop.keepsState()) {
        state = stop.state();
      }
      exit(stop.reason(), true);
    } else {
      throw new IllegalStateException(callback + " returned " + result);
    }
  }

  /**
   * Holds the mailbox until {@code next} completes, then applies its decision and lets the waiting
   * messages through in order. A kill or crash meanwhile wins: the decision is then dropped.
   */
  private <T> void suspendUntil(Future<T> next, Consumer<T> andThen, From caller) {
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
        andThen.accept(Objects.requireNonNull(ar.result(), "a deferred decision was null"));
        if (caller != null && caller.isDone()) {
          // Answered: forget it, or every deferred call would stay reachable with its reply.
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

  // ---------------------------------------------------------------- exit

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
        finish(reason);
      }
      return;
    }
    status = Status.EXITING;
    exitReason = reason;
    cancelTimers();
    if (!runTerminate || !initialized) {
      finish(reason);
      return;
    }
    Future<Void> terminated;
    try {
      terminated = behaviour.terminate(reason, state);
      if (terminated == null) {
        terminated = Future.succeededFuture();
      }
    } catch (Throwable t) {
      terminated = Future.failedFuture(t);
    }
    terminated.onComplete(ar -> onHome(() -> finish(ar.succeeded() ? reason : ExitReason.error(ar.cause()))));
  }

  private void cancelTimers() {
    if (timers.isEmpty()) {
      return; // the usual case at an exit: no iterator made
    }
    Clock clock = table.clock();
    for (Long timer : timers) {
      clock.cancelTimer(timer);
    }
    timers.clear();
  }

  /**
   * The process is gone: it stops listening, fails its callers, stops the processes it started
   * (abnormal exits only), then frees its names, signals its links, tells its monitors and is
   * undeployed. Runs once.
   */
  private void finish(ExitReason reason) {
    if (status == Status.DEAD) {
      return;
    }
    status = Status.DEAD;
    exitReason = reason;
    cell.markDying();
    bus.close();
    cancelTimers();
    for (Map.Entry<Long, Pid> watched : monitoring.entrySet()) {
      table.demonitor(watched.getValue(), watched.getKey());
    }
    monitoring.clear();
    if (!unanswered.isEmpty() || !waiting.isEmpty()) {
      // Made only when someone waits: most processes (every task) end with no caller to fail.
      OtpException failure = OtpException.exit(cell.pid(), reason);
      for (From caller : unanswered) {
        caller.fail(failure);
      }
      unanswered.clear();
      for (Envelope held : waiting) {
        if (held instanceof Envelope.Call call) {
          call.caller().fail(failure);
        }
      }
      waiting.clear();
    }
    table.events().publish(new ProcessEvent.Exited(cell.pid(), name, reason, initialized, behaviour.kind()));
    stopChildren(reason).onComplete(ar -> onHome(() -> {
      table.remove(cell, reason, initialized);
      exited.complete(reason);
      undeployAfterExit();
    }));
  }

  /**
   * Links, as start_link makes them: an abnormal exit stops every process this one started (a
   * supervisor's children) with the same reason, terminate running, and waits for them through the
   * exit protocol (killed at {@link #STOP_LIMIT}), so that whoever restarts this process never meets
   * its predecessor's children still holding their names. A normal exit leaves them running, as a
   * normal exit signal does in Erlang.
   */
  private Future<Void> stopChildren(ExitReason reason) {
    if (reason instanceof ExitReason.Normal) {
      return Future.succeededFuture();
    }
    List<ProcessCell> children = cell.children();
    if (children.isEmpty()) {
      return Future.succeededFuture();
    }
    Shutdown limit = Shutdown.timeout(STOP_LIMIT);
    List<Future<ExitReason>> downs = new ArrayList<>(children.size());
    for (int i = children.size() - 1; i >= 0; i--) {
      ProcessCell child = children.get(i);
      // Through the link, so kill is an ordinary reason here; the child's own exit does not come
      // back, since this process is dying already.
      downs.add(ExitProtocol.stop(table, child, new Envelope.Signal(cell.pid(), reason, true), limit, home));
    }
    return Future.join(downs).mapEmpty();
  }

  private void undeployAfterExit() {
    // While the node closes, Vert.x undeploys every deployment itself right after the close hook.
    if (!undeploying && !table.closing()) {
      // On the next turn: a process that dies while its deployment is still completing is not in
      // deploymentIDs() yet, and one whose start failed is undeployed by Vert.x itself.
      home.runOnContext(v -> {
        String id = home.deploymentID();
        Future<Void> undeploy = vertx.deploymentIDs().contains(id) ? table.undeployAfterExit(id) : null;
        if (undeploy != null) {
          undeploy.onFailure(err -> log.debug("undeploy of {} after its exit: {}", cell.pid(), err.toString()));
        }
      });
    }
  }
}
