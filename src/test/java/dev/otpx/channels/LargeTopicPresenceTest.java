package dev.otpx.channels;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otpx.channels.auth.Tokens;
import dev.otpx.store.TestStore;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Presence in a topic above {@code presence_detail_limit}, as a client over the real bridge follows
 * it: the count from the diffs (which carry only the number and the count there), the members from
 * the join's pages, and the whole state again once the topic is back within the limit. The limit
 * is 4 metas, a page 3 and a large topic's first page 2, so that a dozen sockets make a large topic
 * read in several pages.
 */
@ExtendWith(VertxExtension.class)
class LargeTopicPresenceTest {

  private static final String TOPIC = "videos:1";
  private static final String ADDRESS = ChannelAddresses.topicAddress(TOPIC);
  private static final int LIMIT = 4;
  private static final Duration WAIT = Duration.ofSeconds(30);

  private final Tokens tokens = new Tokens(new byte[Tokens.MIN_SECRET_BYTES], Duration.ofDays(14), Clock.systemUTC());
  private int port;
  private TestStore store;

  @BeforeEach
  void startTheStack(Vertx vertx, VertxTestContext ctx) {
    TestStore.open(vertx).compose(opened -> {
      store = opened;
      return ChannelFixtures.serveBridge(vertx, tokens, ChannelOptions.defaults().withPresenceDetailLimit(LIMIT).withPresencePage(3).withPresenceLargePage(2));
    }).onComplete(ctx.succeeding(served -> {
      port = served;
      ctx.completeNow();
    }));
  }

  @AfterEach
  void dropTheDatabase(VertxTestContext ctx) {
    store.close().onComplete(ctx.succeedingThenComplete());
  }

  /**
   * A client's presence, kept as the protocol says: the join reply's page and count as of its
   * {@code presence_seq}, then each diff numbered above it, in order and without a gap (a diff's
   * {@code count} is the count; its joins and leaves, or its whole {@code state}, the members).
   * Locked: the frames come on the connection's event loop, the test waits on its own.
   */
  private static final class Follower {
    final Map<String, String> members = new HashMap<>(); // socket id -> username
    final List<String> problems = new ArrayList<>();
    final List<JsonObject> held = new ArrayList<>();
    long seq = -1;
    long count;
    boolean detailed;
    Predicate<Follower> waitingFor;
    Promise<Void> reached;

    synchronized void onFrame(JsonObject frame) {
      if (!ADDRESS.equals(frame.getString("address")) || !(frame.getValue("body") instanceof JsonObject body)
        || !"presence_diff".equals(body.getString("event"))) {
        return;
      }
      if (seq < 0) {
        held.add(body.getJsonObject("payload"));
      } else {
        apply(body.getJsonObject("payload"));
      }
    }

    synchronized void joined(JsonObject reply) {
      seq = reply.getLong("presence_seq");
      count = reply.getLong("presence_count");
      detailed = reply.getBoolean("presence_detail");
      addMetas(reply.getJsonObject("presence_state"));
      held.forEach(this::apply);
      held.clear();
    }

    void apply(JsonObject diff) {
      long n = diff.getLong("seq");
      if (n <= seq) {
        return;
      }
      if (n != seq + 1) {
        problems.add("diff " + n + " after " + seq);
      }
      seq = n;
      count = diff.getLong("count");
      if (diff.containsKey("state")) {
        members.clear();
        addMetas(diff.getJsonObject("state"));
        detailed = true;
      } else if (diff.containsKey("joins")) {
        diff.getJsonObject("leaves").forEach(e -> ((JsonObject) e.getValue()).getJsonArray("metas")
          .forEach(m -> members.remove(((JsonObject) m).getString("socket_id"))));
        addMetas(diff.getJsonObject("joins"));
      } else {
        detailed = false;
      }
      if (waitingFor != null && waitingFor.test(this)) {
        waitingFor = null;
        reached.complete();
      }
    }

    void addMetas(JsonObject state) {
      state.forEach(e -> ((JsonObject) e.getValue()).getJsonArray("metas")
        .forEach(m -> members.put(((JsonObject) m).getString("socket_id"), e.getKey())));
    }

    /** Completes once the client's presence meets {@code condition}. */
    synchronized Future<Void> until(Vertx vertx, Predicate<Follower> condition) {
      if (condition.test(this)) {
        return Future.succeededFuture();
      }
      waitingFor = condition;
      reached = Promise.promise();
      return reached.future().timeout(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  private record Member(String username, BridgeTestClient client, String socketId) { }

  private Future<Member> join(Vertx vertx, String username) {
    return BridgeTestClient.connect(vertx, port).compose(client -> client
      .request(ChannelAddresses.JOIN, new JsonObject().put("topic", TOPIC).put("last_seen_id", 0), tokens.sign(username))
      .map(reply -> new Member(username, client, reply.getJsonObject("body").getString("socket_id"))));
  }

  private Future<Void> joinAll(Vertx vertx, List<Member> members, int from, int to) {
    Future<Void> chain = Future.succeededFuture();
    for (int i = from; i < to; i++) {
      String name = "user" + i;
      chain = chain.compose(v -> join(vertx, name).map(m -> {
        members.add(m);
        return null;
      }));
    }
    return chain;
  }

  /** Every page of the members, by joins with {@code presence_after}; all must be as of one number. */
  private Future<List<JsonObject>> pages(BridgeTestClient client, String token, long after, List<JsonObject> read) {
    JsonObject body = new JsonObject().put("topic", TOPIC).put("last_seen_id", Long.MAX_VALUE).put("presence_after", after);
    return client.request(ChannelAddresses.JOIN, body, token).compose(frame -> {
      JsonObject reply = frame.getJsonObject("body");
      read.add(reply);
      return reply.containsKey("presence_more") ? pages(client, token, reply.getLong("presence_more"), read) : Future.succeededFuture(read);
    });
  }

  private static Map<String, String> expected(Member watcher, List<Member> present) {
    Map<String, String> members = new HashMap<>();
    members.put(watcher.socketId(), watcher.username());
    present.forEach(m -> members.put(m.socketId(), m.username()));
    return members;
  }

  @Test
  void aClientOfALargeTopicCountsExactlyFromTheDiffsAndReadsTheExactMembersFromThePages(Vertx vertx, VertxTestContext ctx) {
    Follower follower = new Follower();
    String watcherToken = tokens.sign("watcher");
    List<Member> users = new ArrayList<>();
    Member[] watcher = new Member[1];
    BridgeTestClient.connect(vertx, port).compose(client -> {
      client.watch(follower::onFrame);
      // The page's way: the join registers the socket before it is handled, nothing is missed after its reply.
      Future<JsonObject> reply = client.request(ChannelAddresses.JOIN,
        new JsonObject().put("topic", TOPIC).put("last_seen_id", 0).put("register", true), watcherToken);
      return client.register(ADDRESS, watcherToken).compose(v -> reply).map(frame -> {
        JsonObject body = frame.getJsonObject("body");
        ctx.verify(() -> assertThat(body.getBoolean("presence_detail")).isTrue());
        watcher[0] = new Member("watcher", client, body.getString("socket_id"));
        follower.joined(body);
        return client;
      });
    })
      // Within the limit, then past it: 1 + 11 metas.
      .compose(client -> joinAll(vertx, users, 0, 11))
      .compose(v -> follower.until(vertx, f -> f.count == 12))
      .compose(v -> {
        ctx.verify(() -> assertThat(follower.detailed).as("diffs above the limit carry the count only").isFalse());
        // Two leave, three sockets drop without a word: 7 metas, still above the limit.
        return Future.all(List.of(
          users.get(0).client().request(ChannelAddresses.LEAVE, new JsonObject().put("topic", TOPIC), tokens.sign("user0")),
          users.get(1).client().request(ChannelAddresses.LEAVE, new JsonObject().put("topic", TOPIC), tokens.sign("user1"))));
      })
      .compose(v -> {
        users.get(2).client().drop();
        users.get(3).client().drop();
        users.get(4).client().drop();
        return follower.until(vertx, f -> f.count == 7);
      })
      .compose(v -> pages(watcher[0].client(), watcherToken, 0, new ArrayList<>()))
      .compose(read -> {
        ctx.verify(() -> {
          assertThat(read).hasSizeGreaterThan(1);
          assertThat(read.get(0).getJsonObject("presence_state").size()).as("a large topic's first page is short").isEqualTo(2);
          assertThat(read).extracting(r -> r.getLong("presence_seq")).as("pages as of one state: the count's").containsOnly(follower.seq);
          assertThat(read).extracting(r -> r.getLong("presence_count")).containsOnly(7L);
          assertThat(read).extracting(r -> r.getBoolean("presence_detail")).containsOnly(false);
          Follower paged = new Follower();
          read.forEach(r -> paged.addMetas(r.getJsonObject("presence_state")));
          assertThat(paged.members).isEqualTo(expected(watcher[0], users.subList(5, 11)));
        });
        // Three more leave: back within the limit, the next diff brings the whole state.
        return Future.all(users.subList(5, 8).stream().map(m -> m.client()
          .request(ChannelAddresses.LEAVE, new JsonObject().put("topic", TOPIC), tokens.sign(m.username()))).toList());
      })
      .compose(v -> follower.until(vertx, f -> f.count == LIMIT))
      .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
        assertThat(follower.detailed).isTrue();
        assertThat(follower.members).as("the members without a page read").isEqualTo(expected(watcher[0], users.subList(8, 11)));
        assertThat(follower.problems).isEmpty();
        ctx.completeNow();
      })));
  }
}
