package dev.otpx.process;

import dev.otpx.process.engine.Distribution;
import dev.otpx.process.engine.ProcessTable;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;

/**
 * This node and the others of its cluster, as the runtime sees them: the node's id (the one its pids
 * carry), and the hooks through which the cluster manager's glue ({@code dev.otpx.cluster}) tells
 * the runtime that a node left or that the cluster merged again. Without a cluster, a node is alone
 * and these hooks have nothing to do.
 */
public final class Nodes {

  private Nodes() {
  }

  /**
   * @param vertx the Vert.x instance
   * @return this node's id, as every pid spawned here carries it
   */
  public static String self(Vertx vertx) {
    return ProcessTable.of(vertx).node();
  }

  /**
   * Opens this node to the cluster: from then on, calls, casts, monitors and exit signals from other
   * nodes reach its processes. Called once the clustered Vert.x has joined.
   *
   * @param vertx a clustered Vert.x instance
   * @return completes when the node's cluster-wide address is registered
   * @throws IllegalStateException when the Vert.x instance is not clustered
   */
  public static Future<Void> open(Vertx vertx) {
    Distribution distribution = ProcessTable.of(vertx).distribution();
    if (distribution == null) {
      throw new IllegalStateException("Vert.x is not clustered");
    }
    return distribution.start();
  }

  /**
   * Another node left the cluster (it stopped, died or cannot be reached): its global names are
   * freed, then calls waiting on it fail with exit {@code noconnection} and each monitor of one of
   * its processes gets one DOWN {@code noconnection}. Telling it twice does nothing more.
   *
   * @param vertx the Vert.x instance
   * @param node the node's id
   */
  public static void nodeLeft(Vertx vertx, String node) {
    Distribution distribution = ProcessTable.of(vertx).distribution();
    if (distribution != null) {
      distribution.nodeLeft(node);
    }
  }

  /**
   * A node joined (again): after a split, messages to it flow once more.
   *
   * @param vertx the Vert.x instance
   * @param node the node's id
   */
  public static void nodeJoined(Vertx vertx, String node) {
    Distribution distribution = ProcessTable.of(vertx).distribution();
    if (distribution != null) {
      distribution.nodeJoined(node);
    }
  }

  /**
   * The cluster merged again after a split: each global name this node's processes held that the
   * merged cluster gives to another process is lost, and its process here is stopped with
   * {@code {shutdown, global_name_conflict}}, so that only one process serves each name.
   *
   * @param vertx the Vert.x instance
   * @return the names this node lost
   */
  public static Future<List<String>> merged(Vertx vertx) {
    return ProcessTable.of(vertx).globalNames().resolveAfterMerge();
  }
}
