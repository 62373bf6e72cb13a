package dev.otpx.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otpx.counter.CounterServer;
import dev.otpx.process.Down;
import dev.otpx.process.ExitReason;
import dev.otpx.process.GenServer;
import dev.otpx.process.Monitor;
import dev.otpx.process.Nodes;
import dev.otpx.process.Pid;
import dev.otpx.process.Processes;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two clustered nodes in this JVM (two Hazelcast members on loopback): the distribution protocol
 * itself, without the jar. The jar across separate JVMs is ClusterIT's.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TwoNodesTest {

  private Vertx a;
  private Vertx b;

  private static int freePort() throws IOException {
    try (ServerSocket probe = new ServerSocket(0)) {
      return probe.getLocalPort();
    }
  }

  @AfterEach
  void close() throws Exception {
    for (Vertx node : new Vertx[] {a, b}) {
      if (node != null) {
        node.close().await(20, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void aRemoteProcessIsCalledAndItsMonitorGetsNoconnectionWhenItsNodeLeaves() throws Exception {
    startTwoNodes();
    Pid counter = GenServer.start(b, new CounterServer(), new DeploymentOptions().setConfig(CounterServer.args(7, Duration.ZERO)), null)
      .await(10, TimeUnit.SECONDS);
    assertThat(counter.node()).isEqualTo(Nodes.self(b)).isNotEqualTo(Nodes.self(a));

    JsonObject value = GenServer.<JsonObject>call(a, counter, new JsonObject().put("action", "val"), Duration.ofSeconds(5))
      .await(10, TimeUnit.SECONDS);
    assertThat(value.getInteger("value")).isEqualTo(7);

    // A graceful leave: the remote process stops first, and its monitor gets its own reason.
    Monitor graceful = Processes.monitor(a, counter);
    Pid other = GenServer.start(a, new CounterServer(), new DeploymentOptions().setConfig(CounterServer.args(1, Duration.ZERO)), null)
      .await(10, TimeUnit.SECONDS);
    Monitor remoteExit = Processes.monitor(b, other);
    assertThat(Processes.exit(b, other, ExitReason.shutdown("remote"))).isTrue();
    assertThat(remoteExit.down().await(10, TimeUnit.SECONDS).reason()).isEqualTo(ExitReason.shutdown("remote"));
    b.close().await(30, TimeUnit.SECONDS);
    b = null;
    assertThat(graceful.down().await(30, TimeUnit.SECONDS).reason()).isEqualTo(ExitReason.SHUTDOWN);
  }

  @Test
  void aMonitorOfAProcessWhoseNodeDiesGetsOneDownNoconnection() throws Exception {
    startTwoNodes();
    Pid counter = GenServer.start(b, new CounterServer(), new DeploymentOptions().setConfig(CounterServer.args(7, Duration.ZERO)), null)
      .await(10, TimeUnit.SECONDS);
    Monitor monitor = Processes.monitor(a, counter);
    // Hazelcast's terminate drops the member at once, as a crash does: no process of b stops first.
    ((io.vertx.spi.cluster.hazelcast.HazelcastClusterManager) ((io.vertx.core.internal.VertxInternal) b).clusterManager())
      .getHazelcastInstance().getLifecycleService().terminate();
    Down down = monitor.down().await(30, TimeUnit.SECONDS);
    assertThat(down.reason()).isEqualTo(ExitReason.NOCONNECTION);
    Throwable call = GenServer.call(a, counter, new JsonObject().put("action", "val"), Duration.ofSeconds(5))
      .map(x -> (Throwable) null).otherwise(err -> err).await(10, TimeUnit.SECONDS);
    assertThat(((dev.otpx.process.OtpException) call).reason()).isEqualTo(ExitReason.NOCONNECTION);
  }

  /** Starts nodes a and b side by side, each listing both as members, and waits until both joined. */
  private void startTwoNodes() throws Exception {
    int portA = freePort();
    int portB = freePort();
    String members = "127.0.0.1:" + portA + ",127.0.0.1:" + portB;
    Future<Vertx> startingA = ClusterNode.start(ClusterOptions.fromEnv(Map.of("OTPX_CLUSTER_PORT", String.valueOf(portA),
      "OTPX_CLUSTER_MEMBERS", members)), new VertxOptions());
    Future<Vertx> startingB = ClusterNode.start(ClusterOptions.fromEnv(Map.of("OTPX_CLUSTER_PORT", String.valueOf(portB),
      "OTPX_CLUSTER_MEMBERS", members)), new VertxOptions());
    a = startingA.await(60, TimeUnit.SECONDS);
    b = startingB.await(60, TimeUnit.SECONDS);
  }
}
