package dev.otpx.bench;

import dev.otpx.process.Agent;
import dev.otpx.process.CallResult;
import dev.otpx.process.CastResult;
import dev.otpx.process.ChildSpec;
import dev.otpx.process.From;
import dev.otpx.process.GenServer;
import dev.otpx.process.InitResult;
import dev.otpx.process.Pid;
import dev.otpx.process.Processes;
import dev.otpx.process.Registry;
import dev.otpx.process.Strategy;
import dev.otpx.process.Supervisor;
import dev.otpx.process.SupervisorFlags;
import dev.otpx.process.SupervisorSpec;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * The benchmark harness of issue 6 (first slice): each benchmark measures otpx and the raw Vert.x
 * code of the same shape in the same run, warm-up rounds then five timed rounds, and reports the
 * medians, their ratio and the target. Run with {@code mvn -Pbench verify}; results go to
 * {@code target/bench/results.json} and {@code target/bench/results.md}.
 *
 * <p>Load is driven from event loops (driver verticles chaining futures); the main thread only
 * waits on {@link CompletableFuture}s. System properties: {@code bench.roundMillis} (default 300),
 * {@code bench.warmup} (rounds, default 2), {@code bench.rounds} (default 5),
 * {@code bench.restarts} (restarts per latency round, default 1000), {@code bench.only} (groups:
 * runtime, observability, infosys, channels, store, cluster, channels-cluster), {@code bench.out},
 * {@code bench.log} (keep otpx's logs on; off by default).
 */
public final class BenchMain {

  static final long ROUND_NANOS = TimeUnit.MILLISECONDS.toNanos(Long.getLong("bench.roundMillis", 300));
  static final int WARMUP = Integer.getInteger("bench.warmup", 2);
  static final int ROUNDS = Integer.getInteger("bench.rounds", 5);
  static final int RESTARTS = Integer.getInteger("bench.restarts", 1000);
  /** Comma-separated groups to run: runtime, observability, infosys, channels, store, cluster, channels-cluster (default: all). */
  static final String ONLY = System.getProperty("bench.only", "runtime,observability,infosys,channels,store,cluster,channels-cluster");

  /** One benchmark line: otpx and raw medians (with spread) and the target. */
  record Result(String name, String unit, boolean higherIsBetter, double[] otpx, double[] raw, String target, String note) {
    double otpxMedian() { return median(otpx); }
    double rawMedian() { return raw == null ? Double.NaN : median(raw); }
    double ratio() { return otpxMedian() / rawMedian(); }
  }

  private final List<Result> results = new ArrayList<>();

  public static void main(String[] args) throws Exception {
    if (!Boolean.getBoolean("bench.log")) {
      // Each start, exit and restart is logged (a kill at ERROR); a console appender would measure
      // the terminal, not the runtime. -Dbench.log=true keeps the logs.
      ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("dev.otpx"))
          .setLevel(ch.qos.logback.classic.Level.OFF);
    }
    new BenchMain().run(Path.of(System.getProperty("bench.out", "target/bench")));
  }

  void run(Path out) throws Exception {
    long t0 = System.nanoTime();
    Vertx multi = Vertx.vertx(); // the default pool: 2 event loops per core, round robin
    Vertx single = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    try {
      for (Vertx v : List.of(multi, single)) {
        v.eventBus().registerDefaultCodec(Fn.class, new LocalCodec<>("bench.fn"));
      }
      int loops = VertxOptions.DEFAULT_EVENT_LOOP_POOL_SIZE;
      System.out.printf("otpx bench: %d cores, default event-loop pool %d, round %d ms, warm-up %d, rounds %d%n",
          Runtime.getRuntime().availableProcessors(), loops, TimeUnit.NANOSECONDS.toMillis(ROUND_NANOS), WARMUP, ROUNDS);
      if (selected("runtime")) {
        sequentialCall(multi, "default pool (round robin)");
        sequentialCall(single, "one event loop");
        processToProcess(multi, "default pool (round robin)");
        processToProcess(single, "one event loop");
        inFlight(multi);
        cast(multi);
        agent(multi);
        restart(multi, "default pool (round robin)");
        restart(single, "one event loop");
      }
      if (selected("observability")) {
        new ObservabilityBench(this).run();
      }
      if (selected("infosys")) {
        new InfoSysBench(this, multi).run();
      }
      if (selected("channels")) {
        ChannelsBench.run(this::add, out);
      }
      if (selected("store")) {
        new StoreBench(this, multi).run();
      }
      if (selected("cluster")) {
        ClusterBench.run(this);
      }
      if (selected("channels-cluster")) {
        ChannelsClusterBench.run(this::add);
      }
    } finally {
      await(multi.close());
      await(single.close());
    }
    System.out.printf("%ntotal %.1f s%n", (System.nanoTime() - t0) / 1e9);
    write(out);
  }

  private static boolean selected(String group) {
    return Arrays.asList(ONLY.split(",")).contains(group);
  }

  // ---- benchmarks ----------------------------------------------------------------------------

  private void sequentialCall(Vertx vertx, String placement) throws Exception {
    String tag = placement.startsWith("one") ? "1" : "n";
    Driver driver = deploy(vertx, new Driver());
    Echo echo = new Echo();
    await(GenServer.start(vertx, echo, "bench.echo." + tag));
    EchoVerticle raw = deploy(vertx, new EchoVerticle("bench.raw.echo." + tag));
    String where = "driver on " + driver.thread + ", server on " + echo.thread + ", raw consumer on " + raw.thread;
    double[][] paired = paired(() -> driver.sequential(() -> GenServer.call(vertx, "bench.echo." + tag, 1L)),
        () -> driver.sequential(() -> vertx.eventBus().request("bench.raw.echo." + tag, 1L)));
    double[] o = paired[0];
    double[] r = paired[1];
    add(new Result("GenServer.call, 1 client sequential — " + placement, "calls/s", true, o, r,
        "≥ 0.9× raw (Erlang 848k; raw ref: 19k cross-loop, 1.03M same loop)", where));
    await(GenServer.stop(vertx, "bench.echo." + tag, dev.otpx.process.ExitReason.NORMAL));
    await(vertx.undeploy(driver.deploymentID()));
    await(vertx.undeploy(raw.deploymentID()));
  }

  /**
   * Two processes calling each other sequentially, as two independent roots (each placed by Vert.x,
   * round robin) and as two children of one supervisor (placed on the supervisor's loop).
   */
  private void processToProcess(Vertx vertx, String placement) throws Exception {
    String tag = placement.startsWith("one") ? "1" : "n";
    Echo echo = new Echo();
    await(GenServer.start(vertx, echo, "bench.p2p.echo." + tag));
    Client client = new Client("bench.p2p.echo." + tag);
    await(GenServer.start(vertx, client, "bench.p2p.client." + tag));
    // raw counterpart: one verticle requesting from another consumer verticle, sequentially
    Driver driver = deploy(vertx, new Driver());
    EchoVerticle raw = deploy(vertx, new EchoVerticle("bench.p2p.raw." + tag));
    String where = "two root processes: client on " + client.thread + ", server on " + echo.thread
        + "; raw: requester on " + driver.thread + ", consumer on " + raw.thread;
    double[][] paired = paired(() -> GenServer.<Double>call(vertx, "bench.p2p.client." + tag, ROUND_NANOS)
        .toCompletionStage().toCompletableFuture(),
        () -> driver.sequential(() -> vertx.eventBus().request("bench.p2p.raw." + tag, 1L)));
    double[] o = paired[0];
    double[] r = paired[1];
    add(new Result("call between two root processes — " + placement, "calls/s", true, o, r,
        "≥ Erlang gen_server:call 848k/s", where));
    await(GenServer.stop(vertx, "bench.p2p.client." + tag, dev.otpx.process.ExitReason.NORMAL));
    await(GenServer.stop(vertx, "bench.p2p.echo." + tag, dev.otpx.process.ExitReason.NORMAL));

    Echo treeEcho = new Echo();
    Client treeClient = new Client("bench.tree.echo." + tag);
    Pid sup = await(Supervisor.start(vertx, SupervisorSpec.of(SupervisorFlags.of(Strategy.ONE_FOR_ONE), List.of(
        ChildSpec.worker("echo", () -> treeEcho).withName("bench.tree.echo." + tag),
        ChildSpec.worker("client", () -> treeClient).withName("bench.tree.client." + tag))), null));
    String treeWhere = "one supervisor's children: client on " + treeClient.thread + ", server on " + treeEcho.thread
        + "; raw: requester on " + driver.thread + ", consumer on " + raw.thread;
    double[] t = rounds(() -> GenServer.<Double>call(vertx, "bench.tree.client." + tag, ROUND_NANOS)
        .toCompletionStage().toCompletableFuture());
    add(new Result("call between two processes of one tree — " + placement, "calls/s", true, t, r,
        "≥ Erlang gen_server:call 848k/s", treeWhere));
    await(GenServer.stop(vertx, sup, dev.otpx.process.ExitReason.SHUTDOWN));
    await(vertx.undeploy(driver.deploymentID()));
    await(vertx.undeploy(raw.deploymentID()));
  }

  private void inFlight(Vertx vertx) throws Exception {
    Echo echo = new Echo();
    await(GenServer.start(vertx, echo, "bench.inflight.echo"));
    EchoVerticle raw = deploy(vertx, new EchoVerticle("bench.inflight.raw"));
    List<Driver> drivers = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      drivers.add(deploy(vertx, new Driver()));
    }
    String where = "8 drivers on " + drivers.stream().map(d -> d.thread).distinct().sorted().toList()
        + ", server on " + echo.thread + ", raw consumer on " + raw.thread;
    double[][] paired = paired(() -> parallel(drivers, d -> d.inFlight(8, () -> GenServer.call(vertx, "bench.inflight.echo", 1L))),
        () -> parallel(drivers, d -> d.inFlight(8, () -> vertx.eventBus().request("bench.inflight.raw", 1L))));
    double[] o = paired[0];
    double[] r = paired[1];
    add(new Result("GenServer.call, 8 clients × 8 in flight", "calls/s", true, o, r,
        "≥ 0.9× raw (Erlang 1.84M; raw ref 604k)", where));
    await(GenServer.stop(vertx, "bench.inflight.echo", dev.otpx.process.ExitReason.NORMAL));
    for (Driver d : drivers) {
      await(vertx.undeploy(d.deploymentID()));
    }
    await(vertx.undeploy(raw.deploymentID()));
  }

  private void cast(Vertx vertx) throws Exception {
    Driver driver = deploy(vertx, new Driver());
    Echo sink = new Echo();
    await(GenServer.start(vertx, sink, "bench.cast.sink"));
    EchoVerticle raw = deploy(vertx, new EchoVerticle("bench.cast.raw"));
    String where = "sender on " + driver.thread + ", server on " + sink.thread + ", raw consumer on " + raw.thread
        + "; batches of 10,000 then a call/request to sync";
    EventBus eb = vertx.eventBus();
    double[][] paired = paired(() -> driver.batches(10_000, () -> GenServer.cast(vertx, "bench.cast.sink", 1L),
        () -> GenServer.call(vertx, "bench.cast.sink", 0L)),
        () -> driver.batches(10_000, () -> eb.send("bench.cast.raw", 1L),
        () -> eb.request("bench.cast.raw", 0L)));
    double[] o = paired[0];
    double[] r = paired[1];
    add(new Result("cast processed", "msgs/s", true, o, r, "≥ 0.9× raw send (Erlang 8.4M; raw ref 6.6M)", where));
    await(GenServer.stop(vertx, "bench.cast.sink", dev.otpx.process.ExitReason.NORMAL));
    await(vertx.undeploy(driver.deploymentID()));
    await(vertx.undeploy(raw.deploymentID()));
  }

  private void agent(Vertx vertx) throws Exception {
    Driver driver = deploy(vertx, new Driver());
    Agent<Long> agent = await(Agent.start(vertx, () -> 0L, "bench.agent"));
    FnVerticle raw = deploy(vertx, new FnVerticle("bench.agent.raw"));
    String where = "client on " + driver.thread + ", raw state verticle on " + raw.thread
        + "; alternating update(s -> s + 1) and get(s -> s)";
    boolean[] flip = new boolean[1];
    EventBus eb = vertx.eventBus();
    double[][] paired = paired(() -> driver.sequential(() -> (flip[0] = !flip[0]) ? agent.update(s -> s + 1) : agent.get(s -> s)),
        () -> driver.sequential(() -> (flip[0] = !flip[0])
        ? eb.request("bench.agent.raw", new Fn(s -> s + 1, true)) : eb.request("bench.agent.raw", new Fn(s -> s, false))));
    double[] o = paired[0];
    double[] r = paired[1];
    add(new Result("Agent get/update, 1 client sequential", "ops/s", true, o, r, "≥ 0.9× raw (issue: no figure)", where));
    await(agent.stop());
    await(vertx.undeploy(driver.deploymentID()));
    await(vertx.undeploy(raw.deploymentID()));
  }

  private void restart(Vertx vertx, String placement) throws Exception {
    Driver driver = deploy(vertx, new Driver());
    rawRestartId = null;
    SupervisorFlags flags = SupervisorFlags.of(Strategy.ONE_FOR_ONE).withIntensity(Integer.MAX_VALUE, 1);
    // The timer is the echo's sibling, so on the tree's loop like any client in the tree. The new
    // echo casts "up" from its init; the timer then calls it by name, which must answer from a new
    // pid. Waiting on that event rather than retrying in a loop keeps the timer from spinning.
    Pid sup = await(Supervisor.start(vertx, SupervisorSpec.of(flags, List.of(
        ChildSpec.worker("echo", Echo::new).withName("bench.restart.echo")
            .withArgs(new JsonObject().put("ready", RestartTimer.NAME)),
        ChildSpec.worker("timer", RestartTimer::new).withName(RestartTimer.NAME))), "bench.restart.sup"));
    double[][] otpx = latencyRounds(() -> GenServer.<long[]>call(vertx, RestartTimer.NAME, RESTARTS, java.time.Duration.ofMinutes(2))
        .toCompletionStage().toCompletableFuture());
    double[][] raw = latencyRounds(() -> driver.timed(RESTARTS, () -> redeployAndAnswer(vertx)));
    String where = "supervisor one_for_one; a sibling process kills the child, the new instance's init casts \"up\","
        + " and a GenServer.call by name must answer from a new pid; raw: a verticle doing undeploy + deployVerticle"
        + " + first request; " + RESTARTS + " restarts per round"
        + String.format(Locale.ROOT, "; p90 otpx %.0f µs raw %.0f µs; max otpx %.0f µs raw %.0f µs (medians over rounds)",
            median(otpx[2]), median(raw[2]), median(otpx[3]), median(raw[3]));
    add(new Result("restart latency, median — " + placement, "µs", false, otpx[0], raw[0], "≤ 100 µs (Erlang 9 µs; raw ref 80–105 µs)", where));
    add(new Result("restart latency, p99 — " + placement, "µs", false, otpx[1], raw[1], "≤ 1 ms (Erlang 47 µs; raw ref 0.2–0.7 ms)", where));
    await(GenServer.stop(vertx, sup, dev.otpx.process.ExitReason.SHUTDOWN));
    if (rawRestartId != null) {
      await(vertx.undeploy(rawRestartId)); // a child deployment of the driver: before it
    }
    await(vertx.undeploy(driver.deploymentID()));
  }

  /** Asked for n restarts of its sibling echo, replies each one's latency in nanos, kill to answer. */
  static final class RestartTimer extends GenServer<Void> {
    static final String NAME = "bench.restart.timer";
    private long[] nanos;
    private int next;
    private long began;
    private Pid old;
    private From asker;

    @Override
    protected Future<InitResult<Void>> init(JsonObject args) {
      return Future.succeededFuture(InitResult.ok(null));
    }

    @Override
    protected CallResult<Void> handleCall(Object request, From from, Void state) {
      nanos = new long[(Integer) request];
      next = 0;
      asker = from;
      killNext();
      return CallResult.noReply(state);
    }

    @Override
    protected CastResult<Void> handleCast(Object message, Void state) {
      if (asker == null) {
        return CastResult.noReply(state); // the first start's "up"
      }
      GenServer.<Object>call(vertx, "bench.restart.echo", "who").onComplete(ar -> {
        if (ar.failed()) {
          asker.replyError("restart_failed", ar.cause().toString());
          asker = null;
        } else if (!ar.result().equals(old)) {
          nanos[next++] = System.nanoTime() - began;
          if (next == nanos.length) {
            asker.reply(nanos);
            asker = null;
          } else {
            killNext();
          }
        }
      });
      return CastResult.noReply(state);
    }

    private void killNext() {
      old = Registry.whereis(vertx, "bench.restart.echo").orElseThrow();
      began = System.nanoTime();
      Processes.kill(vertx, old);
    }
  }

  private static String rawRestartId;

  private static Future<Void> redeployAndAnswer(Vertx vertx) {
    Future<Void> undeployed = rawRestartId == null ? Future.succeededFuture() : vertx.undeploy(rawRestartId);
    return undeployed
        .compose(v -> vertx.deployVerticle(new EchoVerticle("bench.restart.raw")))
        .compose(id -> {
          rawRestartId = id;
          return vertx.eventBus().request("bench.restart.raw", 1L);
        }).mapEmpty();
  }

  // ---- harness -------------------------------------------------------------------------------

  static double[] rounds(Supplier<CompletableFuture<Double>> round) throws Exception {
    for (int i = 0; i < WARMUP; i++) {
      round.get().get(60, TimeUnit.SECONDS);
    }
    double[] out = new double[ROUNDS];
    for (int i = 0; i < ROUNDS; i++) {
      out[i] = round.get().get(60, TimeUnit.SECONDS);
      if (out[i] < 0) {
        throw new IllegalStateException("a call failed during the round");
      }
    }
    return out;
  }

  /**
   * Rounds of otpx's benchmark and raw Vert.x's taken in turn (warm-up rounds of both, then o, r,
   * o, r, ...), so neither profits from running second (a warmer JIT) or suffers from a slow
   * stretch of the machine that the other missed.
   *
   * @return [otpx's rounds, raw's rounds]
   */
  static double[][] paired(Supplier<CompletableFuture<Double>> otpx, Supplier<CompletableFuture<Double>> raw) throws Exception {
    return paired(WARMUP, ROUNDS, otpx, raw);
  }

  /** {@link #paired(Supplier, Supplier)} with its own numbers of warm-up and timed rounds. */
  static double[][] paired(int warmup, int rounds, Supplier<CompletableFuture<Double>> otpx, Supplier<CompletableFuture<Double>> raw)
      throws Exception {
    for (int i = 0; i < warmup; i++) {
      otpx.get().get(60, TimeUnit.SECONDS);
      raw.get().get(60, TimeUnit.SECONDS);
    }
    double[][] out = new double[2][rounds];
    for (int i = 0; i < rounds; i++) {
      out[0][i] = otpx.get().get(60, TimeUnit.SECONDS);
      out[1][i] = raw.get().get(60, TimeUnit.SECONDS);
      if (out[0][i] < 0 || out[1][i] < 0) {
        throw new IllegalStateException("a call failed during the round");
      }
    }
    return out;
  }

  /** @return [medians, p99s, p90s, maxima] per round, in µs */
  static double[][] latencyRounds(Supplier<CompletableFuture<long[]>> round) throws Exception {
    for (int i = 0; i < WARMUP; i++) {
      round.get().get(120, TimeUnit.SECONDS);
    }
    double[][] out = new double[4][ROUNDS];
    for (int i = 0; i < ROUNDS; i++) {
      percentiles(round.get().get(120, TimeUnit.SECONDS), out, i);
    }
    return out;
  }

  /**
   * Latency rounds of two benchmarks taken in turn, as {@link #paired} does for rates.
   *
   * @return [first's, second's], each [medians, p99s, p90s, maxima] per round, in µs
   */
  static double[][][] pairedLatency(int warmup, int rounds, Supplier<CompletableFuture<long[]>> first,
      Supplier<CompletableFuture<long[]>> second) throws Exception {
    for (int i = 0; i < warmup; i++) {
      first.get().get(120, TimeUnit.SECONDS);
      second.get().get(120, TimeUnit.SECONDS);
    }
    double[][][] out = new double[2][4][rounds];
    for (int i = 0; i < rounds; i++) {
      percentiles(first.get().get(120, TimeUnit.SECONDS), out[0], i);
      percentiles(second.get().get(120, TimeUnit.SECONDS), out[1], i);
    }
    return out;
  }

  private static void percentiles(long[] nanos, double[][] out, int round) {
    Arrays.sort(nanos);
    out[0][round] = nanos[nanos.length / 2] / 1e3;
    out[1][round] = nanos[(int) Math.min(nanos.length - 1, Math.ceil(nanos.length * 0.99) - 1)] / 1e3;
    out[2][round] = nanos[(int) Math.min(nanos.length - 1, Math.ceil(nanos.length * 0.90) - 1)] / 1e3;
    out[3][round] = nanos[nanos.length - 1] / 1e3;
  }

  private static CompletableFuture<Double> parallel(List<Driver> drivers, java.util.function.Function<Driver, CompletableFuture<long[]>> each) {
    return rate(drivers.stream().map(each).toList());
  }

  /** Operations per second of drivers that ran side by side: all their operations over the longest run. */
  static CompletableFuture<Double> rate(List<CompletableFuture<long[]>> all) {
    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).thenApply(v -> {
      long ops = 0;
      long maxNanos = 0;
      for (CompletableFuture<long[]> f : all) {
        long[] r = f.join();
        ops += r[0];
        maxNanos = Math.max(maxNanos, r[1]);
      }
      return ops * 1e9 / maxNanos;
    });
  }

  static double median(double[] xs) {
    double[] s = xs.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  static <T extends VerticleBase> T deploy(Vertx vertx, T verticle) throws Exception {
    await(vertx.deployVerticle(verticle));
    return verticle;
  }

  static <T> T await(Future<T> f) throws Exception {
    return f.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  // ---- output --------------------------------------------------------------------------------

  void add(Result r) {
    results.add(r);
    System.out.printf(Locale.ROOT, "%-62s %14s %14s %7s  target %s%n", r.name() + " (" + r.unit() + ")",
        fmt(r.otpxMedian()), fmt(r.rawMedian()), String.format(Locale.ROOT, "%.2f", r.ratio()), r.target());
    System.out.printf(Locale.ROOT, "    otpx %s | raw %s | %s%n", spread(r.otpx()), spread(r.raw()), r.note());
  }

  private static String fmt(double x) {
    if (Double.isNaN(x)) {
      return "-";
    }
    if (x >= 1e6) {
      return String.format(Locale.ROOT, "%.2fM", x / 1e6);
    }
    if (x >= 1e4) {
      return String.format(Locale.ROOT, "%.1fk", x / 1e3);
    }
    return String.format(Locale.ROOT, "%.1f", x);
  }

  private static String spread(double[] xs) {
    double[] s = xs.clone();
    Arrays.sort(s);
    return "min " + fmt(s[0]) + " max " + fmt(s[s.length - 1]);
  }

  private void write(Path out) throws Exception {
    Files.createDirectories(out);
    JsonArray rows = new JsonArray();
    StringBuilder md = new StringBuilder();
    md.append("| benchmark | unit | otpx (median) | raw Vert.x (median) | otpx / raw | target | spread (min–max) otpx; raw | placement / notes |\n");
    md.append("|---|---|---|---|---|---|---|---|\n");
    for (Result r : results) {
      rows.add(new JsonObject()
          .put("name", r.name()).put("unit", r.unit()).put("higherIsBetter", r.higherIsBetter())
          .put("otpx", r.otpxMedian()).put("raw", r.rawMedian()).put("ratio", r.ratio())
          .put("otpxRounds", new JsonArray(Arrays.stream(r.otpx()).boxed().toList()))
          .put("rawRounds", new JsonArray(Arrays.stream(r.raw()).boxed().toList()))
          .put("target", r.target()).put("note", r.note()));
      md.append("| ").append(r.name()).append(" | ").append(r.unit()).append(" | ").append(fmt(r.otpxMedian()))
          .append(" | ").append(fmt(r.rawMedian())).append(" | ").append(String.format(Locale.ROOT, "%.2f", r.ratio()))
          .append(" | ").append(r.target()).append(" | ").append(spread(r.otpx())).append("; ").append(spread(r.raw()))
          .append(" | ").append(r.note()).append(" |\n");
    }
    JsonObject doc = new JsonObject()
        .put("cores", Runtime.getRuntime().availableProcessors())
        .put("java", System.getProperty("java.version"))
        .put("otpxLogs", Boolean.getBoolean("bench.log"))
        .put("roundMillis", TimeUnit.NANOSECONDS.toMillis(ROUND_NANOS)).put("warmup", WARMUP).put("rounds", ROUNDS)
        .put("results", rows);
    Files.writeString(out.resolve("results.json"), doc.encodePrettily(), StandardCharsets.UTF_8);
    Files.writeString(out.resolve("results.md"), md.toString(), StandardCharsets.UTF_8);
    System.out.println("\n" + md);
    System.out.println("wrote " + out.resolve("results.json") + " and " + out.resolve("results.md"));
  }

  // ---- actors of the benchmarks -------------------------------------------------------------

  /** A load driver: a verticle whose event loop chains the operations; the main thread waits. */
  static final class Driver extends VerticleBase {
    volatile String thread;
    private Throwable failure; // a failed operation fails the round: no silent errors in a figure

    @Override
    public Future<?> start() {
      thread = Thread.currentThread().getName();
      return Future.succeededFuture();
    }

    <T> Future<T> onContext(Supplier<Future<T>> action) {
      Promise<T> done = Promise.promise();
      context.runOnContext(v -> action.get().onComplete(done));
      return done.future();
    }

    /** Sequential operations for one round: @return ops/s. */
    CompletableFuture<Double> sequential(Supplier<Future<?>> op) {
      return sequential(op, ROUND_NANOS);
    }

    /** Sequential operations for one round of {@code roundNanos}: @return ops/s. */
    CompletableFuture<Double> sequential(Supplier<Future<?>> op, long roundNanos) {
      return inFlight(1, op, roundNanos).thenApply(r -> r[0] * 1e9 / r[1]);
    }

    /** {@code window} chains of operations for one round: @return [ops, elapsed nanos]. */
    CompletableFuture<long[]> inFlight(int window, Supplier<Future<?>> op) {
      return inFlight(window, op, ROUND_NANOS);
    }

    /** {@code window} chains of operations for one round of {@code roundNanos}: @return [ops, elapsed nanos]. */
    CompletableFuture<long[]> inFlight(int window, Supplier<Future<?>> op, long roundNanos) {
      CompletableFuture<long[]> done = new CompletableFuture<>();
      context.runOnContext(v -> {
        long start = System.nanoTime();
        long end = start + roundNanos;
        long[] count = new long[1];
        int[] open = {window};
        for (int i = 0; i < window; i++) {
          chain(op, end, count, () -> {
            if (--open[0] == 0) {
              if (failure != null) {
                done.completeExceptionally(failure);
              } else {
                done.complete(new long[] {count[0], System.nanoTime() - start});
              }
            }
          });
        }
      });
      return done;
    }

    private void chain(Supplier<Future<?>> op, long end, long[] count, Runnable finished) {
      op.get().onComplete(ar -> {
        if (ar.failed()) {
          failure = ar.cause();
          finished.run();
          return;
        }
        count[0]++;
        if (System.nanoTime() < end) {
          chain(op, end, count, finished);
        } else {
          finished.run();
        }
      });
    }

    /** Batches of fire-and-forget sends, each followed by a sync request: @return msgs/s. */
    CompletableFuture<Double> batches(int batch, Runnable send, Supplier<Future<?>> sync) {
      CompletableFuture<Double> done = new CompletableFuture<>();
      context.runOnContext(v -> {
        long start = System.nanoTime();
        long[] sent = new long[1];
        nextBatch(batch, send, sync, start + ROUND_NANOS, sent, () -> done.complete(sent[0] * 1e9 / (System.nanoTime() - start)),
            done::completeExceptionally);
      });
      return done;
    }

    private void nextBatch(int batch, Runnable send, Supplier<Future<?>> sync, long end, long[] sent, Runnable finished,
        java.util.function.Consumer<Throwable> failed) {
      for (int i = 0; i < batch; i++) {
        send.run();
      }
      sent[0] += batch;
      sync.get().onComplete(ar -> {
        if (ar.failed()) {
          failed.accept(ar.cause());
          return;
        }
        if (System.nanoTime() < end) {
          context.runOnContext(v -> nextBatch(batch, send, sync, end, sent, finished, failed));
        } else {
          finished.run();
        }
      });
    }

    /** {@code n} sequential operations (restarts, queries): @return each one's latency in nanos. */
    CompletableFuture<long[]> timed(int n, Supplier<Future<Void>> restart) {
      CompletableFuture<long[]> done = new CompletableFuture<>();
      long[] nanos = new long[n];
      context.runOnContext(v -> nextRestart(0, nanos, restart, done));
      return done;
    }

    private void nextRestart(int i, long[] nanos, Supplier<Future<Void>> restart, CompletableFuture<long[]> done) {
      if (i == nanos.length) {
        done.complete(nanos);
        return;
      }
      long t0 = System.nanoTime();
      restart.get().onComplete(ar -> {
        if (ar.failed()) {
          done.completeExceptionally(ar.cause());
          return;
        }
        nanos[i] = System.nanoTime() - t0;
        context.runOnContext(v -> nextRestart(i + 1, nanos, restart, done));
      });
    }
  }

  /** Replies with the request (or its pid to "who"); counts nothing, keeps a long of state. */
  public static final class Echo extends GenServer<Long> {
    volatile String thread;

    @Override
    protected Future<InitResult<Long>> init(JsonObject args) {
      thread = Thread.currentThread().getName();
      String ready = args.getString("ready");
      if (ready != null) {
        vertx.runOnContext(v -> GenServer.cast(vertx, ready, "up")); // once init has returned
      }
      return Future.succeededFuture(InitResult.ok(0L));
    }

    @Override
    protected CallResult<Long> handleCall(Object request, From from, Long state) {
      return CallResult.reply("who".equals(request) ? self() : request, state);
    }

    @Override
    protected CastResult<Long> handleCast(Object message, Long state) {
      return CastResult.noReply(state + 1);
    }
  }

  /** A process that, asked with a duration in nanos, calls its server sequentially for that long and replies calls/s. */
  static final class Client extends GenServer<Void> {
    private final String server;
    volatile String thread;

    Client(String server) {
      this.server = server;
    }

    @Override
    protected Future<InitResult<Void>> init(JsonObject args) {
      thread = Thread.currentThread().getName();
      return Future.succeededFuture(InitResult.ok(null));
    }

    @Override
    protected CallResult<Void> handleCall(Object request, From from, Void state) {
      long start = System.nanoTime();
      long end = start + (Long) request;
      Promise<CallResult<Void>> done = Promise.promise();
      long[] count = new long[1];
      loop(end, count, () -> done.complete(CallResult.reply(count[0] * 1e9 / (System.nanoTime() - start), null)));
      return CallResult.deferred(done.future());
    }

    private void loop(long end, long[] count, Runnable finished) {
      GenServer.call(vertx, server, 1L).onComplete(ar -> {
        if (ar.failed()) {
          count[0] = -1; // reported as a negative rate: the round failed
          finished.run();
          return;
        }
        count[0]++;
        if (System.nanoTime() < end) {
          loop(end, count, finished);
        } else {
          finished.run();
        }
      });
    }
  }

  /** The raw counterpart of a GenServer: an event-bus consumer that echoes and counts. */
  static final class EchoVerticle extends VerticleBase {
    private final String address;
    volatile String thread;
    long count;

    EchoVerticle(String address) {
      this.address = address;
    }

    @Override
    public Future<?> start() {
      thread = Thread.currentThread().getName();
      return vertx.eventBus().<Long>consumer(address, m -> {
        count++;
        if (m.replyAddress() != null) {
          m.reply(m.body());
        }
      }).completion();
    }
  }

  /** A function message for the raw Agent counterpart. */
  record Fn(UnaryOperator<Long> fun, boolean update) { }

  /** The raw counterpart of an Agent: a verticle holding a long, applying functions sent to it. */
  static final class FnVerticle extends VerticleBase {
    private final String address;
    volatile String thread;
    long state;

    FnVerticle(String address) {
      this.address = address;
    }

    @Override
    public Future<?> start() {
      thread = Thread.currentThread().getName();
      return vertx.eventBus().<Fn>consumer(address, m -> {
        Fn fn = m.body();
        if (fn.update()) {
          state = fn.fun().apply(state);
          m.reply(null);
        } else {
          m.reply(fn.fun().apply(state));
        }
      }).completion();
    }
  }

  /** Passes an immutable local object through the event bus untouched. */
  static final class LocalCodec<T> implements MessageCodec<T, T> {
    private final String name;

    LocalCodec(String name) {
      this.name = name;
    }

    @Override
    public void encodeToWire(Buffer buffer, T t) {
      throw new UnsupportedOperationException("local only");
    }

    @Override
    public T decodeFromWire(int pos, Buffer buffer) {
      throw new UnsupportedOperationException("local only");
    }

    @Override
    public T transform(T t) {
      return t;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public byte systemCodecID() {
      return -1;
    }
  }
}
