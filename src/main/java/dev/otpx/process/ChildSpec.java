package dev.otpx.process;

import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.lang.reflect.Constructor;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * How a supervisor starts, restarts and stops one child: data, checked when built, so a bad spec is
 * refused before anything starts, with an error naming the field.
 *
 * <p>Defaults as in OTP: restart permanent, type worker, shutdown 5 s for a worker and infinity for
 * a supervisor, not significant, no backoff. Build with {@link #worker}, {@link #of} (which reads a
 * class's {@link ChildDefaults}), {@link #verticle} (any Vert.x verticle, its policy in its
 * {@link ProcessOptions}) or {@link #supervisor}, then override any field with the {@code withX}
 * copies, as {@code Supervisor.child_spec/2} does.
 *
 * <p>A child need not be a {@link GenServer}: a plain verticle ({@code VerticleBase}, any
 * {@link Deployable}, an HTTP server) runs as a process of its own, which ends when the verticle is
 * undeployed (reason normal) or when an exception reaches its context (a crash), and whose stop
 * undeploys the verticle. It restarts, stops in order and counts towards the intensity like any
 * child, under every strategy.
 *
 * @param id unique within its supervisor
 * @param start how to start the process
 * @param restart when to restart it
 * @param shutdown how to stop it; null means the default for its type (see {@link #shutdown()})
 * @param type worker or supervisor
 * @param significant whether its end may stop the supervisor ({@link AutoShutdown})
 * @param backoff restart delay, or null to restart at once
 */
public record ChildSpec(String id, Start start, Restart restart, Shutdown shutdown, ChildType type,
                        boolean significant, Backoff backoff) {

  /**
   * What starts the child: a fresh instance each time, deployed with these options (whose config
   * is a GenServer's init args), registered under {@code name} when there is one. A GenServer runs
   * as itself; any other verticle runs inside a process that deploys it and ends with it.
   *
   * @param factory makes a fresh instance per start: a GenServer or any Vert.x verticle
   * @param options the Vert.x deployment options: config, threading model, worker pool
   * @param name the registered name, or null (for a plain verticle, the name of its process, which
   *     answers calls with {@code not_a_server}: give it one the verticle does not consume itself)
   */
  public record Start(Supplier<? extends Deployable> factory, DeploymentOptions options, String name) {
    public Start {
      Objects.requireNonNull(factory, "child spec 'start': factory");
      options = options == null ? new DeploymentOptions() : new DeploymentOptions(options);
      if (name != null) {
        Registry.validateName(name);
      }
    }

    /**
     * Starts one instance.
     *
     * @param vertx the Vert.x instance
     * @return its pid
     */
    public Future<Pid> start(Vertx vertx) {
      Deployable instance;
      try {
        instance = Objects.requireNonNull(factory.get(), "the child factory returned null");
      } catch (RuntimeException e) {
        return Future.failedFuture(e);
      }
      if (instance instanceof GenServer<?> server) {
        return GenServer.start(vertx, server, options, name);
      }
      return GenServer.start(vertx, new VerticleServer(instance, factory, options), new DeploymentOptions(), name);
    }
  }

  public ChildSpec {
    if (id == null || id.isBlank()) {
      throw new IllegalArgumentException("child spec 'id' is required");
    }
    // The messages are built only when they are needed: a task makes a spec per start.
    String named = id;
    Objects.requireNonNull(start, () -> "child spec '" + named + "': 'start' is required");
    Objects.requireNonNull(restart, () -> "child spec '" + named + "': 'restart' is required");
    Objects.requireNonNull(type, () -> "child spec '" + named + "': 'type' is required");
    if (significant && restart == Restart.PERMANENT) {
      throw new IllegalArgumentException("child spec '" + id + "': 'significant' cannot be true for a permanent child");
    }
  }

  /**
   * A worker with the defaults.
   *
   * @param id the id
   * @param factory makes a fresh instance per start
   * @return the spec
   */
  public static ChildSpec worker(String id, Supplier<? extends GenServer<?>> factory) {
    return new ChildSpec(id, new Start(factory, null, null), Restart.PERMANENT, null, ChildType.WORKER, false, null);
  }

  /**
   * A verticle as a child, its restart policy taken from its deployment options when they are
   * {@link ProcessOptions} (else the defaults): the way to supervise a plain Vert.x verticle.
   *
   * @param id the id
   * @param factory makes a fresh instance per start
   * @param options its deployment options (config, threading model, ...) and, in a
   *     {@link ProcessOptions}, its restart, shutdown, backoff and significance
   * @return the spec
   */
  public static ChildSpec verticle(String id, Supplier<? extends Deployable> factory, DeploymentOptions options) {
    ProcessOptions policy = options instanceof ProcessOptions given ? given : new ProcessOptions();
    return new ChildSpec(id, new Start(factory, options, null), policy.getRestart(), policy.getShutdown(), ChildType.WORKER,
      policy.isSignificant(), policy.getBackoff());
  }

  /**
   * A child of a class, with the class's {@link ChildDefaults} (if any), started through its
   * no-argument constructor with {@code args} as its config (a GenServer's init args): a GenServer,
   * or any Vert.x verticle ({@link #verticle}).
   *
   * @param id the id
   * @param type the class
   * @param args the init args (deployment config)
   * @return the spec
   * @throws IllegalArgumentException when the class has no public no-argument constructor
   */
  public static ChildSpec of(String id, Class<? extends Deployable> type, JsonObject args) {
    Constructor<? extends Deployable> constructor;
    try {
      constructor = type.getConstructor();
    } catch (NoSuchMethodException e) {
      throw new IllegalArgumentException("child spec '" + id + "': class " + type.getName() + " has no public no-argument constructor");
    }
    Supplier<Deployable> factory = () -> {
      try {
        return constructor.newInstance();
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("cannot create " + type.getName() + ": " + e, e);
      }
    };
    DeploymentOptions options = new DeploymentOptions().setConfig(args == null ? new JsonObject() : args.copy());
    ChildDefaults defaults = type.getAnnotation(ChildDefaults.class);
    if (defaults == null) {
      return new ChildSpec(id, new Start(factory, options, null), Restart.PERMANENT, null, ChildType.WORKER, false, null);
    }
    if (defaults.shutdownMillis() < -3) {
      throw new IllegalArgumentException("child spec '" + id + "': @ChildDefaults 'shutdownMillis' of " + type.getName()
        + " must be >= 0, or -1 (default), -2 (brutal_kill), -3 (infinity), got " + defaults.shutdownMillis());
    }
    Shutdown shutdown = switch ((int) Math.max(-3, Math.min(0, defaults.shutdownMillis()))) {
      case -1 -> null;
      case -2 -> Shutdown.BRUTAL_KILL;
      case -3 -> Shutdown.INFINITY;
      default -> Shutdown.timeout(java.time.Duration.ofMillis(defaults.shutdownMillis()));
    };
    return new ChildSpec(id, new Start(factory, options, null), defaults.restart(), shutdown, defaults.type(), defaults.significant(), null);
  }

  /**
   * A nested supervisor: type supervisor, shutdown infinity.
   *
   * @param id the id
   * @param spec the nested supervisor's flags and children
   * @return the spec
   */
  public static ChildSpec supervisor(String id, SupervisorSpec spec) {
    Objects.requireNonNull(spec, "spec");
    return new ChildSpec(id, new Start(() -> new Supervisor(spec), null, null), Restart.PERMANENT, null, ChildType.SUPERVISOR, false, null);
  }

  /** The shutdown in force: the one given, or 5 s for a worker and infinity for a supervisor. */
  /**
   * This child, run once in the cluster under a global name: on every node the supervisor runs a
   * guard in its place; the guard of one node takes the global name, starts the child and hands the
   * name to it; the others stand by, watching the holder, and one of them takes over when the holder
   * exits or its node leaves (within the cluster's failure detection, see the README). The child's
   * exit ends the guard with the same reason, so this spec's restart policy applies as usual.
   * Without a cluster the node is alone and always runs the child.
   *
   * @param globalName the global name the running child holds
   * @return the singleton spec
   */
  public ChildSpec asSingleton(String globalName) {
    Registry.validateName(globalName);
    Start inner = start;
    return new ChildSpec(id, new Start(() -> new SingletonServer(globalName, inner), null, null), restart, shutdown, type, significant, backoff);
  }

  @Override
  public Shutdown shutdown() {
    if (shutdown != null) {
      return shutdown;
    }
    return type == ChildType.SUPERVISOR ? Shutdown.INFINITY : Shutdown.DEFAULT_WORKER;
  }

  /** @param newId the id @return a copy with it */
  public ChildSpec withId(String newId) {
    return new ChildSpec(newId, start, restart, shutdown, type, significant, backoff);
  }

  /** @param newRestart the restart value @return a copy with it */
  public ChildSpec withRestart(Restart newRestart) {
    return new ChildSpec(id, start, newRestart, shutdown, type, significant, backoff);
  }

  /** @param newShutdown the shutdown @return a copy with it */
  public ChildSpec withShutdown(Shutdown newShutdown) {
    return new ChildSpec(id, start, restart, Objects.requireNonNull(newShutdown, "shutdown"), type, significant, backoff);
  }

  /** @param newType the type @return a copy with it */
  public ChildSpec withType(ChildType newType) {
    return new ChildSpec(id, start, restart, shutdown, newType, significant, backoff);
  }

  /** @param newSignificant whether significant @return a copy with it */
  public ChildSpec withSignificant(boolean newSignificant) {
    return new ChildSpec(id, start, restart, shutdown, type, newSignificant, backoff);
  }

  /** @param newBackoff the backoff, or null for none @return a copy with it */
  public ChildSpec withBackoff(Backoff newBackoff) {
    return new ChildSpec(id, start, restart, shutdown, type, significant, newBackoff);
  }

  /** @param name the name to register each instance under @return a copy with it */
  public ChildSpec withName(String name) {
    return new ChildSpec(id, new Start(start.factory(), start.options(), name), restart, shutdown, type, significant, backoff);
  }

  /** @param args the init args @return a copy whose deployment config is {@code args} */
  public ChildSpec withArgs(JsonObject args) {
    DeploymentOptions options = new DeploymentOptions(start.options()).setConfig(args == null ? new JsonObject() : args.copy());
    return new ChildSpec(id, new Start(start.factory(), options, start.name()), restart, shutdown, type, significant, backoff);
  }

  /** @param options the deployment options @return a copy with them */
  public ChildSpec withOptions(DeploymentOptions options) {
    return new ChildSpec(id, new Start(start.factory(), options, start.name()), restart, shutdown, type, significant, backoff);
  }
}
