package dev.otpx.infosys;

import static dev.otpx.infosys.InfoSysFixtures.startCache;
import static dev.otpx.process.testing.OtpAsserts.assertCrash;
import static dev.otpx.process.testing.OtpAsserts.assertFailure;
import static org.assertj.core.api.Assertions.assertThat;

import dev.otpx.process.ChildSpec;
import dev.otpx.process.ExitReason;
import dev.otpx.process.GenServer;
import dev.otpx.process.Monitor;
import dev.otpx.process.OtpException;
import dev.otpx.process.Pid;
import dev.otpx.process.Processes;
import dev.otpx.process.Registry;
import dev.otpx.process.Strategy;
import dev.otpx.process.Supervisor;
import dev.otpx.process.SupervisorFlags;
import dev.otpx.process.SupervisorSpec;
import dev.otpx.process.VirtualClock;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@ExtendWith(VertxExtension.class)
class ResultCacheTest {

  private static final List<Result> FOUR = List.of(new Result("calculator", "4", 95));
  private static final List<Result> NOON = List.of(new Result("clock", "12:00", 80), new Result("clock", "noon", 20));

  /** A cache whose entries never expire during a test, and whose sweep never runs. */
  private static final JsonObject LASTING = new JsonObject().put("sweep_ms", 60_000).put("ttl_ms", 60_000);

  @Nested
  class ReadsAndWrites {

    @Test
    void aPutIsReadBackForTheSameBackendQueryAndLimit(Vertx vertx, VertxTestContext ctx) {
      startCache(vertx, LASTING).onComplete(ctx.succeeding(pid -> ctx.verify(() -> {
        assertThat(ResultCache.get(vertx, "calculator", "2+2", 10)).isEmpty();
        assertThat(ResultCache.put(vertx, "calculator", "2+2", 10, FOUR)).isTrue();

        assertThat(ResultCache.get(vertx, "calculator", "2+2", 10)).contains(FOUR);
        assertThat(ResultCache.size(vertx)).isEqualTo(1);
        ctx.completeNow();
      })));
    }

    @Test
    void theKeyIsBackendQueryAndLimit(Vertx vertx, VertxTestContext ctx) {
      startCache(vertx, LASTING).onComplete(ctx.succeeding(pid -> ctx.verify(() -> {
        ResultCache.put(vertx, "calculator", "2+2", 10, FOUR);

        assertThat(ResultCache.get(vertx, "clock", "2+2", 10)).as("another backend").isEmpty();
        assertThat(ResultCache.get(vertx, "calculator", "2+3", 10)).as("another query").isEmpty();
        assertThat(ResultCache.get(vertx, "calculator", "2+2", 5)).as("another limit").isEmpty();
        assertThat(ResultCache.get(vertx, "calculator", "2+2", 10)).contains(FOUR);
        ctx.completeNow();
      })));
    }

    @Test
    void keysThatRunTogetherDoNotCollide(Vertx vertx, VertxTestContext ctx) {
      startCache(vertx, LASTING).onComplete(ctx.succeeding(pid -> ctx.verify(() -> {
        ResultCache.put(vertx, "a", "1 x", 2, FOUR);
        ResultCache.put(vertx, "a", " x", 21, NOON);

        assertThat(ResultCache.get(vertx, "a", "1 x", 2)).contains(FOUR);
        assertThat(ResultCache.get(vertx, "a", " x", 21)).contains(NOON);
        assertThat(ResultCache.get(vertx, "a", " x", 2)).isEmpty();
        ctx.completeNow();
      })));
    }

    @Test
    void aLaterPutOverwritesTheEarlierOne(Vertx vertx, VertxTestContext ctx) {
      startCache(vertx, LASTING).onComplete(ctx.succeeding(pid -> ctx.verify(() -> {
        ResultCache.put(vertx, "clock", "time", 10, FOUR);
        ResultCache.put(vertx, "clock", "time", 10, NOON);

        assertThat(ResultCache.get(vertx, "clock", "time", 10)).contains(NOON);
        assertThat(ResultCache.size(vertx)).isEqualTo(1);
        ctx.completeNow();
      })));
    }

    @Test
    void noResultsIsAnAnswerAndIsCachedToo(Vertx vertx, VertxTestContext ctx) {
      startCache(vertx, LASTING).onComplete(ctx.succeeding(pid -> ctx.verify(() -> {
        assertThat(ResultCache.put(vertx, "wolfram", "nonsense", 10, List.of())).isTrue();

        assertThat(ResultCache.get(vertx, "wolfram", "nonsense", 10)).contains(List.of());
        ctx.completeNow();
      })));
    }
  }

  @Nested
  class Ttl {

    @Test
    void anEntryIsAMissOnceItsTtlHasPassedEvenBeforeTheSweep(Vertx vertx, VertxTestContext ctx) {
      VirtualClock clock = VirtualClock.install(vertx);
      startCache(vertx, new JsonObject().put("sweep_ms", 60_000).put("ttl_ms", 50))
        .compose(pid -> {
          ResultCache.put(vertx, "calculator", "2+2", 10, FOUR);
          ctx.verify(() -> assertThat(ResultCache.get(vertx, "calculator", "2+2", 10)).contains(FOUR));
          return clock.advance(Duration.ofMillis(120));
        })
        .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
          assertThat(ResultCache.get(vertx, "calculator", "2+2", 10)).isEmpty();
          ctx.completeNow();
        })));
    }

    @Test
    void anEntryIsAHitWithinItsTtl(Vertx vertx, VertxTestContext ctx) {
      VirtualClock clock = VirtualClock.install(vertx);
      startCache(vertx, new JsonObject().put("sweep_ms", 60_000).put("ttl_ms", 10_000))
        .compose(pid -> {
          ResultCache.put(vertx, "calculator", "2+2", 10, FOUR);
          return clock.advance(Duration.ofMillis(120));
        })
        .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
          assertThat(ResultCache.get(vertx, "calculator", "2+2", 10)).contains(FOUR);
          ctx.completeNow();
        })));
    }

    @Test
    void theTtlDefaultsToTheSweepInterval(Vertx vertx, VertxTestContext ctx) {
      VirtualClock clock = VirtualClock.install(vertx);
      startCache(vertx, new JsonObject().put("sweep_ms", 50))
        .compose(pid -> {
          ResultCache.put(vertx, "calculator", "2+2", 10, FOUR);
          ctx.verify(() -> assertThat(ResultCache.get(vertx, "calculator", "2+2", 10)).contains(FOUR));
          return clock.advance(Duration.ofMillis(120));
        })
        .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
          assertThat(ResultCache.get(vertx, "calculator", "2+2", 10)).isEmpty();
          ctx.completeNow();
        })));
    }
  }

  @Nested
  class Sweep {

    @Test
    void thePeriodicSweepEvictsExpiredEntries(Vertx vertx, VertxTestContext ctx) {
      VirtualClock clock = VirtualClock.install(vertx);
      startCache(vertx, new JsonObject().put("sweep_ms", 50).put("ttl_ms", 30))
        .compose(pid -> {
          ResultCache.put(vertx, "calculator", "2+2", 10, FOUR);
          ResultCache.put(vertx, "clock", "time", 10, NOON);
          ctx.verify(() -> assertThat(ResultCache.size(vertx)).isEqualTo(2));
          // The sweep is a message the cache sends itself on the node's clock: the advance completes
          // once the cache has handled it.
          return clock.advance(Duration.ofMillis(50)).map(v -> ResultCache.size(vertx));
        })
        .onComplete(ctx.succeeding(size -> ctx.verify(() -> {
          assertThat(size).as("entries left after a 50 ms sweep").isZero();
          ctx.completeNow();
        })));
    }

    @Test
    void theSweepKeepsWhatHasNotExpired(Vertx vertx, VertxTestContext ctx) {
      VirtualClock clock = VirtualClock.install(vertx);
      startCache(vertx, new JsonObject().put("sweep_ms", 30).put("ttl_ms", 60_000))
        .compose(pid -> {
          ResultCache.put(vertx, "calculator", "2+2", 10, FOUR);
          return clock.advance(Duration.ofMillis(150));
        })
        .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
          assertThat(ResultCache.size(vertx)).isEqualTo(1);
          assertThat(ResultCache.get(vertx, "calculator", "2+2", 10)).contains(FOUR);
          ctx.completeNow();
        })));
    }
  }

  @Nested
  class Bound {

    @Test
    void aNewKeyIsDroppedWhenTheCacheIsFull(Vertx vertx, VertxTestContext ctx) {
      startCache(vertx, LASTING.copy().put("max_entries", 2)).onComplete(ctx.succeeding(pid -> ctx.verify(() -> {
        assertThat(ResultCache.put(vertx, "a", "q", 10, FOUR)).isTrue();
        assertThat(ResultCache.put(vertx, "b", "q", 10, FOUR)).isTrue();

        assertThat(ResultCache.put(vertx, "c", "q", 10, FOUR)).isFalse();
        assertThat(ResultCache.size(vertx)).isEqualTo(2);
        assertThat(ResultCache.get(vertx, "c", "q", 10)).isEmpty();
        assertThat(ResultCache.get(vertx, "a", "q", 10)).contains(FOUR);
        ctx.completeNow();
      })));
    }

    @Test
    void aKeyAlreadyCachedCanBeOverwrittenWhenTheCacheIsFull(Vertx vertx, VertxTestContext ctx) {
      startCache(vertx, LASTING.copy().put("max_entries", 2)).onComplete(ctx.succeeding(pid -> ctx.verify(() -> {
        ResultCache.put(vertx, "a", "q", 10, FOUR);
        ResultCache.put(vertx, "b", "q", 10, FOUR);

        assertThat(ResultCache.put(vertx, "a", "q", 10, NOON)).isTrue();
        assertThat(ResultCache.get(vertx, "a", "q", 10)).contains(NOON);
        assertThat(ResultCache.size(vertx)).isEqualTo(2);
        ctx.completeNow();
      })));
    }

    @Test
    void aFullCacheMakesRoomByEvictingWhatHasExpired(Vertx vertx, VertxTestContext ctx) {
      VirtualClock clock = VirtualClock.install(vertx);
      startCache(vertx, new JsonObject().put("sweep_ms", 60_000).put("ttl_ms", 50).put("max_entries", 2))
        .compose(pid -> {
          ResultCache.put(vertx, "a", "q", 10, FOUR);
          ResultCache.put(vertx, "b", "q", 10, FOUR);
          return clock.advance(Duration.ofMillis(120));
        })
        .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
          assertThat(ResultCache.put(vertx, "c", "q", 10, NOON)).isTrue();
          assertThat(ResultCache.size(vertx)).isEqualTo(1);
          assertThat(ResultCache.get(vertx, "c", "q", 10)).contains(NOON);
          ctx.completeNow();
        })));
    }
  }

  @Nested
  class Ownership {

    @Test
    void withoutACacheProcessEveryGetMissesAndEveryPutIsDropped(Vertx vertx, VertxTestContext ctx) {
      ctx.verify(() -> {
        assertThat(ResultCache.put(vertx, "calculator", "2+2", 10, FOUR)).isFalse();
        assertThat(ResultCache.get(vertx, "calculator", "2+2", 10)).isEmpty();
        assertThat(ResultCache.size(vertx)).isZero();
      });
      ctx.completeNow();
    }

    @Test
    void whileNoCacheProcessRunsEveryGetMissesEvenWithEntriesLeftBehind(Vertx vertx, VertxTestContext ctx) {
      startCache(vertx, LASTING)
        .compose(pid -> {
          ResultCache.put(vertx, "calculator", "2+2", 10, FOUR);
          Monitor monitor = Processes.monitor(vertx, pid);
          Processes.kill(vertx, pid); // no terminate: the entries stay in the map
          return monitor.down();
        })
        .onComplete(ctx.succeeding(down -> ctx.verify(() -> {
          assertThat(ResultCache.get(vertx, "calculator", "2+2", 10)).isEmpty();
          assertThat(ResultCache.put(vertx, "clock", "time", 10, NOON)).isFalse();
          assertThat(ResultCache.get(vertx, "clock", "time", 10)).isEmpty();
          ctx.completeNow();
        })));
    }

    @Test
    void aStoppedCacheGivesItsEntriesBack(Vertx vertx, VertxTestContext ctx) {
      startCache(vertx, LASTING)
        .compose(pid -> {
          ResultCache.put(vertx, "calculator", "2+2", 10, FOUR);
          return GenServer.stop(vertx, pid, ExitReason.SHUTDOWN);
        })
        .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
          assertThat(ResultCache.size(vertx)).isZero();
          assertThat(ResultCache.get(vertx, "calculator", "2+2", 10)).isEmpty();
          ctx.completeNow();
        })));
    }

    @Test
    void aCacheRestartedByItsSupervisorStartsEmpty(Vertx vertx, VertxTestContext ctx) {
      ChildSpec cache = ChildSpec.of("cache", ResultCache.class, LASTING).withName(ResultCache.NAME);
      Supervisor.start(vertx, SupervisorSpec.of(SupervisorFlags.of(Strategy.ONE_FOR_ONE), List.of(cache)), "infosys.sup")
        .onComplete(ctx.succeeding(sup -> {
          Pid first = Registry.whereis(vertx, ResultCache.NAME).orElseThrow();
          ctx.verify(() -> {
            assertThat(ResultCache.put(vertx, "calculator", "2+2", 10, FOUR)).isTrue();
            assertThat(ResultCache.put(vertx, "clock", "time", 10, NOON)).isTrue();
          });
          Monitor monitor = Processes.monitor(vertx, first);
          Processes.kill(vertx, first);
          monitor.down()
            // The supervisor handles the DOWN (and restarts) before this call.
            .compose(down -> Supervisor.whichChildren(vertx, sup))
            .onComplete(ctx.succeeding(children -> ctx.verify(() -> {
              Pid second = children.get(0).pid();
              assertThat(second).isNotNull().isNotEqualTo(first);
              assertThat(Registry.whereis(vertx, ResultCache.NAME)).contains(second);
              assertThat(ResultCache.get(vertx, "calculator", "2+2", 10)).isEmpty();
              assertThat(ResultCache.size(vertx)).isZero();
              // ...and the new owner caches again.
              assertThat(ResultCache.put(vertx, "calculator", "2+2", 10, FOUR)).isTrue();
              assertThat(ResultCache.get(vertx, "calculator", "2+2", 10)).contains(FOUR);
              ctx.completeNow();
            })));
        }));
    }
  }

  @Nested
  class Args {

    static Stream<Arguments> badArgs() {
      return Stream.of(
        Arguments.of(new JsonObject().put("sweep_ms", 0), "sweep_ms"),
        Arguments.of(new JsonObject().put("sweep_ms", "soon"), "sweep_ms"),
        Arguments.of(new JsonObject().put("ttl_ms", -1), "ttl_ms"),
        Arguments.of(new JsonObject().put("ttl_ms", 2.5), "ttl_ms"),
        Arguments.of(new JsonObject().put("max_entries", 0), "max_entries"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badArgs")
    void aBadArgFailsTheStartNamingIt(JsonObject args, String key, Vertx vertx, VertxTestContext ctx) {
      startCache(vertx, args).onComplete(ctx.failing(err -> ctx.verify(() -> {
        OtpException exit = assertFailure(OtpException.Failure.EXIT, err);
        assertCrash(exit.reason(), key);
        assertThat(Registry.whereis(vertx, ResultCache.NAME)).isEmpty();
        ctx.completeNow();
      })));
    }
  }
}
