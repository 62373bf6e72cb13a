package dev.otpx.process;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * A live process as {@link Processes#info} sees it, Erlang's {@code process_info}.
 *
 * @param pid the process
 * @param parent the process that started it, or null
 * @param names its registered names
 * @param links the processes it is linked to
 * @param trapsExits whether it traps exits
 */
public record ProcessInfo(Pid pid, Pid parent, List<String> names, List<Pid> links, boolean trapsExits) {

  public ProcessInfo {
    names = List.copyOf(names);
    links = List.copyOf(links);
  }

  /** @return the JSON form, for the observer and the event bus */
  public JsonObject toJson() {
    return new JsonObject().put("pid", pid.toString()).put("parent", parent == null ? null : parent.toString())
      .put("names", new JsonArray(names)).put("links", new JsonArray(links.stream().map(Pid::toString).toList()))
      .put("trap_exit", trapsExits);
  }
}
