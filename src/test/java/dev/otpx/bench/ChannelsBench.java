package dev.otpx.bench;

import dev.otpx.bench.ChannelsLoad.Round;
import dev.otpx.channels.auth.Tokens;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.ToDoubleFunction;

/**
 * The channels benchmark of issue 6: N websocket clients in one topic, served by otpx's channels
 * and by the raw Vert.x baseline ({@link RawChannelServer}), each server in its own JVM
 * ({@link ChannelsServerProcess}) and both driven by the same load generator ({@link ChannelsLoad})
 * from this JVM, one after the other.
 *
 * <p>For each N and each server, in a fresh server JVM: a warm-up (a few hundred listeners, posts,
 * then closed), the used heap after full GCs, N listeners joined and registered, the heap again
 * (its growth over N is the heap per idle client), a class histogram, then rounds of sequential posts
 * (time from sending a post to its delivery to the last listener: p50, p99) and rounds of posts
 * with several broadcasts under way (deliveries/s). Deliveries that never come are counted.
 *
 * <p>A server that fails (its heap full, say) gives rows without its figures and with the reason in
 * the note; the other server's figures are still measured.
 *
 * <p>System properties: {@code bench.channels.clients} (default {@code 1000,10000}),
 * {@code bench.channels.rounds} (default {@code bench.rounds}), {@code bench.channels.posts} (posts
 * per round; default 100,000 / N, at least 20), {@code bench.channels.window} (broadcasts under way
 * in a throughput round, 8), {@code bench.channels.histo} (write the live-heap class histograms
 * next to the results, default true).
 */
public final class ChannelsBench {

  private static final List<Integer> CLIENTS = Arrays.stream(System.getProperty("bench.channels.clients", "1000,10000")
    .split(",")).map(String::strip).map(Integer::valueOf).toList();
  private static final int ROUNDS = Integer.getInteger("bench.channels.rounds", BenchMain.ROUNDS);
  private static final Integer POSTS = Integer.getInteger("bench.channels.posts");
  private static final int WINDOW = Integer.getInteger("bench.channels.window", 8);
  private static final boolean HISTOGRAMS = Boolean.parseBoolean(System.getProperty("bench.channels.histo", "true"));
  /** Whether to run the PostgreSQL block (issue 11's rows) too. */
  private static final boolean STORAGE = Boolean.parseBoolean(System.getProperty("bench.channels.storage", "true"));
  private static final int WARM_CLIENTS = 500;
  private static final int WARM_POSTS = 100;
  private static final int CLIENT_LOOPS = VertxOptions.DEFAULT_EVENT_LOOP_POOL_SIZE;
  private static final long SETUP_MS = 240_000;

  /** What one server did with N clients; a failed block has only its failure. */
  private record Block(Round[] latency, Round[] throughput, long heapBefore, long heapAfter, double setupSeconds,
                       ChannelsLoad.PresenceCheck presence, double stormCpu, double latencyCpu, String failure) {
    static Block failed(String failure) {
      return new Block(new Round[0], new Round[0], 0, 0, Double.NaN, null, Double.NaN, Double.NaN, failure);
    }

    double heapPerClientKb(int n) {
      return heapAfter == 0 ? Double.NaN : (heapAfter - heapBefore) / 1024.0 / n;
    }

    long lost() {
      return Arrays.stream(latency).mapToLong(Round::lost).sum() + Arrays.stream(throughput).mapToLong(Round::lost).sum();
    }

    long expected() {
      return Arrays.stream(latency).mapToLong(Round::expected).sum() + Arrays.stream(throughput).mapToLong(Round::expected).sum();
    }

    long anomalies() {
      return Arrays.stream(latency).mapToLong(Round::anomalies).sum() + Arrays.stream(throughput).mapToLong(Round::anomalies).sum();
    }
  }

  private ChannelsBench() {
  }

  /**
   * A random token secret for one run (the servers get it in their environment) and the Tokens
   * that sign the clients' tokens with it.
   */
  record Keys(String secret, Tokens tokens) {
    static Keys random() {
      byte[] random = new byte[32];
      new SecureRandom().nextBytes(random);
      String secret = HexFormat.of().formatHex(random);
      return new Keys(secret, new Tokens(secret.getBytes(StandardCharsets.UTF_8), Duration.ofDays(1), Clock.systemUTC()));
    }
  }

  /**
   * Runs the benchmark and hands each row to {@code sink}.
   *
   * @param sink records and prints a row (BenchMain's {@code add})
   * @param out where the class histograms go (BenchMain's results directory)
   */
  static void run(Consumer<BenchMain.Result> sink, Path out) throws Exception {
    Keys keys = Keys.random();
    String secret = keys.secret();
    Tokens tokens = keys.tokens();
    Vertx vertx = Vertx.vertx();
    List<String> wrong = new java.util.ArrayList<>();
    try {
      for (int n : CLIENTS) {
        int posts = POSTS != null ? POSTS : Math.max(20, 100_000 / n);
        Block otpx = block(vertx, "otpx", n, posts, secret, tokens, out);
        Block postgres = STORAGE ? block(vertx, "otpx-pg", n, posts, secret, tokens, out) : null;
        Block raw = block(vertx, "raw", n, posts, secret, tokens, out);
        report(sink, n, posts, otpx, raw);
        if (postgres != null) {
          reportStorage(sink, n, posts, otpx, postgres, raw);
        }
        for (Block block : postgres == null ? List.of(otpx) : List.of(otpx, postgres)) {
          if (block.presence() != null && !block.presence().ok()) {
            wrong.add(n + " clients: " + block.presence().summary());
          }
        }
      }
    } finally {
      await(vertx.close(), 60_000);
    }
    if (!wrong.isEmpty()) {
      System.out.println("\n*** CHANNELS PRESENCE CHECK FAILED ***");
      wrong.forEach(w -> System.out.println("    " + w));
      throw new IllegalStateException("channels presence check failed: " + wrong);
    }
  }

  private static Block block(Vertx vertx, String kind, int n, int posts, String secret, Tokens tokens, Path out)
      throws Exception {
    long t0 = System.nanoTime();
    ChannelsServerProcess server = null;
    ChannelsLoad load = null;
    try {
      server = ChannelsServerProcess.start(kind, secret);
      boolean otpx = !kind.equals("raw");
      load = ChannelsLoad.open(vertx, server.port(), tokens, CLIENT_LOOPS, otpx);
      await(load.addListeners(Math.min(n, WARM_CLIENTS), "warm"), 120_000);
      load.latencyRound(WARM_POSTS);
      load.throughputRound(WARM_POSTS, WINDOW);
      await(load.closeListeners(), 60_000);
      await(load.quiesce(), 60_000);
      long before = server.heapAfterGc();

      double cpu0 = server.cpuSeconds();
      long joinStart = System.nanoTime();
      await(load.addListeners(n, "user"), SETUP_MS);
      double setup = (System.nanoTime() - joinStart) / 1e9;
      // The listeners and the poster; checked before anything else happens on the server.
      ChannelsLoad.PresenceCheck presence = otpx ? load.checkPresence("user", n + 1L, 60_000) : null;
      // Printed at once: a block whose rounds never end (a killed run) still leaves its storm figure.
      System.out.printf(Locale.ROOT, "    channels %s, %,d clients: storm %.2f s%s%n", kind, n, setup, presence == null ? ""
        : String.format(Locale.ROOT, "; %s; %,d diffs, %,d diff deliveries", presence.summary(), presence.diffs(),
          presence.diffDeliveries()));
      // The storm's CPU includes the diffs still going out while the presence settles.
      double stormCpu = server.cpuSeconds() - cpu0;
      long after = server.heapAfterGc();
      if (HISTOGRAMS) {
        Files.createDirectories(out);
        server.histogram(out.resolve("channels-histo-" + kind + "-" + n + ".txt"));
      }
      Round[] latency = new Round[ROUNDS];
      Round[] throughput = new Round[ROUNDS];
      double cpu1 = server.cpuSeconds();
      double latencyCpu;
      try {
        for (int r = 0; r < ROUNDS; r++) {
          latency[r] = load.latencyRound(posts);
        }
        latencyCpu = (server.cpuSeconds() - cpu1) / ROUNDS / posts;
        for (int r = 0; r < ROUNDS; r++) {
          throughput[r] = load.throughputRound(posts, WINDOW);
        }
      } catch (RuntimeException roundFailed) {
        // The storm's and the heap's figures stand: only the rounds' are missing.
        System.out.printf(Locale.ROOT, "    channels %s, %,d clients: storm %.2f s, heap %.1f KB/client; rounds FAILED: %s%n",
          kind, n, setup, (after - before) / 1024.0 / n, roundFailed.getCause() != null ? roundFailed.getCause() : roundFailed);
        return new Block(new Round[0], new Round[0], before, after, setup, presence, stormCpu, Double.NaN,
          "rounds failed: " + roundFailed.getMessage());
      }
      Block block = new Block(latency, throughput, before, after, setup, presence, stormCpu, latencyCpu, null);
      System.out.printf(Locale.ROOT, "    channels %s, %,d clients: joined in %.1f s, heap %.1f → %.1f MB (%.1f KB/client),"
          + " p50 %.2f ms, %.0f deliveries/s, lost %d, server CPU %.1f s for the storm and %.2f ms per sequential post,"
          + " block %.0f s, load average %.1f%n",
        kind, n, setup, before / 1048576.0, after / 1048576.0, block.heapPerClientKb(n),
        median(latency, r -> percentile(r, 0.50)), median(throughput, Round::deliveriesPerSecond), block.lost(),
        stormCpu, latencyCpu * 1000, (System.nanoTime() - t0) / 1e9,
        java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
      return block;
    } catch (Exception failed) {
      // One server failing (say, its heap full with 10,000 clients) must not cost the other's figures.
      Throwable cause = failed.getCause() != null ? failed.getCause() : failed;
      String why = cause + (server != null ? "; " + server.state() : "");
      System.out.printf(Locale.ROOT, "    channels %s, %,d clients FAILED after %.0f s: %s%n", kind, n, (System.nanoTime() - t0) / 1e9, why);
      return Block.failed(why);
    } finally {
      // The server first: closing 10,000 sockets one by one would make otpx publish a presence
      // diff for each to all the others.
      if (server != null) {
        server.close();
      }
      if (load != null) {
        load.close();
      }
    }
  }

  private static void report(Consumer<BenchMain.Result> sink, int n, int posts, Block otpx, Block raw) {
    String clients = String.format(Locale.ROOT, "%,d clients", n);
    String losses = "otpx " + outcome(otpx) + "; raw " + outcome(raw);
    String how = String.format(Locale.ROOT, "%d rounds × %d posts; each server in its own JVM %s, all sockets on its one HTTP"
      + " verticle's event loop; load generator in the bench JVM, %d event loops", ROUNDS, posts,
      String.join(" ", ChannelsServerProcess.JVM_FLAGS), CLIENT_LOOPS);
    sink.accept(new BenchMain.Result("channels broadcast to last subscriber, p50 — " + clients, "ms", false,
      perRound(otpx.latency(), r -> percentile(r, 0.50)), perRound(raw.latency(), r -> percentile(r, 0.50)),
      "≤ 1.1× raw", "sequential posts, send → last delivery; " + how + "; " + losses));
    sink.accept(new BenchMain.Result("channels broadcast to last subscriber, p99 — " + clients, "ms", false,
      perRound(otpx.latency(), r -> percentile(r, 0.99)), perRound(raw.latency(), r -> percentile(r, 0.99)),
      "≤ 1.1× raw", posts < 100 ? "as above; with " + posts + " posts a round, p99 is the round's slowest" : "as above"));
    sink.accept(new BenchMain.Result("channels deliveries — " + clients, "deliveries/s", true,
      perRound(otpx.throughput(), Round::deliveriesPerSecond), perRound(raw.throughput(), Round::deliveriesPerSecond),
      "≥ 0.9× raw, none lost", WINDOW + " broadcasts under way; " + losses));
    sink.accept(new BenchMain.Result("channels heap per idle client — " + clients, "KB", false,
      new double[] {otpx.heapPerClientKb(n)}, new double[] {raw.heapPerClientKb(n)},
      "≤ 1.0× raw (issue 15)", String.format(Locale.ROOT,
        "used heap after 3 full GCs, warm JVM, before and after %,d clients joined and registered: otpx %.1f → %.1f MB,"
          + " raw %.1f → %.1f MB%s", n,
        otpx.heapBefore() / 1048576.0, otpx.heapAfter() / 1048576.0, raw.heapBefore() / 1048576.0, raw.heapAfter() / 1048576.0,
        HISTOGRAMS ? "; live-heap class histograms: channels-histo-{otpx,raw}-" + n + ".txt" : "")));
    sink.accept(new BenchMain.Result("channels connect, join and register (storm) — " + clients, "s", false,
      new double[] {otpx.setupSeconds()}, new double[] {raw.setupSeconds()},
      "≤ 2× raw, presence exact at every client", "64 clients at a time, each connects and joins with register (one round"
        + " trip; raw: REGISTER then join), with last_seen_id the newest id, so no history in the reply; presence on and"
        + " followed by every otpx client: " + (otpx.presence() == null ? "not checked" : otpx.presence().summary())));
    sink.accept(new BenchMain.Result("channels server CPU for the storm — " + clients, "s", false,
      new double[] {otpx.stormCpu()}, new double[] {raw.stormCpu()}, "none (explains the storm's time on a shared machine)",
      "CPU time of the server's JVM from the first connect to every client's presence settled (otpx) or the last join reply (raw)"));
    sink.accept(new BenchMain.Result("channels server CPU per sequential post — " + clients, "ms", false,
      new double[] {otpx.latencyCpu() * 1000}, new double[] {raw.latencyCpu() * 1000}, "none (explains the latency)",
      "CPU time of the server's JVM over the latency rounds ÷ posts (each post delivered to every client)"));
    for (int r = 0; r < Math.min(otpx.latency().length, raw.latency().length); r++) {
      double o50 = percentile(otpx.latency()[r], 0.50);
      double r50 = percentile(raw.latency()[r], 0.50);
      double o99 = percentile(otpx.latency()[r], 0.99);
      double r99 = percentile(raw.latency()[r], 0.99);
      System.out.printf(Locale.ROOT, "    channels %,d clients, latency run %d: p50 %.2f vs %.2f ms (%.2f×), p99 %.2f vs %.2f ms (%.2f×)%n",
        n, r + 1, o50, r50, o50 / r50, o99, r99, o99 / r99);
    }
  }

  /**
   * Issue 11's rows: each post committed to PostgreSQL (and to the embedded H2 file) before it is
   * broadcast, against raw's in-memory list, the same broadcast with no database. The channels'
   * old in-memory store measured 12.7 ms against raw's 13.0 ms at 1,000 clients
   * (docs/benchmarks.md, issue 6's run), so raw stands in for it here, measured in the same run.
   */
  private static void reportStorage(Consumer<BenchMain.Result> sink, int n, int posts, Block h2, Block postgres, Block raw) {
    String clients = String.format(Locale.ROOT, "%,d clients", n);
    String losses = "PostgreSQL " + outcome(postgres) + "; in-memory " + outcome(raw);
    String how = ROUNDS + " rounds × " + posts + " posts; the database is the machine's PostgreSQL (localhost, its own"
      + " database for the run); the in-memory side is raw's list, as the channels' old map was (12.7 ms vs raw's 13.0 ms"
      + " in issue 6's run)";
    sink.accept(new BenchMain.Result("annotation post → last delivery committed to PostgreSQL, p50 — " + clients, "ms", false,
      perRound(postgres.latency(), r -> percentile(r, 0.50)), perRound(raw.latency(), r -> percentile(r, 0.50)),
      "≤ 1.5× in-memory", "sequential posts, send → last delivery; " + how + "; " + losses));
    sink.accept(new BenchMain.Result("annotation post → last delivery committed to the embedded H2 file, p50 — " + clients, "ms",
      false, perRound(h2.latency(), r -> percentile(r, 0.50)), perRound(raw.latency(), r -> percentile(r, 0.50)),
      "≤ 1.5× in-memory", "as above, the embedded default (H2, WRITE_DELAY=0: each commit written before the reply)"));
    sink.accept(new BenchMain.Result("annotation posts/s committed to PostgreSQL — " + clients, "posts/s", true,
      perRound(postgres.throughput(), r -> r.deliveriesPerSecond() / n), perRound(raw.throughput(), r -> r.deliveriesPerSecond() / n),
      "none (reported)", WINDOW + " broadcasts under way, each post committed before its broadcast; deliveries/s ÷ clients"));
    sink.accept(new BenchMain.Result("annotation posts/s committed to the embedded H2 file — " + clients, "posts/s", true,
      perRound(h2.throughput(), r -> r.deliveriesPerSecond() / n), perRound(raw.throughput(), r -> r.deliveriesPerSecond() / n),
      "none (reported)", "as above, the embedded default"));
  }

  private static String outcome(Block block) {
    return block.failure() != null ? "FAILED: " + block.failure() : String.format(Locale.ROOT,
      "lost %d of %,d deliveries, %d gaps or reorderings", block.lost(), block.expected(), block.anomalies());
  }

  /** @return the figure of each round; {NaN} for a failed block, which BenchMain prints as "-" */
  private static double[] perRound(Round[] rounds, ToDoubleFunction<Round> figure) {
    return rounds.length == 0 ? new double[] {Double.NaN} : Arrays.stream(rounds).mapToDouble(figure).toArray();
  }

  private static double median(Round[] rounds, ToDoubleFunction<Round> figure) {
    return BenchMain.median(perRound(rounds, figure));
  }

  /** @return the percentile of a round's latencies, in ms */
  static double percentile(Round round, double p) {
    long[] sorted = round.nanos().clone();
    Arrays.sort(sorted);
    return sorted[(int) Math.min(sorted.length - 1, Math.ceil(sorted.length * p) - 1)] / 1e6;
  }

  static <T> T await(Future<T> future, long millis) throws InterruptedException, ExecutionException, TimeoutException {
    return future.toCompletionStage().toCompletableFuture().get(millis, TimeUnit.MILLISECONDS);
  }

  /** Runs the channels benchmark alone, printing its rows as BenchMain does (no results file). */
  public static void main(String[] args) throws Exception {
    run(new BenchMain()::add, Path.of(System.getProperty("bench.out", "target/bench")));
  }
}
