package dev.otpx.infosys;

import static dev.otpx.infosys.InfoSysFixtures.ask;
import static dev.otpx.infosys.InfoSysFixtures.millisSince;
import static dev.otpx.infosys.InfoSysFixtures.startCache;
import static dev.otpx.infosys.InfoSysFixtures.startFake;
import static dev.otpx.infosys.InfoSysFixtures.startFakes;
import static dev.otpx.infosys.InfoSysFixtures.startInfoSys;
import static dev.otpx.process.testing.OtpAsserts.assertFailure;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.otpx.process.ChildSpec;
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
import dev.otpx.testing.LogCapture;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Checkpoint;
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
class InfoSysServerTest {

  /** Entries that outlive any test, and a sweep that never runs during one. */
  private static final JsonObject LASTING_CACHE = new JsonObject().put("sweep_ms", 60_000).put("ttl_ms", 60_000);

  private static JsonObject query(String query) {
    return new JsonObject().put("query", query);
  }

  private static JsonObject query(String query, long timeoutMs) {
    return query(query).put("timeout_ms", timeoutMs);
  }

  private static List<Result> results(JsonObject answer) {
    return Answer.fromJson(answer).results();
  }

  private static List<String> texts(JsonObject answer) {
    return results(answer).stream().map(Result::text).toList();
  }

  private static List<String> backends(JsonObject answer) {
    return results(answer).stream().map(Result::backend).distinct().toList();
  }

  /** alpha: two results at 50; beta: one at 80; gamma: two at 50. */
  private static Future<Pid> startAlphaBetaGamma(Vertx vertx) {
    return startFake(vertx, "gamma", new JsonObject().put("score", 50).put("results", 2))
      .compose(pid -> startFake(vertx, "beta", new JsonObject().put("score", 80)))
      .compose(pid -> startFake(vertx, "alpha", new JsonObject().put("score", 50).put("results", 2)))
      .compose(pid -> startInfoSys(vertx));
  }

  @Nested
  class FanOut {

    @Test
    void everyBackendIsAskedAndTheResultsComeBestFirst(Vertx vertx, VertxTestContext ctx) {
      startFake(vertx, "a", new JsonObject().put("score", 30))
        .compose(pid -> startFake(vertx, "b", new JsonObject().put("score", 90)))
        .compose(pid -> startFake(vertx, "c", new JsonObject().put("score", 60)))
        .compose(pid -> startInfoSys(vertx))
        .compose(pid -> ask(vertx, query("result")))
        .onComplete(ctx.succeeding(answer -> ctx.verify(() -> {
          assertThat(results(answer)).containsExactly(
            new Result("b", "result from b", 90), new Result("c", "result from c", 60), new Result("a", "result from a", 30));
          assertThat(answer.getString("query")).isEqualTo("result");
          assertThat(answer.getInteger("cached")).isZero();
          assertThat(answer.getLong("took_ms")).isNotNegative();
          for (String name : List.of("a", "b", "c")) {
            assertThat(FakeBackend.calls(vertx, name, "result")).as(name).isEqualTo(1);
          }
          ctx.completeNow();
        })));
    }

    @Test
    void equalScoresKeepTheBackendsOrderAndTheirOwnOrder(Vertx vertx, VertxTestContext ctx) {
      startAlphaBetaGamma(vertx)
        .compose(pid -> ask(vertx, query("result")))
        .onComplete(ctx.succeeding(answer -> ctx.verify(() -> {
          // Backends in name order (the registry's), each one's results in its own order.
          assertThat(texts(answer)).containsExactly(
            "result from beta", "result from alpha", "result 2 from alpha", "result from gamma", "result 2 from gamma");
          ctx.completeNow();
        })));
    }

    @Test
    void theResultsAreCutToTheLimitAfterSorting(Vertx vertx, VertxTestContext ctx) {
      startAlphaBetaGamma(vertx)
        .compose(pid -> ask(vertx, query("result").put("limit", 2)))
        .onComplete(ctx.succeeding(answer -> ctx.verify(() -> {
          assertThat(texts(answer)).containsExactly("result from beta", "result from alpha");
          ctx.completeNow();
        })));
    }

    @Test
    void theBackendsOptionRestrictsWhoIsAsked(Vertx vertx, VertxTestContext ctx) {
      startAlphaBetaGamma(vertx)
        .compose(pid -> ask(vertx, query("result").put("backends", new JsonArray().add("gamma").add("beta"))))
        .onComplete(ctx.succeeding(answer -> ctx.verify(() -> {
          assertThat(texts(answer)).containsExactly("result from beta", "result from gamma", "result 2 from gamma");
          assertThat(FakeBackend.calls(vertx, "alpha", "result")).isZero();
          ctx.completeNow();
        })));
    }

    @Test
    void unknownBackendNamesAreIgnored(Vertx vertx, VertxTestContext ctx) {
      startAlphaBetaGamma(vertx)
        .compose(pid -> ask(vertx, query("result").put("backends", new JsonArray().add("nope").add("beta"))))
        .compose(answer -> ask(vertx, query("result").put("backends", new JsonArray().add("nope"))).map(none -> List.of(answer, none)))
        .onComplete(ctx.succeeding(answers -> ctx.verify(() -> {
          assertThat(texts(answers.get(0))).containsExactly("result from beta");
          assertThat(texts(answers.get(1))).isEmpty();
          ctx.completeNow();
        })));
    }

    @Test
    void aBackendNamedTwiceIsAskedOnce(Vertx vertx, VertxTestContext ctx) {
      startAlphaBetaGamma(vertx)
        .compose(pid -> ask(vertx, query("result").put("backends", new JsonArray().add("beta").add("beta"))))
        .onComplete(ctx.succeeding(answer -> ctx.verify(() -> {
          assertThat(texts(answer)).containsExactly("result from beta");
          assertThat(FakeBackend.calls(vertx, "beta", "result")).isEqualTo(1);
          ctx.completeNow();
        })));
    }

    @Test
    void anEmptyBackendsListAsksNobody(Vertx vertx, VertxTestContext ctx) {
      startAlphaBetaGamma(vertx)
        .compose(pid -> ask(vertx, query("result").put("backends", new JsonArray())))
        .onComplete(ctx.succeeding(answer -> ctx.verify(() -> {
          assertThat(texts(answer)).isEmpty();
          assertThat(FakeBackend.calls(vertx, "beta", "result")).isZero();
          ctx.completeNow();
        })));
    }

    @Test
    void withNoBackendRunningTheAnswerHasNoResults(Vertx vertx, VertxTestContext ctx) {
      startInfoSys(vertx)
        .compose(pid -> ask(vertx, query("result")))
        .onComplete(ctx.succeeding(answer -> ctx.verify(() -> {
          assertThat(answer.getJsonArray("results")).isEmpty();
          assertThat(answer.getInteger("cached")).isZero();
          ctx.completeNow();
        })));
    }

    @Test
    void theBackendsGetTheQueryTrimmedAndTheLimit(Vertx vertx, VertxTestContext ctx) {
      startFakes(vertx, "fast1")
        .compose(pids -> startInfoSys(vertx))
        .compose(pid -> ask(vertx, query("  echo ").put("limit", 3)))
        .onComplete(ctx.succeeding(answer -> ctx.verify(() -> {
          assertThat(answer.getString("query")).isEqualTo("echo");
          assertThat(texts(answer)).singleElement().asString().startsWith("limit 3 ");
          ctx.completeNow();
        })));
    }

    @Test
    void aResultIsAttributedToTheBackendThatSentIt(Vertx vertx, VertxTestContext ctx) {
      JsonArray impostor = new JsonArray().add(new Result("wolfram", "trust me", 100).toJson());
      GenServer.start(vertx, new GarbageServer(impostor), BackendServer.PREFIX + "garbage")
        .compose(pid -> startInfoSys(vertx))
        .compose(pid -> ask(vertx, query("result")))
        .onComplete(ctx.succeeding(answer -> ctx.verify(() -> {
          assertThat(results(answer)).containsExactly(new Result("garbage", "trust me", 100));
          ctx.completeNow();
        })));
    }

    @Test
    void infoSysAlsoAnswersOverTheEventBus(Vertx vertx, VertxTestContext ctx) {
      startFakes(vertx, "fast1")
        .compose(pids -> startInfoSys(vertx))
        .compose(pid -> vertx.eventBus().<JsonObject>request("infosys", query("result").put("limit", 5).put("timeout_ms", 1_000)))
        .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          assertThat(reply.body().fieldNames()).containsExactlyInAnyOrder("query", "results", "took_ms", "cached");
          assertThat(reply.body().getJsonArray("results"))
            .containsExactly(new Result("fast1", "result from fast1", 50).toJson());
          ctx.completeNow();
        })));
    }
  }

  @Nested
  class Deadline {

    @Test
    void aBackendThatNeverAnswersDoesNotDelayTheAnswerPastTheDeadlineAndItsWorkIsCancelled(Vertx vertx, VertxTestContext ctx) {
      long timeoutMs = 200;
      Checkpoint answered = ctx.checkpoint();
      Checkpoint cancelled = ctx.checkpoint();
      vertx.eventBus().consumer(FakeBackend.cancelledAddress("stuck"), msg -> cancelled.flag());
      startFakes(vertx, "fast1", "fast2")
        .compose(pids -> startFake(vertx, "stuck", new JsonObject().put("mode", "timeout")))
        .compose(pid -> startInfoSys(vertx))
        .onComplete(ctx.succeeding(pid -> {
          long began = System.nanoTime();
          ask(vertx, query("result", timeoutMs)).onComplete(ctx.succeeding(answer -> ctx.verify(() -> {
            long elapsed = millisSince(began);
            assertThat(elapsed).as("elapsed ms").isLessThanOrEqualTo(timeoutMs + 150);
            assertThat(answer.getLong("took_ms")).isLessThanOrEqualTo(timeoutMs + 150);
            assertThat(texts(answer)).containsExactly("result from fast1", "result from fast2");
            assertThat(FakeBackend.calls(vertx, "stuck", "result")).isEqualTo(1);
            answered.flag();
          })));
        }));
    }

    @Test
    void whateverArrivesByTheDeadlineIsKeptAndTheStragglersDropped(Vertx vertx, VertxTestContext ctx) {
      startFake(vertx, "steady", new JsonObject().put("delay_ms", 40))
        .compose(pid -> startFake(vertx, "late", new JsonObject().put("delay_ms", 1_000)))
        .compose(pid -> startInfoSys(vertx))
        .onComplete(ctx.succeeding(pid -> {
          long began = System.nanoTime();
          ask(vertx, query("result", 200)).onComplete(ctx.succeeding(answer -> ctx.verify(() -> {
            assertThat(texts(answer)).containsExactly("result from steady");
            assertThat(millisSince(began)).isLessThanOrEqualTo(200 + 150);
            ctx.completeNow();
          })));
        }));
    }

    @Test
    void whenEveryBackendAnswersTheAnswerDoesNotWaitForTheDeadline(Vertx vertx, VertxTestContext ctx) {
      startFakes(vertx, "fast1", "fast2")
        .compose(pids -> startInfoSys(vertx))
        .onComplete(ctx.succeeding(pid -> {
          long began = System.nanoTime();
          ask(vertx, query("result", 5_000)).onComplete(ctx.succeeding(answer -> ctx.verify(() -> {
            assertThat(texts(answer)).hasSize(2);
            assertThat(millisSince(began)).isLessThan(1_000);
            ctx.completeNow();
          })));
        }));
    }
  }

  @Nested
  class FailureIsolation {

    @Test
    void backendsThatThrowFailOrAnswerNullAreDroppedAndTheOthersAnswer(Vertx vertx, VertxTestContext ctx) {
      startFakes(vertx, "fast1", "fast2")
        .compose(pids -> startFake(vertx, "thrower", new JsonObject().put("mode", "boom")))
        .compose(pid -> startFake(vertx, "failer", new JsonObject().put("mode", "fail")))
        .compose(pid -> startFake(vertx, "nuller", new JsonObject().put("mode", "null")))
        .compose(pid -> startInfoSys(vertx))
        .compose(pid -> ask(vertx, query("result")))
        .onComplete(ctx.succeeding(answer -> ctx.verify(() -> {
          assertThat(texts(answer)).containsExactly("result from fast1", "result from fast2");
          for (String name : List.of("thrower", "failer", "nuller")) {
            assertThat(FakeBackend.calls(vertx, name, "result")).as(name).isEqualTo(1);
          }
          ctx.completeNow();
        })));
    }

    @Test
    void aBackendThatThrowsKeepsServingTheNextQuery(Vertx vertx, VertxTestContext ctx) {
      startFakes(vertx, "fast1")
        .compose(pids -> startInfoSys(vertx).map(pids.get(0)))
        .onComplete(ctx.succeeding(backend -> ask(vertx, query("boom"))
          .compose(failed -> {
            ctx.verify(() -> assertThat(texts(failed)).isEmpty());
            return ask(vertx, query("result"));
          })
          .onComplete(ctx.succeeding(answer -> ctx.verify(() -> {
            assertThat(texts(answer)).containsExactly("result from fast1");
            assertThat(Registry.whereis(vertx, "infosys.backend.fast1")).contains(backend);
            assertThat(Processes.isAlive(vertx, backend)).isTrue();
            ctx.completeNow();
          })))));
    }

    static Stream<Arguments> garbage() {
      return Stream.of(
        Arguments.of("not an array"),
        Arguments.of(new JsonObject().put("backend", "garbage").put("text", "t").put("score", 1)),
        Arguments.of(new JsonArray().add("a result")),
        Arguments.of(new JsonArray().add(new JsonObject().put("text", "no backend, no score"))),
        Arguments.of(new JsonArray().add(new JsonObject().put("backend", "garbage").put("text", "").put("score", 1))),
        Arguments.of(new JsonArray().add(new JsonObject().put("backend", "garbage").put("text", "t").put("score", 500))),
        Arguments.of(new JsonArray().add(new JsonObject().put("backend", "garbage").put("text", "t").put("score", "high"))),
        Arguments.of(42));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("garbage")
    void aGarbageReplyIsDroppedAndTheOthersAnswer(Object reply, Vertx vertx, VertxTestContext ctx) {
      GenServer.start(vertx, new GarbageServer(reply), BackendServer.PREFIX + "garbage")
        .compose(pid -> startFakes(vertx, "fast1"))
        .compose(pids -> startInfoSys(vertx))
        .compose(pid -> ask(vertx, query("result")))
        .onComplete(ctx.succeeding(answer -> ctx.verify(() -> {
          assertThat(results(answer)).containsExactly(new Result("fast1", "result from fast1", 50));
          ctx.completeNow();
        })));
    }

    @Test
    void backendsThatFailAnswerGarbageOrMissTheDeadlineWriteNoWarningOrError(Vertx vertx, VertxTestContext ctx) {
      LogCapture logs = LogCapture.of("dev.otpx", Level.WARN);
      GenServer.start(vertx, new GarbageServer(42), BackendServer.PREFIX + "garbage")
        .compose(pid -> startFake(vertx, "failer", new JsonObject().put("mode", "fail")))
        .compose(pid -> startFake(vertx, "crasher", new JsonObject().put("mode", "crash")))
        .compose(pid -> startFake(vertx, "late", new JsonObject().put("mode", "timeout")))
        .compose(pid -> startFakes(vertx, "fast1"))
        .compose(pids -> startInfoSys(vertx))
        .compose(pid -> ask(vertx, query("result", 200)))
        .onComplete(ctx.succeeding(answer -> ctx.verify(() -> {
          logs.close();
          assertThat(results(answer)).containsExactly(new Result("fast1", "result from fast1", 50));
          // Only the crashing backend's own process logs its crash; InfoSys's tasks log nothing.
          assertThat(logs.messages()).allSatisfy(line -> assertThat(line).contains("crasher"));
          ctx.completeNow();
        })));
    }

    @Test
    void eachBackendAskedIsATaskOfInfoSysOwnTaskSupervisorUntilTheDeadlineKillsIt(Vertx vertx, VertxTestContext ctx) {
      VirtualClock clock = VirtualClock.install(vertx);
      startFake(vertx, "stuck1", new JsonObject().put("mode", "timeout"))
        .compose(pid -> startFake(vertx, "stuck2", new JsonObject().put("mode", "timeout")))
        .compose(pid -> startInfoSys(vertx))
        .onComplete(ctx.succeeding(infosys -> {
          Future<String> called1 = InfoSysFixtures.first(vertx, FakeBackend.calledAddress("stuck1"));
          Future<String> called2 = InfoSysFixtures.first(vertx, FakeBackend.calledAddress("stuck2"));
          Future<JsonObject> answer = ask(vertx, query("result", 1_000));
          // InfoSys's task supervisor is the process it started, linked to it.
          Pid tasks = Processes.info(vertx, infosys).orElseThrow().links().stream()
            .filter(pid -> infosys.equals(Processes.info(vertx, pid).orElseThrow().parent())).findFirst().orElseThrow();
          Future.all(called1, called2).compose(both -> Supervisor.whichChildren(vertx, tasks)).compose(children -> {
            ctx.verify(() -> {
              // One task per backend asked, temporary, each waiting for its backend's answer.
              assertThat(children).hasSize(2);
              assertThat(children).allSatisfy(child -> {
                assertThat(child.restart()).isEqualTo(dev.otpx.process.Restart.TEMPORARY);
                assertThat(child.status()).isEqualTo("running");
              });
            });
            return clock.advance(Duration.ofMillis(1_000)).compose(v -> answer);
          }).compose(answered -> {
            ctx.verify(() -> assertThat(answered.getJsonArray("results")).isEmpty());
            return Supervisor.whichChildren(vertx, tasks);
          }).onComplete(ctx.succeeding(children -> ctx.verify(() -> {
            // Killed at the deadline: none is left running.
            assertThat(children).isEmpty();
            ctx.completeNow();
          })));
        }));
    }

    @Test
    void aBackendThatCrashesMidCallIsDroppedWithoutWaitingForTheDeadline(Vertx vertx, VertxTestContext ctx) {
      startFakes(vertx, "fast1")
        .compose(pids -> startFake(vertx, "crasher", new JsonObject().put("mode", "crash")))
        .compose(crasher -> startInfoSys(vertx).map(crasher))
        .onComplete(ctx.succeeding(crasher -> {
          Monitor monitor = Processes.monitor(vertx, crasher);
          long began = System.nanoTime();
          ask(vertx, query("result", 5_000))
            .compose(answer -> monitor.down().map(answer))
            .onComplete(ctx.succeeding(answer -> ctx.verify(() -> {
              assertThat(texts(answer)).containsExactly("result from fast1");
              assertThat(millisSince(began)).isLessThan(2_000);
              ctx.completeNow();
            })));
        }));
    }

    @Test
    void aBackendKilledMidCallIsDroppedWithoutWaitingForTheDeadline(Vertx vertx, VertxTestContext ctx) {
      startFakes(vertx, "fast1")
        .compose(pids -> startFake(vertx, "stuck", new JsonObject().put("mode", "timeout")))
        .compose(stuck -> startInfoSys(vertx).map(stuck))
        .onComplete(ctx.succeeding(stuck -> {
          Monitor monitor = Processes.monitor(vertx, stuck);
          vertx.eventBus().consumer(FakeBackend.calledAddress("stuck"), msg -> Processes.kill(vertx, stuck));
          long began = System.nanoTime();
          ask(vertx, query("result", 5_000))
            .compose(answer -> monitor.down().map(answer))
            .onComplete(ctx.succeeding(answer -> ctx.verify(() -> {
              assertThat(texts(answer)).containsExactly("result from fast1");
              assertThat(millisSince(began)).isLessThan(2_000);
              ctx.completeNow();
            })));
        }));
    }

    @Test
    void aQueryWithLineBreaksCannotForgeALogLine(Vertx vertx, VertxTestContext ctx) {
      String forged = "fail\r\n00:00:00.000 ERROR [main] dev.otpx.app.Main - forged";
      LogCapture logs = LogCapture.of("dev.otpx.infosys", Level.DEBUG);
      startFake(vertx, "failer", new JsonObject().put("mode", "fail"))
        .compose(pid -> startFake(vertx, "late", new JsonObject().put("mode", "timeout")))
        .compose(pid -> startInfoSys(vertx, new JsonObject().put("breaker_minimum_calls", 1).put("breaker_window", 1)))
        .compose(pid -> ask(vertx, query(forged, 100)))
        .onComplete(ar -> {
          logs.close();
          ctx.verify(() -> {
            assertThat(ar.succeeded()).isTrue();
            List<String> mentions = logs.messages().stream().filter(line -> line.contains("forged")).toList();
            assertThat(mentions).as("the query is logged, quoted").isNotEmpty()
              .allSatisfy(line -> assertThat(line).doesNotContain("\r", "\n").contains("\"fail\\r\\n00:00:00.000 ERROR"));
            assertThat(logs.messages()).noneMatch(line -> line.contains("\n") || line.contains("\r"));
          });
          ctx.completeNow();
        });
    }

    @Test
    void whenEveryBackendFailsTheAnswerHasNoResults(Vertx vertx, VertxTestContext ctx) {
      startFakes(vertx, "fast1", "fast2")
        .compose(pids -> startInfoSys(vertx))
        .compose(pid -> ask(vertx, query("fail")))
        .onComplete(ctx.succeeding(answer -> ctx.verify(() -> {
          assertThat(answer.getJsonArray("results")).isEmpty();
          assertThat(answer.getString("query")).isEqualTo("fail");
          ctx.completeNow();
        })));
    }
  }

  @Nested
  class Cache {

    @Test
    void aRepeatedQueryIsServedFromTheCacheWithoutAskingTheBackendsAgain(Vertx vertx, VertxTestContext ctx) {
      startCache(vertx, LASTING_CACHE)
        .compose(pid -> startFakes(vertx, "fast1", "fast2"))
        .compose(pids -> startInfoSys(vertx))
        .compose(pid -> ask(vertx, query("result")))
        .compose(first -> ask(vertx, query("result")).map(second -> List.of(first, second)))
        .onComplete(ctx.succeeding(answers -> ctx.verify(() -> {
          assertThat(answers.get(0).getInteger("cached")).isZero();
          assertThat(answers.get(1).getInteger("cached")).isEqualTo(2);
          assertThat(results(answers.get(1))).isEqualTo(results(answers.get(0))).hasSize(2);
          assertThat(FakeBackend.calls(vertx, "fast1", "result")).isEqualTo(1);
          assertThat(FakeBackend.calls(vertx, "fast2", "result")).isEqualTo(1);
          ctx.completeNow();
        })));
    }

    @Test
    void anotherLimitIsAMiss(Vertx vertx, VertxTestContext ctx) {
      startCache(vertx, LASTING_CACHE)
        .compose(pid -> startFakes(vertx, "fast1"))
        .compose(pids -> startInfoSys(vertx))
        .compose(pid -> ask(vertx, query("result").put("limit", 5)))
        .compose(first -> ask(vertx, query("result").put("limit", 6)))
        .onComplete(ctx.succeeding(second -> ctx.verify(() -> {
          assertThat(second.getInteger("cached")).isZero();
          assertThat(FakeBackend.calls(vertx, "fast1", "result")).isEqualTo(2);
          ctx.completeNow();
        })));
    }

    @Test
    void onlyTheBackendsTheCacheCannotAnswerAreAsked(Vertx vertx, VertxTestContext ctx) {
      startCache(vertx, LASTING_CACHE)
        .compose(pid -> startFakes(vertx, "fast1", "fast2"))
        .compose(pids -> startInfoSys(vertx))
        .compose(pid -> ask(vertx, query("result").put("backends", new JsonArray().add("fast1"))))
        .compose(first -> ask(vertx, query("result")))
        .onComplete(ctx.succeeding(second -> ctx.verify(() -> {
          assertThat(second.getInteger("cached")).isEqualTo(1);
          assertThat(texts(second)).containsExactly("result from fast1", "result from fast2");
          assertThat(FakeBackend.calls(vertx, "fast1", "result")).isEqualTo(1);
          assertThat(FakeBackend.calls(vertx, "fast2", "result")).isEqualTo(1);
          ctx.completeNow();
        })));
    }

    @Test
    void afterTheTtlTheBackendsAreAskedAgain(Vertx vertx, VertxTestContext ctx) {
      VirtualClock clock = VirtualClock.install(vertx);
      startCache(vertx, new JsonObject().put("sweep_ms", 60_000).put("ttl_ms", 50))
        .compose(pid -> startFakes(vertx, "fast1"))
        .compose(pids -> startInfoSys(vertx))
        .compose(pid -> ask(vertx, query("result")))
        .compose(first -> clock.advance(Duration.ofMillis(120)))
        .compose(v -> ask(vertx, query("result")))
        .onComplete(ctx.succeeding(second -> ctx.verify(() -> {
          assertThat(second.getInteger("cached")).isZero();
          assertThat(texts(second)).containsExactly("result from fast1");
          assertThat(FakeBackend.calls(vertx, "fast1", "result")).isEqualTo(2);
          ctx.completeNow();
        })));
    }

    @Test
    void aFailureIsNotCached(Vertx vertx, VertxTestContext ctx) {
      startCache(vertx, LASTING_CACHE)
        .compose(pid -> startFakes(vertx, "fast1"))
        .compose(pids -> startFake(vertx, "thrower", new JsonObject().put("mode", "boom")))
        .compose(pid -> startInfoSys(vertx))
        .compose(pid -> ask(vertx, query("result")))
        .compose(first -> ask(vertx, query("result")))
        .onComplete(ctx.succeeding(second -> ctx.verify(() -> {
          assertThat(second.getInteger("cached")).isEqualTo(1);
          assertThat(FakeBackend.calls(vertx, "thrower", "result")).isEqualTo(2);
          ctx.completeNow();
        })));
    }

    @Test
    void aDeadlineMissIsNotCached(Vertx vertx, VertxTestContext ctx) {
      startCache(vertx, LASTING_CACHE)
        .compose(pid -> startFake(vertx, "stuck", new JsonObject().put("mode", "timeout")))
        .compose(pid -> startInfoSys(vertx))
        .compose(pid -> ask(vertx, query("result", 50)))
        .compose(first -> ask(vertx, query("result", 50)))
        .onComplete(ctx.succeeding(second -> ctx.verify(() -> {
          assertThat(second.getInteger("cached")).isZero();
          assertThat(FakeBackend.calls(vertx, "stuck", "result")).isEqualTo(2);
          ctx.completeNow();
        })));
    }

    @Test
    void withoutACacheProcessEveryQueryAsksTheBackends(Vertx vertx, VertxTestContext ctx) {
      startFakes(vertx, "fast1")
        .compose(pids -> startInfoSys(vertx))
        .compose(pid -> ask(vertx, query("result")))
        .compose(first -> ask(vertx, query("result")))
        .onComplete(ctx.succeeding(second -> ctx.verify(() -> {
          assertThat(second.getInteger("cached")).isZero();
          assertThat(FakeBackend.calls(vertx, "fast1", "result")).isEqualTo(2);
          ctx.completeNow();
        })));
    }

    @Test
    void aCacheRestartedByItsSupervisorForgetsWhatItHeld(Vertx vertx, VertxTestContext ctx) {
      ChildSpec cache = ChildSpec.of("cache", ResultCache.class, LASTING_CACHE).withName(ResultCache.NAME);
      ChildSpec infosys = ChildSpec.of("infosys", InfoSysServer.class, new JsonObject()).withName(InfoSysServer.NAME);
      ChildSpec fast1 = ChildSpec.of("fast1", BackendServer.class, FakeBackend.config("fast1"));
      Supervisor.start(vertx, SupervisorSpec.of(SupervisorFlags.of(Strategy.ONE_FOR_ONE), List.of(cache, fast1, infosys)), "infosys.sup")
        .onComplete(ctx.succeeding(sup -> ask(vertx, query("result"))
          .compose(first -> ask(vertx, query("result")))
          .compose(hit -> {
            ctx.verify(() -> assertThat(hit.getInteger("cached")).isEqualTo(1));
            Pid owner = Registry.whereis(vertx, ResultCache.NAME).orElseThrow();
            Monitor monitor = Processes.monitor(vertx, owner);
            Processes.kill(vertx, owner);
            // The supervisor handles the DOWN, and restarts the cache, before this call.
            return monitor.down().compose(down -> Supervisor.whichChildren(vertx, sup));
          })
          .compose(children -> ask(vertx, query("result")))
          .onComplete(ctx.succeeding(afterRestart -> ctx.verify(() -> {
            assertThat(Registry.whereis(vertx, ResultCache.NAME)).isPresent();
            assertThat(afterRestart.getInteger("cached")).isZero();
            assertThat(texts(afterRestart)).containsExactly("result from fast1");
            assertThat(FakeBackend.calls(vertx, "fast1", "result")).isEqualTo(2);
            ctx.completeNow();
          })))));
    }
  }

  @Nested
  class SingleFlight {

    @Test
    void identicalQueriesInFlightShareOneBackendCall(Vertx vertx, VertxTestContext ctx) {
      startFake(vertx, "slow1", new JsonObject().put("delay_ms", 100))
        .compose(pid -> startInfoSys(vertx))
        .compose(pid -> Future.all(ask(vertx, query("result")), ask(vertx, query("result"))))
        .onComplete(ctx.succeeding(both -> ctx.verify(() -> {
          for (int i = 0; i < 2; i++) {
            JsonObject answer = both.resultAt(i);
            assertThat(texts(answer)).containsExactly("result from slow1");
            assertThat(answer.getInteger("cached")).isZero();
          }
          assertThat(FakeBackend.calls(vertx, "slow1", "result")).isEqualTo(1);
          ctx.completeNow();
        })));
    }

    @Test
    void differentQueriesInFlightDoNotShare(Vertx vertx, VertxTestContext ctx) {
      startFake(vertx, "slow1", new JsonObject().put("delay_ms", 100))
        .compose(pid -> startInfoSys(vertx))
        .compose(pid -> Future.all(
          ask(vertx, query("result")),
          ask(vertx, query("result again")),
          ask(vertx, query("result").put("limit", 3))))
        .onComplete(ctx.succeeding(all -> ctx.verify(() -> {
          assertThat(texts(all.resultAt(0))).containsExactly("result from slow1");
          assertThat(texts(all.resultAt(1))).containsExactly("result from slow1");
          assertThat(texts(all.resultAt(2))).containsExactly("result from slow1");
          assertThat(FakeBackend.calls(vertx, "slow1", "result")).as("result, limits 10 and 3").isEqualTo(2);
          assertThat(FakeBackend.calls(vertx, "slow1", "result again")).isEqualTo(1);
          ctx.completeNow();
        })));
    }

    @Test
    void aQueryAfterTheSharedCallCompletedAsksAgain(Vertx vertx, VertxTestContext ctx) {
      startFake(vertx, "slow1", new JsonObject().put("delay_ms", 20))
        .compose(pid -> startInfoSys(vertx))
        .compose(pid -> ask(vertx, query("result")))
        .compose(first -> ask(vertx, query("result")))
        .onComplete(ctx.succeeding(second -> ctx.verify(() -> {
          assertThat(texts(second)).containsExactly("result from slow1");
          assertThat(FakeBackend.calls(vertx, "slow1", "result")).isEqualTo(2);
          ctx.completeNow();
        })));
    }

    @Test
    void aShortDeadlineNeverCutsShortTheAnswerOfAnIdenticalQueryWithALongerOne(Vertx vertx, VertxTestContext ctx) {
      startFake(vertx, "slow1", new JsonObject().put("delay_ms", 100))
        .compose(pid -> startInfoSys(vertx))
        .compose(pid -> Future.join(ask(vertx, query("result", 5)), ask(vertx, query("result", 5_000))))
        .onComplete(ctx.succeeding(both -> ctx.verify(() -> {
          assertThat(texts(both.resultAt(0))).as("5 ms: nothing yet").isEmpty();
          assertThat(texts(both.resultAt(1))).as("5 s: the answer").containsExactly("result from slow1");
          assertThat(FakeBackend.calls(vertx, "slow1", "result")).isEqualTo(2);
          ctx.completeNow();
        })));
    }

    @Test
    void aQueryJoiningASharedCallStillAnswersByItsOwnDeadline(Vertx vertx, VertxTestContext ctx) {
      startFakes(vertx, "fast1")
        .compose(pids -> startFake(vertx, "stuck", new JsonObject().put("mode", "timeout")))
        .compose(pid -> startInfoSys(vertx))
        .onComplete(ctx.succeeding(pid -> {
          Future<JsonObject> patient = ask(vertx, query("result", 1_500));
          long began = System.nanoTime();
          ask(vertx, query("result", 150)).onComplete(ctx.succeeding(hurried -> ctx.verify(() -> {
            assertThat(millisSince(began)).as("elapsed ms of a 150 ms query").isLessThanOrEqualTo(150 + 150);
            assertThat(texts(hurried)).contains("result from fast1");
            assertThat(patient.isComplete()).isFalse();
            ctx.completeNow();
          })));
        }));
    }
  }

  @Nested
  class CircuitBreaker {

    /** Two calls in a window of two; half of them failing opens the circuit for 200 ms. */
    private static final JsonObject BREAKER = new JsonObject()
      .put("breaker_minimum_calls", 2).put("breaker_window", 2).put("breaker_failure_rate", 50).put("breaker_open_ms", 200);

    private static Future<JsonObject> twice(Vertx vertx, JsonObject request) {
      return ask(vertx, request).compose(first -> ask(vertx, request.copy()));
    }

    @Test
    void aBackendThatKeepsFailingIsSkippedThenTriedAgainAndOnSuccessUsedAgain(Vertx vertx, VertxTestContext ctx) {
      VirtualClock clock = VirtualClock.install(vertx);
      startFakes(vertx, "flaky")
        .compose(pids -> startInfoSys(vertx, BREAKER))
        .compose(pid -> twice(vertx, query("boom")))
        .compose(failed -> ask(vertx, query("result")))
        .compose(whileOpen -> {
          ctx.verify(() -> {
            assertThat(texts(whileOpen)).as("open: skipped").isEmpty();
            assertThat(FakeBackend.calls(vertx, "flaky", "result")).isZero();
          });
          return clock.advance(Duration.ofMillis(250));
        })
        .compose(v -> ask(vertx, query("result")))
        .compose(halfOpen -> {
          ctx.verify(() -> {
            assertThat(texts(halfOpen)).as("half-open: tried again").containsExactly("result from flaky");
            assertThat(FakeBackend.calls(vertx, "flaky", "result")).isEqualTo(1);
          });
          return twice(vertx, query("result"));
        })
        .onComplete(ctx.succeeding(closed -> ctx.verify(() -> {
          assertThat(texts(closed)).as("closed").containsExactly("result from flaky");
          assertThat(FakeBackend.calls(vertx, "flaky", "result")).isEqualTo(3);
          ctx.completeNow();
        })));
    }

    @Test
    void aBackendThatKeepsMissingTheDeadlineAfterTheSlowCallTimeIsSkippedFast(Vertx vertx, VertxTestContext ctx) {
      startFakes(vertx, "fast1")
        .compose(pids -> startFake(vertx, "stuck", new JsonObject().put("mode", "timeout")))
        .compose(pid -> startInfoSys(vertx, BREAKER.copy().put("breaker_slow_call_ms", 40)))
        .compose(pid -> twice(vertx, query("result", 50)))
        .onComplete(ctx.succeeding(missed -> {
          long began = System.nanoTime();
          ask(vertx, query("result", 2_000)).onComplete(ctx.succeeding(answer -> ctx.verify(() -> {
            // Skipped means answered well before the 2 s deadline the stuck backend would make it wait;
            // half of it leaves room for a loaded machine without blurring the two cases.
            assertThat(millisSince(began)).as("elapsed ms of a 2 s query").isLessThan(1_000);
            assertThat(texts(answer)).containsExactly("result from fast1");
            assertThat(FakeBackend.calls(vertx, "stuck", "result")).isEqualTo(2);
            ctx.completeNow();
          })));
        }));
    }

    @Test
    void aDeadlineTheCallerChoseDoesNotCountAgainstTheBackend(Vertx vertx, VertxTestContext ctx) {
      // Eight impatient queries (timeout_ms 5) at a backend that takes 50 ms, in a window of two.
      startFake(vertx, "steady", new JsonObject().put("delay_ms", 50))
        .compose(pid -> startInfoSys(vertx, BREAKER))
        .compose(pid -> {
          Future<JsonObject> chain = Future.succeededFuture();
          for (int i = 0; i < 8; i++) {
            String impatient = "result " + i;
            chain = chain.compose(previous -> ask(vertx, query(impatient, 5)));
          }
          return chain;
        })
        .compose(last -> ask(vertx, query("result", 2_000)))
        .onComplete(ctx.succeeding(answer -> ctx.verify(() -> {
          assertThat(texts(answer)).as("still asked: its circuit is closed").containsExactly("result from steady");
          assertThat(FakeBackend.calls(vertx, "steady", "result 7")).isEqualTo(1);
          ctx.completeNow();
        })));
    }

    @Test
    void aBackendTooBusyToTakeAQueryIsNotCountedAsFailing(Vertx vertx, VertxTestContext ctx) {
      startFake(vertx, "full", new JsonObject().put("mode", "busy"))
        .compose(pid -> startInfoSys(vertx, BREAKER))
        .compose(pid -> twice(vertx, query("one")))
        .compose(busy -> twice(vertx, query("two")))
        .onComplete(ctx.succeeding(answer -> ctx.verify(() -> {
          assertThat(texts(answer)).isEmpty();
          assertThat(FakeBackend.calls(vertx, "full", "two")).as("asked each time: its circuit is closed").isEqualTo(2);
          ctx.completeNow();
        })));
    }

    @Test
    void theCircuitsStateChangesAreOneLineEachNotOnePerQuery(Vertx vertx, VertxTestContext ctx) {
      VirtualClock clock = VirtualClock.install(vertx);
      LogCapture logs = LogCapture.of("dev.otpx.infosys", Level.INFO);
      startFakes(vertx, "flaky")
        .compose(pids -> startInfoSys(vertx, BREAKER))
        .compose(pid -> {
          Future<JsonObject> chain = Future.succeededFuture();
          for (int i = 0; i < 10; i++) {
            chain = chain.compose(previous -> ask(vertx, query("fail")));
          }
          return chain;
        })
        .compose(failed -> clock.advance(Duration.ofMillis(250)))
        .compose(v -> ask(vertx, query("result")))
        .onComplete(ar -> {
          logs.close();
          ctx.verify(() -> {
            assertThat(ar.succeeded()).isTrue();
            assertThat(texts(ar.result())).containsExactly("result from flaky");
            assertThat(logs.warnings()).singleElement().asString()
              .contains("infosys backend flaky is failing", "100% of its last 2 calls failed", "fail from flaky", "200 ms");
            assertThat(logs.at(Level.INFO)).filteredOn(line -> line.contains("circuit"))
              .containsExactly("infosys backend flaky circuit half-open: the next query tries it",
                "infosys backend flaky recovered: circuit closed");
          });
          ctx.completeNow();
        });
    }

    @Test
    void aFailedTrialOpensTheCircuitAgain(Vertx vertx, VertxTestContext ctx) {
      VirtualClock clock = VirtualClock.install(vertx);
      startFakes(vertx, "flaky")
        .compose(pids -> startInfoSys(vertx, BREAKER))
        .compose(pid -> twice(vertx, query("boom")))
        .compose(failed -> clock.advance(Duration.ofMillis(250)))
        .compose(v -> ask(vertx, query("boom")))
        .compose(trial -> ask(vertx, query("result")))
        .onComplete(ctx.succeeding(answer -> ctx.verify(() -> {
          assertThat(FakeBackend.calls(vertx, "flaky", "boom")).isEqualTo(3);
          assertThat(texts(answer)).isEmpty();
          assertThat(FakeBackend.calls(vertx, "flaky", "result")).isZero();
          ctx.completeNow();
        })));
    }

    @Test
    void eachBackendHasItsOwnCircuit(Vertx vertx, VertxTestContext ctx) {
      startFakes(vertx, "fast1")
        .compose(pids -> startFake(vertx, "thrower", new JsonObject().put("mode", "boom")))
        .compose(pid -> startInfoSys(vertx, BREAKER))
        .compose(pid -> ask(vertx, query("one")))
        .compose(first -> ask(vertx, query("two")))
        .compose(second -> ask(vertx, query("three")))
        .onComplete(ctx.succeeding(third -> ctx.verify(() -> {
          assertThat(texts(third)).containsExactly("result from fast1");
          assertThat(FakeBackend.calls(vertx, "thrower", "three")).isZero();
          assertThat(FakeBackend.calls(vertx, "fast1", "three")).isEqualTo(1);
          ctx.completeNow();
        })));
    }

    @Test
    void aBackendThatFailsLessThanTheRateStaysInUse(Vertx vertx, VertxTestContext ctx) {
      JsonObject lenient = BREAKER.copy().put("breaker_failure_rate", 100);
      startFakes(vertx, "flaky")
        .compose(pids -> startInfoSys(vertx, lenient))
        .compose(pid -> ask(vertx, query("boom")))
        .compose(failed -> ask(vertx, query("result")))
        .compose(ok -> ask(vertx, query("result")))
        .onComplete(ctx.succeeding(answer -> ctx.verify(() -> {
          assertThat(texts(answer)).containsExactly("result from flaky");
          assertThat(FakeBackend.calls(vertx, "flaky", "result")).isEqualTo(2);
          ctx.completeNow();
        })));
    }
  }

  @Nested
  class BadRequests {

    static Stream<Arguments> badRequests() {
      return Stream.of(
        Arguments.of(new JsonObject(), "query"),
        Arguments.of(query(""), "query"),
        Arguments.of(query("   "), "query"),
        Arguments.of(new JsonObject().put("query", 42), "query"),
        Arguments.of(query("x".repeat(11)), "query"),
        Arguments.of(query("result").put("limit", "ten"), "limit"),
        Arguments.of(query("result").put("limit", 0), "limit"),
        Arguments.of(query("result").put("limit", 101), "limit"),
        Arguments.of(query("result").put("limit", 2.5), "limit"),
        Arguments.of(query("result").put("timeout_ms", "soon"), "timeout_ms"),
        Arguments.of(query("result").put("timeout_ms", 0), "timeout_ms"),
        Arguments.of(query("result").put("timeout_ms", 60_001), "timeout_ms"),
        Arguments.of(query("result").put("backends", "fast1"), "backends"),
        Arguments.of(query("result").put("backends", new JsonArray().add(1)), "backends"),
        Arguments.of("result", "query"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRequests")
    void aBadRequestFailsWithBadRequestNamingTheField(Object request, String field, Vertx vertx, VertxTestContext ctx) {
      startFakes(vertx, "fast1")
        .compose(pids -> startInfoSys(vertx, new JsonObject().put("max_query_length", 10)))
        .compose(pid -> GenServer.<JsonObject>call(vertx, InfoSysServer.NAME, request))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          OtpException error = assertFailure(OtpException.Failure.ERROR, err);
          assertThat(error.code()).isEqualTo("bad_request");
          assertThat(error.getMessage()).startsWith("bad_request: ").contains(field);
          assertThat(FakeBackend.calls(vertx, "fast1", "result")).isZero();
          ctx.completeNow();
        })));
    }

    @Test
    void aQueryOfTheLongestLengthIsAccepted(Vertx vertx, VertxTestContext ctx) {
      startFakes(vertx, "fast1")
        .compose(pids -> startInfoSys(vertx, new JsonObject().put("max_query_length", 10)))
        .compose(pid -> ask(vertx, query("x".repeat(10))))
        .onComplete(ctx.succeeding(answer -> ctx.verify(() -> {
          assertThat(texts(answer)).containsExactly("result from fast1");
          ctx.completeNow();
        })));
    }

    @Test
    void theLongestQueryIsFiveHundredCharactersByDefault(Vertx vertx, VertxTestContext ctx) {
      startInfoSys(vertx)
        .compose(pid -> ask(vertx, query("x".repeat(500))))
        .compose(ok -> ask(vertx, query("x".repeat(501))))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertThat(assertFailure(OtpException.Failure.ERROR, err).code()).isEqualTo("bad_request");
          ctx.completeNow();
        })));
    }

    @Test
    void infoSysKeepsServingAfterABadRequest(Vertx vertx, VertxTestContext ctx) {
      startFakes(vertx, "fast1")
        .compose(pids -> startInfoSys(vertx))
        .onComplete(ctx.succeeding(infosys -> ask(vertx, query(""))
          .otherwiseEmpty()
          .compose(v -> ask(vertx, query("result")))
          .onComplete(ctx.succeeding(answer -> ctx.verify(() -> {
            assertThat(texts(answer)).containsExactly("result from fast1");
            assertThat(Registry.whereis(vertx, InfoSysServer.NAME)).contains(infosys);
            ctx.completeNow();
          })))));
    }

    @Test
    void aBadRequestOverTheEventBusFailsWithItsCode(Vertx vertx, VertxTestContext ctx) {
      startInfoSys(vertx)
        .compose(pid -> vertx.eventBus().request("infosys", query("result").put("limit", "ten")))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertThat(err).isInstanceOf(ReplyException.class);
          assertThat(err.getMessage()).startsWith("bad_request").contains("limit");
          ctx.completeNow();
        })));
    }
  
    @Test
    void anArgOfTheWrongTypeFailsTheStartNamingTheKey(Vertx vertx, VertxTestContext ctx) {
      startInfoSys(vertx, new JsonObject().put("max_query_length", "500")).onComplete(ctx.failing(err -> ctx.verify(() -> {
        OtpException exit = assertFailure(OtpException.Failure.EXIT, err);
        assertThat(exit.reason().toString()).contains("IllegalArgumentException").contains("max_query_length")
          .contains("expected a whole number, got '500'");
        assertThat(Registry.whereis(vertx, InfoSysServer.NAME)).isEmpty();
        ctx.completeNow();
      })));
    }
  }
}
