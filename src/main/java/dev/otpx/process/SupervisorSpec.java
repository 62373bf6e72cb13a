package dev.otpx.process;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
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
   *               {"id": "more", "type": "supervisor", "strategy": "one_for_all", "children": [...]}]}</pre>
   * A child of type supervisor without a class is a nested supervisor described by the same format.
   *
   * @param json the tree
   * @param path where it sits in the configuration, for error messages (e.g. "supervision")
   * @return the spec
   * @throws IllegalArgumentException naming the path of the field at fault
   */
  public static SupervisorSpec fromJson(JsonObject json, String path) {
    Objects.requireNonNull(json, path);
    try {
      boolean dynamic = Boolean.TRUE.equals(field(json, path, "dynamic", Boolean.class, false));
      Strategy strategy = parse(path + ".strategy", () -> Strategy.parse(field(json, path, "strategy", String.class, "one_for_one")));
      int maxRestarts = field(json, path, "max_restarts", Number.class, SupervisorFlags.DEFAULT_MAX_RESTARTS).intValue();
      if (maxRestarts < 0) {
        throw new IllegalArgumentException(path + ".max_restarts: must be >= 0, got " + maxRestarts);
      }
      long maxSeconds = field(json, path, "max_seconds", Number.class, SupervisorFlags.DEFAULT_MAX_SECONDS).longValue();
      if (maxSeconds <= 0) {
        throw new IllegalArgumentException(path + ".max_seconds: must be > 0, got " + maxSeconds);
      }
      AutoShutdown autoShutdown = parse(path + ".auto_shutdown",
        () -> AutoShutdown.parse(field(json, path, "auto_shutdown", String.class, "never")));
      SupervisorFlags flags = new SupervisorFlags(strategy, maxRestarts, maxSeconds, autoShutdown);
      if (dynamic) {
        return new SupervisorSpec(flags, List.of(), true,
          field(json, path, "max_children", Number.class, Integer.MAX_VALUE).intValue());
      }
      JsonArray children = field(json, path, "children", JsonArray.class, new JsonArray());
      List<ChildSpec> specs = new ArrayList<>();
      for (int i = 0; i < children.size(); i++) {
        String childPath = path + ".children[" + i + "]";
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
    String id = field(json, path, "id", String.class, null);
    if (id == null || id.isBlank()) {
      throw new IllegalArgumentException(path + ".id: required, a non-blank string");
    }
    String at = path + " ('" + id + "')";
    // No "type" keeps the class's own default (@ChildDefaults), or worker.
    ChildType type = json.containsKey("type")
      ? parse(at + ".type", () -> ChildType.parse(field(json, at, "type", String.class, null)))
      : null;
    String className = field(json, at, "class", String.class, null);
    JsonObject config = field(json, at, "config", JsonObject.class, new JsonObject());
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
      if (!GenServer.class.isAssignableFrom(loaded)) {
        throw new IllegalArgumentException(at + ".class: " + className + " is not a GenServer");
      }
      Class<? extends GenServer<?>> serverClass = (Class<? extends GenServer<?>>) loaded;
      ChildSpec declared = parse(at + ".class", () -> ChildSpec.of(id, serverClass, config));
      spec = type == null ? declared : declared.withType(type);
    }
    if (json.containsKey("restart")) {
      spec = spec.withRestart(parse(at + ".restart", () -> Restart.parse(field(json, at, "restart", String.class, null))));
    }
    if (json.containsKey("shutdown")) {
      spec = spec.withShutdown(parse(at + ".shutdown", () -> Shutdown.parse(json.getValue("shutdown"))));
    }
    if (json.containsKey("significant")) {
      boolean significant = field(json, at, "significant", Boolean.class, false);
      ChildSpec current = spec;
      spec = parse(at + ".significant", () -> current.withSignificant(significant));
    }
    if (json.containsKey("name")) {
      String name = field(json, at, "name", String.class, null);
      ChildSpec named = spec;
      spec = parse(at + ".name", () -> named.withName(name));
    }
    if (json.containsKey("backoff")) {
      JsonObject backoff = field(json, at, "backoff", JsonObject.class, null);
      Backoff parsed = parse(at + ".backoff", () -> new Backoff(
        Duration.ofMillis(field(backoff, at + ".backoff", "min_ms", Number.class, 100).longValue()),
        Duration.ofMillis(field(backoff, at + ".backoff", "max_ms", Number.class, 10_000).longValue()),
        field(backoff, at + ".backoff", "jitter", Number.class, 0.2).doubleValue()));
      spec = spec.withBackoff(parsed);
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

  private static <T> T field(JsonObject json, String path, String key, Class<T> type, T fallback) {
    Object value = json.getValue(key);
    if (value == null) {
      return fallback;
    }
    if (!type.isInstance(value)) {
      throw new IllegalArgumentException(path + "." + key + ": expected " + type.getSimpleName().toLowerCase() + ", got '" + value + "'");
    }
    return type.cast(value);
  }
}
