package dev.otpx.bench;

import static dev.otpx.bench.BenchMain.await;
import static dev.otpx.bench.BenchMain.deploy;
import static dev.otpx.bench.BenchMain.latencyRounds;
import static dev.otpx.bench.BenchMain.paired;

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
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The cost of watching (issue 12): the runtime's call, cast and restart on a node with metrics
 * (vertx-micrometer, Prometheus, otpx's meters) and system events published and consumed, against
 * the same on a node with neither, in one run, rounds taken in turn. And tracing while off: calls
 * to a process whose trace ran out, against calls to one never traced.
 */
final class ObservabilityBench {

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
    // An observer's consumer, so events are delivered, not only published.
    AtomicLong delivered = new AtomicLong();
    await(on.eventBus().consumer(SystemEvents.ADDRESS, message -> delivered.incrementAndGet()).completion());
    try {
      if (!Boolean.getBoolean("bench.obs.restartOnly")) {
        call(on, off);
        cast(on, off);
      }
      restart(on, off);
      traceOff(off);
      System.out.printf("  (system events delivered to the observer's consumer: %,d)%n", delivered.get());
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
    await(GenServer.start(on, new BenchMain.Echo(), "bench.obs.echo"));
    await(GenServer.start(off, new BenchMain.Echo(), "bench.obs.echo"));
    double[][] r = paired(() -> onDriver.sequential(() -> GenServer.call(on, "bench.obs.echo", 1L)),
        () -> offDriver.sequential(() -> GenServer.call(off, "bench.obs.echo", 1L)));
    bench.add(new BenchMain.Result("GenServer.call with metrics and events ON vs OFF", "calls/s", true, r[0], r[1],
        "≥ 0.9× off", "otpx column: metrics + system.events on; raw column: the same node without them"));
    await(GenServer.stop(on, "bench.obs.echo", ExitReason.NORMAL));
    await(GenServer.stop(off, "bench.obs.echo", ExitReason.NORMAL));
  }

  private void cast(Vertx on, Vertx off) throws Exception {
    BenchMain.Driver onDriver = deploy(on, new BenchMain.Driver());
    BenchMain.Driver offDriver = deploy(off, new BenchMain.Driver());
    await(GenServer.start(on, new BenchMain.Echo(), "bench.obs.sink"));
    await(GenServer.start(off, new BenchMain.Echo(), "bench.obs.sink"));
    double[][] r = paired(
        () -> onDriver.batches(10_000, () -> GenServer.cast(on, "bench.obs.sink", 1L), () -> GenServer.call(on, "bench.obs.sink", 0L)),
        () -> offDriver.batches(10_000, () -> GenServer.cast(off, "bench.obs.sink", 1L), () -> GenServer.call(off, "bench.obs.sink", 0L)));
    bench.add(new BenchMain.Result("cast processed with metrics and events ON vs OFF", "msgs/s", true, r[0], r[1],
        "≥ 0.9× off", "batches of 10,000 then a call to sync"));
    await(GenServer.stop(on, "bench.obs.sink", ExitReason.NORMAL));
    await(GenServer.stop(off, "bench.obs.sink", ExitReason.NORMAL));
  }

  private void restart(Vertx on, Vertx off) throws Exception {
    Pid onSup = restartTree(on);
    Pid offSup = restartTree(off);
    // Rounds in turn, as paired() does for rates.
    double[][] onRounds = latencyRounds(() -> GenServer.<long[]>call(on, BenchMain.RestartTimer.NAME, BenchMain.RESTARTS,
        Duration.ofMinutes(2)).toCompletionStage().toCompletableFuture());
    double[][] offRounds = latencyRounds(() -> GenServer.<long[]>call(off, BenchMain.RestartTimer.NAME, BenchMain.RESTARTS,
        Duration.ofMinutes(2)).toCompletionStage().toCompletableFuture());
    bench.add(new BenchMain.Result("restart latency, median, with metrics and events ON vs OFF", "µs", false, onRounds[0], offRounds[0],
        "≤ 1/0.9 × off", "each restart publishes 5 events (exit, terminated, restarted, started, process started) and counts a restart"));
    await(GenServer.stop(on, onSup, ExitReason.SHUTDOWN));
    await(GenServer.stop(off, offSup, ExitReason.SHUTDOWN));
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
    double[][] r = paired(() -> driver.sequential(() -> GenServer.call(vertx, "bench.obs.traced", 1L)),
        () -> other.sequential(() -> GenServer.call(vertx, "bench.obs.untraced", 1L)));
    bench.add(new BenchMain.Result("GenServer.call, trace switched off vs never traced", "calls/s", true, r[0], r[1],
        "≈ 1× (tracing off costs nothing)", "the first process was traced for 3 messages, then its trace ran out"));
    await(GenServer.stop(vertx, "bench.obs.traced", ExitReason.NORMAL));
    await(GenServer.stop(vertx, "bench.obs.untraced", ExitReason.NORMAL));
  }
}
