package dev.otpx.process;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;

/**
 * A live process's status as {@link Processes#status} reads it from the process's own thread,
 * Erlang's {@code sys:get_status}: what an observer shows for one process.
 *
 * @param pid the process
 * @param name the name it was started under, or null
 * @param names its registered names now
 * @param kind its class's simple name ({@code Supervisor} for a supervisor)
 * @param parent the process that started it, or null
 * @param links the processes it is linked to
 * @param trapsExits whether it traps exits
 * @param status {@code starting}, {@code running}, {@code suspended} (a handler's deferred decision
 *     is pending: messages wait) or {@code exiting}
 * @param uptime how long since it started, on the node's {@link Clock}
 * @param messageQueueLength messages sent to it and not yet handled
 * @param callsInFlight calls it has taken or queued and not yet answered
 * @param state the summary of its state that {@link GenServer#formatStatus} made: JSON text, a
 *     number, a boolean, a {@code JsonObject} or {@code JsonArray}, or null
 * @param traceRemaining how many more of its messages are traced ({@link Processes#trace}), 0 when
 *     tracing is off
 */
public record ProcessStatus(Pid pid, String name, List<String> names, String kind, Pid parent, List<Pid> links,
                            boolean trapsExits, String status, Duration uptime, int messageQueueLength, int callsInFlight,
                            Object state, int traceRemaining) {

  public ProcessStatus {
    names = List.copyOf(names);
    links = List.copyOf(links);
  }

  /** @return the JSON form, for the observer */
  public JsonObject toJson() {
    return new JsonObject().put("pid", pid.toString()).put("name", name).put("names", new JsonArray(names))
      .put("kind", kind).put("parent", parent == null ? null : parent.toString())
      .put("links", new JsonArray(links.stream().map(Pid::toString).toList())).put("trap_exit", trapsExits)
      .put("status", status).put("uptime_ms", uptime.toMillis()).put("message_queue_len", messageQueueLength)
      .put("calls_in_flight", callsInFlight).put("state", state).put("trace_remaining", traceRemaining);
  }
}
