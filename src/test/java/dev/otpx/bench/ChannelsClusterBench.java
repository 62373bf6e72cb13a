package dev.otpx.bench;

import dev.otpx.bench.ChannelsLoad.Round;
import dev.otpx.channels.auth.Tokens;
import dev.otpx.cluster.ClusterOptions;
import dev.otpx.store.TestDatabase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.ToDoubleFunction;

/**
 * Issue 13's broadcast across nodes: N listeners in one topic split evenly over two clustered otpx
 * servers (each a JVM of its own, {@value #HEAP}, an explicit member list of two free ports on
 * loopback, one PostgreSQL database for both), the poster on the first; post → last delivery, p50
 * and p99, against one otpx server with all N listeners, same flags and the same load generator
 * ({@link ChannelsLoad}), measured in the same run just before. The topic's process runs on the
 * first node (the poster joins first), so each post is stored there and its broadcast reaches the
 * second node's bridge over the clustered event bus.
 *
 * <p>System properties: {@code bench.channels.cluster.clients} (default 1000),
 * {@code bench.channels.cluster.posts} (posts per round, default 100), {@code bench.rounds}.
 */
final class ChannelsClusterBench {

  private static final int CLIENTS = Integer.getInteger("bench.channels.cluster.clients", 1000);
  private static final int POSTS = Integer.getInteger("bench.channels.cluster.posts", 100);
  private static final int ROUNDS = BenchMain.ROUNDS;
  private static final String HEAP = "-Xmx512m";
  private static final int WARM_CLIENTS = 200;
  private static final int WARM_POSTS = 50;
  private static final long SETUP_MS = 240_000;

  private ChannelsClusterBench() {
  }

  static void run(Consumer<BenchMain.Result> sink) throws Exception {
    ChannelsBench.Keys keys = ChannelsBench.Keys.random();
    String secret = keys.secret();
    Tokens tokens = keys.tokens();
    Vertx vertx = Vertx.vertx();
    try {
      Outcome singleNode = block(vertx, secret, tokens, 1);
      Outcome twoNodes = block(vertx, secret, tokens, 2);
      Round[] single = singleNode.rounds();
      Round[] two = twoNodes.rounds();
      String load = String.format(Locale.ROOT, "load average %.2f", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
      String how = String.format(Locale.ROOT, "%,d listeners, %d on each of 2 clustered otpx JVMs (%s, PostgreSQL, Hazelcast"
        + " on loopback), poster on the first; against 1 otpx JVM with all %,d, same run; %d rounds × %d sequential posts;"
        + " %s; single node %s; two nodes %s", CLIENTS, CLIENTS / 2, HEAP, CLIENTS, ROUNDS, POSTS, load,
        outcome(single), outcome(two));
      for (double p : new double[] {0.50, 0.99}) {
        double[] across = Arrays.stream(two).mapToDouble(r -> ChannelsBench.percentile(r, p)).toArray();
        double[] alone = Arrays.stream(single).mapToDouble(r -> ChannelsBench.percentile(r, p)).toArray();
        System.out.printf(Locale.ROOT, "    channels across 2 nodes, p%d: %.2f ms vs %.2f ms on one node (%.2f×)%n",
          Math.round(p * 100), BenchMain.median(across), BenchMain.median(alone), BenchMain.median(across) / BenchMain.median(alone));
        sink.accept(new BenchMain.Result(String.format(Locale.ROOT, "broadcast to %,d subscribers over 2 nodes, p%d", CLIENTS,
          Math.round(p * 100)), "ms", false, across, alone, "≤ 1.2× single node", how));
      }
      System.out.printf(Locale.ROOT, "    channels storm over 2 nodes: %.2f s vs %.2f s on one node (%.2f×)%n",
        twoNodes.stormSeconds(), singleNode.stormSeconds(), twoNodes.stormSeconds() / singleNode.stormSeconds());
      sink.accept(new BenchMain.Result(String.format(Locale.ROOT, "storm of %,d clients (connect, join with register) over 2 nodes",
        CLIENTS), "s", false, new double[] {twoNodes.stormSeconds()}, new double[] {singleNode.stormSeconds()},
        "stated (ratio to one node)", "as above; presence: 2 nodes " + twoNodes.presence().summary() + "; one node "
          + singleNode.presence().summary()));
      if (!singleNode.presence().ok() || !twoNodes.presence().ok()) {
        System.out.println("\n*** CHANNELS PRESENCE CHECK FAILED (cluster) ***");
        throw new IllegalStateException("channels presence check failed: one node " + singleNode.presence().summary()
          + "; two nodes " + twoNodes.presence().summary());
      }
    } finally {
      ChannelsBench.await(vertx.close(), 60_000);
    }
  }

  /** One block's storm time, presence check and latency rounds. */
  private record Outcome(double stormSeconds, ChannelsLoad.PresenceCheck presence, Round[] rounds) { }

  /** The storm and the latency rounds with the listeners split over {@code nodes} servers (1 or 2). */
  private static Outcome block(Vertx vertx, String secret, Tokens tokens, int nodes) throws Exception {
    TestDatabase.ServerDatabase database = TestDatabase.postgresDatabase();
    List<ChannelsServerProcess> servers = new ArrayList<>();
    ChannelsLoad load = null;
    try {
      List<Integer> clusterPorts = new ArrayList<>();
      for (int i = 0; i < nodes; i++) {
        clusterPorts.add(freePort());
      }
      String members = String.join(",", clusterPorts.stream().map(p -> "127.0.0.1:" + p).toList());
      for (int i = 0; i < nodes; i++) {
        Map<String, String> env = nodes == 1 ? Map.of()
          : Map.of(ClusterOptions.MEMBERS_ENV, members, ClusterOptions.PORT_ENV, String.valueOf(clusterPorts.get(i)));
        // The first node makes the poster and the video; the second finds them in the database.
        servers.add(ChannelsServerProcess.start("otpx-pg", secret, List.of(HEAP, "-Dbench.seed=" + (i == 0)), env, database));
      }
      int[] ports = servers.stream().mapToInt(ChannelsServerProcess::port).toArray();
      load = ChannelsLoad.open(vertx, ports[0], tokens, VertxOptions.DEFAULT_EVENT_LOOP_POOL_SIZE, true);
      ChannelsBench.await(load.addListeners(Math.min(WARM_CLIENTS, CLIENTS), "warm", ports), 120_000);
      load.latencyRound(Math.min(WARM_POSTS, POSTS));
      ChannelsBench.await(load.closeListeners(), 60_000);
      ChannelsBench.await(load.quiesce(), 60_000);
      long stormStart = System.nanoTime();
      ChannelsBench.await(load.addListeners(CLIENTS, "user", ports), SETUP_MS);
      double storm = (System.nanoTime() - stormStart) / 1e9;
      ChannelsLoad.PresenceCheck presence = load.checkPresence("user", CLIENTS + 1L, 60_000);
      System.out.printf(Locale.ROOT, "    channels on %d node(s), %,d clients: storm %.2f s; %s%n", nodes, CLIENTS, storm,
        presence.summary());
      Round[] rounds = new Round[ROUNDS];
      for (int r = 0; r < ROUNDS; r++) {
        rounds[r] = load.latencyRound(POSTS);
      }
      System.out.printf(Locale.ROOT, "    channels on %d node(s), %,d clients: p50 %.2f ms, p99 %.2f ms, %s%n", nodes, CLIENTS,
        median(rounds, r -> ChannelsBench.percentile(r, 0.50)), median(rounds, r -> ChannelsBench.percentile(r, 0.99)),
        outcome(rounds));
      return new Outcome(storm, presence, rounds);
    } finally {
      for (ChannelsServerProcess server : servers) {
        server.close();
      }
      if (load != null) {
        load.close();
      }
      try {
        database.close();
      } catch (java.sql.SQLException leftBehind) {
        System.out.println("    (benchmark database left behind: " + leftBehind.getMessage() + ")");
      }
    }
  }

  private static String outcome(Round[] rounds) {
    return String.format(Locale.ROOT, "lost %d of %,d deliveries", Arrays.stream(rounds).mapToLong(Round::lost).sum(),
      Arrays.stream(rounds).mapToLong(Round::expected).sum());
  }

  private static double median(Round[] rounds, ToDoubleFunction<Round> figure) {
    return BenchMain.median(Arrays.stream(rounds).mapToDouble(figure).toArray());
  }

  private static int freePort() throws IOException {
    try (ServerSocket probe = new ServerSocket(0)) {
      return probe.getLocalPort();
    }
  }

  /** Runs this benchmark alone, printing its rows as BenchMain does (no results file). */
  public static void main(String[] args) throws Exception {
    run(new BenchMain()::add);
  }
}
