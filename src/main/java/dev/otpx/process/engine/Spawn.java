package dev.otpx.process.engine;

import dev.otpx.process.Pid;
import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import java.util.concurrent.ConcurrentMap;

/** Starting processes: the one way a process comes to life, whoever starts it. */
public final class Spawn {

  private Spawn() {
  }

  /**
   * Starts a process: a core for its behaviour, deployed as one verticle instance with the given
   * options, linked to the process that starts it (when one does) and placed on its event loop.
   *
   * @param vertx the Vert.x instance
   * @param instance the user's verticle, whose Vert.x lifecycle the core runs
   * @param behaviour its callbacks
   * @param options deployment options (instances forced to 1); their config is init's args
   * @param name the name to register, or null
   * @param <S> the state type
   * @return its pid once init said ok
   */
  public static <S> Future<Pid> start(Vertx vertx, Deployable instance, Behaviour<S> behaviour, DeploymentOptions options,
      String name) {
    ProcessTable table = ProcessTable.of(vertx);
    Pid parent = current();
    ProcessCore<S> core = new ProcessCore<>(vertx, behaviour, instance, name, parent);
    DeploymentOptions single = new DeploymentOptions(options).setInstances(1);
    Future<String> placed = behaviour.lightweight()
      ? Placement.spawnLightweight(vertx, table, core, single, parent != null)
      : Placement.deploy(vertx, table, core, single, parent != null);
    return placed.map(id -> core.pid());
  }

  /** @return the process whose callback is running on this thread, if any, else null */
  public static Pid current() {
    return on(ContextInternal.current());
  }

  /**
   * The process a context runs: a task's own pid on the duplicate it runs on (its local data), else
   * the process of the context's base, else null.
   *
   * @param context a context, or null
   * @return the pid, or null
   */
  static Pid on(ContextInternal context) {
    if (context == null) {
      return null;
    }
    Pid task = taskOn(context);
    return task != null ? task : (Pid) context.unwrap().contextData().get(ProcessTable.class);
  }

  /**
   * @param context a context
   * @return the task run on this duplicate context, or null (not a duplicate, or not a task's)
   */
  static Pid taskOn(ContextInternal context) {
    if (!context.isDuplicate()) {
      return null;
    }
    // Read without creating: most duplicates (a request's, a timer's) have no local map at all.
    ConcurrentMap<Object, Object> local = ContextInternal.LOCAL_MAP.get(context);
    return local == null ? null : (Pid) local.get(ProcessTable.class);
  }

  /**
   * Whether code running on {@code current} runs as the process whose home is {@code home}: on the
   * home itself, or on a duplicate of it that is not a task's.
   *
   * @param current the running context, or null
   * @param home the process's own context
   * @return true when it does
   */
  static boolean runsAs(ContextInternal current, ContextInternal home) {
    if (current == null || home == null) {
      return false;
    }
    if (current == home) {
      return true;
    }
    return !home.isDuplicate() && current.unwrap() == home && taskOn(current) == null;
  }
}
