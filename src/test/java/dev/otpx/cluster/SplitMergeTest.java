package dev.otpx.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otpx.counter.CounterServer;
import dev.otpx.process.Down;
import dev.otpx.process.ExitReason;
import dev.otpx.process.GenServer;
import dev.otpx.process.Global;
import dev.otpx.process.Monitor;
import dev.otpx.process.Pid;
import dev.otpx.process.Processes;
import dev.otpx.process.ChildSpec;
import dev.otpx.process.Strategy;
import dev.otpx.process.Supervisor;
import dev.otpx.process.SupervisorFlags;
import dev.otpx.process.SupervisorSpec;
import java.util.List;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import dev.otpx.testing.TestCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two sides that each registered the same global name, as both sides of a network split do, then
 * merge: side A (two members) starts while side B's member is not up yet and lists it, side B (one
 * member) lists only itself, so the two form separate clusters of one name and only find each
 * other through Hazelcast's split-brain search, exactly as after a split. Once merged, one process
 * holds the name for every node and the other has been stopped with
 * {@code {shutdown, global_name_conflict}}.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SplitMergeTest {

  private static final String NAME = "split.leader";
  private static final String SINGLETON = "split.singleton";

  private Vertx a1;
  private Vertx a2;
  private Vertx b;


  @AfterEach
  void close() throws Exception {
    for (Vertx node : new Vertx[] {a1, a2, b}) {
      if (node != null) {
        node.close().await(30, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void afterTheMergeOneProcessHoldsAGlobalNameBothSidesRegisteredAndTheOtherStops() throws Exception {
    int portA1 = TestCluster.freePort();
    int portA2 = TestCluster.freePort();
    int portB = TestCluster.freePort();
    String everyone = "127.0.0.1:" + portA1 + ",127.0.0.1:" + portA2 + ",127.0.0.1:" + portB;
    Future<Vertx> startingA1 = TestCluster.node(portA1, everyone);
    Future<Vertx> startingA2 = TestCluster.node(portA2, everyone);
    a1 = startingA1.await(90, TimeUnit.SECONDS);
    a2 = startingA2.await(90, TimeUnit.SECONDS);
    b = TestCluster.node(portB, "127.0.0.1:" + portB).await(90, TimeUnit.SECONDS);

    Pid onA = GenServer.start(a2, new CounterServer(), new DeploymentOptions().setConfig(CounterServer.args(1, Duration.ZERO)), null)
      .await(10, TimeUnit.SECONDS);
    Pid onB = GenServer.start(b, new CounterServer(), new DeploymentOptions().setConfig(CounterServer.args(2, Duration.ZERO)), null)
      .await(10, TimeUnit.SECONDS);
    Global.register(a2, NAME, onA).await(10, TimeUnit.SECONDS);
    // B's side does not see A's: the same name is free there, as on the far side of a split.
    Global.register(b, NAME, onB).await(10, TimeUnit.SECONDS);
    Monitor watchA = Processes.monitor(a2, onA);
    Monitor watchB = Processes.monitor(b, onB);
    // A singleton runs on each side (A's on one of its two nodes), as it would after a split.
    for (Vertx node : new Vertx[] {a1, a2, b}) {
      Supervisor.start(node, SupervisorSpec.of(SupervisorFlags.of(Strategy.ONE_FOR_ONE), List.of(ChildSpec.worker("leader",
        CounterServer::new).withArgs(CounterServer.args(0, Duration.ZERO)).asSingleton(SINGLETON))), null).await(20, TimeUnit.SECONDS);
    }
    Pid singletonA = awaitChildHolder(a1, SINGLETON);
    Pid singletonB = awaitChildHolder(b, SINGLETON);
    assertThat(singletonA).isNotEqualTo(singletonB);
    Monitor singletonDownA = Processes.monitor(a1, singletonA);
    Monitor singletonDownB = Processes.monitor(b, singletonB);

    // The merge (Hazelcast's first check after 10 s): the smaller side, B, joins A and loses.
    Down lost = Future.any(watchA.down(), watchB.down()).map(v -> watchB.down().isComplete() ? watchB.down().result()
      : watchA.down().result()).await(120, TimeUnit.SECONDS);
    assertThat(lost.reason()).isEqualTo(ExitReason.shutdown("global_name_conflict"));
    Pid winner = lost.pid().equals(onA) ? onB : onA;
    for (Vertx node : new Vertx[] {a1, a2, b}) {
      assertThat(Global.whereis(node, NAME).await(10, TimeUnit.SECONDS)).contains(winner);
    }
    assertThat(Processes.info(winner.equals(onA) ? a2 : b, winner)).isPresent();

    // The singleton: the merge leaves one instance, which every node reaches under its name.
    Down lostSingleton = Future.any(singletonDownA.down(), singletonDownB.down()).map(v -> singletonDownB.down().isComplete()
      ? singletonDownB.down().result() : singletonDownA.down().result()).await(60, TimeUnit.SECONDS);
    assertThat(lostSingleton.reason()).isEqualTo(ExitReason.shutdown("global_name_conflict"));
    Pid kept = lostSingleton.pid().equals(singletonA) ? singletonB : singletonA;
    for (Vertx node : new Vertx[] {a1, a2, b}) {
      assertThat(Global.whereis(node, SINGLETON).await(10, TimeUnit.SECONDS)).contains(kept);
    }
    assertThat(singletonDownA.down().isComplete() && singletonDownB.down().isComplete()).as("one instance is left").isFalse();
  }

  /** The node a pid of this test lives on. */
  private Vertx runs(Pid pid) {
    for (Vertx node : new Vertx[] {a1, a2, b}) {
      if (dev.otpx.process.Nodes.self(node).equals(pid.node())) {
        return node;
      }
    }
    throw new AssertionError("no node of this test runs " + pid);
  }

  /**
   * The singleton's child on this node's side once its guard has handed it the name (the guard
   * traps exits, the counter does not): asked every 25 ms (the shared map sends no change
   * events), 30 s at most.
   */
  private Pid awaitChildHolder(Vertx node, String name) throws Exception {
    for (int i = 0; i < 1200; i++) {
      Pid holder = Global.whereis(node, name).await(10, TimeUnit.SECONDS).orElse(null);
      if (holder != null && !Processes.info(runs(holder), holder).map(dev.otpx.process.ProcessInfo::trapsExits).orElse(true)) {
        return holder;
      }
      node.timer(25).await(1, TimeUnit.SECONDS);
    }
    throw new AssertionError("no singleton child holds " + name);
  }
}
