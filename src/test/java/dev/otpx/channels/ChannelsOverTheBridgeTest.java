package dev.otpx.channels;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.otpx.channels.auth.Tokens;
import dev.otpx.process.Pid;
import dev.otpx.process.ProcessEvent;
import dev.otpx.process.Processes;
import dev.otpx.process.Registry;
import dev.otpx.store.TestStore;
import dev.otpx.system.Metrics;
import dev.otpx.testing.LogCapture;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The whole channel stack as a browser meets it: a real websocket client speaking the bridge
 * protocol, the real bridge hook, router, topic processes and InfoSys (with a fake backend).
 */
@ExtendWith(VertxExtension.class)
class ChannelsOverTheBridgeTest {

  private static final String TOPIC = "videos:1";
  private static final String ADDRESS = ChannelAddresses.topicAddress(TOPIC);

  private final Tokens tokens = new Tokens(new byte[Tokens.MIN_SECRET_BYTES], Duration.ofDays(14), Clock.systemUTC());
  private int port;
  private TestStore store;

  @BeforeEach
  void startTheStack(Vertx vertx, VertxTestContext ctx) {
    TestStore.open(vertx).compose(opened -> {
      store = opened;
      return ChannelFixtures.serveBridge(vertx, tokens, ChannelOptions.defaults());
    }).onComplete(ctx.succeeding(served -> {
      port = served;
      ctx.completeNow();
    }));
  }

  @AfterEach
  void dropTheDatabase(VertxTestContext ctx) {
    store.close().onComplete(ctx.succeedingThenComplete());
  }

  private Future<BridgeTestClient> joined(Vertx vertx, String user, long lastSeenId, JsonObject[] reply) {
    String token = tokens.sign(user);
    return BridgeTestClient.connect(vertx, port).compose(client -> client
      .request(ChannelAddresses.JOIN, new JsonObject().put("topic", TOPIC).put("last_seen_id", lastSeenId), token)
      .compose(answer -> {
        reply[0] = answer;
        return client.register(ADDRESS, token);
      })
      // A request answered after the register is proof the register was handled first.
      .compose(v -> client.request(ChannelAddresses.JOIN, new JsonObject().put("topic", TOPIC).put("last_seen_id", Long.MAX_VALUE), token))
      .map(last -> {
        // The second reply's presence is the one a registered client builds on: diffs after it reach it.
        if (reply.length > 1) {
          reply[1] = last;
        }
        return client;
      }));
  }

  private Future<JsonObject> post(BridgeTestClient client, String user, String body, long at) {
    return client.request(ChannelAddresses.PUSH, new JsonObject().put("topic", TOPIC).put("event", "new_annotation")
      .put("payload", new JsonObject().put("body", body).put("at", at))
      // An impersonation attempt: the hook must replace this with the token's user.
      .put("user", new JsonObject().put("username", "mallory")), tokens.sign(user));
  }

  @Test
  void aJoinThatRegistersMissesNothingPublishedAfterItsReplyWithoutASecondJoin(Vertx vertx, VertxTestContext ctx) {
    String alice = tokens.sign("alice");
    BridgeTestClient.connect(vertx, port).compose(client -> {
      // The page's way: the join asks to register, and the client's own REGISTER follows at once,
      // before the reply; both are one registration.
      Future<JsonObject> reply = client.request(ChannelAddresses.JOIN,
        new JsonObject().put("topic", TOPIC).put("last_seen_id", 0).put("register", true), alice);
      return client.register(ADDRESS, alice).compose(v -> reply).compose(joined -> {
        long seq = joined.getJsonObject("body").getLong("presence_seq");
        // Whatever comes next carries a later number: nothing between the reply and now was lost.
        Future<JsonObject> bobsJoin = client.next(f -> "rec".equals(f.getString("type")) && ADDRESS.equals(f.getString("address"))
          && "presence_diff".equals(f.getJsonObject("body").getString("event"))
          && f.getJsonObject("body").getJsonObject("payload").getJsonObject("joins").containsKey("bob"));
        return joined(vertx, "bob", 0, new JsonObject[1]).compose(bob -> bobsJoin).map(diff -> {
          ctx.verify(() -> assertThat(diff.getJsonObject("body").getJsonObject("payload").getLong("seq")).isGreaterThan(seq));
          return client;
        });
      }).compose(c -> {
        // One registration, not two: an explicit second REGISTER is refused as a duplicate.
        Future<JsonObject> err = c.nextError();
        return c.register(ADDRESS, alice).compose(v -> err);
      });
    }).onComplete(ctx.succeeding(err -> ctx.verify(() -> {
      assertThat(err.getString("body")).isEqualTo("bad_request");
      ctx.completeNow();
    })));
  }

  @Test
  void postsAreBroadcastToEverySubscriberUnderTheVerifiedName(Vertx vertx, VertxTestContext ctx) {
    JsonObject[] reply = new JsonObject[1];
    joined(vertx, "alice", 0, reply).compose(alice -> joined(vertx, "bob", 0, reply).compose(bob -> {
      Future<JsonObject> atAlice = alice.next(f -> "rec".equals(f.getString("type")) && ADDRESS.equals(f.getString("address"))
        && "new_annotation".equals(f.getJsonObject("body").getString("event")));
      Future<JsonObject> atBob = bob.next(f -> "rec".equals(f.getString("type")) && ADDRESS.equals(f.getString("address"))
        && "new_annotation".equals(f.getJsonObject("body").getString("event")));
      return post(alice, "alice", "hello", 12).compose(ok -> Future.all(atAlice, atBob).map(all -> new JsonObject[] {ok, atAlice.result(), atBob.result()}));
    })).onComplete(ctx.succeeding(frames -> ctx.verify(() -> {
      assertThat(frames[0].getJsonObject("body").getString("status")).isEqualTo("ok");
      for (JsonObject delivered : new JsonObject[] {frames[1], frames[2]}) {
        JsonObject payload = delivered.getJsonObject("body").getJsonObject("payload");
        assertThat(payload.getJsonObject("user").getString("username")).isEqualTo("alice");
        assertThat(payload.getString("body")).isEqualTo("hello");
        assertThat(payload.getLong("at")).isEqualTo(12);
      }
      ctx.completeNow();
    })));
  }

  @Test
  void aRejoinWithLastSeenIdGetsOnlyWhatItMissedAndPresenceIncludesEveryone(Vertx vertx, VertxTestContext ctx) {
    JsonObject[] first = new JsonObject[1];
    // The rejoin's reply (its history) and the reply after its REGISTER (the presence it builds on).
    JsonObject[] second = new JsonObject[2];
    long[] lastSeen = new long[1];
    joined(vertx, "alice", 0, first)
      .compose(alice -> post(alice, "alice", "one", 1).compose(one -> post(alice, "alice", "two", 2).map(two -> one)))
      .compose(one -> {
        lastSeen[0] = one.getJsonObject("body").getLong("id");
        return joined(vertx, "bob", lastSeen[0], second);
      })
      .compose(bob -> {
        // The reply's presence is as of its presence_seq (plus bob): alice's join, made less than
        // one presence batch earlier, may come in the next diff instead. Bob's view is both. Only a
        // reply after the REGISTER counts: a diff published between the first reply and the
        // REGISTER is not bob's to receive.
        java.util.Set<String> seen = new java.util.HashSet<>(second[1].getJsonObject("body").getJsonObject("presence_state").fieldNames());
        return seen.contains("alice") ? Future.succeededFuture(seen)
          : bob.next(f -> diff(f, "joins", "alice")).map(d -> {
            seen.add("alice");
            return seen;
          });
      })
      .onComplete(ctx.succeeding(seen -> ctx.verify(() -> {
        JsonArray annotations = second[0].getJsonObject("body").getJsonArray("annotations");
        // Only what came after the last seen id (InfoSys answers to the posts may be among it).
        assertThat(ChannelFixtures.ids(annotations)).allSatisfy(id -> assertThat(id).isGreaterThan(lastSeen[0]));
        assertThat(ChannelFixtures.bodies(annotations)).contains("two").doesNotContain("one");
        assertThat(seen).contains("alice", "bob");
        ctx.completeNow();
      })));
  }

  @Test
  void presenceDiffsFollowJoinsAndClosedSockets(Vertx vertx, VertxTestContext ctx) {
    JsonObject[] reply = new JsonObject[1];
    joined(vertx, "alice", 0, reply).onComplete(ctx.succeeding(alice -> {
      Future<JsonObject> bobJoins = alice.next(f -> diff(f, "joins", "bob"));
      Future<JsonObject> bobLeaves = alice.next(f -> diff(f, "leaves", "bob"));
      joined(vertx, "bob", 0, reply)
        .compose(bob -> bobJoins.compose(j -> bob.close()))
        .compose(v -> bobLeaves)
        .onComplete(ctx.succeeding(left -> ctx.completeNow()));
    }));
  }

  /** How many metas a presence map lists, but that of socket {@code own}. */
  private static long metas(JsonObject presence, String own) {
    return presence.stream().flatMap(e -> ((JsonObject) e.getValue()).getJsonArray("metas").stream())
      .filter(meta -> !((JsonObject) meta).getString("socket_id").equals(own)).count();
  }

  private static boolean diff(JsonObject frame, String kind, String user) {
    if (!"rec".equals(frame.getString("type")) || !(frame.getValue("body") instanceof JsonObject body)) {
      return false;
    }
    return "presence_diff".equals(body.getString("event")) && body.getJsonObject("payload").getJsonObject(kind).containsKey(user);
  }

  @Test
  void anInfoSysAnswerArrivesAsAnAnnotationByTheBackendsUser(Vertx vertx, VertxTestContext ctx) {
    JsonObject[] reply = new JsonObject[1];
    joined(vertx, "alice", 0, reply).onComplete(ctx.succeeding(alice -> {
      Future<JsonObject> answer = alice.next(f -> "rec".equals(f.getString("type")) && f.getValue("body") instanceof JsonObject b
        && "new_annotation".equals(b.getString("event"))
        && "calculator".equals(b.getJsonObject("payload").getJsonObject("user").getString("username")));
      post(alice, "alice", "result", 30).compose(ok -> answer).onComplete(ctx.succeeding(frame -> ctx.verify(() -> {
        JsonObject payload = frame.getJsonObject("body").getJsonObject("payload");
        assertThat(payload.getString("body")).contains("calculator");
        assertThat(payload.getLong("at")).isEqualTo(30);
        ctx.completeNow();
      })));
    }));
  }

  @Test
  void aCrashedTopicProcessLosesNothing(Vertx vertx, VertxTestContext ctx) {
    JsonObject[] reply = new JsonObject[1];
    JsonObject[] again = new JsonObject[1];
    joined(vertx, "alice", 0, reply)
      .compose(alice -> post(alice, "alice", "before the crash", 5).map(alice))
      .compose(alice -> {
        Pid topic = Registry.whereis(vertx, ChannelAddresses.CHANNEL_PREFIX + TOPIC).orElseThrow();
        Future<?> down = Processes.monitor(vertx, topic).down();
        Processes.kill(vertx, topic);
        return down.compose(d -> joined(vertx, "carol", 0, again))
          .compose(carol -> post(carol, "carol", "after the crash", 6));
      })
      .onComplete(ctx.succeeding(ok -> ctx.verify(() -> {
        assertThat(ChannelFixtures.bodies(again[0].getJsonObject("body").getJsonArray("annotations"))).contains("before the crash");
        long lastBefore = ChannelFixtures.ids(again[0].getJsonObject("body").getJsonArray("annotations")).stream().mapToLong(Long::longValue).max().orElse(0);
        assertThat(ok.getJsonObject("body").getLong("id")).isGreaterThan(lastBefore);
        ctx.completeNow();
      })));
  }

  @Test
  void infosysAnswersABrowsersRequestWithAToken(Vertx vertx, VertxTestContext ctx) {
    BridgeTestClient.connect(vertx, port)
      .compose(client -> client.request(ChannelsBridge.INFOSYS, new JsonObject().put("query", "result").put("timeout_ms", 2000),
        tokens.sign("alice")))
      .onComplete(ctx.succeeding(answer -> ctx.verify(() -> {
        JsonArray results = answer.getJsonObject("body").getJsonArray("results");
        assertThat(results).hasSize(1);
        assertThat(results.getJsonObject(0).getString("backend")).isEqualTo("calculator");
        ctx.completeNow();
      })));
  }

  @Test
  void prometheusCountsJoinsPostsRefusalsByCodeAndTheDatabasesQueryLatency(Vertx vertx, VertxTestContext ctx) {
    // A registry of its own, bound now: it counts from zero what this test does (the channels and
    // the store count on Micrometer's global registry, which binding feeds into it).
    Metrics metrics = Metrics.create();
    ProcessEvent.Subscription bound = metrics.bind(vertx);
    JsonObject[] reply = new JsonObject[1];
    joined(vertx, "alice", 0, reply)
      .compose(alice -> post(alice, "alice", "counted", 1))
      .compose(posted -> BridgeTestClient.connect(vertx, port))
      .compose(anonymous -> anonymous.request(ChannelAddresses.JOIN, new JsonObject().put("topic", TOPIC).put("last_seen_id", 0), null))
      .onComplete(ar -> bound.cancel())
      .onComplete(ctx.succeeding(refused -> ctx.verify(() -> {
        assertThat(refused.getString("message")).startsWith("access_denied");
        String scrape = metrics.registry().scrape();
        // The helper joins twice (the second join proves the register was handled).
        assertThat(scrape).contains("otpx_channels_joins_total 2.0");
        assertThat(scrape).contains("otpx_channels_posts_total 1.0");
        assertThat(scrape).contains("otpx_channels_refusals_total{code=\"access_denied\"} 1.0");
        // The joins read the history and the post stored one: timed, by outcome only.
        assertThat(scrape).containsPattern("(?m)^otpx_db_query_seconds_count\\{outcome=\"ok\"} [1-9]\\d*(\\.0)?$");
        assertThat(scrape).containsPattern("otpx_db_query_seconds_bucket\\{outcome=\"ok\",le=\"[0-9.]+\"}");
        // No topic, user or socket as a label.
        assertThat(scrape).doesNotContain(TOPIC).doesNotContain("alice");
        ctx.completeNow();
      })));
  }

  @Test
  void aJoinWithoutATokenIsRefusedAndNothingIsJoined(Vertx vertx, VertxTestContext ctx) {
    BridgeTestClient.connect(vertx, port)
      .compose(client -> client.request(ChannelAddresses.JOIN, new JsonObject().put("topic", TOPIC).put("last_seen_id", 0), null))
      .onComplete(ctx.succeeding(answer -> ctx.verify(() -> {
        assertThat(answer.getString("type")).isEqualTo("err");
        assertThat(answer.getString("message")).startsWith("access_denied");
        assertThat(Registry.whereis(vertx, ChannelAddresses.CHANNEL_PREFIX + TOPIC)).isEmpty();
        ctx.completeNow();
      })));
  }

  /** A join and a register on the topic, over a given transport; completes with the join's reply. */
  private Future<JsonObject> joinAndRegister(BridgeTestClient client, String token) {
    return client.request(ChannelAddresses.JOIN, new JsonObject().put("topic", TOPIC).put("last_seen_id", 0), token)
      .compose(reply -> client.register(ADDRESS, token)
        .compose(v -> client.request(ChannelsBridge.COUNTER, "val", token).otherwiseEmpty())
        .map(reply));
  }

  private static String socketIdOf(JsonObject joinReply, String user) {
    return joinReply.getJsonObject("body").getJsonObject("presence_state").getJsonObject(user).getJsonArray("metas")
      .getJsonObject(0).getString("socket_id");
  }

  /** Over four times the frame limit: what the transport refuses to read, in one websocket frame. */
  private static String oversizePost() {
    return new JsonObject().put("type", "send").put("address", ChannelAddresses.PUSH).put("replyAddress", "r.big")
      .put("body", new JsonObject().put("topic", TOPIC).put("event", "new_annotation")
        .put("payload", new JsonObject().put("body", "x".repeat(300 * 1024)).put("at", 0)))
      .encode();
  }

  /** Each websocket transport, with the oversize message in one frame (as browsers send it) or in 64 KiB frames. */
  static Stream<Arguments> transportsAndFraming() {
    return Stream.of(BridgeTestClient.Transport.values())
      .flatMap(transport -> Stream.of(Arguments.of(transport, 0), Arguments.of(transport, 64 * 1024)));
  }

  @ParameterizedTest(name = "{0}, frames of {1} bytes (0: one frame)")
  @MethodSource("transportsAndFraming")
  void aWebsocketMessageOverTheLimitClosesTheSocketFreesItAndLeavesPresence(BridgeTestClient.Transport transport, int frameBytes,
                                                                            Vertx vertx, VertxTestContext ctx) {
    LogCapture log = LogCapture.of("io.vertx");
    JsonObject[] reply = new JsonObject[1];
    String bobToken = tokens.sign("bob");
    joined(vertx, "alice", 0, reply).compose(alice -> {
      Future<JsonObject> bobJoins = alice.next(f -> diff(f, "joins", "bob"));
      Future<JsonObject> bobLeaves = alice.next(f -> diff(f, "leaves", "bob"));
      return BridgeTestClient.connect(vertx, port, transport).compose(bob -> joinAndRegister(bob, bobToken)
        // Once alice knows bob is there, his leave must reach her: a join and a leave within one
        // presence batch would publish nothing, as they change nothing she was told.
        .compose(joinReply -> bobJoins.map(joined -> joinReply))
        .compose(joinReply -> {
          String socketId = socketIdOf(joinReply, "bob");
          // The oversize message and, right behind it, one more frame that must never be read.
          if (frameBytes == 0) {
            bob.write(oversizePost());
          } else {
            bob.writeInFrames(oversizePost(), frameBytes);
          }
          bob.write(new JsonObject().put("type", "register").put("address", ADDRESS)
            .put("headers", new JsonObject().put("token", bobToken)).encode());
          return bob.closed().compose(status -> bobLeaves.map(left -> {
            ctx.verify(() -> {
              // A clean close in both cases, never a dropped connection (1006). SockJS's session has
              // no close status to give, so its websocket closes with the normal 1000.
              assertThat(status).as("close status").isEqualTo(transport == BridgeTestClient.Transport.RAW_WEBSOCKET
                ? (short) 1009 : (short) 1000);
            });
            return socketId;
          }));
        }));
    })
      // Its write handler went with it: nothing holds the closed connection any more.
      .compose(socketId -> vertx.eventBus().request(socketId, "hello?").transform(ar -> Future.succeededFuture(ar.cause())))
      .onComplete(ctx.succeeding(err -> ctx.verify(() -> {
        assertThat(err).isInstanceOf(ReplyException.class);
        assertThat(((ReplyException) err).failureType()).isEqualTo(ReplyFailure.NO_HANDLERS);
        assertThat(log.events()).noneMatch(event -> event.getThrowableProxy() != null
          && event.getThrowableProxy().getClassName().equals(NullPointerException.class.getName()));
        log.close();
        ctx.completeNow();
      })));
  }

  @Test
  void anXhrBodyOverTheLimitIsA413JsonAnswerAndClosesItsSessionAndLeavesPresence(Vertx vertx, VertxTestContext ctx) {
    LogCapture log = LogCapture.of("io.vertx");
    WebClient web = WebClient.create(vertx, new WebClientOptions().setKeepAlive(false));
    String session = "/eventbus/000/" + UUID.randomUUID().toString().replace("-", "") + "/";
    String bobToken = tokens.sign("bob");
    JsonObject join = new JsonObject().put("type", "send").put("address", ChannelAddresses.JOIN).put("replyAddress", "r.1")
      .put("headers", new JsonObject().put("token", bobToken)).put("body", new JsonObject().put("topic", TOPIC).put("last_seen_id", 0));
    JsonObject[] reply = new JsonObject[1];
    joined(vertx, "alice", 0, reply).compose(alice -> {
      Future<JsonObject> bobJoins = alice.next(f -> diff(f, "joins", "bob"));
      Future<JsonObject> bobLeaves = alice.next(f -> diff(f, "leaves", "bob"));
      return web.post(port, "localhost", session + "xhr").send()
        .compose(open -> web.post(port, "localhost", session + "xhr_send").sendBuffer(Buffer.buffer(new JsonArray().add(join.encode()).encode())))
        .compose(sent -> bobJoins)
        .compose(joined -> web.post(port, "localhost", session + "xhr_send").sendBuffer(Buffer.buffer("[\"" + "x".repeat(2 * 1024 * 1024) + "\"]")))
        .compose(tooLarge -> {
          ctx.verify(() -> {
            assertThat(tooLarge.statusCode()).isEqualTo(413);
            assertThat(tooLarge.getHeader("content-type")).startsWith("application/json");
            assertThat(tooLarge.bodyAsJsonObject().getString("error")).isEqualTo("payload_too_large");
          });
          return bobLeaves;
        })
        .compose(left -> web.post(port, "localhost", session + "xhr").send());
    }).onComplete(ctx.succeeding(poll -> ctx.verify(() -> {
      // The session is closed: the next poll is told so (SockJS's close frame follows any frames still queued).
      assertThat(poll.bodyAsString()).contains("c[3000,\"Go away!\"]");
      assertThat(log.atLeast(Level.ERROR)).isEmpty();
      log.close();
      ctx.completeNow();
    })));
  }

  @Test
  @io.vertx.junit5.Timeout(value = 120, timeUnit = java.util.concurrent.TimeUnit.SECONDS)
  void manySocketsClosingAtOnceCostOneDeliveryPerBroadcastAndLogNoDiscardedMessages(Vertx vertx, VertxTestContext ctx) {
    int clients = 400;
    LogCapture discards = LogCapture.of("io.vertx.core.eventbus");
    // The clients live in a Vert.x of their own, whose close drops every connection at once.
    Vertx browsers = Vertx.vertx();
    Future<Void> chain = Future.succeededFuture();
    for (int i = 0; i < clients; i++) {
      String token = tokens.sign("user" + i);
      chain = chain.compose(v -> BridgeTestClient.connect(browsers, port).compose(c -> joinAndRegister(c, token)).mapEmpty());
    }
    JsonObject[] reply = new JsonObject[1];
    String watcherToken = tokens.sign("watcher");
    // The watcher joins as the page does, registering with its join: no diff between its reply and
    // its registration can pass it by.
    chain.compose(v -> BridgeTestClient.connect(vertx, port)).compose(client -> {
      Future<JsonObject> joining = client.request(ChannelAddresses.JOIN,
        new JsonObject().put("topic", TOPIC).put("last_seen_id", 0).put("register", true), watcherToken);
      return client.register(ADDRESS, watcherToken).compose(v -> joining).map(answer -> {
        reply[0] = answer;
        return client;
      });
    }).compose(watcher -> {
      // The watcher's count of who is there: its join's (as of presence_seq), then every later
      // diff's joins and leaves, in order. Every client's leave must bring it down to the watcher.
      JsonObject joinReply = reply[0].getJsonObject("body");
      long[] count = {joinReply.getInteger("presence_count")};
      long[] seq = {joinReply.getLong("presence_seq")};
      // As of presence_seq: joins of the last batch may still be on their way, in later diffs.
      ctx.verify(() -> assertThat(count[0]).isBetween(1L, (long) clients + 1));
      Future<JsonObject> allLeft = watcher.next(f -> {
        if ("rec".equals(f.getString("type")) && f.getValue("body") instanceof JsonObject body
          && "presence_diff".equals(body.getString("event"))) {
          JsonObject diff = body.getJsonObject("payload");
          if (diff.getLong("seq") > seq[0]) {
            ctx.verify(() -> assertThat(diff.getLong("seq")).as("diffs in order, none missing").isEqualTo(seq[0] + 1));
            seq[0] = diff.getLong("seq");
            // The reply listed the watcher already: its own join, in a later diff, is not counted twice.
            count[0] += metas(diff.getJsonObject("joins"), joinReply.getString("socket_id"))
              - metas(diff.getJsonObject("leaves"), null);
          }
        }
        return count[0] == 1;
      });
      browsers.close();
      return allLeft.eventually(() -> browsers.close());
    }).onComplete(ctx.succeeding(v -> ctx.verify(() -> {
      // The bridge's way (a consumer per socket) logged about 200 of these for 400 sockets here.
      assertThat(discards.messages()).noneMatch(line -> line.startsWith("Discarding message"));
      discards.close();
      ctx.completeNow();
    })));
  }
}
