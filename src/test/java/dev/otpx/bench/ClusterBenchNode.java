package dev.otpx.bench;

import dev.otpx.cluster.ClusterNode;
import dev.otpx.cluster.ClusterOptions;
import dev.otpx.process.ChildSpec;
import dev.otpx.process.GenServer;
import dev.otpx.process.Pid;
import dev.otpx.process.Strategy;
import dev.otpx.process.Supervisor;
import dev.otpx.process.SupervisorFlags;
import dev.otpx.process.SupervisorSpec;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The other node of the cluster benchmark ({@link ClusterBench}), in a JVM of its own: it joins
 * the cluster with Vert.x HA on, then runs what the bench node calls or takes over, each with its
 * raw Vert.x counterpart: an echo process ({@value #ECHO}) beside a plain clustered consumer
 * ({@value #RAW_ECHO}) on the same event loop, and a singleton echo ({@value #LEADER}) beside an HA verticle
 * ({@link HaEcho}). It prints {@code ready <echo pid>} and runs until its stdin closes or it is
 * killed. Arguments: Hazelcast port, member list.
 */
public final class ClusterBenchNode {

  static final String ECHO = "bench.cluster.echo";
  static final String RAW_ECHO = "bench.cluster.raw";
  static final String LEADER = "bench.cluster.leader";
  static final String HA_ECHO = "bench.cluster.ha";

  private ClusterBenchNode() {
  }

  public static void main(String[] args) throws Exception {
    if (!Boolean.getBoolean("bench.log")) {
      ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME))
          .setLevel(ch.qos.logback.classic.Level.WARN);
    }
    Vertx vertx = join(Integer.parseInt(args[0]), args[1]).await(90, TimeUnit.SECONDS);
    BenchMain.Echo server = new BenchMain.Echo();
    Pid echo = GenServer.start(vertx, server, ECHO).await(30, TimeUnit.SECONDS);
    rawEchoOnLoopOf(vertx, server.thread).await(30, TimeUnit.SECONDS);
    leaders(vertx).await(30, TimeUnit.SECONDS);
    vertx.deployVerticle(HaEcho.class.getName(), new DeploymentOptions().setHa(true)).await(30, TimeUnit.SECONDS);
    System.out.println("ready " + echo);
    System.out.flush();
    try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
      while (in.readLine() != null) {
        // nothing to do until the bench closes stdin
      }
    }
    vertx.close().await(30, TimeUnit.SECONDS);
    System.exit(0);
  }

  /**
   * The raw echo's consumer, on the event loop of the otpx echo (the thread named {@code thread}):
   * both then share their loop with the same cluster connections, and the comparison does not
   * depend on where Vert.x's round robin put each (a consumer on the loop that owns the connection
   * back to the caller has each reply written to the socket alone; one on another loop has its
   * replies queued and written together, about twice the throughput at 64 in flight).
   */
  private static Future<Void> rawEchoOnLoopOf(Vertx vertx, String thread) {
    VertxInternal vx = (VertxInternal) vertx;
    for (EventExecutor executor : vx.nettyEventLoopGroup()) {
      if (executor instanceof EventLoop loop && thread.equals(threadOf(loop))) {
        ContextInternal context = vx.contextBuilder().withEventLoop(loop).build();
        Promise<Void> listening = Promise.promise();
        context.runOnContext(v -> vertx.eventBus().<Long>consumer(RAW_ECHO, m -> m.reply(m.body())).completion().onComplete(listening));
        return listening.future();
      }
    }
    return Future.failedFuture("no event loop named " + thread);
  }

  private static String threadOf(EventLoop loop) {
    try {
      return loop.submit(() -> Thread.currentThread().getName()).get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Joins the cluster as conf/cluster.yaml and the given port and members say, with Vert.x HA on. */
  static Future<Vertx> join(int port, String members) {
    return ClusterNode.start(ClusterOptions.fromEnv(Map.of(ClusterOptions.PORT_ENV, String.valueOf(port),
        ClusterOptions.MEMBERS_ENV, members)), new VertxOptions().setHAEnabled(true));
  }

  /** The singleton echo's supervisor: the holder of {@value #LEADER}, or its standby. */
  static Future<Pid> leaders(Vertx vertx) {
    return Supervisor.start(vertx, SupervisorSpec.of(SupervisorFlags.of(Strategy.ONE_FOR_ONE),
        List.of(ChildSpec.worker("leader", BenchMain.Echo::new).asSingleton(LEADER))), null);
  }

  /**
   * Raw Vert.x's way to run a service once in a cluster and move it when its node dies: an HA
   * verticle, which Vert.x redeploys on a survivor. It answers {@code "who"} with its node's id.
   */
  public static final class HaEcho extends VerticleBase {
    /** This JVM's HA echoes, so that the bench can undeploy the one a failover brought here. */
    static final Set<String> HERE = ConcurrentHashMap.newKeySet();

    @Override
    public Future<?> start() {
      HERE.add(deploymentID());
      String node = ((io.vertx.core.internal.VertxInternal) vertx).clusterManager().getNodeId();
      return vertx.eventBus().consumer(HA_ECHO, m -> m.reply(node)).completion();
    }

    @Override
    public Future<?> stop() {
      HERE.remove(deploymentID());
      return Future.succeededFuture();
    }
  }
}
