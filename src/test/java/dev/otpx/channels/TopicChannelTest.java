package dev.otpx.channels;

import static dev.otpx.channels.ChannelFixtures.TOPIC;
import static dev.otpx.channels.ChannelFixtures.annotate;
import static dev.otpx.channels.ChannelFixtures.bodies;
import static dev.otpx.channels.ChannelFixtures.history;
import static dev.otpx.channels.ChannelFixtures.startInfoSys;
import static dev.otpx.process.testing.OtpAsserts.assertFailure;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.otpx.channels.ChannelFixtures.Listener;
import dev.otpx.channels.TopicChannelMsg.Join;
import dev.otpx.channels.TopicChannelMsg.Leave;
import dev.otpx.channels.TopicChannelMsg.Push;
import dev.otpx.channels.TopicChannelMsg.SocketClosed;
import dev.otpx.infosys.FakeBackend;
import dev.otpx.process.ChildSpec;
import dev.otpx.process.Down;
import dev.otpx.process.ExitReason;
import dev.otpx.process.GenServer;
import dev.otpx.process.OtpException;
import dev.otpx.process.Pid;
import dev.otpx.process.Processes;
import dev.otpx.process.Registry;
import dev.otpx.process.Restart;
import dev.otpx.process.VirtualClock;
import dev.otpx.store.TestStore;
import dev.otpx.testing.LogCapture;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class TopicChannelTest {

  // Each presence change published at once: these tests follow single diffs; Batching tests its own.
  private static final ChannelOptions OPTIONS = ChannelOptions.defaults().withMaxBodyLength(20).withPresenceBatch(Duration.ZERO);

  private TestStore store;

  @BeforeEach
  void aDatabaseOfItsOwn(Vertx vertx, VertxTestContext ctx) {
    TestStore.open(vertx).onComplete(ctx.succeeding(opened -> {
      store = opened;
      ctx.completeNow();
    }));
  }

  @AfterEach
  void dropIt(VertxTestContext ctx) {
    store.close().onComplete(ctx.succeedingThenComplete());
  }

  private static Future<Pid> startChannel(Vertx vertx, ChannelOptions options) {
    return GenServer.start(vertx, new TopicChannel(), new DeploymentOptions().setConfig(TopicChannel.args(TOPIC, options)),
      TopicChannel.name(TOPIC));
  }

  private static <T> Future<T> call(Vertx vertx, Object request) {
    return GenServer.call(vertx, TopicChannel.name(TOPIC), request);
  }

  private static Join join(String username, String socketId) {
    return new Join(TOPIC, username, socketId, 0);
  }

  private static Push post(String username, String socketId, String body, long at) {
    return new Push(TOPIC, username, socketId, "new_annotation", body, at);
  }

  private static JsonObject metas(String... socketIds) {
    return new JsonObject().put("metas", new JsonArray(List.of(socketIds)));
  }

  /** A presence map with only the socket ids of each meta kept, to compare without online_at. */
  private static JsonObject sockets(JsonObject presence) {
    JsonObject result = new JsonObject();
    presence.forEach(entry -> result.put(entry.getKey(), metas(((JsonObject) entry.getValue()).getJsonArray("metas").stream()
      .map(m -> ((JsonObject) m).getString("socket_id")).toArray(String[]::new))));
    return result;
  }

  @Nested
  class Starting {

    @Test
    void theChildSpecIsTemporaryAndRegistersTheTopicsName() {
      ChildSpec spec = TopicChannel.childSpec(TOPIC, OPTIONS);

      assertThat(spec.restart()).isEqualTo(Restart.TEMPORARY);
      assertThat(spec.start().name()).isEqualTo("channels.channel.videos:1");
      assertThat(spec.start().options().getConfig()).isEqualTo(OPTIONS.toJson().put("topic", TOPIC));
    }

    @Test
    void aBadTopicArgFailsTheStart(Vertx vertx, VertxTestContext ctx) {
      GenServer.start(vertx, new TopicChannel(), new DeploymentOptions().setConfig(new JsonObject().put("topic", "rooms:1")), null)
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertFailure(OtpException.Failure.EXIT, err);
          assertThat(err.getMessage()).contains("topic");
          ctx.completeNow();
        })));
    }

    @Test
    void badOptionsFailTheStartNamingTheKey(Vertx vertx, VertxTestContext ctx) {
      JsonObject args = new JsonObject().put("topic", TOPIC).put("history_limit", 0);
      GenServer.start(vertx, new TopicChannel(), new DeploymentOptions().setConfig(args), null)
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertThat(err.getMessage()).contains("history_limit");
          ctx.completeNow();
        })));
    }
  }

  @Nested
  class Joining {

    @Test
    void aJoinRepliesWithTheHistoryAndWhoIsPresentIncludingTheJoiner(Vertx vertx, VertxTestContext ctx) {
      annotate(vertx, "carol", "before", 5)
        .compose(a -> startChannel(vertx, OPTIONS))
        .compose(pid -> call(vertx, join("alice", "s1")))
        .compose(first -> call(vertx, join("bob", "s2")))
        .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          JsonObject json = (JsonObject) reply;
          assertThat(bodies(json.getJsonArray("annotations"))).containsExactly("before");
          assertThat(sockets(json.getJsonObject("presence_state"))).isEqualTo(new JsonObject()
            .put("alice", metas("s1")).put("bob", metas("s2")));
          JsonObject meta = json.getJsonObject("presence_state").getJsonObject("bob").getJsonArray("metas").getJsonObject(0);
          assertThat(meta.fieldNames()).containsExactlyInAnyOrder("socket_id", "online_at");
          assertThat(meta.getLong("online_at")).isCloseTo(System.currentTimeMillis(), org.assertj.core.data.Offset.offset(60_000L));
          ctx.completeNow();
        })));
    }

    @Test
    void aJoinRepliesWithTheStoresEpochWhichOutlivesTheTopicsProcess(Vertx vertx, VertxTestContext ctx) {
      Future.succeededFuture(store.store().epoch())
        .compose(epoch -> startChannel(vertx, OPTIONS)
          .compose(pid -> call(vertx, join("alice", "s1")))
          .compose(first -> {
            // A crashed topic process is started again by the router; the history stays, and so does its epoch.
            Pid pid = Registry.whereis(vertx, TopicChannel.name(TOPIC)).orElseThrow();
            var monitor = Processes.monitor(vertx, pid);
            Processes.kill(vertx, pid);
            return monitor.down().compose(down -> startChannel(vertx, OPTIONS))
              .compose(again -> call(vertx, join("alice", "s2")))
              .map(second -> {
                ctx.verify(() -> {
                  assertThat(((JsonObject) first).getString("epoch")).isEqualTo(epoch);
                  assertThat(((JsonObject) second).getString("epoch")).isEqualTo(epoch);
                  assertThat(((JsonObject) second).getString("socket_id")).as("the joiner's own").isEqualTo("s2");
                });
                return null;
              });
          }))
        .onComplete(ctx.succeedingThenComplete());
    }

    @Test
    void aJoinCutToTheHistoryLimitSaysSoAndTheNextPageStartsAfterTheLargestIdReceived(Vertx vertx, VertxTestContext ctx) {
      annotate(vertx, "carol", "three", 3)
        .compose(a -> annotate(vertx, "carol", "one", 1))
        .compose(a -> annotate(vertx, "carol", "two", 2))
        .compose(a -> startChannel(vertx, OPTIONS.withHistoryLimit(2)))
        .compose(pid -> call(vertx, join("alice", "s1")))
        .compose(cut -> {
          long largest = ChannelFixtures.ids(((JsonObject) cut).getJsonArray("annotations")).get(1);
          return call(vertx, new Join(TOPIC, "alice", "s1", largest)).map(rest -> List.of((JsonObject) cut, (JsonObject) rest));
        })
        .onComplete(ctx.succeeding(replies -> ctx.verify(() -> {
          // Pages go by id (the order they were posted in), whatever their place in the video.
          assertThat(bodies(replies.get(0).getJsonArray("annotations"))).containsExactly("three", "one");
          assertThat(replies.get(0).getBoolean("truncated")).isTrue();
          assertThat(bodies(replies.get(1).getJsonArray("annotations"))).containsExactly("two");
          assertThat(replies.get(1).containsKey("truncated")).isFalse();
          ctx.completeNow();
        })));
    }

    @Test
    void aRejoinAtTheNewestIdGetsNothingAndAnyOlderIdGetsEveryPostAfterIt(Vertx vertx, VertxTestContext ctx) {
      // Once a join has read up to the newest annotation, the process answers such rejoins without
      // reading (issue 15's reconnect storm); the posts it stores since must still reach every join below them.
      annotate(vertx, "carol", "before", 5)
        .compose(a -> startChannel(vertx, OPTIONS))
        .compose(pid -> call(vertx, join("alice", "s1")))
        .compose(r -> call(vertx, post("alice", "s1", "x", 0)))
        .compose(r -> call(vertx, post("alice", "s1", "y", 0)))
        .compose(y -> {
          long newest = ((JsonObject) y).getLong("id");
          return call(vertx, new Join(TOPIC, "bob", "s2", newest))
            .compose(atNewest -> call(vertx, new Join(TOPIC, "dave", "s3", newest - 1))
              .compose(below -> call(vertx, post("alice", "s1", "z", 0))
                .compose(z -> call(vertx, new Join(TOPIC, "erin", "s4", newest)))
                .map(afterZ -> List.of((JsonObject) atNewest, (JsonObject) below, (JsonObject) afterZ))));
        })
        .onComplete(ctx.succeeding(replies -> ctx.verify(() -> {
          assertThat(bodies(replies.get(0).getJsonArray("annotations"))).isEmpty();
          assertThat(replies.get(0).getString("epoch")).isEqualTo(store.store().epoch());
          assertThat(sockets(replies.get(0).getJsonObject("presence_state")).fieldNames()).contains("alice", "bob");
          assertThat(bodies(replies.get(1).getJsonArray("annotations"))).containsExactly("y");
          assertThat(bodies(replies.get(2).getJsonArray("annotations"))).containsExactly("z");
          ctx.completeNow();
        })));
    }

    @Test
    void aJsonCallIsRefusedSinceTheTopicsOneAddressCannotSayWhatItIs(Vertx vertx, VertxTestContext ctx) {
      startChannel(vertx, OPTIONS)
        .compose(pid -> call(vertx, ChannelFixtures.join("alice", "s1", TOPIC, 0)))
        .transform(ar -> {
          ctx.verify(() -> {
            assertThat(ar.failed()).isTrue();
            assertThat(ar.cause().getMessage()).startsWith("bad_request: a topic process takes the router's messages only")
              .contains(ChannelAddresses.JOIN);
          });
          // Nothing was tracked: the first typed join finds nobody else present.
          return call(vertx, join("bob", "s2"));
        })
        .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          assertThat(sockets(((JsonObject) reply).getJsonObject("presence_state"))).isEqualTo(new JsonObject().put("bob", metas("s2")));
          ctx.completeNow();
        })));
    }

    @Test
    void aJoinPublishesAPresenceDiffWithTheNewMetaOnly(Vertx vertx, VertxTestContext ctx) {
      Listener.listen(vertx, TOPIC).compose(listener -> startChannel(vertx, OPTIONS)
          .compose(pid -> call(vertx, join("alice", "s1")))
          .compose(r -> call(vertx, join("alice", "s2")))
          .compose(r -> listener.await("presence_diff", 2)))
        .onComplete(ctx.succeeding(diffs -> ctx.verify(() -> {
          JsonObject second = diffs.get(1).getJsonObject("payload");
          assertThat(sockets(second.getJsonObject("joins"))).isEqualTo(new JsonObject().put("alice", metas("s2")));
          assertThat(second.getJsonObject("leaves")).isEmpty();
          ctx.completeNow();
        })));
    }

    @Test
    void joiningAgainFromTheSameSocketChangesNothing(Vertx vertx, VertxTestContext ctx) {
      Listener.listen(vertx, TOPIC).compose(listener -> startChannel(vertx, OPTIONS)
          .compose(pid -> call(vertx, join("alice", "s1")))
          .compose(r -> call(vertx, join("alice", "s1")))
          .compose(again -> call(vertx, join("bob", "s2")).map(r -> again))
          .compose(again -> listener.await("presence_diff", 2).map(diffs -> {
            ctx.verify(() -> {
              assertThat(sockets(((JsonObject) again).getJsonObject("presence_state"))).isEqualTo(new JsonObject().put("alice", metas("s1")));
              // The second diff is bob's: the repeated join published none.
              assertThat(diffs.get(1).getJsonObject("payload").getJsonObject("joins").fieldNames()).containsExactly("bob");
            });
            return diffs;
          })))
        .onComplete(ctx.succeedingThenComplete());
    }

    @Test
    void aSocketJoiningAsSomeoneElseMovesInOneDiff(Vertx vertx, VertxTestContext ctx) {
      Listener.listen(vertx, TOPIC).compose(listener -> startChannel(vertx, OPTIONS)
          .compose(pid -> call(vertx, join("alice", "s1")))
          .compose(r -> call(vertx, join("bob", "s1")))
          .compose(reply -> listener.await("presence_diff", 2).map(diffs -> {
            ctx.verify(() -> {
              assertThat(sockets(((JsonObject) reply).getJsonObject("presence_state"))).isEqualTo(new JsonObject().put("bob", metas("s1")));
              JsonObject diff = diffs.get(1).getJsonObject("payload");
              assertThat(sockets(diff.getJsonObject("joins"))).isEqualTo(new JsonObject().put("bob", metas("s1")));
              assertThat(sockets(diff.getJsonObject("leaves"))).isEqualTo(new JsonObject().put("alice", metas("s1")));
            });
            return diffs;
          })))
        .onComplete(ctx.succeedingThenComplete());
    }

    @Test
    void aJoinForAnotherTopicIsABadRequest(Vertx vertx, VertxTestContext ctx) {
      startChannel(vertx, OPTIONS)
        .compose(pid -> call(vertx, new Join("videos:2", "alice", "s1", 0)))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          OtpException otp = assertFailure(OtpException.Failure.ERROR, err);
          assertThat(otp.code()).isEqualTo("bad_request");
          assertThat(otp.getMessage()).contains("topic");
          ctx.completeNow();
        })));
    }

    @Test
    void aCastJoinOnlyTracksPresence(Vertx vertx, VertxTestContext ctx) {
      Listener.listen(vertx, TOPIC).compose(listener -> startChannel(vertx, OPTIONS)
          .compose(pid -> {
            GenServer.cast(vertx, pid, join("alice", "s1"));
            return listener.await("presence_diff", 1);
          })
          .compose(diffs -> call(vertx, post("alice", "s1", "tracked", 1))))
        .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          assertThat(((JsonObject) reply).getString("status")).isEqualTo("ok");
          ctx.completeNow();
        })));
    }
  }

  @Nested
  class Posting {

    @Test
    void aPostIsStoredBroadcastAndAnsweredWithItsId(Vertx vertx, VertxTestContext ctx) {
      Listener.listen(vertx, TOPIC).compose(listener -> startChannel(vertx, OPTIONS)
          .compose(pid -> call(vertx, join("alice", "s1")))
          .compose(r -> call(vertx, post("alice", "s1", "hello", 1500)))
          .compose(reply -> listener.annotation("hello").map(broadcast -> {
            ctx.verify(() -> {
              assertThat(reply).isEqualTo(new JsonObject().put("status", "ok").put("id", 1L));
              assertThat(broadcast).isEqualTo(new JsonObject().put("id", 1L)
                .put("user", new JsonObject().put("username", "alice")).put("body", "hello").put("at", 1500L));
            });
            return null;
          })))
        .compose(v -> history(vertx))
        .onComplete(ctx.succeeding(history -> ctx.verify(() -> {
          assertThat(bodies(history)).containsExactly("hello");
          ctx.completeNow();
        })));
    }

    @Test
    void idsIncreaseInTheOrderThePostsArrive(Vertx vertx, VertxTestContext ctx) {
      startChannel(vertx, OPTIONS)
        .compose(pid -> call(vertx, join("alice", "s1")))
        .compose(r -> Future.all(List.of(
          call(vertx, post("alice", "s1", "a", 0)), call(vertx, post("alice", "s1", "b", 0)), call(vertx, post("alice", "s1", "c", 0)))))
        .onComplete(ctx.succeeding(all -> ctx.verify(() -> {
          List<Long> ids = all.<JsonObject>list().stream().map(r -> r.getLong("id")).toList();
          assertThat(ids).containsExactly(1L, 2L, 3L);
          ctx.completeNow();
        })));
    }

    @Test
    void aPostFromASocketThatHasNotJoinedIsRefused(Vertx vertx, VertxTestContext ctx) {
      startChannel(vertx, OPTIONS)
        .compose(pid -> call(vertx, post("alice", "s1", "hi", 0)))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertThat(assertFailure(OtpException.Failure.ERROR, err).code()).isEqualTo("not_joined");
          ctx.completeNow();
        })));
    }

    @Test
    void aPostUnderAnotherNameThanTheSocketJoinedWithIsRefused(Vertx vertx, VertxTestContext ctx) {
      startChannel(vertx, OPTIONS)
        .compose(pid -> call(vertx, join("alice", "s1")))
        .compose(r -> call(vertx, post("mallory", "s1", "hi", 0)))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertThat(assertFailure(OtpException.Failure.ERROR, err).code()).isEqualTo("not_joined");
          ctx.completeNow();
        })));
    }

    @Test
    void aBodyLongerThanTheOptionIsRefusedNamingBodyAndNothingIsBroadcast(Vertx vertx, VertxTestContext ctx) {
      Listener.listen(vertx, TOPIC).compose(listener -> startChannel(vertx, OPTIONS)
          .compose(pid -> call(vertx, join("alice", "s1")))
          .compose(r -> call(vertx, post("alice", "s1", "x".repeat(21), 0)))
          .recover(err -> {
            ctx.verify(() -> {
              OtpException otp = assertFailure(OtpException.Failure.ERROR, err);
              assertThat(otp.code()).isEqualTo("bad_request");
              assertThat(otp.getMessage()).startsWith("bad_request: body");
            });
            return call(vertx, post("alice", "s1", "x".repeat(20), 0));
          })
          .compose(r -> listener.await("new_annotation", 1))
          .map(all -> {
            ctx.verify(() -> assertThat(all).hasSize(1));
            return null;
          }))
        .onComplete(ctx.succeedingThenComplete());
    }

  }

  @Nested
  class Leaving {

    private Future<Listener> twoPresent(Vertx vertx) {
      return Listener.listen(vertx, TOPIC).compose(listener -> startChannel(vertx, OPTIONS)
        .compose(pid -> call(vertx, join("alice", "s1")))
        .compose(r -> call(vertx, join("bob", "s2")))
        .map(r -> listener));
    }

    private static void assertLeft(List<JsonObject> diffs, String username, String socketId) {
      JsonObject last = diffs.get(diffs.size() - 1).getJsonObject("payload");
      assertThat(last.getJsonObject("joins")).isEmpty();
      assertThat(sockets(last.getJsonObject("leaves"))).isEqualTo(new JsonObject().put(username, metas(socketId)));
    }

    @Test
    void aLeaveRepliesOkAndPublishesTheLeave(Vertx vertx, VertxTestContext ctx) {
      twoPresent(vertx).compose(listener -> call(vertx, new Leave(TOPIC, "bob", "s2"))
          .compose(reply -> listener.await("presence_diff", 3).map(diffs -> {
            ctx.verify(() -> {
              assertThat(reply).isEqualTo(new JsonObject().put("status", "ok"));
              assertLeft(diffs, "bob", "s2");
            });
            return null;
          })))
        .compose(v -> call(vertx, join("carol", "s3")))
        .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          assertThat(((JsonObject) reply).getJsonObject("presence_state").fieldNames()).containsExactly("alice", "carol");
          ctx.completeNow();
        })));
    }

    @Test
    void aLeaveFromASocketThatHasNotJoinedIsRefused(Vertx vertx, VertxTestContext ctx) {
      twoPresent(vertx).compose(listener -> call(vertx, new Leave(TOPIC, "bob", "s1")))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertThat(assertFailure(OtpException.Failure.ERROR, err).code()).isEqualTo("not_joined");
          ctx.completeNow();
        })));
    }

    @Test
    void aCastLeaveUntracksWithoutAReply(Vertx vertx, VertxTestContext ctx) {
      twoPresent(vertx).compose(listener -> {
        GenServer.cast(vertx, TopicChannel.name(TOPIC), new Leave(TOPIC, "alice", "s1"));
        return listener.await("presence_diff", 3);
      }).onComplete(ctx.succeeding(diffs -> ctx.verify(() -> {
        assertLeft(diffs, "alice", "s1");
        ctx.completeNow();
      })));
    }

    @Test
    void aSocketClosedCastInJsonUntracksThatSocket(Vertx vertx, VertxTestContext ctx) {
      twoPresent(vertx).compose(listener -> {
        GenServer.cast(vertx, TopicChannel.name(TOPIC), new JsonObject().put("socket_id", "s2"));
        return listener.await("presence_diff", 3);
      }).onComplete(ctx.succeeding(diffs -> ctx.verify(() -> {
        assertLeft(diffs, "bob", "s2");
        ctx.completeNow();
      })));
    }

    @Test
    void aSocketClosedInfoUntracksThatSocket(Vertx vertx, VertxTestContext ctx) {
      twoPresent(vertx).compose(listener -> {
        Processes.send(vertx, TopicChannel.name(TOPIC), new SocketClosed("s1"));
        return listener.await("presence_diff", 3);
      }).onComplete(ctx.succeeding(diffs -> ctx.verify(() -> {
        assertLeft(diffs, "alice", "s1");
        ctx.completeNow();
      })));
    }

    @Test
    void aSocketThatLeftCanNoLongerPost(Vertx vertx, VertxTestContext ctx) {
      twoPresent(vertx).compose(listener -> call(vertx, new Leave(TOPIC, "bob", "s2")))
        .compose(r -> call(vertx, post("bob", "s2", "too late", 0)))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertThat(assertFailure(OtpException.Failure.ERROR, err).code()).isEqualTo("not_joined");
          ctx.completeNow();
        })));
    }
  }

  @Nested
  class PresenceAtScale {

    @Test
    void changesWithinABatchGoOutAsOneNumberedDiffAndAJoinThenLeaveAsNothing(Vertx vertx, VertxTestContext ctx) {
      VirtualClock clock = VirtualClock.install(vertx);
      ChannelOptions batched = OPTIONS.withPresenceBatch(Duration.ofMillis(50));
      Listener.listen(vertx, TOPIC).compose(listener -> startChannel(vertx, batched)
          .compose(pid -> call(vertx, join("alice", "s1")))
          .compose(r -> call(vertx, join("bob", "s2")))
          .compose(r -> call(vertx, join("carol", "s3")))
          .compose(carols -> call(vertx, new Leave(TOPIC, "bob", "s2")).map(r -> carols))
          .compose(carols -> {
            ctx.verify(() -> {
              JsonObject reply = (JsonObject) carols;
              // Nothing published yet: the state is as of diff 0, plus the joiner herself.
              assertThat(reply.getLong("presence_seq")).isZero();
              assertThat(sockets(reply.getJsonObject("presence_state"))).isEqualTo(new JsonObject().put("carol", metas("s3")));
              assertThat(reply.getInteger("presence_count")).isEqualTo(1);
              assertThat(listener.events("presence_diff")).isEmpty();
            });
            return clock.advance(Duration.ofMillis(50)).compose(v -> listener.await("presence_diff", 1));
          })
          .compose(diffs -> call(vertx, join("dave", "s4")).map(reply -> {
            ctx.verify(() -> {
              assertThat(diffs).hasSize(1);
              JsonObject diff = diffs.get(0).getJsonObject("payload");
              assertThat(diff.getLong("seq")).isEqualTo(1);
              assertThat(sockets(diff.getJsonObject("joins"))).isEqualTo(new JsonObject().put("alice", metas("s1")).put("carol", metas("s3")));
              assertThat(diff.getJsonObject("leaves")).isEmpty();
              JsonObject json = (JsonObject) reply;
              assertThat(json.getLong("presence_seq")).isEqualTo(1);
              assertThat(sockets(json.getJsonObject("presence_state"))).isEqualTo(new JsonObject()
                .put("alice", metas("s1")).put("carol", metas("s3")).put("dave", metas("s4")));
              assertThat(json.getInteger("presence_count")).isEqualTo(3);
            });
            return null;
          })))
        .onComplete(ctx.succeedingThenComplete());
    }

    @Test
    void aJoinsReplyListsAPageOfPresenceWithTheCountAndTheRestComesPageByPage(Vertx vertx, VertxTestContext ctx) {
      ChannelOptions paged = OPTIONS.withPresencePage(2);
      Future<Object> joins = startChannel(vertx, paged).map(pid -> null);
      for (int i = 1; i <= 5; i++) {
        String n = String.valueOf(i);
        joins = joins.compose(r -> call(vertx, join("user" + n, "s" + n)));
      }
      List<JsonObject> pages = new java.util.ArrayList<>();
      joins.compose(last -> {
        pages.add((JsonObject) last);
        return call(vertx, new Join(TOPIC, "user5", "s5", 0, ((JsonObject) last).getLong("presence_more"), null));
      }).compose(second -> {
        pages.add((JsonObject) second);
        return call(vertx, new Join(TOPIC, "user5", "s5", 0, ((JsonObject) second).getLong("presence_more"), null));
      }).onComplete(ctx.succeeding(third -> ctx.verify(() -> {
        pages.add((JsonObject) third);
        assertThat(pages).extracting(p -> p.getInteger("presence_count")).containsOnly(5);
        assertThat(pages).extracting(p -> p.getJsonObject("presence_state").fieldNames())
          .containsExactly(java.util.Set.of("user1", "user2"), java.util.Set.of("user3", "user4"), java.util.Set.of("user5"));
        assertThat(pages.get(2).containsKey("presence_more")).isFalse();
        ctx.completeNow();
      })));
    }

    @Test
    void aJoinThroughARouterLeavesWhenThatRouterGoes(Vertx vertx, VertxTestContext ctx) {
      Listener.listen(vertx, TOPIC).compose(listener -> startChannel(vertx, OPTIONS)
          .compose(pid -> GenServer.start(vertx, new dev.otpx.counter.CounterServer(), new DeploymentOptions()
            .setConfig(dev.otpx.counter.CounterServer.args(0, Duration.ZERO)), null))
          .compose(router -> call(vertx, new Join(TOPIC, "alice", "s1", 0, 0, router.toString()))
            .compose(r -> call(vertx, join("bob", "s2")))
            .compose(r -> GenServer.stop(vertx, router)))
          .compose(v -> listener.await(e -> "presence_diff".equals(e.getString("event"))
            && e.getJsonObject("payload").getJsonObject("leaves").containsKey("alice"), 1)))
        .onComplete(ctx.succeeding(diffs -> ctx.verify(() -> {
          assertThat(sockets(diffs.get(0).getJsonObject("payload").getJsonObject("leaves"))).isEqualTo(new JsonObject().put("alice", metas("s1")));
          ctx.completeNow();
        })));
    }
  }

  @Nested
  class IdleStop {

    private final ChannelOptions quick = OPTIONS.withIdleStop(Duration.ofMillis(100));

    @Test
    void aChannelNobodyJoinsStopsNormallyAfterTheIdlePeriod(Vertx vertx, VertxTestContext ctx) {
      VirtualClock clock = VirtualClock.install(vertx);
      startChannel(vertx, quick)
        .compose(pid -> clock.advance(Duration.ofMillis(99))
          .map(v -> {
            ctx.verify(() -> assertThat(Processes.isAlive(vertx, pid)).as("alive before the idle period is over").isTrue());
            return pid;
          }))
        .compose(pid -> {
          Future<Down> down = Processes.monitor(vertx, pid).down();
          return clock.advance(Duration.ofMillis(1)).compose(v -> down);
        })
        .onComplete(ctx.succeeding(down -> ctx.verify(() -> {
          assertThat(down.reason()).isEqualTo(ExitReason.NORMAL);
          assertThat(Registry.whereis(vertx, TopicChannel.name(TOPIC))).isEmpty();
          ctx.completeNow();
        })));
    }

    @Test
    void aChannelWithSomeonePresentKeepsRunning(Vertx vertx, VertxTestContext ctx) {
      VirtualClock clock = VirtualClock.install(vertx);
      startChannel(vertx, quick)
        .compose(pid -> call(vertx, join("alice", "s1")).map(r -> pid))
        .compose(pid -> clock.advance(Duration.ofMillis(350)).map(v -> pid))
        .compose(pid -> Processes.status(vertx, pid).map(status -> pid))
        .onComplete(ctx.succeeding(pid -> ctx.verify(() -> {
          assertThat(Processes.isAlive(vertx, pid)).isTrue();
          ctx.completeNow();
        })));
    }

    @Test
    void theLastLeaveStartsTheCountdownAgain(Vertx vertx, VertxTestContext ctx) {
      VirtualClock clock = VirtualClock.install(vertx);
      startChannel(vertx, quick)
        .compose(pid -> call(vertx, join("alice", "s1"))
          .compose(r -> clock.advance(Duration.ofMillis(200)))
          .compose(v -> {
            ctx.verify(() -> assertThat(Processes.isAlive(vertx, pid)).isTrue());
            return call(vertx, new Leave(TOPIC, "alice", "s1"));
          })
          .compose(r -> {
            Future<Down> down = Processes.monitor(vertx, pid).down();
            return clock.advance(Duration.ofMillis(100)).compose(v -> down);
          }))
        .onComplete(ctx.succeeding(down -> ctx.verify(() -> {
          assertThat(down.reason()).isEqualTo(ExitReason.NORMAL);
          ctx.completeNow();
        })));
    }

    @Test
    void anInfoSysAnswerOnItsWayDelaysTheStopUntilItIsStored(Vertx vertx, VertxTestContext ctx) {
      startInfoSys(vertx, new JsonObject().put("delay_ms", 400))
        .compose(v -> Listener.listen(vertx, TOPIC))
        .compose(listener -> startChannel(vertx, quick)
          .compose(pid -> call(vertx, join("alice", "s1"))
            .compose(r -> call(vertx, post("alice", "s1", "what is 2+2", 10)))
            .compose(r -> call(vertx, new Leave(TOPIC, "alice", "s1")))
            .compose(r -> Processes.monitor(vertx, pid).down()))
          .compose(down -> history(vertx).map(history -> {
            ctx.verify(() -> {
              assertThat(down.reason()).isEqualTo(ExitReason.NORMAL);
              // Stored before the stop, not lost with the process.
              assertThat(bodies(history)).containsExactly("what is 2+2", "result from calculator");
            });
            return null;
          })))
        .onComplete(ctx.succeedingThenComplete());
    }
  }

  @Nested
  class InfoSysAnswers {

    @Test
    void eachResultIsPostedByTheBackendsUserAtThePostsAt(Vertx vertx, VertxTestContext ctx) {
      startInfoSys(vertx, new JsonObject())
        .compose(v -> Listener.listen(vertx, TOPIC))
        .compose(listener -> startChannel(vertx, OPTIONS)
          .compose(pid -> call(vertx, join("alice", "s1")))
          .compose(r -> call(vertx, post("alice", "s1", "what is 2+2", 4200)))
          .compose(r -> listener.annotation("result from calculator")))
        .compose(answer -> history(vertx).map(history -> {
          ctx.verify(() -> {
            assertThat(answer).isEqualTo(new JsonObject().put("id", 2L)
              .put("user", new JsonObject().put("username", "calculator")).put("body", "result from calculator").put("at", 4200L));
            assertThat(bodies(history)).containsExactly("what is 2+2", "result from calculator");
            assertThat(FakeBackend.calls(vertx, "calculator", "what is 2+2")).isEqualTo(1);
          });
          return null;
        }))
        .onComplete(ctx.succeedingThenComplete());
    }

    @Test
    void thePostersReplyDoesNotWaitForASlowBackend(Vertx vertx, VertxTestContext ctx) {
      startInfoSys(vertx, new JsonObject().put("delay_ms", 500))
        .compose(v -> Listener.listen(vertx, TOPIC))
        .compose(listener -> startChannel(vertx, OPTIONS)
          .compose(pid -> call(vertx, join("alice", "s1")))
          .compose(r -> call(vertx, post("alice", "s1", "slow question", 1)))
          .compose(reply -> {
            ctx.verify(() -> {
              assertThat(((JsonObject) reply).getLong("id")).isEqualTo(1L);
              assertThat(listener.payloads("new_annotation")).extracting(p -> p.getJsonObject("user").getString("username"))
                .doesNotContain("calculator");
            });
            return listener.annotation("result from calculator");
          }))
        .onComplete(ctx.succeeding(answer -> ctx.verify(() -> {
          assertThat(answer.getLong("at")).isEqualTo(1L);
          ctx.completeNow();
        })));
    }

    @Test
    void aFailingBackendAddsNothingAndTheChannelGoesOn(Vertx vertx, VertxTestContext ctx) {
      startInfoSys(vertx, new JsonObject().put("mode", "boom"))
        .compose(v -> Listener.listen(vertx, TOPIC))
        .compose(listener -> startChannel(vertx, OPTIONS)
          .compose(pid -> call(vertx, join("alice", "s1")))
          .compose(r -> call(vertx, post("alice", "s1", "first", 1)))
          .compose(r -> call(vertx, post("alice", "s1", "second", 2)))
          .compose(reply -> listener.annotation("second").map(v -> {
            ctx.verify(() -> {
              assertThat(((JsonObject) reply).getLong("id")).isEqualTo(2L);
              assertThat(listener.payloads("new_annotation")).extracting(p -> p.getString("body")).containsExactly("first", "second");
            });
            return null;
          })))
        .onComplete(ctx.succeedingThenComplete());
    }

    @Test
    void aPostLongerThanInfoSysTakesIsStoredButNotAskedAndLogsNothing(Vertx vertx, VertxTestContext ctx) {
      String essay = "why ".repeat(150).strip();
      LogCapture logs = LogCapture.of("dev.otpx", Level.INFO);
      startInfoSys(vertx, new JsonObject())
        .compose(v -> Listener.listen(vertx, TOPIC))
        .compose(listener -> startChannel(vertx, OPTIONS.withMaxBodyLength(1000))
          .compose(pid -> call(vertx, join("alice", "s1")))
          .compose(r -> {
            // What the test counts starts with the long post.
            logs.clear();
            return call(vertx, post("alice", "s1", essay, 1));
          })
          // A short post after it: once its answer is in, the long one's would have been too.
          .compose(r -> call(vertx, post("alice", "s1", "and you?", 2)))
          .compose(r -> listener.annotation("result from calculator")))
        .onComplete(ar -> {
          logs.close();
          ctx.verify(() -> {
            assertThat(ar.succeeded()).isTrue();
            assertThat(FakeBackend.calls(vertx, "calculator", essay)).isZero();
            assertThat(FakeBackend.calls(vertx, "calculator", "and you?")).isEqualTo(1);
            assertThat(logs.warnings()).isEmpty();
          });
          ctx.completeNow();
        });
    }

    @Test
    void withoutInfoSysPostsStillSucceed(Vertx vertx, VertxTestContext ctx) {
      startChannel(vertx, OPTIONS)
        .compose(pid -> call(vertx, join("alice", "s1")))
        .compose(r -> call(vertx, post("alice", "s1", "anyone?", 1)))
        .compose(r -> call(vertx, post("alice", "s1", "still here", 2)))
        .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          assertThat(((JsonObject) reply).getLong("id")).isEqualTo(2L);
          assertThat(Registry.whereis(vertx, TopicChannel.name(TOPIC))).isPresent();
          ctx.completeNow();
        })));
    }
  }

  @Test
  void aCallThatIsNotAChannelMessageIsABadRequest(Vertx vertx, VertxTestContext ctx) {
    startChannel(vertx, OPTIONS)
      .compose(pid -> call(vertx, "hello"))
      .onComplete(ctx.failing(err -> ctx.verify(() -> {
        assertThat(err.getMessage()).startsWith("bad_request: a topic process takes the router's messages only");
        ctx.completeNow();
      })));
  }
}
