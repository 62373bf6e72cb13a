package dev.otpx.process;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Erlang/OTP's supervisor for otpx processes, with OTP's documented semantics, written on the
 * runtime's public API as any user's server would be: it traps exits, learns of its children's ends
 * through their links, and stops them with {@link Processes#shutdown}.
 *
 * <ul>
 *   <li>Children start in list order and stop in reverse. A child that fails to start while the
 *       supervisor starts makes it stop those already started, newest first, and fail with
 *       {@code {shutdown, failed_to_start_child <id>: <reason>}} ({@link ExitReason#failedToStartChild}).
 *       A child whose init ignores keeps its spec without a process (a temporary one is dropped).</li>
 *   <li>When a child ends: permanent ones are always restarted, transient ones only after an
 *       abnormal exit, temporary ones never (their spec is dropped). {@link Strategy} decides which
 *       siblings are stopped (in reverse start order) and started again (in start order) with it;
 *       a temporary sibling is stopped, not restarted, and its spec dropped; a transient sibling is
 *       restarted even though it ended with shutdown; a child stopped by hand is started again.</li>
 *   <li>Intensity: see {@link SupervisorFlags} (default 3 restarts in 5 s, Elixir's), counted on
 *       the node's {@link Clock}. Past it, the supervisor stops every child in reverse order and
 *       exits with reason shutdown. A restart that fails is retried through the mailbox, each
 *       attempt counting towards the intensity.</li>
 *   <li>Stopping a child follows its {@link Shutdown}: an orderly stop (terminate runs) then a kill
 *       at the timeout; brutal_kill kills at once; infinity waits.</li>
 *   <li>Beyond OTP: a child's restart may be delayed by a {@link Backoff}.</li>
 * </ul>
 *
 * <p>Every report is a {@link ProcessEvent.SupervisorReport} (started, child_terminated, restarted,
 * start_error, shutdown_error, shutdown, backoff, auto_shutdown), which the log writes as one line
 * {@code supervisor=… child=… pid=… context=… reason=…}. As in OTP, a start a caller asked for
 * ({@link #startChild}, {@link #restartChild}) reports its failure to that caller, not to the log.
 * A dynamic supervisor ({@link SupervisorSpec#dynamic}) is the same server with pid-keyed children
 * and a cap; it stops its children in parallel.
 */
public final class Supervisor extends GenServer<Void> {

  /** Timeout of the supervisor API calls, which wait for children to start or stop. */
  public static final Duration CALL_TIMEOUT = Duration.ofMinutes(1);

  /**
   * One child as {@link #whichChildren} reports it.
   *
   * @param id the child's id (generated for dynamic children)
   * @param pid its process, or null while it has none
   * @param type worker or supervisor
   * @param restart its restart value
   * @param status {@code running}; {@code restarting} (its restart, or a failed one's retry, is under
   *     way); {@code backing_off} (its restart waits for its {@link Backoff}); {@code ignored} (its
   *     init ignored: the spec is kept without a process); or {@code undefined} (stopped by hand)
   * @param restarts how many times the supervisor restarted it on its own
   * @param shutdown how it is stopped
   * @param uptime how long its current process has run (on the node's {@link Clock}), or null
   *     without one
   */
  public record ChildInfo(String id, Pid pid, ChildType type, Restart restart, String status, int restarts, Shutdown shutdown,
                          Duration uptime) {

    /**
     * A child as reported before shutdown and uptime were.
     *
     * @param id the child's id
     * @param pid its process, or null
     * @param type worker or supervisor
     * @param restart its restart value
     * @param status running, restarting, backing_off, ignored or undefined
     * @param restarts its restart count
     */
    public ChildInfo(String id, Pid pid, ChildType type, Restart restart, String status, int restarts) {
      this(id, pid, type, restart, status, restarts, null, null);
    }

    /**
     * A child not restarted yet.
     *
     * @param id the child's id
     * @param pid its process, or null
     * @param type worker or supervisor
     * @param restart its restart value
     * @param status running, restarting, backing_off, ignored or undefined
     */
    public ChildInfo(String id, Pid pid, ChildType type, Restart restart, String status) {
      this(id, pid, type, restart, status, 0);
    }

    /** @return the JSON form, for the observer and the event bus */
    public JsonObject toJson() {
      Object shown = shutdown instanceof Shutdown.Timeout t ? (Object) t.timeout().toMillis() : shutdown == null ? null : shutdown.toString();
      return new JsonObject().put("id", id).put("pid", pid == null ? null : pid.toString())
        .put("type", type.wireName()).put("restart", restart.wireName()).put("status", status).put("restarts", restarts)
        .put("shutdown", shown).put("uptime_ms", uptime == null ? null : uptime.toMillis());
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

  record Status() { }

  /** A restart that failed, tried again after the messages already waiting. */
  private record TryAgain(String id) { }

  /** The end of a backoff: start these children (those still waiting). */
  private record RestartDue(List<String> ids) { }

  /** Why a child could not start. */
  private static final class StartFailure extends RuntimeException {
    final String id;
    final Throwable failure;

    StartFailure(String id, Throwable failure) {
      super(id + ": " + failure, null, false, false);
      this.id = id;
      this.failure = failure;
    }
  }

  private static final class Child {
    final ChildSpec spec;
    Pid pid;
    boolean restarting;
    boolean backingOff;
    boolean ignored;
    int crashes;
    int restarts;
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
  private long totalRestarts;
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
   * full dynamic supervisor, or with the child's own start failure (which, as in OTP, is the
   * caller's to handle: no start_error report is logged).
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
   * Starts again a child whose spec is kept without a process. Fails with not_found, running,
   * restarting (a backoff is pending), or the child's own start failure (no report logged).
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

  /**
   * What a supervisor is and how it fares: its flags, the restarts that still count towards its
   * intensity, its restart count, and its children (newest first, each with its own restart count).
   *
   * @param vertx the Vert.x instance
   * @param supervisor the supervisor
   * @return its status
   */
  public static Future<SupervisorInfo> info(Vertx vertx, Pid supervisor) {
    return GenServer.call(vertx, supervisor, new Status(), CALL_TIMEOUT);
  }

  // ---------------------------------------------------------------- callbacks

  @Override
  protected Future<InitResult<Void>> init(JsonObject args) {
    // A child's end comes as an Exit message through its link, as OTP's supervisor traps exits.
    trapExits(true);
    for (ChildSpec child : spec.children()) {
      children.add(new Child(child));
    }
    return startInOrder(List.copyOf(children)).transform(ar -> {
      if (ar.succeeded()) {
        return Future.succeededFuture(InitResult.ok());
      }
      StartFailure failure = (StartFailure) ar.cause();
      List<Child> started = children.stream().filter(c -> c.pid != null).toList();
      return stopAll(started).map(v -> InitResult.<Void>stop(ExitReason.failedToStartChild(failure.id, reasonOf(failure.failure))));
    });
  }

  @Override
  protected CallResult<Void> handleCall(Object request, From from, Void state) {
    if (request instanceof WhichChildren) {
      return CallResult.reply(childInfos());
    } else if (request instanceof CountChildren) {
      int tasks = TaskSupervisor.running(vertx, self()).size();
      int active = (int) children.stream().filter(c -> c.pid != null).count() + tasks;
      int supervisors = (int) children.stream().filter(c -> c.spec.type() == ChildType.SUPERVISOR).count();
      int specs = children.size() + tasks;
      return CallResult.reply(new ChildCounts(specs, active, supervisors, specs - supervisors));
    } else if (request instanceof Status) {
      return CallResult.reply(info());
    } else if (request instanceof StartChild start) {
      return startChild(start.spec(), from);
    } else if (request instanceof TerminateChild terminate) {
      Child c = terminate.pid() != null ? byPid(terminate.pid()) : byId(terminate.id());
      if (c == null) {
        return CallResult.error("not_found", "no child " + (terminate.pid() != null ? terminate.pid() : terminate.id()));
      }
      return CallResult.deferred(shutdownOne(c).map(v -> {
        c.restarting = false;
        c.backingOff = false;
        if (spec.dynamic() || c.spec.restart() == Restart.TEMPORARY) {
          children.remove(c);
        }
        return CallResult.reply(null);
      }));
    } else if (request instanceof RestartChild restart) {
      Child c = byId(restart.id());
      CallResult<Void> refused = refuseUnlessIdle(c, restart.id());
      if (refused != null) {
        return refused;
      }
      return CallResult.deferred(startOne(c, false).transform(ar -> {
        if (ar.failed()) {
          from.fail(asOtp(((StartFailure) ar.cause()).failure));
          return Future.succeededFuture(CallResult.noReply());
        }
        return Future.succeededFuture(CallResult.reply(c.pid));
      }));
    } else if (request instanceof DeleteChild delete) {
      Child c = byId(delete.id());
      CallResult<Void> refused = refuseUnlessIdle(c, delete.id());
      if (refused != null) {
        return refused;
      }
      children.remove(c);
      return CallResult.reply(null);
    }
    return CallResult.error("bad_request", "a supervisor does not understand " + request);
  }

  @Override
  protected CastResult<Void> handleInfo(Object message, Void state) {
    if (message instanceof Exit exit) {
      Child c = exit.pid() == null ? null : byPid(exit.pid());
      if (c == null) {
        return super.handleInfo(message, state);
      }
      c.pid = null;
      return childExited(c, exit.pid(), exit.reason());
    } else if (message instanceof TryAgain again) {
      Child c = byId(again.id());
      if (c == null || c.pid != null || !c.restarting) {
        return CastResult.noReply();
      }
      return restart(c, null);
    } else if (message instanceof RestartDue due) {
      List<Child> waiting = new ArrayList<>();
      for (String id : due.ids()) {
        Child c = byId(id);
        if (c != null && c.restarting && c.pid == null) {
          waiting.add(c);
        }
      }
      return CastResult.deferred(startGroup(waiting));
    }
    return super.handleInfo(message, state);
  }

  @Override
  protected Future<Void> terminate(ExitReason reason, Void state) {
    // Tasks are stopped as dynamic children are, all at once, each with its own shutdown.
    List<Future<ExitReason>> tasks = new ArrayList<>();
    for (var task : TaskSupervisor.running(vertx, self())) {
      unlink(task.pid());
      tasks.add(onOwnContext(Processes.shutdown(vertx, task.pid(), task.shutdown())));
    }
    return Future.join(stopAll(List.copyOf(children)), Future.join(tasks)).mapEmpty();
  }

  // ---------------------------------------------------------------- the supervisor's own work

  /**
   * An observer sees the supervisor's {@link SupervisorInfo} without its children (the tree shows
   * those), read on its own thread even mid-restart.
   */
  @Override
  protected Object formatStatus(Void state) {
    JsonObject shown = info().toJson();
    shown.remove("children");
    return shown.put("child_count", children.size());
  }

  private SupervisorInfo info() {
    // The window as it stands now: restarts older than the period no longer count, though the
    // deque drops them only at the next restart.
    long now = clock().millis();
    long period = spec.flags().maxSeconds() * 1000;
    List<Long> window = restarts.stream().filter(t -> now - t < period).toList();
    return new SupervisorInfo(self(), supervisorId(), spec.flags(), spec.dynamic(), spec.maxChildren(), window, totalRestarts,
      childInfos());
  }

  private List<ChildInfo> childInfos() {
    List<ChildInfo> infos = new ArrayList<>(children.size());
    long now = clock().millis();
    // A task supervisor's tasks, newest first: temporary workers it found among its links.
    var tasks = TaskSupervisor.running(vertx, self());
    for (int i = tasks.size() - 1; i >= 0; i--) {
      var task = tasks.get(i);
      infos.add(new ChildInfo("task", task.pid(), ChildType.WORKER, Restart.TEMPORARY, "running", 0, task.shutdown(),
        Duration.ofMillis(Math.max(0, now - task.startedAt()))));
    }
    for (int i = children.size() - 1; i >= 0; i--) {
      Child c = children.get(i);
      String status = c.pid != null ? "running" : c.backingOff ? "backing_off" : c.restarting ? "restarting"
        : c.ignored ? "ignored" : "undefined";
      infos.add(new ChildInfo(c.id(), c.pid, c.spec.type(), c.spec.restart(), status, c.restarts, c.spec.shutdown(),
        c.pid == null ? null : Duration.ofMillis(Math.max(0, now - c.startedAt))));
    }
    return List.copyOf(infos);
  }

  private CallResult<Void> startChild(ChildSpec requested, From from) {
    ChildSpec childSpec = requested;
    if (spec.dynamic()) {
      if (children.size() >= spec.maxChildren()) {
        return CallResult.error("max_children", "the supervisor already has its maximum of " + spec.maxChildren() + " children");
      }
      childSpec = requested.withId("child-" + (++dynamicIds));
    } else {
      Child existing = byId(requested.id());
      if (existing != null) {
        if (existing.pid != null) {
          from.fail(OtpException.alreadyStarted(requested.id(), existing.pid));
          return CallResult.noReply();
        }
        return CallResult.error("already_present", "a child spec with id '" + requested.id() + "' is already present");
      }
      if (requested.significant() && spec.flags().autoShutdown() == AutoShutdown.NEVER) {
        return CallResult.error("invalid_child_spec", "child spec '" + requested.id()
          + "': 'significant' requires auto_shutdown any_significant or all_significant");
      }
    }
    Child c = new Child(childSpec);
    // The slot is taken while the child starts, so max_children and duplicate ids hold meanwhile.
    children.add(c);
    return CallResult.deferred(startOne(c, false).transform(ar -> {
      if (ar.failed()) {
        children.remove(c);
        from.fail(asOtp(((StartFailure) ar.cause()).failure));
        return Future.succeededFuture(CallResult.noReply());
      }
      return Future.succeededFuture(CallResult.reply(c.pid));
    }));
  }

  private CallResult<Void> refuseUnlessIdle(Child c, String id) {
    if (c == null) {
      return CallResult.error("not_found", "no child " + id);
    } else if (c.pid != null) {
      return CallResult.error("running", "child '" + id + "' is running");
    } else if (c.restarting) {
      return CallResult.error("restarting", "child '" + id + "' is waiting for its restart");
    }
    return null;
  }

  private CastResult<Void> childExited(Child c, Pid exited, ExitReason reason) {
    Restart restart = c.spec.restart();
    // While the node shuts down, nothing is restarted: the trees are being stopped on purpose.
    boolean again = !Processes.isNodeStopping(vertx)
      && (restart == Restart.PERMANENT || restart == Restart.TRANSIENT && !reason.isNormal());
    if (restart == Restart.PERMANENT || !reason.isNormal()) {
      report(new ProcessEvent.ChildTerminated(self(), supervisorId(), c.id(), exited, reason));
    }
    if (!again) {
      if (restart == Restart.TEMPORARY || spec.dynamic()) {
        children.remove(c);
      }
      if (autoShutdownAfter(c)) {
        report(new ProcessEvent.AutoShutdownTriggered(self(), supervisorId(), c.id(), reason));
        return CastResult.stop(ExitReason.SHUTDOWN);
      }
      return CastResult.noReply();
    }
    return restart(c, exited);
  }

  /** Restarts a child (and its group), unless it is one restart too many; {@code exited} is its last pid, if known. */
  private CastResult<Void> restart(Child c, Pid exited) {
    if (!addRestart()) {
      report(new ProcessEvent.IntensityReached(self(), supervisorId(), c.id(), exited, spec.flags().maxRestarts(),
        spec.flags().maxSeconds()));
      return CastResult.stop(ExitReason.SHUTDOWN);
    }
    c.restarts++;
    report(new ProcessEvent.ChildRestarted(self(), supervisorId(), c.id(), c.restarts, spec.dynamic()));
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
      return CastResult.deferred(stopped.compose(v -> startGroup(toStart)));
    }
    if (clock().millis() - c.startedAt >= backoff.max().toMillis()) {
      c.crashes = 0;
    }
    Duration delay = backoff.delay(++c.crashes);
    return CastResult.deferred(stopped.map(v -> {
      for (Child s : toStart) {
        s.backingOff = true;
      }
      report(new ProcessEvent.BackoffDelayed(self(), supervisorId(), c.id(), delay, c.crashes));
      sendAfter(new RestartDue(toStart.stream().map(Child::id).toList()), delay);
      return CastResult.noReply();
    }));
  }

  /** Starts the group in order; at the first failure, tries again through the mailbox. */
  private Future<CastResult<Void>> startGroup(List<Child> group) {
    List<Child> present = group.stream().filter(children::contains).toList();
    return startInOrder(present).transform(ar -> {
      if (ar.failed()) {
        Processes.send(vertx, self(), new TryAgain(((StartFailure) ar.cause()).id));
      }
      return Future.succeededFuture(CastResult.noReply());
    });
  }

  private Future<Void> startInOrder(List<Child> list) {
    Future<Void> chain = Future.succeededFuture();
    for (Child c : list) {
      chain = chain.compose(v -> startOne(c, true));
    }
    return chain;
  }

  /**
   * Starts one child, which the runtime links to this supervisor. A failure is reported as
   * start_error only when the supervisor started the child on its own ({@code report}).
   */
  private Future<Void> startOne(Child c, boolean report) {
    c.restarting = false;
    c.backingOff = false;
    c.ignored = false;
    return onOwnContext(c.spec.start().start(vertx)).transform(ar -> {
      if (ar.succeeded()) {
        c.pid = ar.result();
        c.startedAt = clock().millis();
        report(new ProcessEvent.ChildStarted(self(), supervisorId(), c.id(), c.pid, spec.dynamic()));
        return Future.succeededFuture();
      }
      if (ar.cause() instanceof OtpException ignored && ignored.failure() == OtpException.Failure.IGNORE) {
        // A dynamic supervisor keeps nothing for an ignored child, as Elixir's returns :ignore.
        if (c.spec.restart() == Restart.TEMPORARY || spec.dynamic()) {
          children.remove(c);
        }
        c.ignored = true;
        return Future.succeededFuture();
      }
      c.restarting = true;
      if (report) {
        report(new ProcessEvent.StartError(self(), supervisorId(), c.id(), reasonOf(ar.cause())));
      }
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

  /** OTP's shutdown of one child: unlinked first, so its end is not taken for a crash to restart. */
  private Future<Void> shutdownOne(Child c) {
    if (c.pid == null) {
      return Future.succeededFuture();
    }
    Pid pid = c.pid;
    c.pid = null;
    unlink(pid);
    Shutdown shutdown = c.spec.shutdown();
    ExitReason expected = shutdown instanceof Shutdown.BrutalKill ? ExitReason.KILLED : ExitReason.SHUTDOWN;
    return onOwnContext(Processes.shutdown(vertx, pid, shutdown)).map(reason -> {
      if (!reason.equals(expected) && !(reason instanceof ExitReason.NoProc)) {
        report(new ProcessEvent.ShutdownError(self(), supervisorId(), c.id(), pid, reason));
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
    long now = clock().millis();
    long window = spec.flags().maxSeconds() * 1000;
    restarts.addLast(now);
    totalRestarts++;
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

  private void report(ProcessEvent event) {
    ProcessEvent.publish(vertx, event);
  }

  private String supervisorId() {
    return startName() != null ? startName() : self().toString();
  }

  private static ExitReason reasonOf(Throwable failure) {
    if (failure instanceof OtpException otp && otp.reason() != null) {
      return otp.reason();
    }
    return failure instanceof OtpException ? ExitReason.error(failure.getMessage()) : ExitReason.error(failure);
  }

  private static OtpException asOtp(Throwable failure) {
    if (failure instanceof OtpException otp) {
      return otp;
    }
    return OtpException.error("start_failed", failure.getMessage() != null ? failure.getMessage() : failure.toString());
  }
}
