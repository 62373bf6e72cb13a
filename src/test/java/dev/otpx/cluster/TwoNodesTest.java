package dev.otpx.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otpx.counter.CounterServer;
import dev.otpx.process.Down;
import dev.otpx.process.Exit;
import dev.otpx.process.ExitReason;
import dev.otpx.process.GenServer;
import dev.otpx.process.Monitor;
import dev.otpx.process.Nodes;
import dev.otpx.process.Pid;
import dev.otpx.process.Processes;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import dev.otpx.testing.TestCluster;
import java.util.List;
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

  /**
   * Links to the process named by its {@code peer} argument in init, then (unless {@code sync} is
   * false) calls it once: the call travels after the link request on the same node-to-node address,
   * so once init is done the peer's node has recorded the link. With {@code trap}, an exit signal
   * becomes an {@link Exit} the test reads with the call {@code next_exit}.
   */
  static final class Linker extends GenServer<Linker.State> {

    record State(java.util.ArrayDeque<Exit> exits, java.util.ArrayDeque<dev.otpx.process.From> waiting) {
    }

    static JsonObject args(Pid peer, boolean trap, boolean sync) {
      return new JsonObject().put("peer", peer.toString()).put("trap", trap).put("sync", sync);
    }

    @Override
    protected Future<dev.otpx.process.InitResult<State>> init(JsonObject args) {
      Pid peer = Pid.parse(args.getString("peer"));
      trapExits(args.getBoolean("trap"));
      link(peer);
      State state = new State(new java.util.ArrayDeque<>(), new java.util.ArrayDeque<>());
      Future<Object> synced = args.getBoolean("sync")
        ? GenServer.call(vertx, peer, new JsonObject().put("action", "val"), Duration.ofSeconds(10))
        : Future.succeededFuture();
      return synced.map(v -> dev.otpx.process.InitResult.ok(state));
    }

    @Override
    protected dev.otpx.process.CallResult<State> handleCall(Object request, dev.otpx.process.From from, State state) {
      state.waiting().add(from);
      answer(state);
      return dev.otpx.process.CallResult.noReply(state);
    }

    @Override
    protected dev.otpx.process.CastResult<State> handleInfo(Object message, State state) {
      if (message instanceof Exit exit) {
        state.exits().add(exit);
        answer(state);
      }
      return dev.otpx.process.CastResult.noReply(state);
    }

    private static void answer(State state) {
      while (!state.exits().isEmpty() && !state.waiting().isEmpty()) {
        Exit exit = state.exits().poll();
        state.waiting().poll().reply(new JsonObject().put("from", exit.pid().toString()).put("reason", exit.reason().toJson()));
      }
    }
  }

  private Pid startCounter(Vertx node) throws Exception {
    return GenServer.start(node, new CounterServer(), new DeploymentOptions().setConfig(CounterServer.args(7, Duration.ZERO)), null)
      .await(10, TimeUnit.SECONDS);
  }

  private static Pid startLinker(Vertx node, Pid peer, boolean trap, boolean sync) throws Exception {
    return GenServer.start(node, new Linker(), new DeploymentOptions().setConfig(Linker.args(peer, trap, sync)), null)
      .await(10, TimeUnit.SECONDS);
  }

  private static JsonObject nextExit(Vertx node, Pid linker) throws Exception {
    return GenServer.<JsonObject>call(node, linker, "next_exit", Duration.ofSeconds(30)).await(40, TimeUnit.SECONDS);
  }

  @Test
  void aLinkAcrossNodesCarriesAnAbnormalExitBothWays() throws Exception {
    startTwoNodes();
    // b's process ends: the process on a linked to it ends with the same reason.
    Pid counter = startCounter(b);
    Pid linker = startLinker(a, counter, false, true);
    assertThat(Processes.info(a, linker).orElseThrow().links()).contains(counter);
    Monitor linkerDown = Processes.monitor(a, linker);
    assertThat(Processes.exit(b, counter, ExitReason.shutdown("boom"))).isTrue();
    assertThat(linkerDown.down().await(30, TimeUnit.SECONDS).reason()).isEqualTo(ExitReason.shutdown("boom"));

    // a's process ends: the process on b linked to it ends with the same reason.
    Pid other = startCounter(b);
    Pid second = startLinker(a, other, false, true);
    assertThat(Processes.info(b, other).orElseThrow().links()).contains(second);
    Monitor otherDown = Processes.monitor(b, other);
    assertThat(Processes.exit(a, second, ExitReason.shutdown("crash"))).isTrue();
    assertThat(otherDown.down().await(30, TimeUnit.SECONDS).reason()).isEqualTo(ExitReason.shutdown("crash"));
  }

  @Test
  void aTrappingProcessGetsItsRemoteLinksExitAndNoprocForAProcessThatIsNotThere() throws Exception {
    startTwoNodes();
    Pid counter = startCounter(b);
    Pid linker = startLinker(a, counter, true, true);
    assertThat(Processes.exit(b, counter, ExitReason.shutdown("boom"))).isTrue();
    JsonObject exit = nextExit(a, linker);
    assertThat(exit.getString("from")).isEqualTo(counter.toString());
    assertThat(ExitReason.fromJson(exit.getJsonObject("reason"))).isEqualTo(ExitReason.shutdown("boom"));
    assertThat(Processes.info(a, linker).orElseThrow().links()).doesNotContain(counter);

    // The counter is gone now: a link to it is answered with noproc through the link, as in Erlang.
    Pid late = startLinker(a, counter, true, false);
    JsonObject noproc = nextExit(a, late);
    assertThat(noproc.getString("from")).isEqualTo(counter.toString());
    assertThat(ExitReason.fromJson(noproc.getJsonObject("reason"))).isEqualTo(ExitReason.NOPROC);
  }

  @Test
  void aProcessLinkedToAProcessWhoseNodeDiesExitsWithNoconnection() throws Exception {
    startTwoNodes();
    Pid counter = startCounter(b);
    Pid linker = startLinker(a, counter, false, true);
    Monitor linkerDown = Processes.monitor(a, linker);
    ((io.vertx.spi.cluster.hazelcast.HazelcastClusterManager) ((io.vertx.core.internal.VertxInternal) b).clusterManager())
      .getHazelcastInstance().getLifecycleService().terminate();
    assertThat(linkerDown.down().await(30, TimeUnit.SECONDS).reason()).isEqualTo(ExitReason.NOCONNECTION);
  }

  /**
   * Keeps the last number each sender sent it and whether each arrived next in line; a call with a
   * count is answered, once that many arrived, with whether all were in order.
   */
  static final class InOrder extends GenServer<java.util.Map<String, Integer>> {
    private boolean ordered = true;
    private int count;
    private int expected = -1;
    private dev.otpx.process.From waiting;

    @Override
    protected Future<dev.otpx.process.InitResult<java.util.Map<String, Integer>>> init(JsonObject args) {
      return Future.succeededFuture(dev.otpx.process.InitResult.ok(new java.util.HashMap<>()));
    }

    @Override
    protected dev.otpx.process.CastResult<java.util.Map<String, Integer>> handleCast(Object message, java.util.Map<String, Integer> last) {
      JsonObject numbered = (JsonObject) message;
      int previous = last.getOrDefault(numbered.getString("from"), 0);
      ordered &= numbered.getInteger("n") == previous + 1;
      last.put(numbered.getString("from"), numbered.getInteger("n"));
      count++;
      answer();
      return dev.otpx.process.CastResult.noReply(last);
    }

    @Override
    protected dev.otpx.process.CastResult<java.util.Map<String, Integer>> handleInfo(Object message, java.util.Map<String, Integer> last) {
      return handleCast(message, last);
    }

    @Override
    protected dev.otpx.process.CallResult<java.util.Map<String, Integer>> handleCall(Object request, dev.otpx.process.From from,
        java.util.Map<String, Integer> last) {
      expected = (Integer) request;
      waiting = from;
      answer();
      return dev.otpx.process.CallResult.noReply(last);
    }

    private void answer() {
      if (waiting != null && count >= expected) {
        waiting.reply(new JsonObject().put("count", count).put("ordered", ordered));
        waiting = null;
      }
    }
  }

  /** In its init, sends {@code n} numbered messages to {@code peer}, casts and plain sends in turn. */
  static final class Numbering extends GenServer<Integer> {
    @Override
    protected Future<dev.otpx.process.InitResult<Integer>> init(JsonObject args) {
      Pid peer = Pid.parse(args.getString("peer"));
      int n = args.getInteger("n");
      String me = self().toString();
      for (int i = 1; i <= n; i++) {
        JsonObject numbered = new JsonObject().put("from", me).put("n", i);
        if (i % 2 == 0) {
          GenServer.cast(vertx, peer, numbered);
        } else {
          dev.otpx.process.Processes.send(vertx, peer, numbered);
        }
      }
      return Future.succeededFuture(dev.otpx.process.InitResult.ok(n));
    }
  }

  @Test
  void messagesFromEachProcessToARemoteProcessArriveInSendOrder() throws Exception {
    startTwoNodes();
    Pid receiver = GenServer.start(b, new InOrder()).await(10, TimeUnit.SECONDS);
    int senders = 8;
    int each = 500;
    // Started from outside any process, the senders spread over a's event loops, round robin.
    for (int i = 0; i < senders; i++) {
      GenServer.start(a, new Numbering(), new DeploymentOptions().setConfig(new JsonObject().put("peer", receiver.toString())
        .put("n", each)), null).await(10, TimeUnit.SECONDS);
    }
    JsonObject report = GenServer.<JsonObject>call(a, receiver, senders * each, Duration.ofSeconds(30)).await(40, TimeUnit.SECONDS);
    assertThat(report.getInteger("count")).isEqualTo(senders * each);
    assertThat(report.getBoolean("ordered")).isTrue();
  }

  /** Starts nodes a and b side by side, each listing both as members, and waits until both joined. */
  private void startTwoNodes() throws Exception {
    List<Vertx> nodes = TestCluster.start(2, 60);
    a = nodes.get(0);
    b = nodes.get(1);
  }
}
