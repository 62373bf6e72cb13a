package dev.otpx.process;

import dev.otpx.process.engine.Behaviour;
import dev.otpx.process.engine.Client;
import dev.otpx.process.engine.ProcessCore;
import dev.otpx.process.engine.ProcessTable;
import dev.otpx.process.engine.Spawn;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Erlang's gen_server on Vert.x 5: a verticle whose user code only answers callbacks, while the
 * runtime's engine owns the mailbox, the replies, the timers and the crashes.
 *
 * <p><b>Callbacks.</b> {@link #init} returns a Future of an {@link InitResult} (ok, stop, ignore);
 * {@link #handleCall} a {@link CallResult} (reply, no reply yet, error reply, stop);
 * {@link #handleCast} and {@link #handleInfo} a {@link CastResult}; {@link #terminate} runs on every
 * exit the process can observe (a stop, a crash in a handle callback, an exit signal, a shutdown),
 * not on a kill and not when init fails. Every callback runs on the process's own context, one
 * message at a time, in the order messages arrived from each sender.
 *
 * <p><b>State.</b> A server threads its state through the callbacks ({@code S}), or keeps it in its
 * own fields and returns the results that keep the state ({@code CallResult.reply(r)},
 * {@code CastResult.noReply()}, {@code InitResult.ok()}): both styles are first-class.
 *
 * <p><b>Crashes.</b> An exception thrown from any callback, or reported to the process's context
 * (a throwing timer or future callback of its own), crashes the process with that exception as its
 * {@link ExitReason.Error}: terminate runs (except for init), pending callers fail with
 * {@link OtpException.Failure#EXIT}, names are freed, links and monitors are told, and the
 * verticle is undeployed. A process is never left half alive.
 *
 * <p><b>Links.</b> A process started from inside another's callbacks is linked to it, as
 * {@code start_link} links them; {@link #link} and {@link #unlink} add and remove links. When a
 * linked process ends abnormally, this one ends with the same reason (a {@code kill} it stopped
 * itself with included: only {@code exit(pid, kill)} is untrappable), unless it {@link #trapExits traps exits}: it then gets an {@link Exit} in
 * {@link #handleInfo}. The exit of the process that started this one stops it even when it traps,
 * as a gen_server obeys its parent; a normal exit stops nobody.
 *
 * <p><b>Addresses.</b> The process consumes at {@link Pid#address()} and at each registered name.
 * Over the event bus, a message with a reply address is a call and one without is a cast; bodies
 * there are JSON. Inside the JVM, {@link #call}/{@link #cast} deliver straight to the mailbox and
 * messages may be any immutable Java value, records included (JSON objects are copied). Either way
 * the server knows the address a message came on ({@link From#address()}, {@link #castAddress()}),
 * so a server with several names routes by address, not by the body's shape.
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
  public static final Duration DEFAULT_SHUTDOWN_TIMEOUT = ProcessCore.STOP_LIMIT;

  /**
   * How long {@link #stop} waits for a process (a supervisor: for its whole tree) to finish before
   * it kills it: 30 s, the node's own shutdown limit.
   */
  public static final Duration DEFAULT_STOP_TIMEOUT = ProcessTable.SHUTDOWN_LIMIT;

  private static final Logger log = LoggerFactory.getLogger(GenServer.class);

  private final Callbacks callbacks = new Callbacks();

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
   * {@link #monitor}, {@link Exit} messages when it {@link #trapExits traps exits}, and messages
   * from {@link Processes#send}. The default logs and ignores the message, as Elixir's does.
   *
   * @param message the message
   * @param state the current state
   * @return the decision
   */
  protected CastResult<S> handleInfo(Object message, S state) {
    log.warn("{} {} ignored an unexpected message: {}", kind(), self(), message);
    return CastResult.noReply();
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

  /**
   * What an observer may see of the state, OTP's {@code format_status}: {@link Processes#status}
   * and the observer page show what this returns (a JSON value, or any object shown as its text),
   * cut at 512 characters. The default shows the state itself; a server whose state holds a secret
   * (a key, a token, a password) overrides it to leave the secret out. Runs on the process's own
   * thread; an exception shows as text and harms nothing.
   *
   * @param state the state
   * @return the summary to show
   */
  protected Object formatStatus(S state) {
    return state;
  }

  /**
   * What a trace ({@link Processes#trace}) may show of a message the process takes or a reply it
   * gives, the message-side half of OTP's {@code format_status}: the default shows the message
   * itself, cut at 512 characters; a server whose messages carry secrets overrides it. It may run
   * on the thread of whoever answers a traced call.
   *
   * @param message the message or reply
   * @return the summary to show
   */
  protected Object formatMessage(Object message) {
    return message;
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
    return core().castAddress();
  }

  /**
   * The process's own pid.
   *
   * @return the pid, once deployed
   */
  public final Pid self() {
    return core().pid();
  }

  /**
   * The name this process was started under ({@link #start(Vertx, GenServer, String)} or a child
   * spec's {@code name}).
   *
   * @return the name, or null
   */
  protected final String startName() {
    return core().name();
  }

  /**
   * Sends {@code message} to this process's {@link #handleInfo} after {@code delay}, like
   * {@code Process.send_after}, on the node's {@link Clock}. Timers die with the process.
   *
   * @param message the message
   * @param delay the delay
   * @return a reference for {@link #cancelTimer}
   */
  protected final long sendAfter(Object message, Duration delay) {
    return core().sendAfter(message, delay);
  }

  /**
   * Cancels a timer of {@link #sendAfter}.
   *
   * @param ref the timer reference
   * @return true when it had not fired yet
   */
  protected final boolean cancelTimer(long ref) {
    return core().cancelTimer(ref);
  }

  /**
   * Monitors another process: exactly one {@link Down} comes to {@link #handleInfo}, with
   * {@link ExitReason#NOPROC} when the process is already gone.
   *
   * @param pid the process to watch
   * @return the monitor reference
   */
  protected final long monitor(Pid pid) {
    return core().monitor(Objects.requireNonNull(pid, "pid"));
  }

  /**
   * Stops a monitor; a DOWN already on its way is dropped (Erlang's demonitor with flush).
   *
   * @param ref the monitor reference
   * @return true when the monitor was active
   */
  protected final boolean demonitor(long ref) {
    return core().demonitor(ref);
  }

  /**
   * Links this process to another, both ways, as Erlang's {@code link/1}: when either ends
   * abnormally, the other ends too (or gets an {@link Exit}, if it traps exits). Linking to a
   * process that is gone sends this one an exit signal {@code noproc}.
   *
   * @param pid the other process
   */
  protected final void link(Pid pid) {
    core().link(Objects.requireNonNull(pid, "pid"));
  }

  /**
   * Removes a link both ways. An exit signal that was already on its way through it is dropped, so
   * after unlink no {@link Exit} from that link arrives.
   *
   * @param pid the other process
   */
  protected final void unlink(Pid pid) {
    core().unlink(Objects.requireNonNull(pid, "pid"));
  }

  /**
   * Erlang's {@code process_flag(trap_exit, ...)}: while true, an exit signal (a linked process's
   * end, or {@link Processes#exit}) comes to {@link #handleInfo} as an {@link Exit} instead of
   * ending this process. A {@code kill} cannot be trapped, nor can the exit of the process that
   * started this one. Usually set in {@link #init}.
   *
   * @param trap whether to trap exits
   * @return the previous value
   */
  protected final boolean trapExits(boolean trap) {
    return core().trapExits(trap);
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
    return core().onOwnContext(future);
  }

  /**
   * The node's clock: what a server that reads time (a deadline, an age) should read, so that its
   * tests can run in virtual time.
   *
   * @return the clock
   */
  protected final Clock clock() {
    return Clock.of(vertx);
  }

  private ProcessCore<S> core() {
    ProcessCore<S> core = callbacks.core;
    if (core == null) {
      throw new IllegalStateException(kind() + " is not started");
    }
    return core;
  }

  /** @return what to call this process in logs: its class's simple name (the runtime's own shells say more) */
  String kind() {
    String simple = getClass().getSimpleName();
    return simple.isEmpty() ? getClass().getName() : simple;
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
   * the {@code args} of {@link #init}. When called from inside a process's callbacks, the new
   * process is linked to that one and runs on its event loop. Fails with
   * {@link OtpException.Failure#ALREADY_STARTED} when the name is taken (before init runs),
   * {@link OtpException.Failure#EXIT} when init stops or crashes, {@link OtpException.Failure#IGNORE}
   * when init ignores, and {@link IllegalStateException} when this instance was started before.
   *
   * @param vertx the Vert.x instance
   * @param server a fresh instance (each instance starts once)
   * @param options deployment options: config, threading model, worker pool
   * @param name the name to register, or null
   * @return its pid once init said ok
   */
  public static Future<Pid> start(Vertx vertx, GenServer<?> server, DeploymentOptions options, String name) {
    Objects.requireNonNull(server, "server");
    if (name != null) {
      Registry.validateName(name);
    }
    return server.spawn(vertx, options, name);
  }

  private Future<Pid> spawn(Vertx vertx, DeploymentOptions options, String name) {
    return Spawn.start(vertx, this, callbacks, options, name);
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
   * it dies before replying, timeout after {@code timeout} (on the node's {@link Clock}),
   * calling_self when a process calls itself. A pid of another node of the cluster is called there
   * (the request and reply must then be JSON or another type the event bus encodes); the call
   * fails with exit {@code noconnection} when that node leaves before it replies.
   *
   * @param vertx the Vert.x instance
   * @param pid the server
   * @param request the request
   * @param timeout how long to wait for the reply
   * @param <R> the reply type
   * @return the reply, completed on the caller's context
   */
  public static <R> Future<R> call(Vertx vertx, Pid pid, Object request, Duration timeout) {
    return Client.call(vertx, Objects.requireNonNull(pid, "pid"), request, timeout);
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
    return Client.call(vertx, ProcessTable.of(vertx).lookup(name), name, request, timeout);
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
    Client.cast(vertx, Objects.requireNonNull(pid, "pid"), message);
  }

  /**
   * Casts to a server by name; see {@link #cast(Vertx, Pid, Object)}.
   *
   * @param vertx the Vert.x instance
   * @param name the server's name
   * @param message the message
   */
  public static void cast(Vertx vertx, String name, Object message) {
    Client.cast(ProcessTable.of(vertx).lookup(name), name, message);
  }

  /**
   * Stops a server with reason normal and waits until it is gone, at most
   * {@link #DEFAULT_STOP_TIMEOUT}.
   *
   * @param vertx the Vert.x instance
   * @param pid the server
   * @return completes after terminate ran and the process exited
   */
  public static Future<Void> stop(Vertx vertx, Pid pid) {
    return stop(vertx, pid, ExitReason.NORMAL);
  }

  /**
   * Stops a server, waiting at most {@link #DEFAULT_STOP_TIMEOUT}; see
   * {@link #stop(Vertx, Pid, ExitReason, Duration)}.
   *
   * @param vertx the Vert.x instance
   * @param pid the server
   * @param reason the exit reason
   * @return completes when the process is gone
   */
  public static Future<Void> stop(Vertx vertx, Pid pid, ExitReason reason) {
    return stop(vertx, pid, reason, DEFAULT_STOP_TIMEOUT);
  }

  /**
   * Stops a server: the request is queued behind the messages already in its mailbox, terminate
   * runs with {@code reason} (whether or not the server traps exits), and the future completes once
   * the process has exited. A server still running at {@code timeout} is killed. Fails with noproc
   * when there is no such process, and with exit when it ended with another reason (killed at the
   * timeout, or terminate crashed).
   *
   * @param vertx the Vert.x instance
   * @param pid the server
   * @param reason the exit reason
   * @param timeout how long terminate may take
   * @return completes when the process is gone
   */
  public static Future<Void> stop(Vertx vertx, Pid pid, ExitReason reason, Duration timeout) {
    return Client.stop(vertx, ProcessTable.of(vertx).lookup(pid), pid, reason, timeout);
  }

  /**
   * Stops a server by name, waiting at most {@link #DEFAULT_STOP_TIMEOUT}; see
   * {@link #stop(Vertx, Pid, ExitReason, Duration)}.
   *
   * @param vertx the Vert.x instance
   * @param name the server's name
   * @param reason the exit reason
   * @return completes when the process is gone
   */
  public static Future<Void> stop(Vertx vertx, String name, ExitReason reason) {
    return Client.stop(vertx, ProcessTable.of(vertx).lookup(name), name, reason, DEFAULT_STOP_TIMEOUT);
  }

  // ---------------------------------------------------------------- the engine's side

  @Override
  public final Future<?> start() {
    ProcessCore<S> core = callbacks.core;
    if (core == null) {
      // Deployed straight through vertx.deployVerticle rather than GenServer.start: same rules.
      core = ProcessCore.direct(vertx, callbacks, this);
      if (core == null) {
        return Future.failedFuture(new IllegalStateException("this " + kind() + " instance was already started"));
      }
    }
    return core.boot(context, config());
  }

  @Override
  public final Future<?> stop() {
    ProcessCore<S> core = callbacks.core;
    return core == null ? Future.succeededFuture() : core.undeployed();
  }

  /** The engine's view of this server's callbacks. */
  private final class Callbacks implements Behaviour<S> {

    private volatile ProcessCore<S> core;

    @Override
    public synchronized boolean attach(ProcessCore<S> attached) {
      if (core != null) {
        return false;
      }
      core = attached;
      return true;
    }

    @Override
    public Future<InitResult<S>> init(JsonObject args) {
      return GenServer.this.init(args);
    }

    @Override
    public CallResult<S> handleCall(Object request, From from, S state) {
      return GenServer.this.handleCall(request, from, state);
    }

    @Override
    public CastResult<S> handleCast(Object message, S state) {
      return GenServer.this.handleCast(message, state);
    }

    @Override
    public CastResult<S> handleInfo(Object message, S state) {
      return GenServer.this.handleInfo(message, state);
    }

    @Override
    public Future<Void> terminate(ExitReason reason, S state) {
      return GenServer.this.terminate(reason, state);
    }

    @Override
    public String kind() {
      return GenServer.this.kind();
    }

    @Override
    public Object formatStatus(S state) {
      return GenServer.this.formatStatus(state);
    }

    @Override
    public Object formatMessage(Object message) {
      return GenServer.this.formatMessage(message);
    }
  }
}
