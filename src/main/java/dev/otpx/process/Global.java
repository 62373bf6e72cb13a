package dev.otpx.process;

import dev.otpx.process.engine.ProcessTable;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Names unique across the cluster, like Erlang's {@code :global}, next to the node-local names of
 * {@link Registry}. Registering a name another process holds (on any node) fails with
 * {@code already_started} naming the holder; the name is freed when its process exits or its node
 * leaves the cluster; a call to it reaches the holder from any node. Without a cluster the names
 * are this node's alone, with the same rules.
 *
 * <p>Each operation asks the cluster's shared map (one network round trip at most): a call by
 * global name looks the holder up, then calls it by pid.
 */
public final class Global {

  private Global() {
  }

  /**
   * Registers a global name for a live process of this node.
   *
   * @param vertx the Vert.x instance
   * @param name the name: non-blank, no whitespace
   * @param pid the process
   * @return completes once the name is the process's; fails with already_started naming the holder,
   *     or noproc
   */
  public static Future<Void> register(Vertx vertx, String name, Pid pid) {
    Registry.validateName(name);
    return ProcessTable.of(vertx).globalNames().register(name, Objects.requireNonNull(pid, "pid"));
  }

  /**
   * Frees a global name if this process still holds it.
   *
   * @param vertx the Vert.x instance
   * @param name the name
   * @param pid the holder
   * @return true when the name was the process's
   */
  public static Future<Boolean> unregister(Vertx vertx, String name, Pid pid) {
    return ProcessTable.of(vertx).globalNames().release(Objects.requireNonNull(name, "name"), Objects.requireNonNull(pid, "pid"));
  }

  /**
   * Moves a global name from the process of this node that holds it to another live process of
   * this node, atomically: how a singleton hands its name to the child it started.
   *
   * @param vertx the Vert.x instance
   * @param name the name
   * @param holder its current holder
   * @param next the new holder
   * @return true when the name moved; false when {@code holder} no longer held it
   */
  static Future<Boolean> handOverTo(Vertx vertx, String name, Pid holder, Pid next) {
    return ProcessTable.of(vertx).globalNames().handOver(name, holder, next);
  }

  /**
   * @param vertx the Vert.x instance
   * @param name the name
   * @return the process that holds it, on whichever node
   */
  public static Future<Optional<Pid>> whereis(Vertx vertx, String name) {
    return ProcessTable.of(vertx).globalNames().whereis(Objects.requireNonNull(name, "name"));
  }

  /**
   * @param vertx the Vert.x instance
   * @return every global name and its holder, sorted by name
   */
  public static Future<Map<String, Pid>> registered(Vertx vertx) {
    return ProcessTable.of(vertx).globalNames().registered();
  }

  /**
   * Calls the holder of a global name, wherever it runs; noproc when nobody holds it. See
   * {@link GenServer#call(Vertx, Pid, Object, Duration)} for the failures.
   *
   * @param vertx the Vert.x instance
   * @param name the name
   * @param request the request (JSON or another type the event bus encodes, when it crosses nodes)
   * @param timeout how long to wait for the reply
   * @param <R> the reply type
   * @return the reply
   */
  public static <R> Future<R> call(Vertx vertx, String name, Object request, Duration timeout) {
    return whereis(vertx, name).compose(holder -> holder.isPresent()
      ? GenServer.<R>call(vertx, holder.get(), request, timeout)
      : Future.failedFuture(OtpException.noproc(name)));
  }

  /**
   * Casts to the holder of a global name, wherever it runs; dropped when nobody holds it.
   *
   * @param vertx the Vert.x instance
   * @param name the name
   * @param message the message
   */
  public static void cast(Vertx vertx, String name, Object message) {
    whereis(vertx, name).onSuccess(holder -> holder.ifPresent(pid -> GenServer.cast(vertx, pid, message)));
  }
}
