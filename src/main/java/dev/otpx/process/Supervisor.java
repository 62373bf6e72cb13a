package dev.otpx.process;

import dev.otpx.process.internal.Caller;
import dev.otpx.process.internal.Envelope;
import dev.otpx.process.internal.ProcessCell;
import dev.otpx.process.internal.ProcessTable;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Erlang/OTP's supervisor for otpx processes, with OTP's documented semantics.
 *
 * <ul>
 *   <li>Children start in list order and stop in reverse. A child that fails to start while the
 *       supervisor starts makes it stop those already started, newest first, and fail with
 *       {@code {shutdown, failed_to_start_child <id>: <reason>}}. A child whose init ignores keeps
 *       its spec without a process (a temporary one is dropped).</li>
 *   <li>When a child ends: permanent ones are always restarted, transient ones only after an
 *       abnormal exit, temporary ones never (their spec is dropped). {@link Strategy} decides which
 *       siblings are stopped (in reverse start order) and started again (in start order) with it;
 *       a temporary sibling is stopped, not restarted, and its spec dropped; a transient sibling is
 *       restarted even though it ended with shutdown; a child stopped by hand is started again.</li>
 *   <li>Intensity: see {@link SupervisorFlags} (default 3 restarts in 5 s, Elixir's). Past it, the
 *       supervisor stops every child in reverse order and exits with reason shutdown. A restart
 *       that fails is retried through the mailbox, each attempt counting towards the intensity.</li>
 *   <li>Stopping a child follows its {@link Shutdown}: an orderly stop (terminate runs) then a kill
 *       at the timeout; brutal_kill kills at once; infinity waits.</li>
 *   <li>Beyond OTP: a child's restart may be delayed by a {@link Backoff}.</li>
 * </ul>
 *
 * <p>Every event is logged as one line {@code supervisor=… child=… pid=… context=… reason=…} with
 * context {@code start_error}, {@code child_terminated}, {@code shutdown} or
 * {@code shutdown_error} (errors), and {@code started} (progress, at INFO). A dynamic supervisor
 * ({@link SupervisorSpec#dynamic}) is the same engine with pid-keyed children and a cap; it stops
 * its children in parallel.
 */
public final class Supervisor extends GenServer<Void> {

  /** Timeout of the supervisor API calls, which wait for children to start or stop. */
  public static final Duration CALL_TIMEOUT = Duration.ofMinutes(1);

  private static final Logger log = LoggerFactory.getLogger(Supervisor.class);

  /**
   * One child as {@link #whichChildren} reports it.
   *
   * @param id the child's id (generated for dynamic children)
   * @param pid its process, or null while it has none
   * @param type worker or supervisor
   * @param restart its restart value
   * @param status running, restarting (a backoff or a failed restart pending) or undefined
   */
  public record ChildInfo(String id, Pid pid, ChildType type, Restart restart, String status) {

    /** @return the JSON form, for the observer and the event bus */
    public JsonObject toJson() {
      return new JsonObject().put("id", id).put("pid", pid == null ? null : pid.toString())
        .put("type", type.wireName()).put("restart", restart.wireName()).put("status", status);
    }
  }

  /**
   * Counts as {@link #countChildren} reports them.
   *
   * @param specs all child specs
   * @param active children with a live process
   * @param supervisors children of type supervisor
   * @param workers children of type worker
   */
  public record ChildCounts(int specs, int active, int supervisors, int workers) { }

  record StartChild(ChildSpec spec) { }

  record TerminateChild(String id, Pid pid) { }

  record RestartChild(String id) { }

  record DeleteChild(String id) { }

  record WhichChildren() { }

  record CountChildren() { }

  /** A restart that failed, tried again after the messages already waiting. */
  private record TryAgain(String id) { }

  /** The end of a backoff: start these children (those still waiting). */
  private record RestartDue(List<String> ids) { }

  /** Why a child could not start. */
  private static final class StartFailure extends RuntimeException {
    final String id;
    final Throwable failure;

    StartFailure(String id, Throwable failure) {
      super(id + ": " + describe(failure), null, false, false);
      this.id = id;
      this.failure = failure;
    }
  }

  private static final class Child {
    final ChildSpec spec;
    Pid pid;
    long ref = -1;
    boolean restarting;
    int crashes;
    long startedAt;

    Child(ChildSpec spec) {
      this.spec = spec;
    }

    String id() {
      return spec.id();
    }
  }

  private final SupervisorSpec spec;
  private final List<Child> children = new ArrayList<>();
  private final ArrayDeque<Long> restarts = new ArrayDeque<>();
  private long dynamicIds;

  /**
   * A supervisor for this spec; start it with {@link #start} or as a child
   * ({@link ChildSpec#supervisor}). Each restart by its own supervisor makes a fresh instance.
   *
   * @param spec flags and children
   */
  public Supervisor(SupervisorSpec spec) {
    this.spec = Objects.requireNonNull(spec, "spec");
  }

  // ---------------------------------------------------------------- API

  /**
   * Starts a supervisor and, in order, its children.
   *
   * @param vertx the Vert.x instance
   * @param spec flags and children
   * @param name the name to register, or null
   * @return its pid once every child has started
   */
  public static Future<Pid> start(Vertx vertx, SupervisorSpec spec, String name) {
    return GenServer.start(vertx, new Supervisor(spec), name);
  }

  /**
   * Adds and starts a child (newest, so stopped first). Fails with already_started when a child
   * with that id runs, already_present when its spec is there without a process, max_children on a
   * full dynamic supervisor, or with the child's own start failure.
   *
   * @param vertx the Vert.x instance
   * @param supervisor the supervisor
   * @param child the spec (its id is ignored by a dynamic supervisor)
   * @return the child's pid, or null when its init ignored
   */
  public static Future<Pid> startChild(Vertx vertx, Pid supervisor, ChildSpec child) {
    return GenServer.call(vertx, supervisor, new StartChild(Objects.requireNonNull(child, "child")), CALL_TIMEOUT);
  }

  /**
   * Stops a child by id, following its shutdown, and keeps its spec (not a temporary one's). Does
   * not restart it and never triggers auto_shutdown. Fails with not_found.
   *
   * @param vertx the Vert.x instance
   * @param supervisor the supervisor
   * @param id the child's id
   * @return completes once the child is gone
   */
  public static Future<Void> terminateChild(Vertx vertx, Pid supervisor, String id) {
    return GenServer.call(vertx, supervisor, new TerminateChild(Objects.requireNonNull(id, "id"), null), CALL_TIMEOUT);
  }

  /**
   * Stops a child by pid (the way to address a dynamic supervisor's children) and forgets it.
   *
   * @param vertx the Vert.x instance
   * @param supervisor the supervisor
   * @param child the child's pid
   * @return completes once the child is gone; fails with not_found
   */
  public static Future<Void> terminateChild(Vertx vertx, Pid supervisor, Pid child) {
    return GenServer.call(vertx, supervisor, new TerminateChild(null, Objects.requireNonNull(child, "child")), CALL_TIMEOUT);
  }

  /**
   * Starts again a child whose spec is kept without a process. Fails with not_found, running, or
   * restarting (a backoff is pending).
   *
   * @param vertx the Vert.x instance
   * @param supervisor the supervisor
   * @param id the child's id
   * @return the new pid, or null when its init ignored
   */
  public static Future<Pid> restartChild(Vertx vertx, Pid supervisor, String id) {
    return GenServer.call(vertx, supervisor, new RestartChild(Objects.requireNonNull(id, "id")), CALL_TIMEOUT);
  }

  /**
   * Removes the spec of a child that has no process. Fails with not_found, running or restarting.
   *
   * @param vertx the Vert.x instance
   * @param supervisor the supervisor
   * @param id the child's id
   * @return completes once removed
   */
  public static Future<Void> deleteChild(Vertx vertx, Pid supervisor, String id) {
    return GenServer.call(vertx, supervisor, new DeleteChild(Objects.requireNonNull(id, "id")), CALL_TIMEOUT);
  }

  /**
   * Lists the children newest first (reverse start order, the order they are stopped in), as
   * {@code which_children} does.
   *
   * @param vertx the Vert.x instance
   * @param supervisor the supervisor
   * @return the children
   */
  public static Future<List<ChildInfo>> whichChildren(Vertx vertx, Pid supervisor) {
    return GenServer.call(vertx, supervisor, new WhichChildren(), CALL_TIMEOUT);
  }

  /**
   * @param vertx the Vert.x instance
   * @param supervisor the supervisor
   * @return the counts
   */
  public static Future<ChildCounts> countChildren(Vertx vertx, Pid supervisor) {
    return GenServer.call(vertx, supervisor, new CountChildren(), CALL_TIMEOUT);
  }

  // ---------------------------------------------------------------- callbacks

  @Override
  protected Future<InitResult<Void>> init(JsonObject args) {
    for (ChildSpec child : spec.children()) {
      children.add(new Child(child));
    }
    return startInOrder(List.copyOf(children)).transform(ar -> {
      if (ar.succeeded()) {
        return Future.succeededFuture(InitResult.ok(null));
      }
      StartFailure failure = (StartFailure) ar.cause();
      List<Child> started = children.stream().filter(c -> c.pid != null).toList();
      return stopAll(started).map(v -> InitResult.<Void>stop(
        ExitReason.shutdown("failed_to_start_child " + failure.id + ": " + describe(failure.failure))));
    });
  }

  @Override
  protected CallResult<Void> handleCall(Object request, From from, Void state) {
    if (request instanceof WhichChildren) {
      List<ChildInfo> infos = new ArrayList<>(children.size());
      for (int i = children.size() - 1; i >= 0; i--) {
        Child c = children.get(i);
        infos.add(new ChildInfo(c.id(), c.pid, c.spec.type(), c.spec.restart(),
          c.pid != null ? "running" : c.restarting ? "restarting" : "undefined"));
      }
      return CallResult.reply(List.copyOf(infos), null);
    } else if (request instanceof CountChildren) {
      int active = (int) children.stream().filter(c -> c.pid != null).count();
      int supervisors = (int) children.stream().filter(c -> c.spec.type() == ChildType.SUPERVISOR).count();
      return CallResult.reply(new ChildCounts(children.size(), active, supervisors, children.size() - supervisors), null);
    } else if (request instanceof StartChild start) {
      return startChild(start.spec(), from);
    } else if (request instanceof TerminateChild terminate) {
      Child c = terminate.pid() != null ? byPid(terminate.pid()) : byId(terminate.id());
      if (c == null) {
        return CallResult.error("not_found", "no child " + (terminate.pid() != null ? terminate.pid() : terminate.id()), null);
      }
      return CallResult.await(shutdownOne(c).map(v -> {
        c.restarting = false;
        if (spec.dynamic() || c.spec.restart() == Restart.TEMPORARY) {
          children.remove(c);
        }
        return CallResult.reply(null, null);
      }));
    } else if (request instanceof RestartChild restart) {
      Child c = byId(restart.id());
      CallResult<Void> refused = refuseUnlessIdle(c, restart.id());
      if (refused != null) {
        return refused;
      }
      return CallResult.await(startOne(c).transform(ar -> {
        if (ar.failed()) {
          ((Caller) from).fail(asOtp(((StartFailure) ar.cause()).failure));
          return Future.succeededFuture(CallResult.noReply(null));
        }
        return Future.succeededFuture(CallResult.reply(c.pid, null));
      }));
    } else if (request instanceof DeleteChild delete) {
      Child c = byId(delete.id());
      CallResult<Void> refused = refuseUnlessIdle(c, delete.id());
      if (refused != null) {
        return refused;
      }
      children.remove(c);
      return CallResult.reply(null, null);
    }
    return CallResult.error("bad_request", "a supervisor does not understand " + request, null);
  }

  @Override
  protected CastResult<Void> handleInfo(Object message, Void state) {
    if (message instanceof Down down) {
      Child c = byRef(down.ref());
      if (c == null) {
        return CastResult.noReply(null);
      }
      c.pid = null;
      c.ref = -1;
      return childExited(c, down.pid(), down.reason());
    } else if (message instanceof TryAgain again) {
      Child c = byId(again.id());
      if (c == null || c.pid != null || !c.restarting) {
        return CastResult.noReply(null);
      }
      return restart(c);
    } else if (message instanceof RestartDue due) {
      List<Child> waiting = new ArrayList<>();
      for (String id : due.ids()) {
        Child c = byId(id);
        if (c != null && c.restarting && c.pid == null) {
          waiting.add(c);
        }
      }
      return CastResult.await(startGroup(waiting));
    }
    return super.handleInfo(message, state);
  }

  @Override
  protected Future<Void> terminate(ExitReason reason, Void state) {
    return stopAll(List.copyOf(children));
  }

  // ---------------------------------------------------------------- engine

  private CallResult<Void> startChild(ChildSpec requested, From from) {
    ChildSpec childSpec = requested;
    if (spec.dynamic()) {
      if (children.size() >= spec.maxChildren()) {
        return CallResult.error("max_children", "the supervisor already has its maximum of " + spec.maxChildren() + " children", null);
      }
      childSpec = requested.withId("child-" + (++dynamicIds));
    } else {
      Child existing = byId(requested.id());
      if (existing != null) {
        if (existing.pid != null) {
          ((Caller) from).fail(OtpException.alreadyStarted(requested.id(), existing.pid));
          return CallResult.noReply(null);
        }
        return CallResult.error("already_present", "a child spec with id '" + requested.id() + "' is already present", null);
      }
      if (requested.significant() && spec.flags().autoShutdown() == AutoShutdown.NEVER) {
        return CallResult.error("invalid_child_spec", "child spec '" + requested.id()
          + "': 'significant' requires auto_shutdown any_significant or all_significant", null);
      }
    }
    Child c = new Child(childSpec);
    // The slot is taken while the child starts, so max_children and duplicate ids hold meanwhile.
    children.add(c);
    return CallResult.await(startOne(c).transform(ar -> {
      if (ar.failed()) {
        children.remove(c);
        ((Caller) from).fail(asOtp(((StartFailure) ar.cause()).failure));
        return Future.succeededFuture(CallResult.noReply(null));
      }
      return Future.succeededFuture(CallResult.reply(c.pid, null));
    }));
  }

  private CallResult<Void> refuseUnlessIdle(Child c, String id) {
    if (c == null) {
      return CallResult.error("not_found", "no child " + id, null);
    } else if (c.pid != null) {
      return CallResult.error("running", "child '" + id + "' is running", null);
    } else if (c.restarting) {
      return CallResult.error("restarting", "child '" + id + "' is waiting for its restart", null);
    }
    return null;
  }

  private CastResult<Void> childExited(Child c, Pid exited, ExitReason reason) {
    Restart restart = c.spec.restart();
    // While the node shuts down, nothing is restarted: the trees are being stopped on purpose.
    boolean again = !ProcessTable.of(vertx).closing()
      && (restart == Restart.PERMANENT || restart == Restart.TRANSIENT && !reason.isNormal());
    if (restart == Restart.PERMANENT || !reason.isNormal()) {
      report("child_terminated", c.id(), exited, reason.toString());
    }
    if (!again) {
      if (restart == Restart.TEMPORARY || spec.dynamic()) {
        children.remove(c);
      }
      if (autoShutdownAfter(c)) {
        log.info("supervisor={} child={} context=auto_shutdown reason={}", displayName(), c.id(), reason);
        return CastResult.stop(ExitReason.SHUTDOWN, null);
      }
      return CastResult.noReply(null);
    }
    return restart(c);
  }

  private CastResult<Void> restart(Child c) {
    if (!addRestart()) {
      report("shutdown", c.id(), c.pid, "reached_max_restart_intensity");
      return CastResult.stop(ExitReason.SHUTDOWN, null);
    }
    List<Child> group = switch (spec.flags().strategy()) {
      case ONE_FOR_ONE -> List.of(c);
      case ONE_FOR_ALL -> List.copyOf(children);
      case REST_FOR_ONE -> List.copyOf(children.subList(children.indexOf(c), children.size()));
    };
    List<Child> siblings = group.stream().filter(s -> s != c).toList();
    List<Child> toStart = group.stream().filter(s -> s == c || s.spec.restart() != Restart.TEMPORARY).toList();
    for (Child s : toStart) {
      s.restarting = true;
    }
    Future<Void> stopped = stopAll(siblings).map(v -> {
      for (Child s : siblings) {
        if (s.spec.restart() == Restart.TEMPORARY) {
          children.remove(s);
        }
      }
      return null;
    });
    Backoff backoff = c.spec.backoff();
    if (backoff == null) {
      return CastResult.await(stopped.compose(v -> startGroup(toStart)));
    }
    if (now() - c.startedAt >= backoff.max().toMillis()) {
      c.crashes = 0;
    }
    Duration delay = backoff.delay(++c.crashes);
    return CastResult.await(stopped.map(v -> {
      log.info("supervisor={} child={} context=backoff delay_ms={} crashes={}", displayName(), c.id(), delay.toMillis(), c.crashes);
      sendAfter(new RestartDue(toStart.stream().map(Child::id).toList()), delay);
      return CastResult.noReply(null);
    }));
  }

  /** Starts the group in order; at the first failure, tries again through the mailbox. */
  private Future<CastResult<Void>> startGroup(List<Child> group) {
    List<Child> present = group.stream().filter(children::contains).toList();
    return startInOrder(present).transform(ar -> {
      if (ar.failed()) {
        Processes.send(vertx, self(), new TryAgain(((StartFailure) ar.cause()).id));
      }
      return Future.succeededFuture(CastResult.noReply(null));
    });
  }

  private Future<Void> startInOrder(List<Child> list) {
    Future<Void> chain = Future.succeededFuture();
    for (Child c : list) {
      chain = chain.compose(v -> startOne(c));
    }
    return chain;
  }

  private Future<Void> startOne(Child c) {
    c.restarting = false;
    return onOwnContext(c.spec.start().start(vertx)).transform(ar -> {
      if (ar.succeeded()) {
        c.pid = ar.result();
        c.ref = monitor(c.pid);
        c.startedAt = now();
        if (spec.dynamic()) {
          log.debug("supervisor={} child={} pid={} context=started", displayName(), c.id(), c.pid);
        } else {
          log.info("supervisor={} child={} pid={} context=started", displayName(), c.id(), c.pid);
        }
        return Future.succeededFuture();
      }
      if (ar.cause() instanceof OtpException ignored && ignored.failure() == OtpException.Failure.IGNORE) {
        // A dynamic supervisor keeps nothing for an ignored child, as Elixir's returns :ignore.
        if (c.spec.restart() == Restart.TEMPORARY || spec.dynamic()) {
          children.remove(c);
        }
        return Future.succeededFuture();
      }
      c.restarting = true;
      report("start_error", c.id(), null, describe(ar.cause()));
      return Future.failedFuture(new StartFailure(c.id(), ar.cause()));
    });
  }

  /** Stops these children newest first (all at once for a dynamic supervisor). */
  private Future<Void> stopAll(List<Child> list) {
    if (spec.dynamic()) {
      return Future.join(list.stream().map(this::shutdownOne).toList()).mapEmpty();
    }
    Future<Void> chain = Future.succeededFuture();
    for (int i = list.size() - 1; i >= 0; i--) {
      Child c = list.get(i);
      chain = chain.compose(v -> shutdownOne(c));
    }
    return chain;
  }

  private Future<Void> shutdownOne(Child c) {
    if (c.pid == null) {
      return Future.succeededFuture();
    }
    Pid pid = c.pid;
    // Its DOWN must not reach handleInfo as a crash to restart: this is an orderly stop.
    demonitor(c.ref);
    c.pid = null;
    c.ref = -1;
    ProcessCell cell = ProcessTable.of(vertx).lookup(pid);
    if (cell == null) {
      return Future.succeededFuture();
    }
    Monitor monitor = Processes.monitor(vertx, pid);
    Shutdown shutdown = c.spec.shutdown();
    long timer;
    if (shutdown instanceof Shutdown.BrutalKill) {
      cell.kill();
      timer = -1;
    } else {
      cell.deliver(new Envelope.Stop(ExitReason.SHUTDOWN));
      timer = shutdown instanceof Shutdown.Timeout t ? vertx.setTimer(Math.max(1, t.timeout().toMillis()), id -> cell.kill()) : -1;
    }
    ExitReason expected = shutdown instanceof Shutdown.BrutalKill ? ExitReason.KILLED : ExitReason.SHUTDOWN;
    return monitor.down().map(down -> {
      if (timer >= 0) {
        vertx.cancelTimer(timer);
      }
      if (!down.reason().equals(expected) && !(down.reason() instanceof ExitReason.NoProc)) {
        report("shutdown_error", c.id(), pid, down.reason().toString());
      }
      return null;
    });
  }

  private boolean autoShutdownAfter(Child c) {
    if (!c.spec.significant()) {
      return false;
    }
    return switch (spec.flags().autoShutdown()) {
      case NEVER -> false;
      case ANY_SIGNIFICANT -> true;
      case ALL_SIGNIFICANT -> children.stream().noneMatch(o -> o != c && o.spec.significant() && (o.pid != null || o.restarting));
    };
  }

  /** Records a restart now; false once there were more than maxRestarts within the window. */
  private boolean addRestart() {
    long now = now();
    long window = spec.flags().maxSeconds() * 1000;
    restarts.addLast(now);
    while (now - restarts.peekFirst() >= window) {
      restarts.pollFirst();
    }
    return restarts.size() <= spec.flags().maxRestarts();
  }

  private Child byId(String id) {
    for (Child c : children) {
      if (c.id().equals(id)) {
        return c;
      }
    }
    return null;
  }

  private Child byPid(Pid pid) {
    for (Child c : children) {
      if (pid.equals(c.pid)) {
        return c;
      }
    }
    return null;
  }

  private Child byRef(long ref) {
    for (Child c : children) {
      if (c.ref == ref) {
        return c;
      }
    }
    return null;
  }

  private void report(String context, String child, Pid pid, String reason) {
    log.error("supervisor={} child={} pid={} context={} reason={}", displayName(), child, pid == null ? "undefined" : pid, context, reason);
  }

  private String displayName() {
    return startName() != null ? startName() : self().toString();
  }

  private static long now() {
    return System.nanoTime() / 1_000_000;
  }

  private static String describe(Throwable failure) {
    if (failure instanceof OtpException otp && otp.reason() != null) {
      return otp.reason().toString();
    }
    return failure.getMessage() != null ? failure.getMessage() : failure.toString();
  }

  private static OtpException asOtp(Throwable failure) {
    return failure instanceof OtpException otp ? otp : OtpException.error("start_failed", describe(failure));
  }
}
