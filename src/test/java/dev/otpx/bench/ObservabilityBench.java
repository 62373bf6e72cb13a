package dev.otpx.bench;

import static dev.otpx.bench.BenchMain.await;
import static dev.otpx.bench.BenchMain.deploy;
import static dev.otpx.bench.BenchMain.median;
import static dev.otpx.bench.BenchMain.paired;
import static dev.otpx.bench.BenchMain.pairedLatency;

import dev.otpx.process.ChildSpec;
import dev.otpx.process.ExitReason;
import dev.otpx.process.GenServer;
import dev.otpx.process.Pid;
import dev.otpx.process.ProcessEvent;
import dev.otpx.process.Processes;
import dev.otpx.process.Strategy;
import dev.otpx.process.Supervisor;
import dev.otpx.process.SupervisorFlags;
import dev.otpx.process.SupervisorSpec;
import dev.otpx.system.Metrics;
import dev.otpx.system.SystemEvents;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * The cost of watching (issue 12): the runtime's call, cast and restart on a node with metrics
 * (vertx-micrometer, Prometheus, otpx's meters) and system events published and consumed, against
 * the same on a node with neither, in one run, rounds taken in turn. And tracing while off: calls
 * to a process whose trace ran out, against calls to one never traced.
 *
 * <p>A ratio of two noisy figures needs more rounds than the suite's default: {@code
 * bench.obs.warmup} (default 5) and {@code bench.obs.rounds} (default 15) pairs of rounds. Both
 * nodes are built alike (each has a consumer on {@code system.events}, the off node's gets nothing),
 * so Vert.x's round-robin places the drivers and servers on the same loops of each; the notes say
 * where. The restart also prints the JVM's CPU time and allocation per restart on and off: on a
 * shared machine they vary less than wall time.
 */
final class ObservabilityBench {

  private static final int WARMUP = Integer.getInteger("bench.obs.warmup", 5);
  private static final int ROUNDS = Integer.getInteger("bench.obs.rounds", 15);

  private final BenchMain bench;

  ObservabilityBench(BenchMain bench) {
    this.bench = bench;
  }

  void run() throws Exception {
    Metrics metrics = Metrics.create();
    Vertx on = metrics.builder(new VertxOptions()).build();
    Vertx off = Vertx.vertx();
    ProcessEvent.Subscription counting = metrics.bind(on);
    // -Dbench.obs.events=false: metrics only, to tell the two costs apart.
    boolean events = Boolean.parseBoolean(System.getProperty("bench.obs.events", "true"));
    ProcessEvent.Subscription publishing = events ? SystemEvents.start(on) : () -> { };
    // An observer's consumer, so events are delivered, not only published; the off node's gets
    // nothing and is there to take the same place in Vert.x's rotation of event loops.
    AtomicLong delivered = new AtomicLong();
    AtomicLong deliveredOff = new AtomicLong();
    await(on.eventBus().consumer(SystemEvents.ADDRESS, message -> delivered.incrementAndGet()).completion());
    await(off.eventBus().consumer(SystemEvents.ADDRESS, message -> deliveredOff.incrementAndGet()).completion());
    try {
      if (!Boolean.getBoolean("bench.obs.restartOnly")) {
        call(on, off);
        cast(on, off);
      }
      restart(on, off);
      traceOff(off);
      System.out.printf("  (system events delivered to the observer's consumer: %,d on, %,d off)%n", delivered.get(), deliveredOff.get());
    } finally {
      publishing.cancel();
      counting.cancel();
      await(on.close());
      await(off.close());
    }
  }

  private void call(Vertx on, Vertx off) throws Exception {
    BenchMain.Driver onDriver = deploy(on, new BenchMain.Driver());
    BenchMain.Driver offDriver = deploy(off, new BenchMain.Driver());
    BenchMain.Echo onEcho = new BenchMain.Echo();
    BenchMain.Echo offEcho = new BenchMain.Echo();
    await(GenServer.start(on, onEcho, "bench.obs.echo"));
    await(GenServer.start(off, offEcho, "bench.obs.echo"));
    double[][] r = paired(WARMUP, ROUNDS, () -> onDriver.sequential(() -> GenServer.call(on, "bench.obs.echo", 1L)),
        () -> offDriver.sequential(() -> GenServer.call(off, "bench.obs.echo", 1L)));
    bench.add(new BenchMain.Result("GenServer.call with metrics and events ON vs OFF", "calls/s", true, r[0], r[1],
        "≥ 0.9× off", "otpx column: metrics + system.events on; raw column: the same node without them; "
          + placement(onDriver, onEcho, offDriver, offEcho)));
    await(GenServer.stop(on, "bench.obs.echo", ExitReason.NORMAL));
    await(GenServer.stop(off, "bench.obs.echo", ExitReason.NORMAL));
  }

  private void cast(Vertx on, Vertx off) throws Exception {
    BenchMain.Driver onDriver = deploy(on, new BenchMain.Driver());
    BenchMain.Driver offDriver = deploy(off, new BenchMain.Driver());
    BenchMain.Echo onSink = new BenchMain.Echo();
    BenchMain.Echo offSink = new BenchMain.Echo();
    await(GenServer.start(on, onSink, "bench.obs.sink"));
    await(GenServer.start(off, offSink, "bench.obs.sink"));
    double[][] r = paired(WARMUP, ROUNDS,
        () -> onDriver.batches(10_000, () -> GenServer.cast(on, "bench.obs.sink", 1L), () -> GenServer.call(on, "bench.obs.sink", 0L)),
        () -> offDriver.batches(10_000, () -> GenServer.cast(off, "bench.obs.sink", 1L), () -> GenServer.call(off, "bench.obs.sink", 0L)));
    bench.add(new BenchMain.Result("cast processed with metrics and events ON vs OFF", "msgs/s", true, r[0], r[1],
        "≥ 0.9× off", "batches of 10,000 then a call to sync; " + placement(onDriver, onSink, offDriver, offSink)));
    await(GenServer.stop(on, "bench.obs.sink", ExitReason.NORMAL));
    await(GenServer.stop(off, "bench.obs.sink", ExitReason.NORMAL));
  }

  private void restart(Vertx on, Vertx off) throws Exception {
    Pid onSup = restartTree(on);
    Pid offSup = restartTree(off);
    Cost onCost = new Cost();
    Cost offCost = new Cost();
    double[][][] r = pairedLatency(WARMUP, ROUNDS,
        onCost.measure(() -> GenServer.<long[]>call(on, BenchMain.RestartTimer.NAME, BenchMain.RESTARTS,
          Duration.ofMinutes(2)).toCompletionStage().toCompletableFuture()),
        offCost.measure(() -> GenServer.<long[]>call(off, BenchMain.RestartTimer.NAME, BenchMain.RESTARTS,
          Duration.ofMinutes(2)).toCompletionStage().toCompletableFuture()));
    String cost = String.format(Locale.ROOT, "; JVM CPU per restart (median of rounds) on %.1f µs, off %.1f µs (%.2f×);"
        + " allocated on %.1f kB, off %.1f kB; p90 on %.0f µs, off %.0f µs", median(onCost.cpuMicros()), median(offCost.cpuMicros()),
        median(onCost.cpuMicros()) / median(offCost.cpuMicros()), median(onCost.kilobytes()), median(offCost.kilobytes()),
        median(r[0][2]), median(r[1][2]));
    bench.add(new BenchMain.Result("restart latency, median, with metrics and events ON vs OFF", "µs", false, r[0][0], r[1][0],
        "≤ 1/0.9 × off", "each restart makes 5 events (exit, terminated, restarted, started, process started), published in"
          + " batches, and counts a restart; " + BenchMain.RESTARTS + " restarts per round" + cost));
    await(GenServer.stop(on, onSup, ExitReason.SHUTDOWN));
    await(GenServer.stop(off, offSup, ExitReason.SHUTDOWN));
  }

  private static String placement(BenchMain.Driver onDriver, BenchMain.Echo onServer, BenchMain.Driver offDriver, BenchMain.Echo offServer) {
    return "on: driver " + onDriver.thread + ", server " + onServer.thread + "; off: driver " + offDriver.thread + ", server "
      + offServer.thread;
  }

  /** The whole JVM's CPU time and allocation per restart, round by round: steadier than wall time on a shared machine. */
  private static final class Cost {
    private static final com.sun.management.ThreadMXBean THREADS =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private final List<double[]> rounds = new java.util.ArrayList<>();

    Supplier<CompletableFuture<long[]>> measure(Supplier<CompletableFuture<long[]>> round) {
      return () -> {
        long[] before = snapshot();
        return round.get().thenApply(nanos -> {
          long[] after = snapshot();
          rounds.add(new double[] {(after[0] - before[0]) / 1e3 / nanos.length, (after[1] - before[1]) / 1024.0 / nanos.length});
          return nanos;
        });
      };
    }

    double[] cpuMicros() {
      return timed().stream().mapToDouble(r -> r[0]).toArray();
    }

    double[] kilobytes() {
      return timed().stream().mapToDouble(r -> r[1]).toArray();
    }

    /** The timed rounds: the warm-up's are the first ones. */
    private List<double[]> timed() {
      return rounds.subList(rounds.size() - ROUNDS, rounds.size());
    }

    private static long[] snapshot() {
      long[] ids = THREADS.getAllThreadIds();
      long cpu = 0;
      long bytes = 0;
      long[] times = THREADS.getThreadCpuTime(ids);
      long[] allocated = THREADS.getThreadAllocatedBytes(ids);
      for (int i = 0; i < ids.length; i++) {
        cpu += Math.max(0, times[i]);
        bytes += Math.max(0, allocated[i]);
      }
      return new long[] {cpu, bytes};
    }
  }

  private static Pid restartTree(Vertx vertx) throws Exception {
    return await(Supervisor.start(vertx, SupervisorSpec.of(SupervisorFlags.of(Strategy.ONE_FOR_ONE).withIntensity(Integer.MAX_VALUE, 1),
        List.of(ChildSpec.worker("echo", BenchMain.Echo::new).withName("bench.restart.echo")
            .withArgs(new JsonObject().put("ready", BenchMain.RestartTimer.NAME)),
          ChildSpec.worker("timer", BenchMain.RestartTimer::new).withName(BenchMain.RestartTimer.NAME))), "bench.obs.restart.sup"));
  }

  /** Tracing off costs nothing: a process whose trace ran out answers as fast as one never traced. */
  private void traceOff(Vertx vertx) throws Exception {
    BenchMain.Driver driver = deploy(vertx, new BenchMain.Driver());
    BenchMain.Driver other = deploy(vertx, new BenchMain.Driver());
    Pid traced = await(GenServer.start(vertx, new BenchMain.Echo(), "bench.obs.traced"));
    await(GenServer.start(vertx, new BenchMain.Echo(), "bench.obs.untraced"));
    await(Processes.trace(vertx, traced, 3));
    for (int i = 0; i < 4; i++) {
      await(GenServer.call(vertx, "bench.obs.traced", 1L));
    }
    double[][] r = paired(WARMUP, ROUNDS, () -> driver.sequential(() -> GenServer.call(vertx, "bench.obs.traced", 1L)),
        () -> other.sequential(() -> GenServer.call(vertx, "bench.obs.untraced", 1L)));
    bench.add(new BenchMain.Result("GenServer.call, trace switched off vs never traced", "calls/s", true, r[0], r[1],
        "≈ 1× (tracing off costs nothing)", "the first process was traced for 3 messages, then its trace ran out"));
    await(GenServer.stop(vertx, "bench.obs.traced", ExitReason.NORMAL));
    await(GenServer.stop(vertx, "bench.obs.untraced", ExitReason.NORMAL));
  }
}
