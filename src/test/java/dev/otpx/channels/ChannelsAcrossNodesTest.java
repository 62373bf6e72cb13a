package dev.otpx.channels;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otpx.channels.auth.Tokens;
import dev.otpx.process.Global;
import dev.otpx.process.Nodes;
import dev.otpx.process.Pid;
import dev.otpx.store.Store;
import dev.otpx.store.TestStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import dev.otpx.testing.TestCluster;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Browsers on two clustered nodes (two Hazelcast members in this JVM, on loopback) in one topic:
 * one topic process in the cluster serves them both, so they see each other's posts and InfoSys's
 * answers once each and in one order, and one presence; when a node dies its sockets leave every
 * other client's presence, whether the topic's process was on it or not.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ChannelsAcrossNodesTest {

  private static final String TOPIC = "videos:1";
  private static final String ADDRESS = ChannelAddresses.topicAddress(TOPIC);
  /**
   * How soon a dead node's presences must be gone from the survivors' clients: Hazelcast sees a
   * terminated member at once on loopback (its connection drops); then one presence batch.
   */
  private static final Duration LEAVE_BOUND = Duration.ofSeconds(10);

  private final Tokens tokens = new Tokens(new byte[Tokens.MIN_SECRET_BYTES], Duration.ofDays(14), Clock.systemUTC());
  private final List<Vertx> nodes = new ArrayList<>();
  private final List<BridgeTestClient> clients = new ArrayList<>();
  private TestStore store;

  @AfterEach
  void stop() throws Exception {
    for (BridgeTestClient client : clients) {
      client.close().otherwiseEmpty().await(10, TimeUnit.SECONDS);
    }
    for (Vertx node : nodes.subList(1, nodes.size())) {
      node.close().otherwiseEmpty().await(30, TimeUnit.SECONDS);
    }
    if (store != null) {
      store.close().await(30, TimeUnit.SECONDS);
    }
    if (!nodes.isEmpty()) {
      nodes.get(0).close().await(30, TimeUnit.SECONDS);
    }
  }

  @Test
  void browsersOnTwoNodesShareOneTopicItsPostsAnswersAndPresenceAndADeadNodesSocketsLeave() throws Exception {
    int[] ports = startTwoNodes();
    BridgeTestClient alice = joined(ports[0], "alice", null);
    JsonObject[] bobsJoin = new JsonObject[1];
    BridgeTestClient bob = joined(ports[1], "bob", bobsJoin);

    // One process in the cluster: on alice's node, which joined first; bob's join reached it.
    Pid topic = Global.whereis(nodes.get(0), TopicChannel.name(TOPIC)).await(10, TimeUnit.SECONDS).orElseThrow();
    assertThat(topic.node()).isEqualTo(Nodes.self(nodes.get(0)));
    // Bob's presence is the reply's (as of its presence_seq, plus bob) and the diffs after it:
    // alice's join, made less than one presence batch before, may be in the next diff instead.
    List<String> atBobsJoin = usernames(bobsJoin[0].getJsonObject("presence_state"));
    assertThat(atBobsJoin).contains("bob");
    if (!atBobsJoin.contains("alice")) {
      JsonObject diff = await(bob.next(diffJoining("alice")));
      assertThat(diff.getJsonObject("body").getJsonObject("payload").getLong("seq")).isGreaterThan(bobsJoin[0].getLong("presence_seq"));
    }
    // alice learns of bob from a diff published on alice's node and delivered across.
    await(alice.next(diffJoining("bob")));

    post(alice, "alice", "what is 2+2", 1);
    post(bob, "bob", "hello from b", 2);
    // Each post and each InfoSys answer (one per post, from the topic's node) reaches both, once.
    List<String> atAlice = annotations(alice, 4);
    List<String> atBob = annotations(bob, 4);
    assertThat(atAlice).containsExactlyElementsOf(atBob)
      .contains("alice:what is 2+2", "bob:hello from b")
      .filteredOn(a -> a.startsWith("calculator:")).hasSize(2);

    // bob's node dies: its socket leaves alice's presence within the bound.
    long killed = System.nanoTime();
    terminate(nodes.get(1));
    JsonObject leave = alice.next(diffLeaving("bob")).await(LEAVE_BOUND.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(leave.getJsonObject("body").getJsonObject("payload").getJsonObject("joins").fieldNames()).doesNotContain("bob");
    assertThat(Duration.ofNanos(System.nanoTime() - killed)).isLessThan(LEAVE_BOUND);
  }

  @Test
  void whenTheTopicsNodeDiesASurvivorRestartsItAndTheDeadNodesMembersLeave() throws Exception {
    int[] ports = startTwoNodes();
    // bob first: the topic's process runs on bob's node.
    BridgeTestClient bob = joined(ports[1], "bob", null);
    BridgeTestClient alice = joined(ports[0], "alice", null);
    Pid first = Global.whereis(nodes.get(0), TopicChannel.name(TOPIC)).await(10, TimeUnit.SECONDS).orElseThrow();
    assertThat(first.node()).isEqualTo(Nodes.self(nodes.get(1)));
    await(bob.next(diffJoining("alice")));

    terminate(nodes.get(1));
    // The survivor's router starts the topic again and tells it alice is there: the whole state
    // it then broadcasts has alice alone, which drops bob from her presence.
    JsonObject state = alice.next(f -> event(f, "presence_state")).await(LEAVE_BOUND.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(usernames(state.getJsonObject("body").getJsonObject("payload").getJsonObject("state"))).containsExactly("alice");
    Pid second = Global.whereis(nodes.get(0), TopicChannel.name(TOPIC)).await(10, TimeUnit.SECONDS).orElseThrow();
    assertThat(second.node()).isEqualTo(Nodes.self(nodes.get(0)));

    // And alice goes on posting, her membership known to the new process.
    post(alice, "alice", "still here", 3);
    assertThat(annotations(alice, 1)).containsExactly("alice:still here");
  }

  // ---------------------------------------------------------------- fixtures

  /** Two clustered nodes, each with the channels, InfoSys and a bridge, over one database. */
  private int[] startTwoNodes() throws Exception {
    nodes.addAll(TestCluster.start(2, 60));
    store = TestStore.open(nodes.get(0)).await(60, TimeUnit.SECONDS);
    Store.open(nodes.get(1), store.database().options()).map(Store::share).await(60, TimeUnit.SECONDS);
    return new int[] {serve(nodes.get(0)), serve(nodes.get(1))};
  }

  private int serve(Vertx node) throws Exception {
    return ChannelFixtures.serveBridge(node, tokens, ChannelOptions.defaults()).await(60, TimeUnit.SECONDS);
  }

  /** A client on the node at {@code port} that has joined and registered on the topic. */
  private BridgeTestClient joined(int port, String user, JsonObject[] lastReply) throws Exception {
    String token = tokens.sign(user);
    BridgeTestClient client = await(BridgeTestClient.connect(nodes.get(0), port));
    clients.add(client);
    await(client.request(ChannelAddresses.JOIN, new JsonObject().put("topic", TOPIC).put("last_seen_id", 0), token));
    await(client.register(ADDRESS, token));
    // Answered after the register was handled; its presence is as of a diff the client will not miss.
    JsonObject again = await(client.request(ChannelAddresses.JOIN, new JsonObject().put("topic", TOPIC)
      .put("last_seen_id", Long.MAX_VALUE), token));
    if (lastReply != null) {
      lastReply[0] = again.getJsonObject("body");
    }
    return client;
  }

  private void post(BridgeTestClient client, String user, String body, long at) throws Exception {
    JsonObject reply = await(client.request(ChannelAddresses.PUSH, new JsonObject().put("topic", TOPIC)
      .put("event", "new_annotation").put("payload", new JsonObject().put("body", body).put("at", at)), tokens.sign(user)));
    assertThat(reply.getJsonObject("body").getString("status")).isEqualTo("ok");
  }

  /** The next {@code n} annotations a client receives, as {@code user:body}, in the order received. */
  private static List<String> annotations(BridgeTestClient client, int n) throws Exception {
    List<String> received = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      JsonObject payload = await(client.next(f -> event(f, "new_annotation"))).getJsonObject("body").getJsonObject("payload");
      received.add(payload.getJsonObject("user").getString("username") + ":" + payload.getString("body"));
    }
    return received;
  }

  private static boolean event(JsonObject frame, String event) {
    return "rec".equals(frame.getString("type")) && ADDRESS.equals(frame.getString("address"))
      && event.equals(frame.getJsonObject("body").getString("event"));
  }

  private static Predicate<JsonObject> diffJoining(String user) {
    return f -> event(f, "presence_diff") && f.getJsonObject("body").getJsonObject("payload").getJsonObject("joins").containsKey(user);
  }

  private static Predicate<JsonObject> diffLeaving(String user) {
    return f -> event(f, "presence_diff") && f.getJsonObject("body").getJsonObject("payload").getJsonObject("leaves").containsKey(user);
  }

  private static List<String> usernames(JsonObject state) {
    return new ArrayList<>(state.fieldNames());
  }

  /** Hazelcast's terminate drops the member at once, as a crash does: nothing of the node stops first. */
  private void terminate(Vertx node) {
    ((io.vertx.spi.cluster.hazelcast.HazelcastClusterManager) ((io.vertx.core.internal.VertxInternal) node).clusterManager())
      .getHazelcastInstance().getLifecycleService().terminate();
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.await(30, TimeUnit.SECONDS);
  }

}
