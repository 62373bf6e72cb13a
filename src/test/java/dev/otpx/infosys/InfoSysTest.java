package dev.otpx.infosys;

import static dev.otpx.infosys.InfoSysFixtures.millisSince;
import static dev.otpx.infosys.InfoSysFixtures.startCache;
import static dev.otpx.infosys.InfoSysFixtures.startFake;
import static dev.otpx.infosys.InfoSysFixtures.startFakes;
import static dev.otpx.infosys.InfoSysFixtures.startInfoSys;
import static dev.otpx.process.testing.OtpAsserts.assertFailure;
import static org.assertj.core.api.Assertions.assertThat;

import dev.otpx.process.ExitReason;
import dev.otpx.process.GenServer;
import dev.otpx.process.OtpException;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@ExtendWith(VertxExtension.class)
class InfoSysTest {

  @Nested
  class Compute {

    @Test
    void computeReturnsTheResultsBestFirst(Vertx vertx, VertxTestContext ctx) {
      startFake(vertx, "low", new JsonObject().put("score", 10))
        .compose(pid -> startFake(vertx, "high", new JsonObject().put("score", 90)))
        .compose(pid -> startInfoSys(vertx))
        .compose(pid -> InfoSys.compute(vertx, "result", QueryOptions.defaults()))
        .onComplete(ctx.succeeding(results -> ctx.verify(() -> {
          assertThat(results).containsExactly(new Result("high", "result from high", 90), new Result("low", "result from low", 10));
          ctx.completeNow();
        })));
    }

    @Test
    void theOptionsLimitAndBackendsAreSent(Vertx vertx, VertxTestContext ctx) {
      startFake(vertx, "one", new JsonObject().put("results", 3))
        .compose(pid -> startFake(vertx, "two"))
        .compose(pid -> startInfoSys(vertx))
        .compose(pid -> InfoSys.compute(vertx, "result", QueryOptions.defaults().withLimit(2).withBackends(List.of("one"))))
        .onComplete(ctx.succeeding(results -> ctx.verify(() -> {
          assertThat(results).extracting(Result::text).containsExactly("result from one", "result 2 from one");
          assertThat(FakeBackend.calls(vertx, "two", "result")).isZero();
          ctx.completeNow();
        })));
    }

    @Test
    void noResultsIsAnEmptyList(Vertx vertx, VertxTestContext ctx) {
      startFakes(vertx, "fast1")
        .compose(pids -> startInfoSys(vertx))
        .compose(pid -> InfoSys.compute(vertx, "none", QueryOptions.defaults()))
        .onComplete(ctx.succeeding(results -> ctx.verify(() -> {
          assertThat(results).isEmpty();
          ctx.completeNow();
        })));
    }
  }

  @Nested
  class Ask {

    @Test
    void askTellsWhatWasAnsweredFromTheCache(Vertx vertx, VertxTestContext ctx) {
      startCache(vertx, new JsonObject().put("sweep_ms", 60_000))
        .compose(pid -> startFakes(vertx, "fast1", "fast2"))
        .compose(pids -> startInfoSys(vertx))
        .compose(pid -> InfoSys.ask(vertx, "result", QueryOptions.defaults()))
        .compose(first -> InfoSys.ask(vertx, "result", QueryOptions.defaults()).map(second -> List.of(first, second)))
        .onComplete(ctx.succeeding(answers -> ctx.verify(() -> {
          Answer first = answers.get(0);
          Answer second = answers.get(1);
          assertThat(first.query()).isEqualTo("result");
          assertThat(first.cached()).isZero();
          assertThat(first.tookMs()).isNotNegative();
          assertThat(second.cached()).isEqualTo(2);
          assertThat(second.results()).isEqualTo(first.results()).hasSize(2);
          ctx.completeNow();
        })));
    }

    @Test
    void aFullCacheHitIsReadInTheCallerWithoutTheInfoSysProcess(Vertx vertx, VertxTestContext ctx) {
      startCache(vertx, new JsonObject().put("sweep_ms", 60_000))
        .compose(pid -> startFakes(vertx, "fast1", "fast2"))
        .compose(pids -> startInfoSys(vertx))
        .compose(infosys -> InfoSys.ask(vertx, "result", QueryOptions.defaults().withLimit(1))
          .compose(first -> GenServer.stop(vertx, infosys, ExitReason.NORMAL)
            .compose(v -> InfoSys.ask(vertx, "result", QueryOptions.defaults().withLimit(1)))
            .map(second -> List.of(first, second))))
        .onComplete(ctx.succeeding(answers -> ctx.verify(() -> {
          // Like Rumbl's compute reading ETS: the process is gone, the cached answer is not.
          assertThat(answers.get(1).cached()).isEqualTo(2);
          assertThat(answers.get(1).results()).isEqualTo(answers.get(0).results()).hasSize(1);
          assertThat(FakeBackend.calls(vertx, "fast1", "result")).isEqualTo(1);
          ctx.completeNow();
        })));
    }

    @Test
    void aPartialCacheHitGoesToInfoSysWhichAsksOnlyTheMissingBackend(Vertx vertx, VertxTestContext ctx) {
      startCache(vertx, new JsonObject().put("sweep_ms", 60_000))
        .compose(pid -> startFakes(vertx, "fast1", "fast2"))
        .compose(pids -> startInfoSys(vertx))
        .compose(pid -> InfoSys.ask(vertx, "result", QueryOptions.defaults().withBackends(List.of("fast1"))))
        .compose(first -> InfoSys.ask(vertx, "result", QueryOptions.defaults()))
        .onComplete(ctx.succeeding(answer -> ctx.verify(() -> {
          assertThat(answer.cached()).isEqualTo(1);
          assertThat(answer.results()).extracting(Result::backend).containsExactly("fast1", "fast2");
          assertThat(FakeBackend.calls(vertx, "fast1", "result")).isEqualTo(1);
          assertThat(FakeBackend.calls(vertx, "fast2", "result")).isEqualTo(1);
          ctx.completeNow();
        })));
    }

    @Test
    void theFacadeWaitsForInfoSysToAnswerAtTheDeadline(Vertx vertx, VertxTestContext ctx) {
      startFakes(vertx, "fast1")
        .compose(pids -> startFake(vertx, "stuck", new JsonObject().put("mode", "timeout")))
        .compose(pid -> startInfoSys(vertx))
        .onComplete(ctx.succeeding(pid -> {
          long began = System.nanoTime();
          InfoSys.ask(vertx, "result", QueryOptions.defaults().withTimeout(Duration.ofMillis(100)))
            .onComplete(ctx.succeeding(answer -> ctx.verify(() -> {
              assertThat(answer.results()).extracting(Result::backend).containsExactly("fast1");
              assertThat(millisSince(began)).isLessThanOrEqualTo(100 + 150);
              ctx.completeNow();
            })));
        }));
    }
  }

  @Nested
  class Failures {

    @ParameterizedTest
    @ValueSource(strings = {"", "   "})
    void aBlankQueryFailsWithBadRequestNamingTheQuery(String query, Vertx vertx, VertxTestContext ctx) {
      startInfoSys(vertx)
        .compose(pid -> InfoSys.compute(vertx, query, QueryOptions.defaults()))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          OtpException error = assertFailure(OtpException.Failure.ERROR, err);
          assertThat(error.code()).isEqualTo("bad_request");
          assertThat(error.getMessage()).contains("query");
          ctx.completeNow();
        })));
    }

    @Test
    void aNullQueryFailsWithBadRequest(Vertx vertx, VertxTestContext ctx) {
      startInfoSys(vertx)
        .compose(pid -> InfoSys.compute(vertx, null, QueryOptions.defaults()))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertThat(assertFailure(OtpException.Failure.ERROR, err).code()).isEqualTo("bad_request");
          ctx.completeNow();
        })));
    }

    @Test
    void anOversizedQueryFailsWithBadRequest(Vertx vertx, VertxTestContext ctx) {
      startInfoSys(vertx, new JsonObject().put("max_query_length", 5))
        .compose(pid -> InfoSys.compute(vertx, "what is 2 + 2", QueryOptions.defaults()))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          OtpException error = assertFailure(OtpException.Failure.ERROR, err);
          assertThat(error.code()).isEqualTo("bad_request");
          assertThat(error.getMessage()).contains("query").contains("5");
          ctx.completeNow();
        })));
    }

    @Test
    void acceptsSaysWhatTheRunningInfoSysTakes(Vertx vertx, VertxTestContext ctx) {
      ctx.verify(() -> {
        assertThat(InfoSys.accepts(vertx, "x".repeat(InfoSysServer.DEFAULT_MAX_QUERY_LENGTH))).as("default, none started").isTrue();
        assertThat(InfoSys.accepts(vertx, "x".repeat(InfoSysServer.DEFAULT_MAX_QUERY_LENGTH + 1))).isFalse();
      });
      startInfoSys(vertx, new JsonObject().put("max_query_length", 5))
        .onComplete(ctx.succeeding(pid -> ctx.verify(() -> {
          assertThat(InfoSys.accepts(vertx, "  12345 ")).as("measured stripped, as InfoSys does").isTrue();
          assertThat(InfoSys.accepts(vertx, "123456")).isFalse();
          assertThat(InfoSys.accepts(vertx, "   ")).isFalse();
          assertThat(InfoSys.accepts(vertx, null)).isFalse();
          ctx.completeNow();
        })));
    }

    @Test
    void withoutInfoSysRunningTheFacadeFailsWithNoproc(Vertx vertx, VertxTestContext ctx) {
      long began = System.nanoTime();
      InfoSys.compute(vertx, "result", QueryOptions.defaults()).onComplete(ctx.failing(err -> ctx.verify(() -> {
        assertFailure(OtpException.Failure.NOPROC, err);
        assertThat(millisSince(began)).as("noproc comes at once").isLessThan(1_000);
        ctx.completeNow();
      })));
    }
  }
}
