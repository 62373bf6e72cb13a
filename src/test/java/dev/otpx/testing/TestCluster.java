package dev.otpx.testing;

import dev.otpx.cluster.ClusterNode;
import dev.otpx.cluster.ClusterOptions;
import com.hazelcast.cluster.Cluster;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.internal.VertxInternal;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Clustered nodes in the test's JVM: Hazelcast members on loopback, each on a free port and given
 * the others' addresses explicitly, so that concurrent test runs on one machine never join each
 * other's cluster. The jar across separate JVMs is the ITs' business.
 */
public final class TestCluster {

  private TestCluster() {
  }

  /** A port nothing listens on now (the usual race with whoever takes it next is accepted). */
  public static int freePort() {
    try (ServerSocket probe = new ServerSocket(0)) {
      return probe.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Starts one clustered node.
   *
   * @param port its Hazelcast port
   * @param members the member list it looks for, {@code host:port,...}
   * @return the node once it has joined
   */
  public static Future<Vertx> node(int port, String members) {
    return ClusterNode.start(ClusterOptions.fromEnv(Map.of(ClusterOptions.PORT_ENV, String.valueOf(port),
      ClusterOptions.MEMBERS_ENV, members)), new VertxOptions());
  }

  /**
   * Starts {@code count} nodes that know each other, all at once, and waits until each has joined.
   *
   * @param count how many
   * @param timeoutSeconds the limit for each node's start
   * @return the nodes, in start order
   */
  public static List<Vertx> start(int count, long timeoutSeconds) throws Exception {
    List<Integer> ports = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      ports.add(freePort());
    }
    String members = String.join(",", ports.stream().map(p -> "127.0.0.1:" + p).toList());
    List<Future<Vertx>> starting = ports.stream().map(p -> node(p, members)).toList();
    List<Vertx> nodes = new ArrayList<>();
    for (Future<Vertx> node : starting) {
      nodes.add(node.await(timeoutSeconds, TimeUnit.SECONDS));
    }
    return nodes;
  }

  /**
   * Completes once the cluster, as {@code node}'s Hazelcast member sees it, has {@code size}
   * members (at once when it has them already).
   *
   * @param node a clustered node
   * @param size how many members to wait for
   * @return completes when the count is reached; never fails (bound it with a timeout)
   */
  public static Future<Void> awaitMembers(Vertx node, int size) {
    HazelcastClusterManager manager = (HazelcastClusterManager) ((VertxInternal) node).clusterManager();
    Cluster cluster = manager.getHazelcastInstance().getCluster();
    Promise<Void> reached = Promise.promise();
    cluster.addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {
        check();
      }

      @Override
      public void memberRemoved(MembershipEvent event) {
        check();
      }

      private void check() {
        if (cluster.getMembers().size() == size) {
          reached.tryComplete();
        }
      }
    });
    if (cluster.getMembers().size() == size) {
      reached.tryComplete();
    }
    return reached.future();
  }
}
