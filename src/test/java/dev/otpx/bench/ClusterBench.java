package dev.otpx.bench;

import static dev.otpx.bench.BenchMain.await;
import static dev.otpx.bench.BenchMain.deploy;

import dev.otpx.process.ExitReason;
import dev.otpx.process.GenServer;
import dev.otpx.process.Global;
import dev.otpx.process.Nodes;
import dev.otpx.process.Pid;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The cluster benchmarks of issue 13, two JVMs on loopback: this one and a {@link ClusterBenchNode}
 * (-Xmx256m). A call to a process on the other node, sequential and 64 in flight (8 drivers × 8),
 * against a request to a plain clustered consumer on that node, in the same run; then the
 * singleton's failover after {@code kill -9} of the node that runs it (until a call by its global
 * name answers from here), against Vert.x HA's redeployment of an HA verticle from the same kill
 * (until a request to its address answers from here). Failure detection is conf/cluster.yaml's:
 * heartbeat every 1 s, a member silent for 10 s is removed; a killed JVM's connections close at
 * once, which Hazelcast usually notices first. Each failover round starts a new other node.
 * The calls are measured after a warm-up of 10 s ({@code bench.clusterWarmupSeconds}), in at
 * least 7 timed rounds of 1 s ({@code bench.clusterRoundMillis}); {@code bench.kills} sets the failover rounds (default: the suite's rounds;
 * 0 skips them).
 */
final class ClusterBench {

  private static final Duration CALL = Duration.ofSeconds(5);
  /**
   * Warm-up of the call benchmarks, otpx's and raw's rounds taken in turn: the other node is a fresh
   * JVM, and after the suite's 2 warm-up rounds of 300 ms its figures still rose round after round
   * (up to 4× within one row), so a row measured the JIT more than either side.
   */
  private static final Duration CALL_WARMUP = Duration.ofSeconds(Long.getLong("bench.clusterWarmupSeconds", 10));
  /**
   * Length of a call benchmark's round: 1 s, as 300 ms rounds of sequential calls (a few thousand
   * calls) swung by ±40% with the machine's other load.
   */
  private static final long CALL_ROUND_NANOS = TimeUnit.MILLISECONDS.toNanos(Long.getLong("bench.clusterRoundMillis", 1000));
  /** Timed rounds of each call benchmark: at least 7, for a steadier median. */
  private static final int CALL_ROUNDS = Math.max(BenchMain.ROUNDS, 7);
  /** A failover that takes longer than this fails the round. */
  private static final Duration FAILOVER_LIMIT = Duration.ofSeconds(60);

  private final BenchMain bench;
  private final int selfPort;
  private final int otherPort;
  private final String members;
  private Vertx self;
  private Other other;

  private ClusterBench(BenchMain bench) throws IOException {
    this.bench = bench;
    this.selfPort = freePort();
    this.otherPort = freePort();
    this.members = "127.0.0.1:" + selfPort + ",127.0.0.1:" + otherPort;
  }

  static void run(BenchMain bench) throws Exception {
    new ClusterBench(bench).runAll();
  }

  private static int freePort() throws IOException {
    try (ServerSocket probe = new ServerSocket(0)) {
      return probe.getLocalPort();
    }
  }

  private void runAll() throws Exception {
    try {
      other = Other.start(otherPort, members);
      self = ClusterBenchNode.join(selfPort, members).toCompletionStage().toCompletableFuture().get(90, TimeUnit.SECONDS);
      Pid echo = other.awaitReady();
      remoteCalls(echo);
      failover();
    } finally {
      if (other != null) {
        other.close();
      }
      if (self != null) {
        await(self.close());
      }
    }
  }

  private void remoteCalls(Pid echo) throws Exception {
    BenchMain.Driver driver = deploy(self, new BenchMain.Driver());
    DeliveryOptions timeout = new DeliveryOptions().setSendTimeout(CALL.toMillis());
    String where = "2 JVMs on loopback; server process on the other node, called by pid; raw: a clustered consumer there";
    double[][] sequential = warmedPaired(
        () -> driver.sequential(() -> GenServer.call(self, echo, 1L, CALL), CALL_ROUND_NANOS),
        () -> driver.sequential(() -> self.eventBus().request(ClusterBenchNode.RAW_ECHO, 1L, timeout), CALL_ROUND_NANOS));
    bench.add(new BenchMain.Result("call to a process on another node, 1 client sequential", "calls/s", true,
        sequential[0], sequential[1], "≥ 0.9× raw clustered request", where));
    List<BenchMain.Driver> drivers = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      drivers.add(deploy(self, new BenchMain.Driver()));
    }
    double[][] inFlight = warmedPaired(
        () -> BenchMain.rate(drivers.stream().map(d -> d.inFlight(8, () -> GenServer.call(self, echo, 1L, CALL), CALL_ROUND_NANOS)).toList()),
        () -> BenchMain.rate(drivers.stream().map(d -> d.inFlight(8, () -> self.eventBus().request(ClusterBenchNode.RAW_ECHO, 1L, timeout), CALL_ROUND_NANOS)).toList()));
    bench.add(new BenchMain.Result("call to a process on another node, 8 clients × 8 in flight", "calls/s", true,
        inFlight[0], inFlight[1], "≥ 0.9× raw clustered request", where));
    for (BenchMain.Driver d : drivers) {
      await(self.undeploy(d.deploymentID()));
    }
    await(self.undeploy(driver.deploymentID()));
  }

  /**
   * {@link BenchMain#paired} after a warm-up of at least {@link #CALL_WARMUP} (and the suite's
   * warm-up rounds), otpx's and raw's rounds alternating throughout.
   */
  private static double[][] warmedPaired(java.util.function.Supplier<CompletableFuture<Double>> otpx,
      java.util.function.Supplier<CompletableFuture<Double>> raw) throws Exception {
    long end = System.nanoTime() + CALL_WARMUP.toNanos();
    for (int pairs = 0; pairs < BenchMain.WARMUP || System.nanoTime() < end; pairs++) {
      otpx.get().get(60, TimeUnit.SECONDS);
      raw.get().get(60, TimeUnit.SECONDS);
    }
    return BenchMain.paired(0, CALL_ROUNDS, otpx, raw);
  }

  /**
   * Rounds of: the other node holds the singleton and the HA verticle, this node stands by; kill -9
   * of the other node; time until each answers from here. Between rounds a new other node starts
   * and takes both back (this node's singleton supervisor stops, its HA verticle is undeployed).
   */
  private void failover() throws Exception {
    int rounds = Integer.getInteger("bench.kills", Math.max(1, BenchMain.ROUNDS));
    if (rounds < 1) {
      return;
    }
    double[] singleton = new double[rounds];
    double[] ha = new double[rounds];
    String here = Nodes.self(self);
    Pid standby = null;
    for (int round = 0; round < rounds; round++) {
      if (round > 0) {
        other = Other.start(otherPort, members);
        other.awaitReady();
        // Hand both back to the new node: this node's holder stops, the new node's standby claims.
        await(GenServer.stop(self, standby, ExitReason.SHUTDOWN));
        for (String id : List.copyOf(ClusterBenchNode.HaEcho.HERE)) {
          await(self.undeploy(id));
        }
        awaitHolderOn(other.node());
      }
      standby = await(ClusterBenchNode.leaders(self));
      String holder = await(Global.whereis(self, ClusterBenchNode.LEADER)).orElseThrow().node();
      if (holder.equals(here)) {
        throw new IllegalStateException("the singleton runs here before the kill");
      }
      long killed = System.nanoTime();
      other.kill();
      Future<Long> leader = untilAnswers(() -> Global.<Pid>call(self, ClusterBenchNode.LEADER, "who", Duration.ofMillis(500))
          .map(pid -> pid.node().equals(here)), killed);
      Future<Long> raw = untilAnswers(() -> self.eventBus().<String>request(ClusterBenchNode.HA_ECHO, "who",
          new DeliveryOptions().setSendTimeout(500)).map(m -> m.body().equals(here)), killed);
      singleton[round] = await(leader) / 1e6;
      ha[round] = await(raw) / 1e6;
      other = null;
    }
    bench.add(new BenchMain.Result("singleton failover after kill -9 of its node, 2 nodes", "ms", false, singleton, ha,
        "≤ 15 s (stated bound; ClusterIT measured 1.0–1.4 s)",
        String.format(Locale.ROOT, "until a call by the global name answers from the survivor; raw: Vert.x HA redeploys an"
            + " HA verticle there and it answers; Hazelcast heartbeat 1 s, member removed after 10 s silent; %d kill(s)", rounds)));
  }

  /** Asks every 5 ms until the answer is true, from the survivor; completes with the nanos since {@code since}. */
  private Future<Long> untilAnswers(java.util.function.Supplier<Future<Boolean>> ask, long since) {
    Promise<Long> done = Promise.promise();
    self.runOnContext(v -> ask(ask, since, done));
    return done.future();
  }

  private void ask(java.util.function.Supplier<Future<Boolean>> ask, long since, Promise<Long> done) {
    long elapsed = System.nanoTime() - since;
    if (elapsed > FAILOVER_LIMIT.toNanos()) {
      done.fail("no answer from the survivor within " + FAILOVER_LIMIT);
      return;
    }
    ask.get().onComplete(ar -> {
      if (ar.succeeded() && ar.result()) {
        done.complete(System.nanoTime() - since);
      } else {
        self.setTimer(5, t -> ask(ask, since, done));
      }
    });
  }

  /** Waits until the singleton's name is held on {@code node} (asked every 20 ms, 60 s at most). */
  private void awaitHolderOn(String node) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      Pid holder = await(Global.whereis(self, ClusterBenchNode.LEADER)).orElse(null);
      if (holder != null && holder.node().equals(node)) {
        return;
      }
      await(self.timer(20));
    }
    throw new IllegalStateException("the singleton did not move to the new node");
  }

  /** The other node's JVM: its output read on a thread of its own, killed with SIGKILL. */
  private static final class Other implements AutoCloseable {
    private final Process process;
    private final BlockingQueue<String> ready = new LinkedBlockingQueue<>();
    private final Thread hook;
    private Pid echo;

    private Other(Process process) {
      this.process = process;
      this.hook = new Thread(process::destroyForcibly, "cluster-bench-reaper");
      Runtime.getRuntime().addShutdownHook(hook);
      Thread reader = new Thread(() -> {
        try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
          for (String line = out.readLine(); line != null; line = out.readLine()) {
            if (line.startsWith("ready ") || line.contains("Exception") && line.contains("main")) {
              ready.add(line);
            }
            if (Boolean.getBoolean("bench.log")) {
              System.out.println("[other] " + line);
            }
          }
        } catch (IOException gone) {
          // the node has gone
        }
        ready.add("ended");
      }, "cluster-bench-other");
      reader.setDaemon(true);
      reader.start();
    }

    static Other start(int port, String members) throws IOException {
      List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xmx256m", "-XX:+UseG1GC"));
      if (Boolean.getBoolean("bench.log")) {
        command.add("-Dbench.log=true");
      }
      command.addAll(List.of("-cp", ChannelsServerProcess.classpath(), ClusterBenchNode.class.getName(),
          String.valueOf(port), members));
      return new Other(new ProcessBuilder(command).redirectErrorStream(true).start());
    }

    Pid awaitReady() throws InterruptedException {
      String line = ready.poll(120, TimeUnit.SECONDS);
      if (line == null || !line.startsWith("ready ")) {
        throw new IllegalStateException("the other node did not start: " + line);
      }
      echo = Pid.parse(line.substring("ready ".length()).trim());
      return echo;
    }

    String node() {
      return echo.node();
    }

    void kill() throws InterruptedException {
      process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
      if (process.isAlive()) {
        process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
      }
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook runs anyway and finds the process gone
      }
    }
  }
}
