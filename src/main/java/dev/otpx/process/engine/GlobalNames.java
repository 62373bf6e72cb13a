package dev.otpx.process.engine;

import dev.otpx.process.ExitReason;
import dev.otpx.process.OtpException;
import dev.otpx.process.Pid;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.AsyncMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Names unique across the cluster, Erlang's {@code :global}: one entry per name in the cluster's
 * shared map {@value #MAP} (Hazelcast's, with a backup on another member, when clustered; this
 * node's own otherwise), name to the holder's printed pid. A name is taken with putIfAbsent and
 * given back with remove-if-still-ours, when its process exits (a monitor of the holder) or its node
 * leaves (every survivor removes the gone node's names; removing twice is harmless).
 */
public final class GlobalNames {

  /** The cluster-wide map of global names. */
  public static final String MAP = "otpx.global.names";

  private static final Logger log = LoggerFactory.getLogger(GlobalNames.class);

  private final ProcessTable table;
  private final Vertx vertx;
  /** The names this node's processes hold, as far as this node knows. */
  private final Map<String, Pid> held = new ConcurrentHashMap<>();
  private volatile Future<AsyncMap<String, String>> map;

  GlobalNames(ProcessTable table) {
    this.table = table;
    this.vertx = table.vertx();
  }

  private Future<AsyncMap<String, String>> map() {
    Future<AsyncMap<String, String>> current = map;
    if (current == null || current.failed()) {
      current = vertx.sharedData().getAsyncMap(MAP);
      map = current;
    }
    return current;
  }

  /**
   * Registers a global name for a live process of this node.
   *
   * @param name the name
   * @param pid the process
   * @return completes once the name is the process's; fails with already_started naming the holder
   *     or noproc
   */
  public Future<Void> register(String name, Pid pid) {
    ProcessCell cell = table.lookup(pid);
    if (cell == null) {
      return Future.failedFuture(OtpException.noproc(pid));
    }
    return map().compose(names -> names.putIfAbsent(name, pid.toString()).compose(previous -> {
      if (previous != null) {
        return Future.failedFuture(OtpException.alreadyStarted(name, Pid.parse(previous)));
      }
      held.put(name, pid);
      // The holder's exit frees the name; a process that exited meanwhile frees it at once (noproc).
      table.monitor(table.lookup(pid), table.newRef(), reason -> release(name, pid));
      return Future.succeededFuture();
    }));
  }

  /**
   * Replaces the holder of a name this node's process holds, atomically: how a singleton's guard
   * hands its name to the child it started.
   *
   * @param name the name
   * @param from the current holder
   * @param to the new holder, a live process of this node
   * @return true when the name moved; false when {@code from} no longer held it
   */
  public Future<Boolean> handOver(String name, Pid from, Pid to) {
    return map().compose(names -> names.replaceIfPresent(name, from.toString(), to.toString())).map(moved -> {
      if (moved) {
        held.put(name, to);
        table.monitor(table.lookup(to), table.newRef(), reason -> release(name, to));
      }
      return moved;
    });
  }

  /**
   * Frees a name if this pid still holds it.
   *
   * @param name the name
   * @param pid the holder it must still have
   * @return completes when done
   */
  public Future<Boolean> release(String name, Pid pid) {
    held.remove(name, pid);
    return map().compose(names -> names.removeIfPresent(name, pid.toString()))
      .onFailure(err -> log.warn("node {}: could not free global name {} of {}: {}", table.node(), name, pid, err.toString()));
  }

  /**
   * @param name the name
   * @return its holder, if any
   */
  public Future<Optional<Pid>> whereis(String name) {
    return map().compose(names -> names.get(name)).map(pid -> Optional.ofNullable(pid).map(Pid::parse));
  }

  /** @return every global name and its holder */
  public Future<Map<String, Pid>> registered() {
    return map().compose(AsyncMap::entries).map(entries -> {
      Map<String, Pid> result = new java.util.TreeMap<>();
      entries.forEach((name, pid) -> result.put(name, Pid.parse(pid)));
      return result;
    });
  }

  /**
   * A node left: free the names its processes held (every survivor does it; the removal only
   * happens if the entry is still the gone process's).
   *
   * @param node the node's id
   * @return completes when done
   */
  Future<Void> freeNamesOf(String node) {
    return map().compose(names -> names.entries().compose(entries -> {
      List<Future<Boolean>> removals = new ArrayList<>();
      entries.forEach((name, pid) -> {
        if (Pid.parse(pid).node().equals(node)) {
          removals.add(names.removeIfPresent(name, pid));
        }
      });
      return Future.join(removals).mapEmpty();
    }));
  }

  /**
   * After the cluster merged again: every name this node's processes hold that the cluster now
   * gives to another process is lost, and its process here is stopped, so that once the merge is
   * done only one process serves the name (Erlang's default resolution also kills one of the two).
   *
   * @return the names lost
   */
  public Future<List<String>> resolveAfterMerge() {
    List<Future<String>> checks = new ArrayList<>();
    held.forEach((name, pid) -> checks.add(map()
      .compose(names -> names.get(name).compose(now -> {
        if (now == null) {
          return names.putIfAbsent(name, pid.toString()).map(previous -> previous == null || previous.equals(pid.toString()) ? null : previous);
        }
        return Future.succeededFuture(now.equals(pid.toString()) ? null : now);
      }))
      .map(winner -> {
        if (winner == null) {
          return null;
        }
        held.remove(name, pid);
        log.warn("node {}: global name {} of {} went to {} when the cluster merged: {} stops", table.node(), name, pid, winner, pid);
        Client.exit(table.lookup(pid), ExitReason.shutdown("global_name_conflict"));
        return name;
      })));
    return Future.all(checks).map(all -> {
      List<String> lost = new ArrayList<>();
      for (int i = 0; i < all.size(); i++) {
        if (all.resultAt(i) != null) {
          lost.add(all.resultAt(i));
        }
      }
      return lost;
    });
  }
}
