package dev.otpx.app;

import static dev.otpx.app.BridgeFrames.ids;
import static dev.otpx.app.BridgeFrames.reply;
import static org.assertj.core.api.Assertions.assertThat;

import dev.otpx.channels.BridgeTestClient;
import dev.otpx.testing.TestCluster;
import dev.otpx.cluster.ClusterNode;
import dev.otpx.cluster.ClusterOptions;
import dev.otpx.counter.CounterServer;
import dev.otpx.process.Global;
import dev.otpx.process.Pid;
import dev.otpx.store.StoreOptions;
import dev.otpx.store.TestDatabase;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three nodes of the real jar, each a JVM of its own ({@code --cluster}, -Xmx256m, free ports,
 * an explicit member list on loopback), over one PostgreSQL database created for the run, with a
 * singleton counter under the global name {@value #LEADER}. Browser-protocol clients (the bridge's
 * websocket) join one topic on every node; the test's own JVM joins the cluster as a fourth member
 * that runs no application, to use the global names as any node's code would.
 *
 * <p>What it shows: posts on one node reach the clients of the others, with the ids of the one
 * database; a global name is unique cluster-wide; {@code kill -9} of the singleton's node while
 * posts flow on the two others loses no acknowledged annotation, the singleton answers under its
 * name on a survivor within {@link #FAILOVER_BOUND}, the survivors stay ready, and the dead node's
 * client reconnects to a survivor, rejoins with its {@code last_seen_id} and misses nothing.
 * Presence spans the cluster: each client, counting presence as a client must (its join's state as
 * of {@code presence_seq}, then the later diffs in order, a {@code presence_state} in place of all),
 * sees the three users of the three nodes, and after the kill the dead node's socket leaves every
 * survivor's client within {@link #LEAVE_BOUND}. Every wait is for an event with a limit.
 */
@Timeout(value = 240, unit = TimeUnit.SECONDS)
class ThreeNodesJarIT {

  private static final String LEADER = "counter.leader";
  private static final String TOPIC_PREFIX = "videos:";
  private static final String TOPIC_ADDRESS_PREFIX = "channels.topic.";
  private static final Duration CALL = Duration.ofSeconds(5);
  /**
   * The stated bound on the singleton's failover after a kill -9, with conf/cluster.yaml's failure
   * detection (heartbeat every 1 s, a member silent for 10 s is removed; a killed JVM's closed
   * connections are usually noticed within about a second): detection plus the claim and start.
   */
  private static final Duration FAILOVER_BOUND = Duration.ofSeconds(15);
  /**
   * The README's bound on a dead node's presences leaving the others' clients (Hazelcast's failure
   * detection, immediate on loopback for a killed process, plus one presence batch), as
   * ChannelsAcrossNodesTest checks it: counted from the kill to the arrival of the diff or state.
   */
  private static final Duration LEAVE_BOUND = Duration.ofSeconds(10);
  /** Posts each survivor's client makes while the third node is killed. */
  private static final int POSTS_DURING_KILL = 10;
  /** Between two posts of one client: under the bridge's default 5 posts per second and socket. */
  private static final Duration POST_PACE = Duration.ofMillis(250);
  private static final Pattern JOINED = Pattern.compile("cluster: node (\\S+) joined");

  @TempDir
  Path dir;
  private final HttpClient http = HttpClient.newHttpClient();
  private final List<ServiceJar> jars = new ArrayList<>();
  private final List<Browser> browsers = new CopyOnWriteArrayList<>();
  /** The refusals of posts in flight when the topic's node was killed (made again, and counted). */
  private final List<String> refusedAtTheKill = new CopyOnWriteArrayList<>();
  private TestDatabase.ServerDatabase database;
  private Vertx self;
  private Vertx clients;

  @AfterEach
  void stopEverything() throws Exception {
    try {
      for (ServiceJar jar : jars) {
        jar.close();
      }
      if (clients != null) {
        clients.close().await(20, TimeUnit.SECONDS);
      }
      if (self != null) {
        self.close().await(20, TimeUnit.SECONDS);
      }
    } finally {
      if (database != null) {
        database.close();
      }
    }
  }

  /** One node of the jar: its process, HTTP port and node id (what its pids carry). */
  private record Node(String name, ServiceJar jar, int http, String id) {
  }

  private ServiceJar launch(String name, int clusterPort, String members, int httpPort, Path conf) throws IOException {
    Path data = Files.createDirectories(dir.resolve(name));
    ServiceJar jar = ServiceJar.launch(data, httpPort, Map.of(
      "JAVA_TOOL_OPTIONS", "-Xmx256m",
      StoreOptions.DATABASE_URL_ENV, database.url(),
      ClusterOptions.PORT_ENV, String.valueOf(clusterPort),
      ClusterOptions.MEMBERS_ENV, members), "--cluster", "-conf", conf.toString());
    jars.add(jar);
    return jar;
  }

  private static String nodeId(ServiceJar jar) {
    Matcher joined = JOINED.matcher(jar.awaitLine(line -> JOINED.matcher(line).find()));
    assertThat(joined.find()).isTrue();
    return joined.group(1);
  }

  @Test
  void threeNodesShareTopicsNamesAndASingletonAndAKill9LosesNoAcknowledgedAnnotation() throws Exception {
    database = TestDatabase.postgresDatabase();
    clients = Vertx.vertx();
    List<Integer> clusterPorts = List.of(ServiceJar.freePort(), ServiceJar.freePort(), ServiceJar.freePort(), ServiceJar.freePort());
    String members = clusterPorts.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
    Path conf = Files.writeString(dir.resolve("cluster-test.json"), new JsonObject().put("applications", new JsonObject()
      .put("leaders", new JsonObject().put("type", "temporary").put("children", new JsonArray().add(new JsonObject()
        .put("id", "leader").put("class", "dev.otpx.counter.CounterServer").put("singleton", LEADER)
        .put("config", new JsonObject().put("initial", 100).put("tick_ms", 0)))))).encodePrettily());
    List<String> names = List.of("a", "b", "c");
    List<Integer> httpPorts = List.of(ServiceJar.freePort(), ServiceJar.freePort(), ServiceJar.freePort());
    List<ServiceJar> launched = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      launched.add(launch(names.get(i), clusterPorts.get(i), members, httpPorts.get(i), conf));
    }
    // This JVM joins as the fourth member while the jars start.
    self = ClusterNode.start(ClusterOptions.fromEnv(Map.of(ClusterOptions.PORT_ENV, String.valueOf(clusterPorts.get(3)),
      ClusterOptions.MEMBERS_ENV, members)), new VertxOptions()).await(90, TimeUnit.SECONDS);
    Map<String, Node> byId = new LinkedHashMap<>();
    List<Node> nodes = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Node node = new Node(names.get(i), launched.get(i), httpPorts.get(i), nodeId(launched.get(i)));
      node.jar().awaitLine(line -> line.contains(ServiceJar.LISTENING));
      nodes.add(node);
      byId.put(node.id(), node);
    }
    TestCluster.awaitMembers(self, 4).await(60, TimeUnit.SECONDS);

    // One database behind every node: an account made on one signs in on the others (the token
    // secret is the same), and a video added on a is joined on b and c.
    String alice = session(nodes.get(0), "alice");
    String bob = session(nodes.get(1), "bob");
    String carol = session(nodes.get(2), "carol");
    long video = addVideo(nodes.get(0), alice);
    Map<Node, Browser> browserOf = new LinkedHashMap<>();
    browserOf.put(nodes.get(0), new Browser(nodes.get(0), "alice", alice, video, 0));
    browserOf.put(nodes.get(1), new Browser(nodes.get(1), "bob", bob, video, 0));
    browserOf.put(nodes.get(2), new Browser(nodes.get(2), "carol", carol, video, 0));
    String epoch = browserOf.get(nodes.get(0)).joinReply.getString("epoch");
    assertThat(browserOf.values()).allSatisfy(b -> assertThat(b.joinReply.getString("epoch")).isEqualTo(epoch));
    // Each join's presence state includes the joiner and is whole (three metas: no page to ask for).
    for (Browser b : browserOf.values()) {
      assertThat(b.joinReply.getJsonObject("presence_state").containsKey(b.username)).isTrue();
      assertThat(b.joinReply.containsKey("presence_more")).isFalse();
      assertThat(b.joinReply.getInteger("presence_count")).isEqualTo(metas(b.joinReply.getJsonObject("presence_state")).size());
    }
    // One presence across the cluster: the joins on every node reach every client, which ends up
    // with the three users, one socket each, whatever node it is on.
    Map<String, String> socketOf = new LinkedHashMap<>();
    browserOf.values().forEach(b -> socketOf.put(b.joinReply.getString("socket_id"), b.username));
    for (Browser b : browserOf.values()) {
      b.awaitPresence(0, view -> view.equals(socketOf), "the three users, one socket each");
    }
    long pinger = clients.setPeriodic(2000, id -> browsers.forEach(b -> b.client.ping()));
    List<Annotated> acked = new CopyOnWriteArrayList<>();
    for (Browser browser : browserOf.values()) {
      acked.addAll(browser.announce(browserOf.values()));
    }

    // Posts on one node reach the others' clients, with the id the poster was given.
    for (Browser poster : browserOf.values()) {
      Annotated post = poster.postOk("seen everywhere, from " + poster.node.name());
      acked.add(post);
      for (Browser reader : browserOf.values()) {
        assertThat(reader.awaitDelivery(d -> d.body().equals(post.body())).id()).isEqualTo(post.id());
      }
    }

    // The singleton runs on one of the three jars and answers its global name from any node.
    Pid holder = Global.whereis(self, LEADER).await(10, TimeUnit.SECONDS).orElseThrow();
    assertThat(byId).containsKey(holder.node());
    JsonObject value = Global.<JsonObject>call(self, LEADER, new JsonObject().put("action", "val"), CALL).await(10, TimeUnit.SECONDS);
    assertThat(value.getInteger("value")).isEqualTo(100);
    // Its name is unique: a second registration is refused, naming the holder; local names stay
    // local: every jar runs a "counter", this node none, and a call to that name from here never
    // reaches one of theirs.
    ClusterChecks.globalNameIsUniqueAndLocalNameStaysLocal(self, LEADER, holder);

    // kill -9 of the singleton's node while the clients of the two others post.
    Node doomed = byId.get(holder.node());
    List<Node> survivors = nodes.stream().filter(n -> n != doomed).toList();
    Browser orphan = browserOf.get(doomed);
    List<Future<List<Annotated>>> flows = new ArrayList<>();
    List<Future<Void>> underWay = new ArrayList<>();
    for (Node survivor : survivors) {
      Promise<Void> started = Promise.promise();
      underWay.add(started.future());
      flows.add(browserOf.get(survivor).postMany("during the kill, from " + survivor.name(), POSTS_DURING_KILL, started));
    }
    Future.all(underWay).await(60, TimeUnit.SECONDS);
    long lastSeen = orphan.lastSeenId();
    long killedAt = System.nanoTime();
    doomed.jar().kill();
    JsonObject fresh = callOnceStarted(killedAt);
    long failoverMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
    assertThat(fresh.getInteger("value")).as("a new instance, started from its spec").isEqualTo(100);
    assertThat(Duration.ofMillis(failoverMillis)).isLessThan(FAILOVER_BOUND);
    Pid moved = Global.whereis(self, LEADER).await(10, TimeUnit.SECONDS).orElseThrow();
    assertThat(moved.node()).isNotEqualTo(doomed.id()).isIn(survivors.stream().map(Node::id).toList());
    System.out.printf("three nodes: singleton answering on a survivor %d ms after kill -9 of its node%n", failoverMillis);
    for (Node survivor : survivors) {
      assertThat(ready(survivor).statusCode()).as("readiness of %s after the kill", survivor.name()).isEqualTo(200);
    }

    // The dead node's socket leaves every survivor's client, by a diff (the topic's process lived
    // on) or a whole state (it lived on the dead node and was started again), within the bound;
    // the survivors' own sockets stay.
    String deadSocket = orphan.joinReply.getString("socket_id");
    Map<String, String> afterKill = new LinkedHashMap<>(socketOf);
    afterKill.remove(deadSocket);
    for (Node survivor : survivors) {
      long leftAt = browserOf.get(survivor).awaitPresence(killedAt, view -> view.equals(afterKill),
        "the survivors' users without " + orphan.username);
      Duration leave = Duration.ofNanos(leftAt - killedAt);
      System.out.printf("three nodes: %s's presence left %s's client %d ms after kill -9 of its node%n",
        orphan.username, survivor.name(), leave.toMillis());
      assertThat(leave).as("%s's leave at %s's client", orphan.username, survivor.name()).isLessThan(LEAVE_BOUND);
    }

    // Every post of the flow was acknowledged (the database never went away) and reached the other
    // survivor's client.
    List<List<Annotated>> flowed = new ArrayList<>();
    for (Future<List<Annotated>> flow : flows) {
      flowed.add(flow.await(90, TimeUnit.SECONDS));
    }
    System.out.printf("three nodes: %d post(s) in flight to the topic's process at the kill were refused and sent again%n",
      refusedAtTheKill.size());
    for (int i = 0; i < 2; i++) {
      assertThat(flowed.get(i)).hasSize(POSTS_DURING_KILL);
      acked.addAll(flowed.get(i));
      Browser other = browserOf.get(survivors.get(1 - i));
      for (Annotated post : flowed.get(i)) {
        assertThat(other.awaitDelivery(d -> d.id() == post.id()).body()).isEqualTo(post.body());
      }
    }

    // The dead node's client sees its socket close, reconnects to a survivor and rejoins with the
    // largest id it had: it gets every acknowledged annotation after that one, none it had.
    orphan.client.closed().await(30, TimeUnit.SECONDS);
    Browser rejoined = new Browser(survivors.get(0), orphan.username, orphan.token, video, lastSeen);
    // The survivor's own client sees the newcomer arrive in the topic's presence.
    browserOf.get(survivors.get(0)).awaitPresenceDiff(diff -> diff.getJsonObject("joins").containsKey(orphan.username));
    assertThat(rejoined.joinReply.getString("epoch")).isEqualTo(epoch);
    // Its new join's presence has the three users, and not the dead socket.
    Map<String, String> withRejoined = new LinkedHashMap<>(afterKill);
    withRejoined.put(rejoined.joinReply.getString("socket_id"), orphan.username);
    rejoined.awaitPresence(0, view -> view.equals(withRejoined), "the survivors' users and the rejoined one");
    assertThat(metas(rejoined.joinReply.getJsonObject("presence_state"))).doesNotContainKey(deadSocket);
    assertThat(rejoined.joinReply.containsKey("truncated")).isFalse();
    List<Long> missed = ids(rejoined.annotations());
    assertThat(missed).allMatch(id -> id > lastSeen);
    assertThat(missed).containsAll(acked.stream().map(Annotated::id).filter(id -> id > lastSeen).toList());

    // Nothing acknowledged is lost: a join from the start on the other survivor has every one.
    Browser late = new Browser(survivors.get(1), "alice", alice, video, 0);
    assertThat(ids(late.annotations())).containsAll(acked.stream().map(Annotated::id).toList());
    clients.cancelTimer(pinger);
    for (Node survivor : survivors) {
      HttpResponse<String> health = ready(survivor);
      assertThat(health.statusCode()).isEqualTo(200);
      assertThat(health.body()).contains("\"cluster\"");
    }
  }

  /** An annotation as its poster's reply or a delivery shows it. */
  private record Annotated(long id, String body) {
  }

  /** A browser's socket on one node, joined to the video's topic and registered for its broadcasts. */
  private final class Browser {
    final Node node;
    final BridgeTestClient client;
    final String username;
    final String token;
    final String topic;
    final JsonObject joinReply;
    /** Every annotation delivered on the topic, in arrival order. */
    private final List<Annotated> delivered = new ArrayList<>();
    /** Every presence diff's payload ({@code joins}, {@code leaves}), in arrival order. */
    private final List<JsonObject> presenceDiffs = new ArrayList<>();
    /** Every presence event (diff or whole state), in arrival order, stamped with its arrival. */
    private final List<PresenceEvent> presenceEvents = new ArrayList<>();

    Browser(Node node, String username, String token, long video, long lastSeenId) throws Exception {
      this.node = node;
      this.username = username;
      this.client = BridgeTestClient.connect(clients, node.http()).await(30, TimeUnit.SECONDS);
      this.token = token;
      this.topic = TOPIC_PREFIX + video;
      client.watch(this::record);
      this.joinReply = reply(client.request("channels.join",
        new JsonObject().put("topic", topic).put("last_seen_id", lastSeenId), token).await(30, TimeUnit.SECONDS));
      client.register(TOPIC_ADDRESS_PREFIX + topic, token).await(30, TimeUnit.SECONDS);
      browsers.add(this);
    }

    private void record(JsonObject frame) {
      JsonObject body = frame.getJsonObject("body");
      if (!"rec".equals(frame.getString("type")) || !(TOPIC_ADDRESS_PREFIX + topic).equals(frame.getString("address"))
          || body == null) {
        return;
      }
      JsonObject payload = body.getJsonObject("payload");
      synchronized (this) {
        if ("new_annotation".equals(body.getString("event"))) {
          delivered.add(new Annotated(payload.getLong("id"), payload.getString("body")));
        } else if ("presence_diff".equals(body.getString("event"))) {
          presenceDiffs.add(payload);
          presenceEvents.add(new PresenceEvent(false, payload, System.nanoTime()));
        } else if ("presence_state".equals(body.getString("event"))) {
          presenceEvents.add(new PresenceEvent(true, payload, System.nanoTime()));
        }
        notifyAll();
      }
    }

    /** Waits (30 s at most) for a presence diff on the topic that matches. */
    synchronized JsonObject awaitPresenceDiff(Predicate<JsonObject> wanted) throws InterruptedException {
      long deadline = System.currentTimeMillis() + 30_000;
      while (true) {
        for (JsonObject diff : presenceDiffs) {
          if (wanted.test(diff)) {
            return diff;
          }
        }
        long left = deadline - System.currentTimeMillis();
        if (left <= 0) {
          throw new AssertionError(node.name() + "'s client got no matching presence diff; it got " + presenceDiffs);
        }
        wait(left);
      }
    }

    /**
     * Waits (30 s at most) until this client's presence, counted as a client must, is as
     * {@code wanted} (socket id to username) after an event that arrived at or after {@code since}
     * ({@link System#nanoTime}; 0 for any time, the join's reply included): its join's state as
     * of {@code presence_seq}, then each diff numbered above the state held (leaves, then joins),
     * a {@code presence_state} in place of everything.
     *
     * @return when the event that made it so arrived (the wait's start if it was the join's reply)
     */
    synchronized long awaitPresence(long since, Predicate<Map<String, String>> wanted, String what) throws InterruptedException {
      long started = System.nanoTime();
      long deadline = System.currentTimeMillis() + 30_000;
      while (true) {
        Map<String, String> view = metas(joinReply.getJsonObject("presence_state"));
        long seq = joinReply.getLong("presence_seq");
        if (since == 0 && wanted.test(view)) {
          return started;
        }
        for (PresenceEvent event : presenceEvents) {
          if (event.whole()) {
            view = metas(event.payload().getJsonObject("state"));
            seq = event.payload().getLong("seq");
          } else if (event.payload().getLong("seq") > seq) {
            metas(event.payload().getJsonObject("leaves")).keySet().forEach(view::remove);
            view.putAll(metas(event.payload().getJsonObject("joins")));
            seq = event.payload().getLong("seq");
          } else {
            continue;
          }
          if (event.arrived() >= since && wanted.test(view)) {
            return event.arrived();
          }
        }
        long left = deadline - System.currentTimeMillis();
        if (left <= 0) {
          throw new AssertionError(node.name() + "'s client never had " + what + " in its presence; it has " + view
            + " from " + joinReply.getJsonObject("presence_state") + " as of " + joinReply.getLong("presence_seq")
            + " and " + presenceEvents);
        }
        wait(left);
      }
    }

    /** Waits (30 s at most) for an annotation delivered on the topic that matches. */
    synchronized Annotated awaitDelivery(Predicate<Annotated> wanted) throws InterruptedException {
      long deadline = System.currentTimeMillis() + 30_000;
      while (true) {
        for (Annotated annotation : delivered) {
          if (wanted.test(annotation)) {
            return annotation;
          }
        }
        long left = deadline - System.currentTimeMillis();
        if (left <= 0) {
          throw new AssertionError(node.name() + "'s client got no matching annotation; it got " + delivered);
        }
        wait(left);
      }
    }

    synchronized long lastSeenId() {
      return delivered.stream().mapToLong(Annotated::id).max().orElse(0);
    }

    synchronized boolean saw(String bodyPrefix) {
      return delivered.stream().anyMatch(a -> a.body().startsWith(bodyPrefix));
    }

    JsonArray annotations() {
      return joinReply.getJsonArray("annotations");
    }

    Future<JsonObject> post(String body) {
      return client.request("channels.push", new JsonObject().put("topic", topic).put("event", "new_annotation")
        .put("payload", new JsonObject().put("body", body).put("at", 0)), token);
    }

    Annotated postOk(String body) throws Exception {
      return new Annotated(reply(post(body).await(30, TimeUnit.SECONDS)).getLong("id"), body);
    }

    /**
     * Posts until every other client has seen one of this client's posts: the bridge does not
     * acknowledge a REGISTER, and a clustered consumer reaches the other nodes' view a moment
     * after it is made, so the first broadcasts of a new topic consumer may not reach it yet. Paced
     * under the bridge's rate limit, at most 40 posts.
     */
    List<Annotated> announce(java.util.Collection<Browser> everyone) throws Exception {
      String prefix = "hello from " + node.name() + " #";
      List<Annotated> posted = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        posted.add(postOk(prefix + i));
        if (everyone.stream().allMatch(b -> b.saw(prefix))) {
          return posted;
        }
        clients.timer(POST_PACE.toMillis()).await(5, TimeUnit.SECONDS);
      }
      throw new AssertionError(node.name() + "'s posts did not reach every node's client");
    }

    /**
     * Posts {@code count} annotations one after the other, paced; {@code started} completes after
     * the third acknowledgement. A post the bridge refuses for its rate is made again, and so is
     * one in flight to the topic's process when that process's node was killed (refused
     * {@code unavailable}: not acknowledged, so a client sends it again; the survivor's router
     * starts the topic again on the next request).
     *
     * @return the acknowledged posts, in order
     */
    Future<List<Annotated>> postMany(String prefix, int count, Promise<Void> started) {
      List<Annotated> done = new ArrayList<>();
      return postFrom(prefix, 0, count, done, started).map(v -> done);
    }

    private Future<Void> postFrom(String prefix, int i, int count, List<Annotated> done, Promise<Void> started) {
      if (i == count) {
        return Future.succeededFuture();
      }
      String body = prefix + " #" + i;
      return post(body).compose(frame -> {
        boolean ok = "rec".equals(frame.getString("type"));
        if (ok) {
          done.add(new Annotated(frame.getJsonObject("body").getLong("id"), body));
          if (done.size() == 3) {
            started.tryComplete();
          }
        } else if (inFlightAtTheKill(frame)) {
          refusedAtTheKill.add(frame.getString("message"));
        } else if (!String.valueOf(frame.getString("message")).startsWith("rate_limited")) {
          return Future.failedFuture(new AssertionError(node.name() + "'s post was refused: " + frame.encode()));
        }
        return clients.timer(POST_PACE.toMillis()).compose(t -> postFrom(prefix, ok ? i + 1 : i, count, done, started));
      });
    }
  }

  /** A presence event as one client received it: a diff, or a whole state ({@code whole}). */
  private record PresenceEvent(boolean whole, JsonObject payload, long arrived) {
  }

  /** A presence state's or diff's metas, socket id to username. */
  private static Map<String, String> metas(JsonObject presence) {
    Map<String, String> metas = new LinkedHashMap<>();
    for (String username : presence.fieldNames()) {
      presence.getJsonObject(username).getJsonArray("metas")
        .forEach(meta -> metas.put(((JsonObject) meta).getString("socket_id"), username));
    }
    return metas;
  }

  /** A post refused because the topic's process died with its node: the client sends it again. */
  private static boolean inFlightAtTheKill(JsonObject frame) {
    String message = String.valueOf(frame.getString("message"));
    return message.startsWith("unavailable: the topic's node left the cluster");
  }


  private HttpResponse<String> send(Node node, String method, String path, JsonObject body, String token) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.http() + path))
      .header("content-type", "application/json")
      .timeout(Duration.ofSeconds(30))
      .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body.encode()));
    if (token != null) {
      request.header("authorization", "Bearer " + token);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> ready(Node node) throws Exception {
    return send(node, "GET", "/health/ready", null, null);
  }

  private String session(Node node, String username) throws Exception {
    JsonObject credentials = new JsonObject().put("username", username).put("password", "password of " + username);
    HttpResponse<String> registered = send(node, "POST", "/api/users", credentials, null);
    assertThat(registered.statusCode()).as(registered.body()).isEqualTo(201);
    return new JsonObject(registered.body()).getString("token");
  }

  private long addVideo(Node node, String token) throws Exception {
    HttpResponse<String> added = send(node, "POST", "/api/videos",
      new JsonObject().put("title", "Three nodes").put("url", "https://videos.example/three"), token);
    assertThat(added.statusCode()).as(added.body()).isEqualTo(201);
    return new JsonObject(added.body()).getLong("id");
  }


  /**
   * Calls the singleton by its global name until its new instance answers: while its node's death
   * is not yet noticed the call fails (noconnection, timeout, noproc), and while the new one starts it
   * is refused with singleton_starting. Asked every 25 ms (the shared map sends no change events),
   * until the failover bound has passed twice over.
   */
  private JsonObject callOnceStarted(long since) throws Exception {
    long deadline = since + FAILOVER_BOUND.multipliedBy(2).toNanos();
    Exception last = null;
    while (System.nanoTime() < deadline) {
      try {
        return Global.<JsonObject>call(self, LEADER, new JsonObject().put("action", "val"), Duration.ofSeconds(1))
          .await(10, TimeUnit.SECONDS);
      } catch (Exception notYet) {
        last = notYet;
      }
      self.timer(25).await(1, TimeUnit.SECONDS);
    }
    throw new AssertionError("the singleton did not answer on a survivor", last);
  }
}
