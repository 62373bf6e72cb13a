package dev.otpx.system;

import dev.otpx.process.ProcessEvent;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.util.Objects;

/**
 * The node's process and supervisor events as JSON on the event bus address {@value #ADDRESS}:
 * what the observer page draws its trees from, live. One JSON object per {@link ProcessEvent}, with
 * {@code event} naming it ({@code process_started}, {@code process_exited}, {@code child_started},
 * {@code child_restarted}, {@code child_terminated}, {@code start_error}, {@code shutdown_error},
 * {@code gave_up}, {@code backoff}, {@code auto_shutdown}, {@code trace}), {@code at} the wall-clock
 * milliseconds, and the event's fields in snake_case (pids as {@code <node.id>}, reasons as text).
 *
 * <p>Owner: the operator. Published on this node only (a cluster's nodes each show their own), and
 * browsers reach it only as operators, through the bridge's operator feed
 * ({@code dev.otpx.channels.OperatorFeed}).
 */
public final class SystemEvents {

  /** The event-bus address of the events. */
  public static final String ADDRESS = "system.events";

  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true);

  private SystemEvents() {
  }

  /**
   * Publishes a node's process events on {@value #ADDRESS} from now on.
   *
   * @param vertx the node
   * @return what stops publishing
   */
  public static ProcessEvent.Subscription start(Vertx vertx) {
    Objects.requireNonNull(vertx, "vertx");
    return ProcessEvent.subscribe(vertx, event -> vertx.eventBus().publish(ADDRESS, toJson(event), LOCAL));
  }

  /**
   * @param event a process event
   * @return it as the JSON published on {@value #ADDRESS}
   */
  public static JsonObject toJson(ProcessEvent event) {
    JsonObject json = new JsonObject();
    if (event instanceof ProcessEvent.Started started) {
      json.put("event", "process_started").put("pid", started.pid().toString()).put("name", started.name())
        .put("kind", started.kind());
    } else if (event instanceof ProcessEvent.Exited exited) {
      json.put("event", "process_exited").put("pid", exited.pid().toString()).put("name", exited.name())
        .put("reason", exited.reason().toString()).put("initialized", exited.initialized());
    } else if (event instanceof ProcessEvent.Traced traced) {
      json.put("event", "trace").put("pid", traced.pid().toString()).put("name", traced.name()).put("kind", traced.kind())
        .put("size", traced.size()).put("body", traced.body() == null ? null : String.valueOf(traced.body()))
        .put("remaining", traced.remaining());
    } else if (event instanceof ProcessEvent.SupervisorReport report) {
      json.put("event", name(report)).put("supervisor", report.supervisor().toString())
        .put("supervisor_id", report.supervisorId()).put("child_id", report.childId()).put("context", report.context());
      reportFields(report, json);
    }
    return json.put("at", System.currentTimeMillis());
  }

  private static String name(ProcessEvent.SupervisorReport report) {
    if (report instanceof ProcessEvent.ChildStarted) {
      return "child_started";
    } else if (report instanceof ProcessEvent.ChildRestarted) {
      return "child_restarted";
    } else if (report instanceof ProcessEvent.IntensityReached) {
      return "gave_up";
    }
    return report.context();
  }

  private static void reportFields(ProcessEvent.SupervisorReport report, JsonObject json) {
    if (report instanceof ProcessEvent.ChildStarted started) {
      json.put("pid", pid(started.child())).put("dynamic", started.dynamic());
    } else if (report instanceof ProcessEvent.ChildRestarted restarted) {
      json.put("restarts", restarted.restarts()).put("dynamic", restarted.dynamic());
    } else if (report instanceof ProcessEvent.ChildTerminated terminated) {
      json.put("pid", pid(terminated.child())).put("reason", terminated.reason().toString());
    } else if (report instanceof ProcessEvent.StartError error) {
      json.put("reason", error.reason().toString());
    } else if (report instanceof ProcessEvent.ShutdownError error) {
      json.put("pid", pid(error.child())).put("reason", error.reason().toString());
    } else if (report instanceof ProcessEvent.IntensityReached reached) {
      json.put("pid", pid(reached.child())).put("reason", "reached_max_restart_intensity")
        .put("max_restarts", reached.maxRestarts()).put("max_seconds", reached.maxSeconds());
    } else if (report instanceof ProcessEvent.BackoffDelayed backoff) {
      json.put("delay_ms", backoff.delay().toMillis()).put("crashes", backoff.crashes());
    } else if (report instanceof ProcessEvent.AutoShutdownTriggered auto) {
      json.put("reason", auto.reason().toString());
    }
  }

  private static String pid(Object pid) {
    return pid == null ? null : pid.toString();
  }
}
