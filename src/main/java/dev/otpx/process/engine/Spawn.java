package dev.otpx.process.engine;

import dev.otpx.process.Pid;
import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;

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
    return Placement.deploy(vertx, table, core, single, parent != null).map(id -> core.pid());
  }

  /** @return the process whose callback is running on this thread, if any, else null */
  public static Pid current() {
    ContextInternal current = ContextInternal.current();
    if (current == null) {
      return null;
    }
    ContextInternal context = current.unwrap();
    if (context.exceptionHandler() instanceof ProcessContext process) {
      return process.pid();
    }
    // A user's verticle may have put its own exception handler on its process's context.
    return (Pid) context.contextData().get(ProcessTable.class);
  }
}
