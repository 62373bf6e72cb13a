package dev.otpx.process;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * A supervisor's status, as {@link Supervisor#info} reports it: for an observer or a metrics
 * exporter, and for whoever wonders how close a supervisor is to giving up.
 *
 * @param pid the supervisor
 * @param id its registered name, or its pid as text
 * @param flags its strategy, intensity and auto_shutdown
 * @param dynamic whether it is a dynamic supervisor
 * @param maxChildren a dynamic supervisor's cap ({@link Integer#MAX_VALUE}: none)
 * @param window the {@link Clock} times (ms) of the restarts that still count towards the
 *     intensity, oldest first: one more than {@code flags.maxRestarts()} within
 *     {@code flags.maxSeconds()} and it gives up
 * @param restarts how many restarts it made since it started
 * @param children its children, newest first
 */
public record SupervisorInfo(Pid pid, String id, SupervisorFlags flags, boolean dynamic, int maxChildren, List<Long> window,
                             long restarts, List<Supervisor.ChildInfo> children) {

  public SupervisorInfo {
    window = List.copyOf(window);
    children = List.copyOf(children);
  }

  /** @return the JSON form, for the observer and the event bus */
  public JsonObject toJson() {
    return new JsonObject().put("pid", pid.toString()).put("id", id)
      .put("strategy", flags.strategy().wireName()).put("max_restarts", flags.maxRestarts()).put("max_seconds", flags.maxSeconds())
      .put("auto_shutdown", flags.autoShutdown().wireName()).put("dynamic", dynamic)
      .put("max_children", maxChildren == Integer.MAX_VALUE ? null : maxChildren)
      .put("restarts_in_window", window.size()).put("restarts", restarts)
      .put("children", new JsonArray(children.stream().map(Supervisor.ChildInfo::toJson).toList()));
  }
}
