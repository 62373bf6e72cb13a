package dev.otpx.channels;

import static dev.otpx.channels.ChannelFixtures.TOPIC;
import static dev.otpx.channels.ChannelFixtures.bodies;
import static dev.otpx.channels.ChannelFixtures.ids;
import static dev.otpx.channels.ChannelFixtures.join;
import static dev.otpx.channels.ChannelFixtures.leave;
import static dev.otpx.channels.ChannelFixtures.push;
import static dev.otpx.channels.ChannelFixtures.request;
import static dev.otpx.channels.ChannelFixtures.startChannels;
import static dev.otpx.channels.ChannelFixtures.startInfoSys;
import static org.assertj.core.api.Assertions.assertThat;

import dev.otpx.channels.ChannelFixtures.Listener;
import dev.otpx.process.Down;
import dev.otpx.process.ExitReason;
import dev.otpx.process.GenServer;
import dev.otpx.process.Pid;
import dev.otpx.process.Processes;
import dev.otpx.process.Registry;
import dev.otpx.store.TestStore;
import dev.otpx.process.Supervisor;
import dev.otpx.process.VirtualClock;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@ExtendWith(VertxExtension.class)
class ChannelRouterTest {

  // Each presence change published at once: these tests follow single diffs.
  private static final ChannelOptions OPTIONS = ChannelOptions.defaults().withMaxBodyLength(20).withHistoryLimit(3)
    .withPresenceBatch(Duration.ZERO);

  private static Future<JsonObject> joinAs(Vertx vertx, String username, String socketId, long lastSeenId) {
    return request(vertx, ChannelAddresses.JOIN, join(username, socketId, TOPIC, lastSeenId));
  }

  private static Future<JsonObject> post(Vertx vertx, String username, String socketId, Object body, Object at) {
    return request(vertx, ChannelAddresses.PUSH, push(username, socketId, TOPIC, body, at));
  }

  /** Posts one after the other, each as alice on s1. */
  private static Future<List<Long>> postAll(Vertx vertx, Object... bodiesAndAts) {
    Future<List<Long>> chain = Future.succeededFuture(new java.util.ArrayList<>());
    for (int i = 0; i < bodiesAndAts.length; i += 2) {
      Object body = bodiesAndAts[i];
      Object at = bodiesAndAts[i + 1];
      chain = chain.compose(list -> post(vertx, "alice", "s1", body, at).map(reply -> {
        list.add(reply.getLong("id"));
        return list;
      }));
    }
    return chain;
  }

  private static ReplyException refusal(Throwable err, String code) {
    assertThat(err).isInstanceOf(ReplyException.class);
    ReplyException reply = (ReplyException) err;
    assertThat(reply.failureCode()).isEqualTo(400);
    assertThat(reply.getMessage()).startsWith(code + ": ");
    return reply;
  }

  private static Pid channelPid(Vertx vertx) {
    return Registry.whereis(vertx, TopicChannel.name(TOPIC)).orElseThrow();
  }

  private static List<String> names(JsonObject presenceState) {
    return List.copyOf(presenceState.fieldNames());
  }

  private TestStore store;

  /** The node's clock in the tests of time rules ({@link IdleStop}, {@link Activity}); null elsewhere, where time is real. */
  private VirtualClock clock;

  @BeforeEach
  void startTheChannels(Vertx vertx, VertxTestContext ctx, TestInfo test) {
    // A node's clock is chosen before its first process: here, not in the nested class's own setup.
    if (test.getTestClass().orElseThrow() == IdleStop.class || test.getTestClass().orElseThrow() == Activity.class) {
      clock = VirtualClock.install(vertx);
    }
    TestStore.open(vertx).compose(opened -> {
      store = opened;
      return startChannels(vertx, OPTIONS);
    }).onComplete(ctx.succeedingThenComplete());
  }

  @AfterEach
  void dropTheDatabase(VertxTestContext ctx) {
    store.close().onComplete(ctx.succeedingThenComplete());
  }

  @Nested
  class Names {

    @Test
    void theRouterHoldsTheJoinPushLeaveAndSocketClosedNames(Vertx vertx) {
      Pid router = Registry.whereis(vertx, ChannelAddresses.JOIN).orElseThrow();

      for (String name : List.of(ChannelAddresses.PUSH, ChannelAddresses.LEAVE, ChannelAddresses.SOCKET_CLOSED)) {
        assertThat(Registry.whereis(vertx, name)).as(name).contains(router);
      }
    }

    @Test
    void theNamesGoWithTheRouter(Vertx vertx, VertxTestContext ctx) {
      Pid router = Registry.whereis(vertx, ChannelAddresses.JOIN).orElseThrow();
      GenServer.stop(vertx, router).onComplete(ctx.succeeding(v -> ctx.verify(() -> {
        for (String name : List.of(ChannelAddresses.JOIN, ChannelAddresses.PUSH, ChannelAddresses.LEAVE, ChannelAddresses.SOCKET_CLOSED)) {
          assertThat(Registry.whereis(vertx, name)).as(name).isEmpty();
        }
        ctx.completeNow();
      })));
    }

    @Test
    void badOptionsFailTheRoutersStartNamingTheKey(Vertx vertx, VertxTestContext ctx) {
      GenServer.start(vertx, new ChannelRouter(), new DeploymentOptions().setConfig(new JsonObject().put("idle_stop_ms", "soon")), null)
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertThat(err.getMessage()).contains("idle_stop_ms");
          ctx.completeNow();
        })));
    }
  }

  @Nested
  class Joining {

    @Test
    void theFirstJoinStartsTheTopicsProcessUnderTheTopicsSupervisor(Vertx vertx, VertxTestContext ctx) {
      joinAs(vertx, "alice", "s1", 0)
        .compose(reply -> Supervisor.whichChildren(vertx, Registry.whereis(vertx, ChannelAddresses.TOPICS).orElseThrow()))
        .onComplete(ctx.succeeding(children -> ctx.verify(() -> {
          assertThat(children).hasSize(1);
          assertThat(children.get(0).pid()).isEqualTo(channelPid(vertx));
          ctx.completeNow();
        })));
    }

    @Test
    void twoJoinsRacingToStartATopicShareOneProcess(Vertx vertx, VertxTestContext ctx) {
      Future.all(joinAs(vertx, "alice", "s1", 0), joinAs(vertx, "bob", "s2", 0), joinAs(vertx, "carol", "s3", 0))
        .compose(all -> Supervisor.countChildren(vertx, Registry.whereis(vertx, ChannelAddresses.TOPICS).orElseThrow())
          .map(counts -> {
            ctx.verify(() -> {
              assertThat(counts.active()).isEqualTo(1);
              JsonObject last = all.resultAt(2);
              assertThat(last.getJsonObject("presence_state").fieldNames()).contains("carol");
            });
            return null;
          }))
        .compose(v -> joinAs(vertx, "dave", "s4", 0))
        .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          assertThat(reply.getJsonObject("presence_state").fieldNames()).containsExactlyInAnyOrder("alice", "bob", "carol", "dave");
          ctx.completeNow();
        })));
    }

    @Test
    void aJoinRepliesWithTheHistoryAndTheLastSeenIdKeepsOnlyNewerOnes(Vertx vertx, VertxTestContext ctx) {
      joinAs(vertx, "alice", "s1", 0)
        .compose(r -> postAll(vertx, "one", 10, "two", 20, "three", 30))
        .compose(posted -> joinAs(vertx, "bob", "s2", 0).compose(all -> joinAs(vertx, "carol", "s3", posted.get(0)).map(newer -> {
          ctx.verify(() -> {
            assertThat(bodies(all.getJsonArray("annotations"))).containsExactly("one", "two", "three");
            assertThat(bodies(newer.getJsonArray("annotations"))).containsExactly("two", "three");
          });
          return null;
        })))
        .onComplete(ctx.succeedingThenComplete());
    }

    @Test
    void theHistoryComesInPagesOfTheLimitInIdOrderAndRejoiningWithTheLargestIdGetsTheNext(Vertx vertx, VertxTestContext ctx) {
      joinAs(vertx, "alice", "s1", 0)
        .compose(r -> postAll(vertx, "late", 900, "first", 100, "also first", 100, "middle", 500))
        .compose(posted -> joinAs(vertx, "bob", "s2", 0)
          .compose(page -> joinAs(vertx, "bob", "s2", ids(page.getJsonArray("annotations")).get(2))
            .map(next -> List.of(posted, page, next))))
        .onComplete(ctx.succeeding(replies -> ctx.verify(() -> {
          List<?> posted = (List<?>) replies.get(0);
          JsonArray page = ((JsonObject) replies.get(1)).getJsonArray("annotations");
          JsonArray next = ((JsonObject) replies.get(2)).getJsonArray("annotations");
          // history_limit is 3 here: the oldest three by id; the page puts them in video order.
          assertThat(bodies(page)).containsExactly("late", "first", "also first");
          assertThat(ids(page)).containsExactlyElementsOf(posted.subList(0, 3).stream().map(id -> (Long) id).toList());
          assertThat(((JsonObject) replies.get(1)).getBoolean("truncated")).isTrue();
          assertThat(bodies(next)).containsExactly("middle");
          assertThat(((JsonObject) replies.get(2)).containsKey("truncated")).isFalse();
          ctx.completeNow();
        })));
    }

    @Test
    void aJoinForAVideoThatDoesNotExistIsNotFoundAndStartsNoProcess(Vertx vertx, VertxTestContext ctx) {
      request(vertx, ChannelAddresses.JOIN, join("alice", "s1", "videos:404", 0))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertThat(refusal(err, "not_found").getMessage()).isEqualTo("not_found: video 404 does not exist");
          assertThat(Registry.whereis(vertx, TopicChannel.name("videos:404"))).isEmpty();
          ctx.completeNow();
        })));
    }

    @Test
    void aJoinRacingTheTopicsStopIsServedByAFreshProcess(Vertx vertx, VertxTestContext ctx) {
      joinAs(vertx, "alice", "s1", 0)
        .compose(r -> request(vertx, ChannelAddresses.LEAVE, leave("alice", "s1", TOPIC)))
        .compose(r -> {
          Pid old = channelPid(vertx);
          // Either the name is already free, or the join meets the stopping process and is tried
          // again once it is gone: whichever way the race goes, bob is served by a new process.
          Future<Void> stopped = GenServer.stop(vertx, old);
          return joinAs(vertx, "bob", "s2", 0).compose(reply -> stopped.map(v -> {
            ctx.verify(() -> {
              assertThat(names(reply.getJsonObject("presence_state"))).containsExactly("bob");
              assertThat(channelPid(vertx)).isNotEqualTo(old);
            });
            return null;
          }));
        })
        .onComplete(ctx.succeedingThenComplete());
    }

    @Test
    void aJoinAfterAllWasSeenGetsNoAnnotations(Vertx vertx, VertxTestContext ctx) {
      joinAs(vertx, "alice", "s1", 0)
        .compose(r -> postAll(vertx, "one", 1))
        .compose(posted -> joinAs(vertx, "alice", "s2", posted.get(0)))
        .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          assertThat(reply.getJsonArray("annotations")).isEmpty();
          ctx.completeNow();
        })));
    }
  }

  @Nested
  class Posting {

    @Test
    void aPostIsAnsweredWithItsIdAndBroadcastToEverySubscriber(Vertx vertx, VertxTestContext ctx) {
      Future.all(Listener.listen(vertx, TOPIC), Listener.listen(vertx, TOPIC), Listener.listen(vertx, TOPIC))
        .compose(all -> joinAs(vertx, "alice", "s1", 0)
          .compose(r -> post(vertx, "alice", "s1", "hello all", 1234))
          .compose(reply -> Future.all(all.<Listener>list().stream().map(l -> l.annotation("hello all")).toList())
            .map(received -> {
              ctx.verify(() -> {
                assertThat(reply).isEqualTo(new JsonObject().put("status", "ok").put("id", 1L));
                JsonObject expected = new JsonObject().put("id", 1L).put("user", new JsonObject().put("username", "alice"))
                  .put("body", "hello all").put("at", 1234L);
                for (Object payload : received.list()) {
                  assertThat((JsonObject) payload).isEqualTo(expected);
                }
              });
              return null;
            })))
        .onComplete(ctx.succeedingThenComplete());
    }

    @Test
    void idsAreUniqueAndIncreasingPerTopic(Vertx vertx, VertxTestContext ctx) {
      joinAs(vertx, "alice", "s1", 0)
        .compose(r -> request(vertx, ChannelAddresses.JOIN, join("alice", "s1", "videos:2", 0)))
        .compose(r -> Future.all(List.of(post(vertx, "alice", "s1", "a", 0), post(vertx, "alice", "s1", "b", 0),
          post(vertx, "alice", "s1", "c", 0), request(vertx, ChannelAddresses.PUSH, push("alice", "s1", "videos:2", "other", 0)))))
        .onComplete(ctx.succeeding(all -> ctx.verify(() -> {
          List<Long> videos1 = Stream.of(0, 1, 2).map(i -> all.<JsonObject>resultAt(i).getLong("id")).toList();
          // Ids come from the database: unique across topics, and increasing within each.
          assertThat(videos1).isSorted().doesNotHaveDuplicates();
          assertThat(videos1).doesNotContain(all.<JsonObject>resultAt(3).getLong("id"));
          ctx.completeNow();
        })));
    }

    @Test
    void theSameUserOnTwoSocketsPostsFromEither(Vertx vertx, VertxTestContext ctx) {
      joinAs(vertx, "alice", "s1", 0)
        .compose(r -> joinAs(vertx, "alice", "s2", 0))
        .compose(r -> post(vertx, "alice", "s2", "from the second tab", 0))
        .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          assertThat(reply.getLong("id")).isEqualTo(1L);
          ctx.completeNow();
        })));
    }
  }

  @Nested
  class Refusals {

    static Stream<Arguments> badPosts() {
      return Stream.of(
        Arguments.of("empty body", "body", push("alice", "s1", TOPIC, "", 1)),
        Arguments.of("overlong body", "body", push("alice", "s1", TOPIC, "x".repeat(21), 1)),
        Arguments.of("negative at", "at", push("alice", "s1", TOPIC, "hi", -1)),
        Arguments.of("fractional at", "at", push("alice", "s1", TOPIC, "hi", 2.5)),
        Arguments.of("text at", "at", push("alice", "s1", TOPIC, "hi", "10")),
        Arguments.of("unknown event", "event", push("alice", "s1", TOPIC, "hi", 1).put("event", "delete_annotation")),
        Arguments.of("bad topic", "topic", push("alice", "s1", "rooms:lobby", "hi", 1)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badPosts")
    void aBadPostIsRefusedNamingTheFieldAndNothingIsBroadcast(String what, String field, JsonObject body, Vertx vertx, VertxTestContext ctx) {
      Listener.listen(vertx, TOPIC).compose(listener -> joinAs(vertx, "alice", "s1", 0)
          .compose(r -> request(vertx, ChannelAddresses.PUSH, body))
          .transform(ar -> {
            ctx.verify(() -> {
              assertThat(ar.failed()).as("refused").isTrue();
              assertThat(refusal(ar.cause(), "bad_request").getMessage()).startsWith("bad_request: " + field);
            });
            // A good post after it: had the bad one been broadcast, it would have come first.
            return post(vertx, "alice", "s1", "good", 1);
          })
          .compose(reply -> listener.await("new_annotation", 1))
          .map(all -> {
            ctx.verify(() -> {
              assertThat(all).hasSize(1);
              assertThat(all.get(0).getJsonObject("payload").getString("body")).isEqualTo("good");
              assertThat(all.get(0).getJsonObject("payload").getLong("id")).isEqualTo(1L);
            });
            return null;
          }))
        .onComplete(ctx.succeedingThenComplete());
    }

    @Test
    void aPostsBodySentToJoinIsABadJoinAndNothingIsStoredOrBroadcast(Vertx vertx, VertxTestContext ctx) {
      Listener.listen(vertx, TOPIC).compose(listener -> joinAs(vertx, "alice", "s1", 0)
          .compose(r -> request(vertx, ChannelAddresses.JOIN, push("alice", "s1", TOPIC, "smuggled", 1)))
          .transform(ar -> {
            ctx.verify(() -> {
              assertThat(ar.failed()).as("refused").isTrue();
              assertThat(refusal(ar.cause(), "bad_request").getMessage()).startsWith("bad_request: last_seen_id");
            });
            return post(vertx, "alice", "s1", "real", 2);
          })
          .compose(reply -> listener.await("new_annotation", 1))
          .map(all -> {
            ctx.verify(() -> {
              assertThat(all).extracting(e -> e.getJsonObject("payload").getString("body")).containsExactly("real");
              assertThat(all.get(0).getJsonObject("payload").getLong("id")).isEqualTo(1L);
            });
            return null;
          }))
        .onComplete(ctx.succeedingThenComplete());
    }

    @Test
    void aPostsBodySentToLeaveIsALeaveNeverAPost(Vertx vertx, VertxTestContext ctx) {
      Listener.listen(vertx, TOPIC).compose(listener -> joinAs(vertx, "alice", "s1", 0)
          .compose(r -> request(vertx, ChannelAddresses.LEAVE, push("alice", "s1", TOPIC, "smuggled", 1)))
          .compose(left -> {
            assertThat(left).isEqualTo(new JsonObject().put("status", "ok"));
            return post(vertx, "alice", "s1", "after leaving", 2);
          })
          .transform(ar -> {
            ctx.verify(() -> {
              assertThat(ar.failed()).as("alice left: her post is refused").isTrue();
              refusal(ar.cause(), "not_joined");
              assertThat(listener.events("new_annotation")).isEmpty();
            });
            return ChannelFixtures.history(vertx);
          })
          .map(history -> {
            ctx.verify(() -> assertThat(history).isEmpty());
            return null;
          }))
        .onComplete(ctx.succeedingThenComplete());
    }

    @Test
    void aRequestToTheRouterByPidIsRefusedNamingTheAddresses(Vertx vertx, VertxTestContext ctx) {
      Pid router = Registry.whereis(vertx, ChannelAddresses.JOIN).orElseThrow();
      request(vertx, router.address(), join("alice", "s1", TOPIC, 0))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertThat(refusal(err, "bad_request").getMessage()).contains(ChannelAddresses.JOIN, ChannelAddresses.PUSH);
          ctx.completeNow();
        })));
    }

    @Test
    void aJoinToABadTopicIsRefusedNamingTopicAndStartsNothing(Vertx vertx, VertxTestContext ctx) {
      request(vertx, ChannelAddresses.JOIN, join("alice", "s1", "videos:", 0))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertThat(refusal(err, "bad_request").getMessage()).startsWith("bad_request: topic");
          assertThat(Registry.registered(vertx).keySet()).noneMatch(name -> name.startsWith(ChannelAddresses.CHANNEL_PREFIX));
          ctx.completeNow();
        })));
    }

    @Test
    void aJoinWithABadLastSeenIdIsRefusedNamingIt(Vertx vertx, VertxTestContext ctx) {
      joinAs(vertx, "alice", "s1", -1)
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertThat(refusal(err, "bad_request").getMessage()).startsWith("bad_request: last_seen_id");
          ctx.completeNow();
        })));
    }

    @Test
    void aRequestWithoutTheBridgesIdentityIsRefusedNamingTheField(Vertx vertx, VertxTestContext ctx) {
      request(vertx, ChannelAddresses.JOIN, new JsonObject().put("topic", TOPIC).put("last_seen_id", 0))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertThat(refusal(err, "bad_request").getMessage()).startsWith("bad_request: user.username");
          ctx.completeNow();
        })));
    }

    @Test
    void aPostToATopicWithNoProcessIsNotJoined(Vertx vertx, VertxTestContext ctx) {
      post(vertx, "alice", "s1", "hello?", 0)
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          refusal(err, "not_joined");
          assertThat(Registry.whereis(vertx, TopicChannel.name(TOPIC))).isEmpty();
          ctx.completeNow();
        })));
    }

    @Test
    void aPostFromASocketThatHasNotJoinedARunningTopicIsNotJoined(Vertx vertx, VertxTestContext ctx) {
      joinAs(vertx, "alice", "s1", 0)
        .compose(r -> post(vertx, "bob", "s2", "let me in", 0))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          refusal(err, "not_joined");
          ctx.completeNow();
        })));
    }

    @Test
    void aLeaveFromASocketThatHasNotJoinedIsNotJoined(Vertx vertx, VertxTestContext ctx) {
      request(vertx, ChannelAddresses.LEAVE, leave("alice", "s1", TOPIC))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          refusal(err, "not_joined");
          ctx.completeNow();
        })));
    }

    @Test
    void aRequestSentWithoutAReplyAddressIsIgnored(Vertx vertx, VertxTestContext ctx) {
      joinAs(vertx, "alice", "s1", 0)
        .compose(r -> {
          vertx.eventBus().send(ChannelAddresses.JOIN, leave("alice", "s1", TOPIC));
          return post(vertx, "alice", "s1", "still joined", 0);
        })
        .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          assertThat(reply.getString("status")).isEqualTo("ok");
          ctx.completeNow();
        })));
    }
  }

  @Nested
  class Presence {

    @Test
    void theJoinReplyHasThePresenceStateAndEachJoinPublishesADiff(Vertx vertx, VertxTestContext ctx) {
      Listener.listen(vertx, TOPIC).compose(listener -> joinAs(vertx, "alice", "s1", 0)
          .compose(r -> joinAs(vertx, "bob", "s2", 0))
          .compose(reply -> listener.await("presence_diff", 2).map(diffs -> {
            ctx.verify(() -> {
              JsonObject state = reply.getJsonObject("presence_state");
              assertThat(names(state)).containsExactly("alice", "bob");
              assertThat(state.getJsonObject("bob").getJsonArray("metas").getJsonObject(0).getString("socket_id")).isEqualTo("s2");
              assertThat(diffs.get(0).getJsonObject("payload").getJsonObject("joins").fieldNames()).containsExactly("alice");
              assertThat(diffs.get(1).getJsonObject("payload").getJsonObject("joins").fieldNames()).containsExactly("bob");
            });
            return null;
          })))
        .onComplete(ctx.succeedingThenComplete());
    }

    @Test
    void aLeaveRepliesOkAndPublishesALeaveDiff(Vertx vertx, VertxTestContext ctx) {
      Listener.listen(vertx, TOPIC).compose(listener -> joinAs(vertx, "alice", "s1", 0)
          .compose(r -> joinAs(vertx, "bob", "s2", 0))
          .compose(r -> request(vertx, ChannelAddresses.LEAVE, leave("bob", "s2", TOPIC)))
          .compose(reply -> listener.await("presence_diff", 3).map(diffs -> {
            ctx.verify(() -> {
              assertThat(reply).isEqualTo(new JsonObject().put("status", "ok"));
              JsonObject leaves = diffs.get(2).getJsonObject("payload").getJsonObject("leaves");
              assertThat(leaves.getJsonObject("bob").getJsonArray("metas").getJsonObject(0).getString("socket_id")).isEqualTo("s2");
            });
            return null;
          })))
        .compose(v -> post(vertx, "bob", "s2", "gone", 0))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          refusal(err, "not_joined");
          ctx.completeNow();
        })));
    }

    @Test
    void aClosedSocketLeavesEveryTopicItJoined(Vertx vertx, VertxTestContext ctx) {
      Future.all(Listener.listen(vertx, TOPIC), Listener.listen(vertx, "videos:2"))
        .compose(all -> joinAs(vertx, "alice", "s1", 0)
          .compose(r -> request(vertx, ChannelAddresses.JOIN, join("alice", "s1", "videos:2", 0)))
          .compose(r -> joinAs(vertx, "bob", "s2", 0))
          .compose(r -> {
            vertx.eventBus().send(ChannelAddresses.SOCKET_CLOSED, new JsonObject().put("socket_id", "s1"));
            Listener one = all.resultAt(0);
            Listener two = all.resultAt(1);
            return Future.all(one.await("presence_diff", 3), two.await("presence_diff", 2));
          })
          .map(diffs -> {
            ctx.verify(() -> {
              List<JsonObject> one = diffs.resultAt(0);
              List<JsonObject> two = diffs.resultAt(1);
              assertThat(one.get(2).getJsonObject("payload").getJsonObject("leaves").fieldNames()).containsExactly("alice");
              assertThat(two.get(1).getJsonObject("payload").getJsonObject("leaves").fieldNames()).containsExactly("alice");
            });
            return null;
          }))
        .compose(v -> post(vertx, "alice", "s1", "closed", 0))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          refusal(err, "not_joined");
          ctx.completeNow();
        })));
    }

    @Test
    void aClosedSocketLeavesTheTopicsTheBridgeNamesForIt(Vertx vertx, VertxTestContext ctx) {
      // The bridge names the topics a closed socket had: the router keeps no map by socket.
      Future.all(Listener.listen(vertx, TOPIC), Listener.listen(vertx, "videos:2"))
        .compose(all -> joinAs(vertx, "alice", "s1", 0)
          .compose(r -> request(vertx, ChannelAddresses.JOIN, join("alice", "s1", "videos:2", 0)))
          .compose(r -> {
            vertx.eventBus().send(ChannelAddresses.SOCKET_CLOSED, new JsonObject().put("socket_id", "s1")
              .put("topics", new io.vertx.core.json.JsonArray().add("videos:2")));
            Listener two = all.resultAt(1);
            return two.await("presence_diff", 2);
          })
          .map(diffs -> {
            ctx.verify(() -> assertThat(diffs.get(1).getJsonObject("payload").getJsonObject("leaves").fieldNames())
              .containsExactly("alice"));
            return null;
          }))
        .compose(v -> post(vertx, "alice", "s1", "still in videos:1", 0))
        .onComplete(ctx.succeeding(reply -> ctx.completeNow()));
    }

    @Test
    void aClosedSocketThatJoinedNothingChangesNothing(Vertx vertx, VertxTestContext ctx) {
      joinAs(vertx, "alice", "s1", 0)
        .compose(r -> {
          vertx.eventBus().send(ChannelAddresses.SOCKET_CLOSED, new JsonObject().put("socket_id", "s9"));
          return joinAs(vertx, "bob", "s2", 0);
        })
        .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          assertThat(names(reply.getJsonObject("presence_state"))).containsExactly("alice", "bob");
          ctx.completeNow();
        })));
    }
  }

  @Nested
  class InfoSysAnswers {

    @Test
    void anAnswerArrivesAsAnAnnotationByTheBackendsUserAtTheSameAt(Vertx vertx, VertxTestContext ctx) {
      startInfoSys(vertx, new JsonObject())
        .compose(v -> Listener.listen(vertx, TOPIC))
        .compose(listener -> joinAs(vertx, "alice", "s1", 0)
          .compose(r -> post(vertx, "alice", "s1", "what is 2+2", 777))
          .compose(reply -> listener.annotation("result from calculator").map(answer -> {
            ctx.verify(() -> {
              assertThat(answer.getJsonObject("user")).isEqualTo(new JsonObject().put("username", "calculator"));
              assertThat(answer.getLong("at")).isEqualTo(777L);
              assertThat(answer.getLong("id")).isEqualTo(reply.getLong("id") + 1);
            });
            return null;
          })))
        .compose(v -> joinAs(vertx, "bob", "s2", 0))
        .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          assertThat(bodies(reply.getJsonArray("annotations"))).containsExactly("what is 2+2", "result from calculator");
          ctx.completeNow();
        })));
    }

    @Test
    void thePostersReplyArrivesBeforeASlowBackendsAnswer(Vertx vertx, VertxTestContext ctx) {
      startInfoSys(vertx, new JsonObject().put("delay_ms", 400))
        .compose(v -> Listener.listen(vertx, TOPIC))
        .compose(listener -> joinAs(vertx, "alice", "s1", 0)
          .compose(r -> post(vertx, "alice", "s1", "take your time", 5))
          .compose(reply -> {
            ctx.verify(() -> {
              assertThat(reply.getString("status")).isEqualTo("ok");
              assertThat(listener.payloads("new_annotation")).noneMatch(p -> "calculator".equals(p.getJsonObject("user").getString("username")));
            });
            return listener.annotation("result from calculator");
          }))
        .onComplete(ctx.succeeding(answer -> ctx.verify(() -> {
          assertThat(answer.getLong("at")).isEqualTo(5L);
          ctx.completeNow();
        })));
    }

    @Test
    void withInfoSysDownTheChannelIsUnaffected(Vertx vertx, VertxTestContext ctx) {
      Listener.listen(vertx, TOPIC).compose(listener -> joinAs(vertx, "alice", "s1", 0)
          .compose(r -> postAll(vertx, "nobody answers", 1, "still fine", 2))
          .compose(ids -> listener.annotation("still fine").map(last -> ids)))
        .onComplete(ctx.succeeding(ids -> ctx.verify(() -> {
          assertThat(ids).containsExactly(1L, 2L);
          assertThat(Registry.whereis(vertx, TopicChannel.name(TOPIC))).isPresent();
          ctx.completeNow();
        })));
    }
  }

  @Nested
  class Crashes {

    @Test
    void aKilledTopicProcessLosesNothingAndTheNextIdContinues(Vertx vertx, VertxTestContext ctx) {
      joinAs(vertx, "alice", "s1", 0)
        .compose(r -> postAll(vertx, "before one", 1, "before two", 2))
        .compose(ids -> {
          Pid old = channelPid(vertx);
          Future<Down> down = Processes.monitor(vertx, old).down();
          Processes.kill(vertx, old);
          return down;
        })
        .compose(down -> {
          ctx.verify(() -> assertThat(down.reason()).isEqualTo(ExitReason.KILLED));
          return joinAs(vertx, "bob", "s2", 0);
        })
        .compose(reply -> {
          ctx.verify(() -> {
            assertThat(bodies(reply.getJsonArray("annotations"))).containsExactly("before one", "before two");
            // The router told the new process who had joined before the crash.
            assertThat(names(reply.getJsonObject("presence_state"))).containsExactlyInAnyOrder("alice", "bob");
          });
          // alice never rejoined: her socket is still in the topic.
          return post(vertx, "alice", "s1", "after", 3);
        })
        .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          assertThat(reply.getLong("id")).isEqualTo(3L);
          ctx.completeNow();
        })));
    }

    @Test
    void aCrashedTopicWithSocketsInItIsStartedAgainAndTheirPresenceRestored(Vertx vertx, VertxTestContext ctx) {
      Listener.listen(vertx, TOPIC).compose(listener -> joinAs(vertx, "alice", "s1", 0)
          .compose(r -> listener.await("presence_diff", 1))
          .compose(diffs -> {
            Processes.kill(vertx, channelPid(vertx));
            // The restarted process tracks alice again: her join is published once more.
            return listener.await("presence_diff", 2);
          })
          .map(diffs -> {
            ctx.verify(() -> {
              assertThat(diffs.get(1).getJsonObject("payload").getJsonObject("joins").fieldNames()).containsExactly("alice");
              assertThat(Registry.whereis(vertx, TopicChannel.name(TOPIC))).isPresent();
            });
            return null;
          }))
        .onComplete(ctx.succeedingThenComplete());
    }
  }

  @Nested
  class IdleStop {

    @BeforeEach
    void restartTheRouterWithAShortIdleStop(Vertx vertx, VertxTestContext ctx) {
      GenServer.stop(vertx, Registry.whereis(vertx, ChannelAddresses.JOIN).orElseThrow())
        .compose(v -> GenServer.start(vertx, new ChannelRouter(),
          new DeploymentOptions().setConfig(OPTIONS.withIdleStop(Duration.ofMillis(100)).toJson()), ChannelAddresses.JOIN))
        .onComplete(ctx.succeedingThenComplete());
    }

    @Test
    void aTopicNobodyIsInStopsAfterTheIdlePeriodAndAJoinStartsItAgain(Vertx vertx, VertxTestContext ctx) {
      joinAs(vertx, "alice", "s1", 0)
        .compose(r -> post(vertx, "alice", "s1", "kept", 0))
        .compose(r -> {
          Future<Down> down = Processes.monitor(vertx, channelPid(vertx)).down();
          return request(vertx, ChannelAddresses.LEAVE, leave("alice", "s1", TOPIC))
            .compose(left -> clock.advance(Duration.ofMillis(100)))
            .compose(v -> down);
        })
        .compose(down -> {
          ctx.verify(() -> {
            assertThat(down.reason()).isEqualTo(ExitReason.NORMAL);
            assertThat(Registry.whereis(vertx, TopicChannel.name(TOPIC))).isEmpty();
          });
          return joinAs(vertx, "alice", "s1", 0);
        })
        .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          assertThat(bodies(reply.getJsonArray("annotations"))).containsExactly("kept");
          ctx.completeNow();
        })));
    }

    @Test
    void aTopicWhoseLastSocketClosedStopsToo(Vertx vertx, VertxTestContext ctx) {
      joinAs(vertx, "alice", "s1", 0)
        .compose(r -> Listener.listen(vertx, TOPIC))
        .compose(listener -> {
          Pid pid = channelPid(vertx);
          Future<Down> down = Processes.monitor(vertx, pid).down();
          vertx.eventBus().send(ChannelAddresses.SOCKET_CLOSED, new JsonObject().put("socket_id", "s1"));
          // Once alice's leave is out, the status (read on the topic's thread after that leave's
          // handling) says the countdown has been set: only then does time move.
          return listener.await(e -> "presence_diff".equals(e.getString("event"))
              && e.getJsonObject("payload").getJsonObject("leaves").containsKey("alice"), 1)
            .compose(left -> Processes.status(vertx, pid))
            .compose(status -> clock.advance(Duration.ofMillis(100)))
            .compose(v -> down);
        })
        .onComplete(ctx.succeeding(down -> ctx.verify(() -> {
          assertThat(down.reason()).isEqualTo(ExitReason.NORMAL);
          ctx.completeNow();
        })));
    }

    @Test
    void aTopicWithSomeoneInItKeepsRunning(Vertx vertx, VertxTestContext ctx) {
      joinAs(vertx, "alice", "s1", 0)
        .map(r -> channelPid(vertx))
        .compose(pid -> clock.advance(Duration.ofMillis(350)).compose(v -> Processes.status(vertx, pid)).map(v -> pid))
        .onComplete(ctx.succeeding(pid -> ctx.verify(() -> {
          assertThat(Processes.isAlive(vertx, pid)).isTrue();
          assertThat(channelPid(vertx)).isEqualTo(pid);
          ctx.completeNow();
        })));
    }
  }

  /** What the observer lists per topic ({@link TopicActivity}, through /api/system/summary). */
  @Nested
  class Activity {

    @Test
    void theBusiestTopicsComeFirstWithTheirPresenceAndTheirPostsOfTheLastMinute(Vertx vertx, VertxTestContext ctx) {
      joinAs(vertx, "alice", "s1", 0)
        .compose(r -> joinAs(vertx, "bob", "s2", 0))
        .compose(r -> request(vertx, ChannelAddresses.JOIN, join("carol", "s3", "videos:2", 0)))
        .compose(r -> postAll(vertx, "one", 0, "two", 0))
        .compose(ids -> {
          JsonArray now = TopicActivity.busiest(vertx, 10);
          return clock.advance(Duration.ofMillis(TopicActivity.WINDOW_MILLIS + 1000))
            .map(v -> List.of(now, TopicActivity.busiest(vertx, 10), TopicActivity.busiest(vertx, 1)));
        })
        .onComplete(ctx.succeeding(seen -> ctx.verify(() -> {
          assertThat(seen.get(0)).containsExactly(
            new JsonObject().put("topic", TOPIC).put("presence", 2).put("posts_last_minute", 2L).put("posts", 2L),
            new JsonObject().put("topic", "videos:2").put("presence", 1).put("posts_last_minute", 0L).put("posts", 0L));
          // A minute on, the posts have left the rate, not the total; the most present topic leads.
          assertThat(seen.get(1)).containsExactly(
            new JsonObject().put("topic", TOPIC).put("presence", 2).put("posts_last_minute", 0L).put("posts", 2L),
            new JsonObject().put("topic", "videos:2").put("presence", 1).put("posts_last_minute", 0L).put("posts", 0L));
          assertThat(seen.get(2)).hasSize(1);
          ctx.completeNow();
        })));
    }

    @Test
    void aTopicWhoseProcessHasGoneIsNoLongerListed(Vertx vertx, VertxTestContext ctx) {
      // alice leaves first: with a member left, the router would start the killed topic again at once.
      joinAs(vertx, "alice", "s1", 0)
        .compose(r -> request(vertx, ChannelAddresses.LEAVE, leave("alice", "s1", TOPIC)))
        .compose(r -> {
          Future<Down> down = Processes.monitor(vertx, channelPid(vertx)).down();
          Processes.kill(vertx, channelPid(vertx));
          return down;
        })
        .onComplete(ctx.succeeding(down -> ctx.verify(() -> {
          assertThat(TopicActivity.busiest(vertx, 10)).isEmpty();
          ctx.completeNow();
        })));
    }
  }
}
