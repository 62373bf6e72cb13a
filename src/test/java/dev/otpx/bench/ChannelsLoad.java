package dev.otpx.bench;

import dev.otpx.channels.auth.Tokens;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;

/**
 * The load generator of the channels benchmark, the same for both servers: listeners that join
 * topic {@value #TOPIC} and register on its address, and one poster that has joined it too and
 * posts; each post's broadcast is followed until its last listener has it.
 *
 * <p>Connections are spread over the client's event loops (one context per loop, each serving the
 * connections it opened), and opened {@value #WINDOW} at a time so that the server is not flooded.
 *
 * <p>A listener's setup is one round trip, as the page's is: against otpx, a join with
 * {@code "register": true} (the bridge registers the socket on the topic before it forwards the
 * join) followed by the REGISTER for its handler, which the bridge takes as done; against the raw
 * server, which does not know {@code register}, the REGISTER first, then the join (the bridge
 * handles a socket's frames in order). Either way the join's reply means the socket receives
 * whatever the topic publishes next. Against otpx each listener then follows presence as a client
 * that holds the first page does ({@link ChannelsClient#joined}): the reply's count as of its
 * {@code presence_seq}, and every numbered diff after it, which {@link #checkPresence} checks.
 */
final class ChannelsLoad implements ChannelsClient.Deliveries, AutoCloseable {

  static final String TOPIC = "videos:1";
  static final String TOPIC_ADDRESS = "channels.topic." + TOPIC;

  private static final int WINDOW = 64;
  private static final long REPLY_MS = 60_000;
  /** A broadcast whose last delivery has not come by then has lost the missing ones. */
  private static final long BROADCAST_MS = 30_000;
  private static final long PING_TICK_MS = 100;
  /** Every client pings once per this many ticks (5 s, as vertx-eventbus.js does). */
  private static final int PING_TICKS = 50;
  private static final int MAX_QUIESCE_TRIES = 1000;

  /** One round of posts: each post's time to its last delivery, and what reached the listeners. */
  record Round(long[] nanos, long elapsedNanos, long expected, long lost, long anomalies) {
    double deliveriesPerSecond() {
      return (expected - lost) * 1e9 / elapsedNanos;
    }
  }

  /** A post on its way to every listener. */
  private static final class Broadcast {
    final AtomicInteger remaining;
    final Promise<Long> done = Promise.promise();
    volatile int seq;
    volatile long sent;

    Broadcast(int audience) {
      remaining = new AtomicInteger(audience);
    }
  }

  /** Gives the load generator one context per event loop. */
  private static final class Loop extends VerticleBase {
    Context context() {
      return context;
    }
  }

  private final Vertx vertx;
  private final int port;
  private final Tokens tokens;
  private final WebSocketClient wsClient;
  private final List<Loop> loops;
  private final List<ChannelsClient> clients = Collections.synchronizedList(new ArrayList<>());
  private final Map<Integer, Broadcast> broadcasts = new ConcurrentHashMap<>();
  private final AtomicInteger seq = new AtomicInteger();
  private final AtomicLong lastId = new AtomicLong();
  private final AtomicLong anomalies = new AtomicLong();
  /** Whether the server is otpx: joins register and carry presence. */
  private final boolean otpx;
  /** Diff number → its joins and leaves (high and low 32 bits), as the first client to get it saw it. */
  private final Map<Long, Long> diffs = new ConcurrentHashMap<>();
  private final AtomicLong diffMismatches = new AtomicLong();
  private final AtomicLong diffsReceived = new AtomicLong();
  private volatile String diffMismatch;
  private final long pingTimer;
  private volatile String postFailure;
  private ChannelsClient poster;
  private volatile List<ChannelsClient> listeners = List.of();

  private ChannelsLoad(Vertx vertx, int port, Tokens tokens, List<Loop> loops, boolean otpx) {
    this.vertx = vertx;
    this.otpx = otpx;
    this.port = port;
    this.tokens = tokens;
    this.loops = loops;
    // No cap on connections (in 5.0.10 the documented -1 makes every connect wait for a free slot
    // forever), and room for a join reply carrying otpx's whole presence state, ~100 bytes a socket.
    this.wsClient = vertx.createWebSocketClient(new WebSocketClientOptions()
      .setMaxConnections(Integer.MAX_VALUE).setMaxFrameSize(1 << 20).setMaxMessageSize(64 << 20));
    long[] tick = new long[1];
    this.pingTimer = vertx.setPeriodic(PING_TICK_MS, id -> ping(tick[0]++ % PING_TICKS));
  }

  /** A load generator for the server on {@code port}, with its poster joined. */
  static ChannelsLoad open(Vertx vertx, int port, Tokens tokens, int eventLoops, boolean otpx) throws Exception {
    List<Loop> loops = new ArrayList<>();
    for (int i = 0; i < eventLoops; i++) {
      Loop loop = new Loop();
      loops.add(loop);
      ChannelsBench.await(vertx.deployVerticle(loop), REPLY_MS);
    }
    ChannelsLoad load = new ChannelsLoad(vertx, port, tokens, loops, otpx);
    load.poster = ChannelsBench.await(load.onLoop(0, () -> load.connect("poster")), REPLY_MS);
    // The poster does not listen: it joins without registering.
    JsonObject posterJoin = ChannelsBench.await(expect(load.poster.request("channels.join", load.joinBody()), "rec", "join"), REPLY_MS);
    if (otpx) {
      // Its socket id, a member the listeners' pages must list.
      load.poster.joined(posterJoin.getJsonObject("body"));
    }
    return load;
  }

  /**
   * Connects {@code n} listeners, named {@code <prefix><i>}, each joined and registered on the
   * topic in one round trip (see the class's doc); completes once every join's reply is in.
   */
  Future<List<ChannelsClient>> addListeners(int n, String prefix) {
    return addListeners(n, prefix, new int[] {port});
  }

  /**
   * As {@link #addListeners(int, String)}, with listener {@code i} connected to
   * {@code ports[i % ports.length]}: the servers of one cluster, each with its share.
   */
  Future<List<ChannelsClient>> addListeners(int n, String prefix, int[] ports) {
    List<ChannelsClient> group = Collections.synchronizedList(new ArrayList<>());
    return windowed(n, i -> connect(prefix + i, ports[i % ports.length]).compose(client -> joinAndRegister(client).map(v -> group.add(client))))
      .map(v -> {
        listeners = List.copyOf(group);
        return listeners;
      });
  }

  /** Closes the current listeners. */
  Future<Void> closeListeners() {
    List<ChannelsClient> closing = listeners;
    listeners = List.of();
    clients.removeAll(closing);
    return Future.all(closing.stream().map(ChannelsClient::close).toList()).mapEmpty();
  }

  /**
   * Waits until the server has handled every closed socket, where it says so: otpx's presence state
   * (in a join's reply) lists the poster alone. The raw server tracks no presence and keeps no
   * state per socket outside the bridge, which cleans up as each close arrives.
   */
  Future<Void> quiesce() {
    return quiesce(0);
  }

  private Future<Void> quiesce(int tries) {
    return poster.request("channels.join", joinBody()).compose(reply -> {
      if (!"rec".equals(reply.getString("type"))) {
        return Future.failedFuture("the poster's join failed: " + reply.encode());
      }
      JsonObject body = reply.getJsonObject("body");
      if (!reply.containsKey("truncated") && (body == null || body.getLong("presence_count", 1L) == 1)) {
        return Future.succeededFuture();
      }
      if (tries == MAX_QUIESCE_TRIES) {
        return Future.failedFuture("the server still lists closed sockets as present after " + tries + " joins");
      }
      return quiesce(tries + 1);
    });
  }

  /** {@code posts} posts one after the other, each sent once the previous one reached every listener. */
  Round latencyRound(int posts) {
    return round(posts, 1);
  }

  /** {@code posts} posts with up to {@code window} broadcasts under way at once. */
  Round throughputRound(int posts, int window) {
    return round(posts, window);
  }

  private Round round(int posts, int window) {
    int audience = listeners.size();
    long[] nanos = new long[posts];
    AtomicInteger sent = new AtomicInteger();
    List<Broadcast> round = Collections.synchronizedList(new ArrayList<>());
    long anomaliesBefore = anomalies.get();
    long start = System.nanoTime();
    List<Future<Void>> chains = new ArrayList<>();
    for (int i = 0; i < window; i++) {
      chains.add(chain(posts, audience, sent, nanos, round));
    }
    try {
      ChannelsBench.await(Future.all(chains), BROADCAST_MS * (posts + 1));
    } catch (Exception e) {
      throw new IllegalStateException("a round of " + posts + " posts failed", e);
    }
    long elapsed = System.nanoTime() - start;
    if (postFailure != null) {
      throw new IllegalStateException("a post failed: " + postFailure);
    }
    long lost = 0;
    long duplicates = 0;
    for (Broadcast b : round) {
      lost += Math.max(0, b.remaining.get());
      duplicates += Math.max(0, -b.remaining.get());
    }
    round.forEach(b -> broadcasts.remove(b.seq));
    return new Round(nanos, elapsed, (long) audience * posts, lost, anomalies.get() - anomaliesBefore + duplicates);
  }

  private Future<Void> chain(int posts, int audience, AtomicInteger sent, long[] nanos, List<Broadcast> round) {
    int i = sent.getAndIncrement();
    if (i >= posts) {
      return Future.succeededFuture();
    }
    Broadcast b = new Broadcast(audience);
    round.add(b);
    return post(b)
      .map(latency -> nanos[i] = latency)
      // An incomplete broadcast counts at the deadline; its missing deliveries are counted lost.
      .recover(timeout -> Future.succeededFuture(nanos[i] = TimeUnit.MILLISECONDS.toNanos(BROADCAST_MS)))
      .compose(v -> chain(posts, audience, sent, nanos, round));
  }

  private Future<Long> post(Broadcast b) {
    int s = seq.incrementAndGet();
    b.seq = s;
    broadcasts.put(s, b);
    JsonObject body = new JsonObject().put("topic", TOPIC).put("event", "new_annotation")
      .put("payload", new JsonObject().put("body", ChannelsClient.MARK + s + "#").put("at", 0));
    b.sent = System.nanoTime();
    poster.request("channels.push", body).onComplete(ar -> {
      JsonObject reply = ar.succeeded() ? ar.result() : null;
      if (reply == null || !"rec".equals(reply.getString("type"))) {
        postFailure = reply == null ? ar.cause().toString() : reply.encode();
        b.done.tryFail(postFailure);
      } else {
        lastId.accumulateAndGet(reply.getJsonObject("body").getLong("id"), Math::max);
      }
    });
    return b.done.future().timeout(BROADCAST_MS, TimeUnit.MILLISECONDS);
  }

  /**
   * Wakes {@link #checkPresence} when a client's presence moves. Only while it waits: during the
   * storm and the rounds a diff costs one volatile read here, not a lock shared by every loop.
   */
  @Override
  public void presenceApplied() {
    if (presenceWaiter) {
      presenceMoves.incrementAndGet();
      synchronized (presenceMoved) {
        presenceMoved.notifyAll();
      }
    }
  }

  // Called with a client's lock held: the checker never holds presenceMoved while it reads clients.
  private final Object presenceMoved = new Object();
  private final java.util.concurrent.atomic.AtomicLong presenceMoves = new java.util.concurrent.atomic.AtomicLong();
  private volatile boolean presenceWaiter;

  @Override
  public void presenceDiff(ChannelsClient client, long diffSeq, long count, int joins, int leaves) {
    diffsReceived.incrementAndGet();
    // count, joins and leaves in 24, 20 and 20 bits: far more than a bench's 10,001 metas.
    long seen = count << 40 | (long) joins << 20 | leaves;
    Long first = diffs.putIfAbsent(diffSeq, seen);
    if (first != null && first != seen) {
      diffMismatches.incrementAndGet();
      diffMismatch = "diff " + diffSeq + " reached one client with count " + count + ", " + joins + " joins and " + leaves
        + " leaves, another with " + (first >>> 40) + ", " + (first >> 20 & 0xfffff) + " and " + (first & 0xfffff);
    }
  }

  /** What every listener's presence came to, against what the server has. */
  record PresenceCheck(boolean ok, double settleMillis, long diffs, long diffDeliveries, String summary) { }

  /** How many listeners read every page of the members at the end: {@code bench.channels.presence.sample}. */
  static final int MEMBERSHIP_SAMPLE = Integer.getInteger("bench.channels.presence.sample", 20);

  /**
   * Waits (up to {@code limitMs}) until every current listener has applied the last diff the
   * topic sent and counts {@code expected} metas, then checks each: its count, that its first page
   * names only {@code <prefix><i>} listeners and the poster and includes itself, no gap or
   * reordering in its diffs, and that every client got the same diff under each number. Then a
   * sample of listeners reads every page of the members ({@link #checkMembership}).
   *
   * @param expected the metas present: the listeners and the poster
   */
  /** Whether every listener has applied the last diff the topic sent and counts {@code expected}. */
  private boolean settledAt(List<ChannelsClient> all, long expected) {
    long last = diffs.keySet().stream().mapToLong(Long::longValue).max().orElse(0);
    return all.stream().allMatch(c -> c.presenceSeq() == last && c.presenceCount() == expected);
  }

  PresenceCheck checkPresence(String prefix, long expected, long limitMs) throws InterruptedException {
    List<ChannelsClient> all = listeners;
    long start = System.nanoTime();
    long deadline = start + TimeUnit.MILLISECONDS.toNanos(limitMs);
    boolean settled = false;
    presenceWaiter = true;
    try {
      while (true) {
        long moves = presenceMoves.get();
        if ((settled = settledAt(all, expected)) || System.nanoTime() >= deadline) {
          break;
        }
        // Waits for the next move after the check began (a move during the check ends the wait at once).
        synchronized (presenceMoved) {
          long left;
          while (presenceMoves.get() == moves && (left = deadline - System.nanoTime()) > 0) {
            TimeUnit.NANOSECONDS.timedWait(presenceMoved, left);
          }
        }
      }
    } finally {
      presenceWaiter = false;
    }
    double settleMillis = (System.nanoTime() - start) / 1e6;
    long last = diffs.keySet().stream().mapToLong(Long::longValue).max().orElse(0);
    Map<String, Integer> wrong = new java.util.TreeMap<>();
    String example = null;
    for (int i = 0; i < all.size(); i++) {
      ChannelsClient c = all.get(i);
      List<String> problems = new ArrayList<>(c.presenceProblems());
      if (c.presenceSeq() != last) {
        problems.add("at diff " + c.presenceSeq() + ", not " + last);
      }
      if (c.presenceCount() != expected) {
        problems.add("counts " + c.presenceCount() + ", not " + expected);
      }
      java.util.Set<String> page = c.presencePage();
      if (!page.contains(c.name)) {
        problems.add("its page lacks itself");
      }
      for (String name : page) {
        if (!name.equals("poster") && !(name.startsWith(prefix) && isIndex(name.substring(prefix.length()), all.size()))) {
          problems.add("its page names " + name + ", who is not present");
          break;
        }
      }
      for (String p : problems) {
        wrong.merge(p.replaceAll("[0-9]+", "#"), 1, Integer::sum);
      }
      if (!problems.isEmpty() && example == null) {
        example = c.name + ": " + String.join("; ", problems);
      }
    }
    if (diffMismatches.get() > 0) {
      wrong.put("a diff number with two contents: " + diffMismatch, (int) diffMismatches.get());
    }
    int sampled = wrong.isEmpty() ? checkMembership(all, last, expected, wrong) : 0;
    boolean ok = wrong.isEmpty();
    String summary = ok
      ? String.format(Locale.ROOT, "presence exact at all %,d clients (count %,d, last diff %d, no gap) %.0f ms after the last join reply;"
        + " members read in pages by %d of them and exact", all.size(), expected, last, settleMillis, sampled)
      : String.format(Locale.ROOT, "PRESENCE WRONG at some of %,d clients after %.0f ms: %s; e.g. %s", all.size(), settleMillis, wrong, example);
    return new PresenceCheck(ok, settleMillis, diffs.size(), diffsReceived.get(), summary);
  }

  /**
   * The members, as a client of a large topic reads them: {@link #MEMBERSHIP_SAMPLE} listeners,
   * spread over the list, each read every page (joins with {@code presence_after}) once presence has
   * settled. Each must find every listener and the poster under its own socket id and nobody else,
   * in pages as of the last diff.
   *
   * @return how many listeners read the pages
   */
  private int checkMembership(List<ChannelsClient> all, long last, long expected, Map<String, Integer> wrong) {
    Map<String, String> present = new java.util.HashMap<>();
    present.put(poster.socketId(), poster.name);
    all.forEach(c -> present.put(c.socketId(), c.name));
    int sample = Math.min(MEMBERSHIP_SAMPLE, all.size());
    List<Future<String>> reads = new ArrayList<>();
    for (int i = 0; i < sample; i++) {
      ChannelsClient reader = all.get((int) ((long) i * all.size() / sample));
      reads.add(onLoop(i, () -> readPages(reader, 0, new java.util.HashMap<>(), 0))
        .map(members -> {
          if (members.containsKey("#stale")) {
            return members.get("#stale");
          }
          if (members.size() != expected || !members.equals(present)) {
            Map<String, String> missing = new java.util.HashMap<>(present);
            members.keySet().forEach(missing::remove);
            members.keySet().removeAll(present.keySet());
            return "its pages list " + members.size() + " not present and miss " + missing.size();
          }
          return null;
        }));
    }
    try {
      ChannelsBench.await(Future.all(reads), REPLY_MS);
    } catch (Exception e) {
      wrong.merge("a page read failed: " + e.getMessage(), 1, Integer::sum);
      return sample;
    }
    for (Future<String> read : reads) {
      if (read.result() != null) {
        wrong.merge(read.result().replaceAll("[0-9]+", "#") + " (pages at diff " + last + ")", 1, Integer::sum);
      }
    }
    return sample;
  }

  /** Socket id → username of every page from cursor {@code after} on; "#stale" when a page is not as of the first's number. */
  private Future<Map<String, String>> readPages(ChannelsClient reader, long after, Map<String, String> members, long seqOfFirst) {
    JsonObject body = joinBody();
    if (after > 0) {
      body.put("presence_after", after);
    }
    return expect(reader.request("channels.join", body), "rec", "page").compose(frame -> {
      JsonObject reply = frame.getJsonObject("body");
      long pageSeq = reply.getLong("presence_seq");
      if (after > 0 && pageSeq != seqOfFirst) {
        members.put("#stale", "a page as of diff " + pageSeq + " after one as of " + seqOfFirst);
        return Future.succeededFuture(members);
      }
      reply.getJsonObject("presence_state").forEach(e -> ((JsonObject) e.getValue()).getJsonArray("metas")
        .forEach(m -> members.put(((JsonObject) m).getString("socket_id"), e.getKey())));
      Long more = reply.getLong("presence_more");
      return more == null ? Future.succeededFuture(members) : readPages(reader, more, members, pageSeq);
    });
  }

  private static boolean isIndex(String text, int n) {
    try {
      int i = Integer.parseInt(text);
      return i >= 0 && i < n;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  @Override
  public void delivered(ChannelsClient client, int s) {
    if (client.lastSeq != 0 && s != client.lastSeq + 1) {
      anomalies.incrementAndGet(); // a gap or a reordering on one socket
    }
    client.lastSeq = s;
    Broadcast b = broadcasts.get(s);
    if (b == null) {
      anomalies.incrementAndGet(); // a post from before this client registered cannot arrive
    } else if (b.remaining.decrementAndGet() == 0) {
      b.done.tryComplete(System.nanoTime() - b.sent);
    }
  }

  // Not declared to throw InterruptedException (javac's "try" lint): an interrupt keeps its flag.
  @Override
  public void close() throws ExecutionException, TimeoutException {
    vertx.cancelTimer(pingTimer);
    try {
      ChannelsBench.await(wsClient.close(), REPLY_MS);
      for (Loop loop : loops) {
        ChannelsBench.await(vertx.undeploy(loop.deploymentID()), REPLY_MS);
      }
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  // ---- setup ---------------------------------------------------------------------------------

  private Future<ChannelsClient> connect(String username) {
    return connect(username, port);
  }

  private Future<ChannelsClient> connect(String username, int serverPort) {
    return ChannelsClient.connect(wsClient, serverPort, username, tokens.sign(username), this)
      .timeout(REPLY_MS, TimeUnit.MILLISECONDS)
      .recover(err -> Future.failedFuture("connect failed: " + err.getMessage()))
      .andThen(ar -> {
        if (ar.succeeded()) {
          clients.add(ar.result());
        }
      });
  }

  private JsonObject joinBody() {
    // Joining with the newest id keeps the history out of the reply: the join is what is measured.
    return new JsonObject().put("topic", TOPIC).put("last_seen_id", lastId.get());
  }

  /** One round trip: see the class's doc. */
  private Future<Void> joinAndRegister(ChannelsClient client) {
    Future<JsonObject> reply;
    if (otpx) {
      reply = client.request("channels.join", joinBody().put("register", true));
      client.register(TOPIC_ADDRESS);
    } else {
      client.register(TOPIC_ADDRESS);
      reply = client.request("channels.join", joinBody());
    }
    return expect(reply, "rec", "join").compose(frame -> {
      if (client.unexpected != null) {
        return Future.failedFuture("register on " + TOPIC_ADDRESS + " was refused: " + client.unexpected);
      }
      if (otpx) {
        client.joined(frame.getJsonObject("body"));
      }
      return Future.succeededFuture();
    });
  }

  private static Future<JsonObject> expect(Future<JsonObject> reply, String type, String what) {
    return reply.timeout(REPLY_MS, TimeUnit.MILLISECONDS)
      .recover(err -> Future.failedFuture(what + " failed: " + err.getMessage()))
      .compose(frame -> type.equals(frame.getString("type"))
        ? Future.succeededFuture(frame)
        : Future.failedFuture(what + " got " + frame.encode()));
  }

  /** Runs {@code count} tasks, {@value #WINDOW} at a time, each chain on its own event loop. */
  private Future<Void> windowed(int count, IntFunction<Future<?>> task) {
    AtomicInteger next = new AtomicInteger();
    List<Future<Void>> chains = new ArrayList<>();
    for (int c = 0; c < Math.min(WINDOW, count); c++) {
      chains.add(onLoop(c, () -> nextTask(count, next, task)));
    }
    return Future.all(chains).mapEmpty();
  }

  private Future<Void> nextTask(int count, AtomicInteger next, IntFunction<Future<?>> task) {
    int i = next.getAndIncrement();
    return i >= count ? Future.succeededFuture() : task.apply(i).compose(v -> nextTask(count, next, task));
  }

  /** Runs {@code start} on loop {@code i}: connections it opens are served by that event loop. */
  private <T> Future<T> onLoop(int i, java.util.function.Supplier<Future<T>> start) {
    Promise<T> promise = Promise.promise();
    loops.get(i % loops.size()).context().runOnContext(v -> start.get().onComplete(promise));
    return promise.future();
  }

  private void ping(long slice) {
    // The poster every tick: a loaded machine can delay a tick by seconds, and the bridge closes a
    // socket silent for 10 s; losing the poster ends the run (10,000 clients on 2 busy cores did).
    if (poster != null && slice % 10 == 0) {
      poster.ping();
    }
    synchronized (clients) {
      for (int i = (int) slice; i < clients.size(); i += PING_TICKS) {
        clients.get(i).ping();
      }
    }
  }
}
