package dev.otpx.infosys;

import static dev.otpx.infosys.InfoSysFixtures.first;
import static dev.otpx.infosys.InfoSysFixtures.opts;
import static dev.otpx.infosys.InfoSysFixtures.startFake;
import static dev.otpx.process.testing.OtpAsserts.assertCrash;
import static dev.otpx.process.testing.OtpAsserts.assertFailure;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import dev.otpx.process.GenServer;
import dev.otpx.process.OtpException;
import dev.otpx.process.Pid;
import dev.otpx.process.Processes;
import dev.otpx.process.Registry;
import dev.otpx.process.Task;
import dev.otpx.process.VirtualClock;
import dev.otpx.testing.LogCapture;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@ExtendWith(VertxExtension.class)
class BackendServerTest {

  private static JsonObject request(String query, long timeoutMs) {
    return new JsonObject().put("query", query).put("limit", 10).put("timeout_ms", timeoutMs);
  }

  private static Future<JsonArray> call(Vertx vertx, String backend, Object request, long callTimeoutMs) {
    return GenServer.call(vertx, BackendServer.PREFIX + backend, request, Duration.ofMillis(callTimeoutMs));
  }

  private static Future<JsonArray> call(Vertx vertx, String backend, String query) {
    return call(vertx, backend, request(query, 1_000), 2_000);
  }

  private static boolean anyBackendRegistered(Vertx vertx) {
    return Registry.registered(vertx).keySet().stream().anyMatch(name -> name.startsWith(BackendServer.PREFIX));
  }

  @Nested
  class Start {

    @Test
    void aBackendRegistersAsInfosysBackendDotItsName(Vertx vertx, VertxTestContext ctx) {
      startFake(vertx, "fast1").onComplete(ctx.succeeding(pid -> ctx.verify(() -> {
        assertThat(Registry.whereis(vertx, "infosys.backend.fast1")).contains(pid);
        ctx.completeNow();
      })));
    }

    @Test
    void theNameIsTheBackendsOwn(Vertx vertx, VertxTestContext ctx) {
      JsonObject args = new JsonObject().put("backend", FakeBackend.class.getName());
      GenServer.start(vertx, new BackendServer(), opts(args), null).onComplete(ctx.succeeding(pid -> ctx.verify(() -> {
        assertThat(Registry.whereis(vertx, "infosys.backend.fake")).contains(pid);
        ctx.completeNow();
      })));
    }

    @Test
    void anUnavailableBackendIgnoresItsStartAndRegistersNoName(Vertx vertx, VertxTestContext ctx) {
      startFake(vertx, "wolfram", new JsonObject().put("open", "unavailable")).onComplete(ctx.failing(err -> ctx.verify(() -> {
        assertFailure(OtpException.Failure.IGNORE, err);
        assertThat(anyBackendRegistered(vertx)).isFalse();
        ctx.completeNow();
      })));
    }

    @Test
    void anUnavailableBackendIsOneInfoLineNotAWarning(Vertx vertx, VertxTestContext ctx) {
      // Without WOLFRAM_APP_ID the service runs as configured: nothing for an operator to act on.
      LogCapture logs = LogCapture.of(BackendServer.class.getName(), Level.INFO);
      startFake(vertx, "wolfram", new JsonObject().put("open", "unavailable")).onComplete(ctx.failing(err -> ctx.verify(() -> {
        logs.close();
        assertThat(logs.warnings()).isEmpty();
        assertThat(logs.at(Level.INFO)).singleElement().satisfies(line -> assertThat(line).contains("not deployed: no key for wolfram"));
        ctx.completeNow();
      })));
    }

    @Test
    void aBackendThatFailsToOpenOtherwiseFailsTheStart(Vertx vertx, VertxTestContext ctx) {
      startFake(vertx, "broken", new JsonObject().put("open", "fail")).onComplete(ctx.failing(err -> ctx.verify(() -> {
        OtpException exit = assertFailure(OtpException.Failure.EXIT, err);
        assertCrash(exit.reason(), "cannot open broken");
        assertThat(anyBackendRegistered(vertx)).isFalse();
        ctx.completeNow();
      })));
    }

    static Stream<Arguments> badArgs() {
      return Stream.of(
        Arguments.of(new JsonObject(), "'backend'"),
        Arguments.of(new JsonObject().put("backend", "dev.otpx.infosys.NoSuchBackend"), "cannot create"),
        Arguments.of(new JsonObject().put("backend", String.class.getName()), "is not a"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badArgs")
    void aMissingOrWrongBackendClassFailsTheStart(JsonObject args, String why, Vertx vertx, VertxTestContext ctx) {
      GenServer.start(vertx, new BackendServer(), opts(args), null).onComplete(ctx.failing(err -> ctx.verify(() -> {
        OtpException exit = assertFailure(OtpException.Failure.EXIT, err);
        assertCrash(exit.reason(), why);
        assertThat(anyBackendRegistered(vertx)).isFalse();
        ctx.completeNow();
      })));
    }

    @Test
    void aSecondBackendOfTheSameNameFailsToStartAndTheFirstKeepsTheName(Vertx vertx, VertxTestContext ctx) {
      startFake(vertx, "fast1").onComplete(ctx.succeeding(first -> startFake(vertx, "fast1").onComplete(ctx.failing(err -> ctx.verify(() -> {
        assertThat(err).isInstanceOf(OtpException.class);
        assertThat(Registry.whereis(vertx, "infosys.backend.fast1")).contains(first);
        ctx.completeNow();
      })))));
    }
  }

  @Nested
  class Queries {

    @BeforeEach
    void startFast1(Vertx vertx, VertxTestContext ctx) {
      startFake(vertx, "fast1", new JsonObject().put("score", 75)).onComplete(ctx.succeedingThenComplete());
    }

    @Test
    void aQueryIsAnsweredWithAJsonArrayOfResults(Vertx vertx, VertxTestContext ctx) {
      call(vertx, "fast1", "result")
        .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          assertThat(reply).isEqualTo(new JsonArray().add(new Result("fast1", "result from fast1", 75).toJson()));
          ctx.completeNow();
        })));
    }

    @Test
    @SuppressWarnings("unchecked")
    void anInProcessQueryIsAnsweredWithTheResultsThemselves(Vertx vertx, VertxTestContext ctx) {
      // InfoSys on the same node asks with the record and gets the same results, not their JSON.
      GenServer.<Object>call(vertx, "infosys.backend.fast1", new BackendServer.Query("result", 10, 1_000), Duration.ofSeconds(5))
        .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          assertThat(reply).isEqualTo(List.of(new Result("fast1", "result from fast1", 75)));
          assertThatThrownBy(() -> ((List<Result>) reply).add(Result.of("x", "y", 1))).isInstanceOf(UnsupportedOperationException.class);
          ctx.completeNow();
        })));
    }

    @Test
    void noResultsIsAnEmptyArray(Vertx vertx, VertxTestContext ctx) {
      call(vertx, "fast1", "none")
        .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          assertThat(reply).isEqualTo(new JsonArray());
          ctx.completeNow();
        })));
    }

    @Test
    void theBackendGetsTheRequestsLimitAndTimeout(Vertx vertx, VertxTestContext ctx) {
      call(vertx, "fast1", new JsonObject().put("query", "echo").put("limit", 3).put("timeout_ms", 700), 2_000)
        .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          assertThat(Result.fromJson(reply.getValue(0)).text()).isEqualTo("limit 3 timeout_ms 700 cancelled false");
          ctx.completeNow();
        })));
    }

    @Test
    void aRequestWithOnlyAQueryGetsTheDefaults(Vertx vertx, VertxTestContext ctx) {
      call(vertx, "fast1", new JsonObject().put("query", "echo"), 2_000)
        .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          assertThat(Result.fromJson(reply.getValue(0)).text()).isEqualTo("limit 10 timeout_ms 10000 cancelled false");
          ctx.completeNow();
        })));
    }

    @Test
    void aBackendAlsoAnswersOverTheEventBus(Vertx vertx, VertxTestContext ctx) {
      vertx.eventBus().<JsonArray>request("infosys.backend.fast1", request("result", 1_000))
        .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          assertThat(reply.body()).isEqualTo(new JsonArray().add(new Result("fast1", "result from fast1", 75).toJson()));
          ctx.completeNow();
        })));
    }

    @Test
    void manyQueriesRunAtOnce(Vertx vertx, VertxTestContext ctx) {
      Future<JsonArray> stuck = call(vertx, "fast1", request("timeout", 5_000), 10_000);
      call(vertx, "fast1", "result").onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
        assertThat(reply).hasSize(1);
        assertThat(stuck.isComplete()).as("the stuck query is still waiting").isFalse();
        ctx.completeNow();
      })));
    }
  }

  @Nested
  class Failures {

    @BeforeEach
    void startFast1(Vertx vertx, VertxTestContext ctx) {
      startFake(vertx, "fast1").onComplete(ctx.succeedingThenComplete());
    }

    private Pid fast1(Vertx vertx) {
      return Registry.whereis(vertx, "infosys.backend.fast1").orElseThrow();
    }

    static Stream<Arguments> failingQueries() {
      return Stream.of(
        Arguments.of("boom", "boom from fast1"),
        Arguments.of("fail", "fail from fast1"),
        Arguments.of("null", "compute returned null"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("failingQueries")
    void aFailingBackendAnswersBackendFailedAndKeepsServing(String query, String message, Vertx vertx, VertxTestContext ctx) {
      Pid pid = fast1(vertx);
      call(vertx, "fast1", query).onComplete(ctx.failing(err -> {
        ctx.verify(() -> {
          OtpException error = assertFailure(OtpException.Failure.ERROR, err);
          assertThat(error.code()).isEqualTo("backend_failed");
          assertThat(error.getMessage()).contains("fast1").contains(message);
        });
        call(vertx, "fast1", "result").onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          assertThat(reply).hasSize(1);
          assertThat(Processes.isAlive(vertx, pid)).isTrue();
          assertThat(Registry.whereis(vertx, "infosys.backend.fast1")).contains(pid);
          ctx.completeNow();
        })));
      }));
    }

    static Stream<Arguments> badRequests() {
      return Stream.of(
        Arguments.of("not json"),
        Arguments.of(new JsonObject()),
        Arguments.of(new JsonObject().put("query", "result").put("limit", "ten")),
        Arguments.of(new JsonObject().put("query", "result").put("timeout_ms", "soon")),
        Arguments.of(new JsonArray().add("result")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRequests")
    void aBadRequestAnswersBadRequestWithoutAskingTheBackend(Object request, Vertx vertx, VertxTestContext ctx) {
      Pid pid = fast1(vertx);
      call(vertx, "fast1", request, 2_000).onComplete(ctx.failing(err -> {
        ctx.verify(() -> {
          OtpException error = assertFailure(OtpException.Failure.ERROR, err);
          assertThat(error.code()).isEqualTo("bad_request");
          assertThat(FakeBackend.calls(vertx, "fast1", "result")).isZero();
        });
        call(vertx, "fast1", "result").onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          assertThat(Processes.isAlive(vertx, pid)).isTrue();
          ctx.completeNow();
        })));
      }));
    }
  }

  @Nested
  class Deadline {

    @Test
    void atTheDeadlineTheWorkIsCancelledAndNothingIsSent(Vertx vertx, VertxTestContext ctx) {
      Checkpoint cancelled = ctx.checkpoint();
      Checkpoint timedOut = ctx.checkpoint();
      vertx.eventBus().consumer(FakeBackend.cancelledAddress("slow"), msg -> {
        ctx.verify(() -> assertThat(msg.body()).isEqualTo("timeout"));
        cancelled.flag();
      });
      long began = System.nanoTime();
      startFake(vertx, "slow")
        .compose(pid -> call(vertx, "slow", request("timeout", 50), 300))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          // The server sent nothing at its deadline: the caller's own timeout ran out.
          assertFailure(OtpException.Failure.TIMEOUT, err);
          assertThat(FakeBackend.cancellations(vertx, "slow")).isEqualTo(1);
          assertThat(InfoSysFixtures.millisSince(began)).isGreaterThanOrEqualTo(300);
          timedOut.flag();
        })));
    }

    @Test
    void slowWorkIsCancelledAtTheDeadlineAndItsAnswerNeverSent(Vertx vertx, VertxTestContext ctx) {
      VirtualClock clock = VirtualClock.install(vertx);
      startFake(vertx, "late", new JsonObject().put("delay_ms", 100))
        .compose(pid -> {
          Future<String> armed = first(vertx, FakeBackend.delayedAddress("late"));
          Future<JsonArray> answer = call(vertx, "late", request("result", 30), 300);
          // The deadline (30 ms) cancels the work; the caller's own 300 ms then end its wait.
          return armed.compose(q -> clock.advance(Duration.ofMillis(30)))
            .compose(v -> clock.advance(Duration.ofMillis(270)))
            .compose(v -> answer);
        })
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertFailure(OtpException.Failure.TIMEOUT, err);
          assertThat(FakeBackend.cancellations(vertx, "late")).isEqualTo(1);
          ctx.completeNow();
        })));
    }

    @Test
    void slowWorkIsATaskOfTheBackendUntilTheDeadlineKillsIt(Vertx vertx, VertxTestContext ctx) {
      VirtualClock clock = VirtualClock.install(vertx);
      startFake(vertx, "held", new JsonObject().put("delay_ms", 100))
        .compose(backend -> {
          Future<String> armed = first(vertx, FakeBackend.delayedAddress("held"));
          Future<JsonArray> answer = call(vertx, "held", request("result", 30), 300);
          return armed.compose(q -> {
            // The work in flight is a task linked to the backend: a process an observer sees.
            List<Pid> links = Processes.info(vertx, backend).orElseThrow().links();
            ctx.verify(() -> assertThat(links).hasSize(1));
            return Processes.status(vertx, links.get(0)).map(status -> {
              ctx.verify(() -> {
                assertThat(status.kind()).isEqualTo(Task.KIND);
                assertThat(status.parent()).isEqualTo(backend);
              });
              return links.get(0);
            });
          }).compose(task -> {
            Future<String> cancelled = first(vertx, FakeBackend.cancelledAddress("held"));
            return clock.advance(Duration.ofMillis(30)).compose(v -> cancelled).map(task);
          }).map(task -> {
            // The deadline: the task is killed and the work cancelled; nothing is answered.
            ctx.verify(() -> {
              assertThat(Processes.isAlive(vertx, task)).isFalse();
              assertThat(FakeBackend.cancellations(vertx, "held")).isEqualTo(1);
              assertThat(Processes.info(vertx, backend).orElseThrow().links()).isEmpty();
            });
            return task;
          }).compose(v -> clock.advance(Duration.ofMillis(270))).compose(v -> answer);
        })
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertFailure(OtpException.Failure.TIMEOUT, err);
          ctx.completeNow();
        })));
    }

    @Test
    void anAnswerBeforeTheDeadlineIsNotCancelled(Vertx vertx, VertxTestContext ctx) {
      VirtualClock clock = VirtualClock.install(vertx);
      startFake(vertx, "steady", new JsonObject().put("delay_ms", 20))
        .compose(pid -> {
          Future<String> armed = first(vertx, FakeBackend.delayedAddress("steady"));
          Future<JsonArray> answer = call(vertx, "steady", request("result", 100), 1_000);
          return armed.compose(q -> clock.advance(Duration.ofMillis(20))).compose(v -> answer);
        })
        // Past the deadline: a cancellation still armed would have fired by now.
        .compose(reply -> clock.advance(Duration.ofMillis(150)).map(reply))
        .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          assertThat(reply).hasSize(1);
          assertThat(FakeBackend.cancellations(vertx, "steady")).isZero();
          ctx.completeNow();
        })));
    }
  }
}
