package dev.otpx.process;

import io.vertx.core.Deployable;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A whole supervisor: its flags and its children in start order, checked as a unit before anything
 * starts (unique ids, auto_shutdown rules). Built in Java with {@link #of} or read from the tree
 * format of {@code conf/config.json} with {@link #fromJson}. A dynamic supervisor
 * ({@link #dynamic}) starts empty, takes children only through
 * {@link Supervisor#startChild}, is one_for_one, and may cap its children.
 *
 * @param flags strategy, intensity, auto_shutdown
 * @param children the children, in start order
 * @param dynamic whether this is a DynamicSupervisor
 * @param maxChildren the cap on children of a dynamic supervisor ({@link Integer#MAX_VALUE}: none)
 */
public record SupervisorSpec(SupervisorFlags flags, List<ChildSpec> children, boolean dynamic, int maxChildren) {

  public SupervisorSpec {
    Objects.requireNonNull(flags, "flags");
    children = List.copyOf(Objects.requireNonNull(children, "children"));
    Set<String> ids = new HashSet<>();
    for (ChildSpec child : children) {
      if (!ids.add(child.id())) {
        throw new IllegalArgumentException("duplicate child id '" + child.id() + "': ids must be unique within a supervisor");
      }
      if (child.significant() && flags.autoShutdown() == AutoShutdown.NEVER) {
        throw new IllegalArgumentException("child spec '" + child.id()
          + "': 'significant' requires the supervisor's auto_shutdown to be any_significant or all_significant");
      }
    }
    if (dynamic) {
      if (flags.strategy() != Strategy.ONE_FOR_ONE) {
        throw new IllegalArgumentException("supervisor flag 'strategy': a dynamic supervisor is one_for_one only, got " + flags.strategy().wireName());
      }
      if (!children.isEmpty()) {
        throw new IllegalArgumentException("a dynamic supervisor starts with no children; add them with startChild");
      }
      if (flags.autoShutdown() != AutoShutdown.NEVER) {
        throw new IllegalArgumentException("supervisor flag 'auto_shutdown': a dynamic supervisor has none");
      }
    }
    if (maxChildren < 0) {
      throw new IllegalArgumentException("supervisor flag 'max_children' must be >= 0, got " + maxChildren);
    }
  }

  /**
   * @param flags the flags
   * @param children the children, in start order
   * @return a static supervisor's spec
   */
  public static SupervisorSpec of(SupervisorFlags flags, List<ChildSpec> children) {
    return new SupervisorSpec(flags, children, false, Integer.MAX_VALUE);
  }

  /**
   * @param maxRestarts intensity: restarts...
   * @param maxSeconds ...within this many seconds
   * @param maxChildren the cap on children ({@link Integer#MAX_VALUE}: none)
   * @return a dynamic supervisor's spec
   */
  public static SupervisorSpec dynamic(int maxRestarts, long maxSeconds, int maxChildren) {
    return new SupervisorSpec(new SupervisorFlags(Strategy.ONE_FOR_ONE, maxRestarts, maxSeconds, AutoShutdown.NEVER),
      List.of(), true, maxChildren);
  }

  /**
   * Reads the tree format:
   * <pre>{"strategy": "one_for_one", "max_restarts": 3, "max_seconds": 5, "auto_shutdown": "never",
   *  "children": [{"id": "counter", "class": "dev.otpx.counter.CounterServer", "name": "counter",
   *                "restart": "permanent", "shutdown": 5000, "config": {"initial": 5}},
   *               {"id": "web", "class": "com.example.HelloVerticle", "config": {"port": 8081}},
   *               {"id": "more", "type": "supervisor", "strategy": "one_for_all", "children": [...]},
   *               {"id": "leader", "class": "com.example.Leader", "singleton": "leader"}]}</pre>
   * A child's class is a GenServer or any Vert.x verticle (a {@code Deployable} with a public
   * no-argument constructor). A child of type supervisor without a class is a nested supervisor
   * described by the same format. Every value is read by {@link JsonOptions}' rules.
   * A child with {@code "singleton": "<global name>"} runs once in the cluster ({@link ChildSpec#asSingleton}).
   *
   * @param json the tree
   * @param path where it sits in the configuration, for error messages (e.g. "supervision")
   * @return the spec
   * @throws IllegalArgumentException naming the path of the field at fault
   */
  public static SupervisorSpec fromJson(JsonObject json, String path) {
    Objects.requireNonNull(json, path);
    JsonOptions read = JsonOptions.of(json, path);
    try {
      boolean dynamic = read.bool("dynamic", false);
      Strategy strategy = read.wireName("strategy", Strategy.values(), Strategy.ONE_FOR_ONE);
      int maxRestarts = read.intValue("max_restarts", SupervisorFlags.DEFAULT_MAX_RESTARTS, 0, Integer.MAX_VALUE);
      long maxSeconds = read.wholeNumber("max_seconds", SupervisorFlags.DEFAULT_MAX_SECONDS, 1, Long.MAX_VALUE);
      AutoShutdown autoShutdown = read.wireName("auto_shutdown", AutoShutdown.values(), AutoShutdown.NEVER);
      SupervisorFlags flags = new SupervisorFlags(strategy, maxRestarts, maxSeconds, autoShutdown);
      if (dynamic) {
        return new SupervisorSpec(flags, List.of(), true, read.intValue("max_children", Integer.MAX_VALUE, 0, Integer.MAX_VALUE));
      }
      JsonArray children = read.array("children", new JsonArray());
      List<ChildSpec> specs = new ArrayList<>();
      for (int i = 0; i < children.size(); i++) {
        String childPath = read.path("children[" + i + "]");
        if (!(children.getValue(i) instanceof JsonObject child)) {
          throw new IllegalArgumentException(childPath + ": expected an object");
        }
        specs.add(childFromJson(child, childPath));
      }
      return of(flags, specs);
    } catch (IllegalArgumentException | NullPointerException e) {
      String message = e.getMessage() == null ? e.toString() : e.getMessage();
      throw new IllegalArgumentException(message.startsWith(path) ? message : path + ": " + message, e);
    }
  }

  @SuppressWarnings("unchecked")
  private static ChildSpec childFromJson(JsonObject json, String path) {
    String id = JsonOptions.of(json, path).requiredString("id");
    String at = path + " ('" + id + "')";
    JsonOptions read = JsonOptions.of(json, at);
    // No "type" keeps the class's own default (@ChildDefaults), or worker.
    ChildType type = read.wireName("type", ChildType.values(), null);
    String className = read.string("class", null);
    JsonObject config = read.object("config", new JsonObject());
    ChildSpec spec;
    if (className == null) {
      if (type != ChildType.SUPERVISOR) {
        throw new IllegalArgumentException(at + ".class: required for a worker");
      }
      spec = ChildSpec.supervisor(id, fromJson(json, at));
    } else {
      Class<?> loaded;
      try {
        loaded = Class.forName(className, true, Thread.currentThread().getContextClassLoader());
      } catch (ClassNotFoundException e) {
        throw new IllegalArgumentException(at + ".class: no such class " + className);
      }
      if (!Deployable.class.isAssignableFrom(loaded)) {
        throw new IllegalArgumentException(at + ".class: " + className + " is not a GenServer nor a Vert.x verticle (Deployable)");
      }
      Class<? extends Deployable> childClass = (Class<? extends Deployable>) loaded;
      ChildSpec declared = parse(at + ".class", () -> ChildSpec.of(id, childClass, config));
      spec = type == null ? declared : declared.withType(type);
    }
    // The policy's keys, read by the same rules a verticle's ProcessOptions use.
    ProcessOptions policy = new ProcessOptions().setRestart(spec.restart()).setSignificant(spec.significant());
    policy.readPolicy(read);
    spec = spec.withRestart(policy.getRestart());
    if (policy.getShutdown() != null) {
      spec = spec.withShutdown(policy.getShutdown());
    }
    if (read.has("significant")) {
      ChildSpec current = spec;
      spec = parse(at + ".significant", () -> current.withSignificant(policy.isSignificant()));
    }
    if (read.has("name")) {
      String name = read.string("name", null);
      ChildSpec named = spec;
      spec = parse(at + ".name", () -> named.withName(name));
    }
    if (policy.getBackoff() != null) {
      spec = spec.withBackoff(policy.getBackoff());
    }
    if (read.has("singleton")) {
      String globalName = read.string("singleton", null);
      ChildSpec local = spec;
      spec = parse(at + ".singleton", () -> local.asSingleton(globalName));
    }
    return spec;
  }

  private static <T> T parse(String path, java.util.function.Supplier<T> reader) {
    try {
      return reader.get();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(e.getMessage() != null && e.getMessage().contains(path) ? e.getMessage() : path + ": " + e.getMessage(), e);
    }
  }
}
