package dev.otpx.channels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class AnnotationStoreTest {

  private static final String TOPIC = "videos:1";

  private AnnotationStore store;

  @BeforeEach
  void setUp(Vertx vertx) {
    store = new AnnotationStore(vertx);
  }

  /** Adds (body, at) pairs one after the other, as the topic process does. */
  private Future<List<JsonObject>> addAll(String topic, Object... bodiesAndAts) {
    Future<List<JsonObject>> chain = Future.succeededFuture(new ArrayList<>());
    for (int i = 0; i < bodiesAndAts.length; i += 2) {
      String body = (String) bodiesAndAts[i];
      long at = ((Number) bodiesAndAts[i + 1]).longValue();
      chain = chain.compose(list -> store.add(topic, "alice", body, at).map(annotation -> {
        list.add(annotation);
        return list;
      }));
    }
    return chain;
  }

  private static List<String> bodies(JsonArray annotations) {
    return annotations.stream().map(a -> ((JsonObject) a).getString("body")).toList();
  }

  private static List<Long> ids(JsonArray annotations) {
    return annotations.stream().map(a -> ((JsonObject) a).getLong("id")).toList();
  }

  @Nested
  class Adding {

    @Test
    void anAddedAnnotationComesBackWithItsIdUserBodyAndAt(VertxTestContext ctx) {
      store.add(TOPIC, "alice", "nice shot", 1234).onComplete(ctx.succeeding(annotation -> ctx.verify(() -> {
        assertThat(annotation).isEqualTo(new JsonObject()
          .put("id", 1L).put("user", new JsonObject().put("username", "alice")).put("body", "nice shot").put("at", 1234L));
        ctx.completeNow();
      })));
    }

    @Test
    void idsAreUniqueAndIncreasingPerTopic(VertxTestContext ctx) {
      addAll(TOPIC, "a", 5, "b", 1, "c", 3)
        .compose(first -> store.add("videos:2", "bob", "elsewhere", 0).map(other -> {
          ctx.verify(() -> {
            assertThat(first).extracting(a -> a.getLong("id")).containsExactly(1L, 2L, 3L);
            assertThat(other.getLong("id")).isEqualTo(1L);
          });
          return null;
        }))
        .compose(v -> store.add(TOPIC, "alice", "d", 0))
        .onComplete(ctx.succeeding(next -> ctx.verify(() -> {
          assertThat(next.getLong("id")).isEqualTo(4L);
          ctx.completeNow();
        })));
    }

    @Test
    void theIdsComeFromTheSharedCounterOfTheTopic(Vertx vertx, VertxTestContext ctx) {
      store.add(TOPIC, "alice", "a", 0)
        .compose(a -> vertx.sharedData().getCounter("channels.ids." + TOPIC))
        .compose(counter -> counter.get())
        .onComplete(ctx.succeeding(value -> ctx.verify(() -> {
          assertThat(value).isEqualTo(1L);
          ctx.completeNow();
        })));
    }

    @Test
    void annotationsLiveInTheSharedMapSoAnotherStoreSeesThem(Vertx vertx, VertxTestContext ctx) {
      store.add(TOPIC, "alice", "kept", 7)
        .compose(a -> new AnnotationStore(vertx).history(TOPIC, 0, 10))
        .compose(history -> vertx.sharedData().<String, JsonArray>getAsyncMap("channels.annotations")
          .compose(map -> map.get(TOPIC + "#0"))
          .map(raw -> {
            ctx.verify(() -> {
              assertThat(bodies(history)).containsExactly("kept");
              assertThat(bodies(raw)).containsExactly("kept");
            });
            return null;
          }))
        .onComplete(ctx.succeedingThenComplete());
    }

    @Test
    void historySpansChunksAndStartsAtTheLastSeenIdsChunk(VertxTestContext ctx) {
      int total = AnnotationStore.CHUNK * 2 + 5;
      Future<JsonObject> adds = Future.succeededFuture();
      for (int i = 1; i <= total; i++) {
        int n = i;
        adds = adds.compose(a -> store.add(TOPIC, "alice", "n" + n, n));
      }
      adds.compose(a -> store.history(TOPIC, 0, 1000).compose(all -> store.history(TOPIC, AnnotationStore.CHUNK + 3, 1000)
          .map(tail -> List.of(all, tail))))
        .onComplete(ctx.succeeding(both -> ctx.verify(() -> {
          assertThat(both.get(0)).hasSize(total);
          assertThat(bodies(both.get(1))).hasSize(total - AnnotationStore.CHUNK - 3).first().isEqualTo("n" + (AnnotationStore.CHUNK + 4));
          ctx.completeNow();
        })));
    }

    @Test
    void changingAReturnedAnnotationChangesNothingStored(VertxTestContext ctx) {
      store.add(TOPIC, "alice", "original", 1)
        .compose(annotation -> {
          annotation.put("body", "changed");
          return store.history(TOPIC, 0, 10);
        })
        .onComplete(ctx.succeeding(history -> ctx.verify(() -> {
          assertThat(bodies(history)).containsExactly("original");
          ctx.completeNow();
        })));
    }
  }

  @Nested
  class History {

    @Test
    void anUnknownTopicHasNoHistory(VertxTestContext ctx) {
      store.history("videos:999", 0, 500).onComplete(ctx.succeeding(history -> ctx.verify(() -> {
        assertThat(history).isEmpty();
        ctx.completeNow();
      })));
    }

    @Test
    void historyIsOrderedByAtThenById(VertxTestContext ctx) {
      addAll(TOPIC, "late", 300, "early", 100, "middle", 200, "early too", 100)
        .compose(added -> store.history(TOPIC, 0, 500))
        .onComplete(ctx.succeeding(history -> ctx.verify(() -> {
          assertThat(bodies(history)).containsExactly("early", "early too", "middle", "late");
          assertThat(ids(history)).containsExactly(2L, 4L, 3L, 1L);
          ctx.completeNow();
        })));
    }

    @Test
    void onlyAnnotationsNewerThanTheLastSeenIdAreReturned(VertxTestContext ctx) {
      addAll(TOPIC, "one", 50, "two", 10, "three", 30, "four", 0)
        .compose(added -> store.history(TOPIC, 2, 500))
        .onComplete(ctx.succeeding(history -> ctx.verify(() -> {
          assertThat(bodies(history)).containsExactly("four", "three");
          ctx.completeNow();
        })));
    }

    @Test
    void aLastSeenIdAtTheNewestReturnsNothing(VertxTestContext ctx) {
      addAll(TOPIC, "one", 1, "two", 2)
        .compose(added -> store.history(TOPIC, 2, 500))
        .onComplete(ctx.succeeding(history -> ctx.verify(() -> {
          assertThat(history).isEmpty();
          ctx.completeNow();
        })));
    }

    @Test
    void theLimitKeepsTheFirstInHistoryOrder(VertxTestContext ctx) {
      addAll(TOPIC, "c", 3, "a", 1, "d", 4, "b", 2)
        .compose(added -> store.history(TOPIC, 0, 2))
        .onComplete(ctx.succeeding(history -> ctx.verify(() -> {
          assertThat(bodies(history)).containsExactly("a", "b");
          ctx.completeNow();
        })));
    }

    @Test
    void aNegativeLimitIsAProgrammerError() {
      assertThatThrownBy(() -> store.history(TOPIC, 0, -1)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("limit");
    }
  }

  @Nested
  class Epochs {

    @Test
    void aTopicKeepsItsEpochForEveryStoreOfTheSameVertx(Vertx vertx, VertxTestContext ctx) {
      store.epoch(TOPIC)
        .compose(first -> addAll(TOPIC, "a", 1).compose(added -> new AnnotationStore(vertx).epoch(TOPIC))
          .map(second -> List.of(first, second)))
        .compose(both -> store.epoch("videos:2").map(other -> {
          ctx.verify(() -> {
            assertThat(both.get(0)).isNotBlank().isEqualTo(both.get(1));
            assertThat(other).as("another topic's").isNotEqualTo(both.get(0));
          });
          return null;
        }))
        .onComplete(ctx.succeedingThenComplete());
    }

    @Test
    void aRestartedNodeIssuesTheSameIdsAgainUnderANewEpoch(VertxTestContext ctx) {
      // Another Vert.x instance is what a restarted node has: fresh shared data.
      Vertx restarted = Vertx.vertx();
      AnnotationStore after = new AnnotationStore(restarted);
      store.epoch(TOPIC)
        .compose(before -> addAll(TOPIC, "before", 1).compose(added -> after.epoch(TOPIC)
          .compose(epoch -> after.add(TOPIC, "bob", "after", 2).map(annotation -> {
            ctx.verify(() -> {
              assertThat(annotation.getLong("id")).as("ids start again").isEqualTo(added.get(0).getLong("id"));
              assertThat(epoch).as("so the epoch changes").isNotEqualTo(before);
            });
            return null;
          }))))
        .eventually(restarted::close)
        .onComplete(ctx.succeedingThenComplete());
    }
  }
}
