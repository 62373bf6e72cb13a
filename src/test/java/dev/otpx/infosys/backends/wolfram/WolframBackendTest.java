package dev.otpx.infosys.backends.wolfram;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otpx.infosys.BackendBusyException;
import dev.otpx.infosys.BackendUnavailableException;
import dev.otpx.infosys.Cancellation;
import dev.otpx.infosys.ComputeOptions;
import dev.otpx.infosys.Result;
import dev.otpx.process.VirtualClock;
import dev.otpx.testing.LogCapture;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The backend against a fake WolframAlpha: a local HTTP server on port 0 that answers by the
 * {@code input} parameter, mostly with the recorded-format fixtures.
 */
@ExtendWith(VertxExtension.class)
class WolframBackendTest {

  private static final String APP_ID = "TEST-7Q2P9X-SECRET";
  private static final Duration DEADLINE = Duration.ofSeconds(5);

  private Context context;
  private HttpServer server;
  private final List<HttpServerRequest> received = new CopyOnWriteArrayList<>();
  private final Promise<Void> slowRequestArrived = Promise.promise();
  private final Promise<Void> slowConnectionClosed = Promise.promise();
  /** Slow requests the fake has received, and a promise completed when there are this many. */
  private final AtomicInteger slowRequests = new AtomicInteger();
  private volatile int slowTarget = Integer.MAX_VALUE;
  private final Promise<Void> slowTargetReached = Promise.promise();
  private LogCapture logs;
  private WolframBackend backend;

  @BeforeEach
  void startTheFakeWolframAndOpenTheBackend(Vertx vertx, VertxTestContext ctx) {
    context = vertx.getOrCreateContext();
    logs = LogCapture.of(WolframBackend.class);
    server = vertx.createHttpServer().requestHandler(this::fakeWolfram);
    server.listen(0, "127.0.0.1")
      .compose(s -> open(new WolframBackend(name -> null), config()))
      .onSuccess(opened -> backend = opened)
      .onComplete(ctx.succeedingThenComplete());
  }

  @AfterEach
  void theAppIdNeverReachesTheLog() {
    logs.close();
    assertThat(logs.messages()).noneMatch(message -> message.contains(APP_ID));
  }

  /** Serves WolframAlpha's replies by query, and the failures the backend must survive. */
  private void fakeWolfram(HttpServerRequest request) {
    received.add(request);
    String input = request.getParam("input", "");
    switch (input) {
      case "what is 2 + 2" -> xml(request, "result.xml");
      case "define serendipity" -> xml(request, "definitions.xml");
      case "tokyo" -> xml(request, "no-pod.xml");
      case "xyzzy" -> xml(request, "success-false.xml");
      case "bad key" -> xml(request, "error.xml");
      case "echo key" -> request.response().putHeader("content-type", "text/xml;charset=utf-8").end(
        "<queryresult success='false' error='true'><error><code>1</code><msg>Invalid appid "
          + request.getParam("appid") + "</msg></error></queryresult>");
      case "malformed" -> xml(request, "malformed.xml");
      case "not xml" -> request.response().putHeader("content-type", "text/plain").end("Service temporarily unavailable");
      case "empty" -> request.response().end();
      case "boom" -> request.response().setStatusCode(500).end("<html><body>Internal Server Error</body></html>");
      case "reset" -> request.connection().close();
      case "huge declared" -> request.response().end(Buffer.buffer(new byte[WolframBackend.MAX_BODY_BYTES + 1]));
      case "huge chunked" -> {
        request.response().setChunked(true);
        for (int i = 0; i < 20; i++) {
          request.response().write(Buffer.buffer(new byte[64 * 1024]));
        }
        request.response().end();
      }
      case "slow" -> {
        request.connection().closeHandler(v -> slowConnectionClosed.tryComplete());
        slowRequestArrived.tryComplete();
        if (slowRequests.incrementAndGet() >= slowTarget) {
          slowTargetReached.tryComplete();
        }
        // and never answer
      }
      default -> request.response().setStatusCode(404).end();
    }
  }

  private static void xml(HttpServerRequest request, String fixture) {
    request.response().putHeader("content-type", "text/xml;charset=utf-8").end(WolframFixtures.read(fixture));
  }

  private JsonObject config() {
    return new JsonObject().put("app_id", APP_ID).put("base_url", "http://127.0.0.1:" + server.actualPort());
  }

  /** Runs on the backend's context, as its process would. */
  private <T> Future<T> onBackendContext(Supplier<Future<T>> work) {
    Promise<T> done = Promise.promise();
    context.runOnContext(v -> {
      try {
        work.get().onComplete(done);
      } catch (RuntimeException e) {
        done.fail(e);
      }
    });
    return done.future();
  }

  private Future<WolframBackend> open(WolframBackend toOpen, JsonObject config) {
    return onBackendContext(() -> toOpen.open(context.owner(), config)).map(v -> toOpen);
  }

  private Future<List<Result>> compute(String query) {
    return compute(backend, query, options(DEADLINE, new HandCancellation(context)));
  }

  private Future<List<Result>> compute(WolframBackend on, String query, ComputeOptions options) {
    return onBackendContext(() -> on.compute(query, options));
  }

  private static ComputeOptions options(Duration timeout, Cancellation cancellation) {
    return new ComputeOptions(10, timeout, cancellation);
  }

  /** Runs after whatever the backend's context has queued, so late log lines would be seen. */
  private Future<Void> settled() {
    return onBackendContext(Future::succeededFuture);
  }

  /**
   * Expects the query to fail with a message containing {@code problem}, and no log line at WARN:
   * InfoSys counts the failure against the backend's circuit and logs the circuit's changes.
   */
  private void expectFailureAndNoWarning(String query, String problem, VertxTestContext ctx) {
    compute(query)
      .onComplete(ctx.failing(err -> settled().onComplete(ctx.succeeding(v -> ctx.verify(() -> {
        assertThat(err).isNotInstanceOf(CancellationException.class).isNotInstanceOf(BackendBusyException.class);
        assertThat(err.getMessage()).contains(problem).doesNotContain(APP_ID);
        assertThat(logs.warnings()).isEmpty();
        ctx.completeNow();
      })))));
  }

  @Nested
  class Answers {

    @Test
    void aResultPodIsTheAnswerScoredNinetyFive(VertxTestContext ctx) {
      compute("what is 2 + 2").onComplete(ctx.succeeding(results -> ctx.verify(() -> {
        assertThat(results).containsExactly(new Result("wolfram", "4", 95));
        assertThat(logs.warnings()).isEmpty();
        ctx.completeNow();
      })));
    }

    @Test
    void aDefinitionsPodIsTheAnswer(VertxTestContext ctx) {
      compute("define serendipity").onComplete(ctx.succeeding(results -> ctx.verify(() -> {
        assertThat(results).containsExactly(
          new Result("wolfram", "noun | good luck in making unexpected and fortunate discoveries", WolframBackend.SCORE));
        ctx.completeNow();
      })));
    }

    @Test
    void aReplyWithoutResultOrDefinitionsPodGivesNoResultsQuietly(VertxTestContext ctx) {
      compute("tokyo").compose(results -> settled().map(results)).onComplete(ctx.succeeding(results -> ctx.verify(() -> {
        assertThat(results).isEmpty();
        assertThat(logs.warnings()).isEmpty();
        ctx.completeNow();
      })));
    }

    @Test
    void aQueryWolframDoesNotUnderstandGivesNoResultsQuietly(VertxTestContext ctx) {
      // success="false": about the question, not the service, so it is no failure.
      compute("xyzzy").compose(results -> settled().map(results)).onComplete(ctx.succeeding(results -> ctx.verify(() -> {
        assertThat(results).isEmpty();
        assertThat(logs.warnings()).isEmpty();
        ctx.completeNow();
      })));
    }

    @Test
    void aBlankQueryAsksNothing(VertxTestContext ctx) {
      compute("   ").onComplete(ctx.succeeding(results -> ctx.verify(() -> {
        assertThat(results).isEmpty();
        assertThat(received).isEmpty();
        ctx.completeNow();
      })));
    }

    @Test
    void theNameIsWolfram() {
      assertThat(new WolframBackend().name()).isEqualTo("wolfram");
    }
  }

  @Nested
  class TheRequest {

    @Test
    void carriesTheAppIdTheEncodedInputAndPlaintextFormat(VertxTestContext ctx) {
      compute("what is 2 + 2").onComplete(ctx.succeeding(results -> ctx.verify(() -> {
        assertThat(received).hasSize(1);
        HttpServerRequest request = received.get(0);
        assertThat(request.method().name()).isEqualTo("GET");
        assertThat(request.path()).isEqualTo("/v2/query");
        assertThat(request.getParam("appid")).isEqualTo(APP_ID);
        assertThat(request.getParam("input")).isEqualTo("what is 2 + 2");
        assertThat(request.getParam("format")).isEqualTo("plaintext");
        // A space is %20 and a literal plus is %2B: "+" alone would read as a space.
        assertThat(request.query()).contains("input=what%20is%202%20%2B%202");
        ctx.completeNow();
      })));
    }

    @Test
    void aBaseUrlWithAPathKeepsIt(VertxTestContext ctx) {
      open(new WolframBackend(name -> null), config().put("base_url", "http://127.0.0.1:" + server.actualPort() + "/proxy/"))
        .compose(other -> compute(other, "what is 2 + 2", options(DEADLINE, new HandCancellation(context))))
        .onComplete(ctx.succeeding(results -> ctx.verify(() -> {
          assertThat(received).singleElement().extracting(HttpServerRequest::path).isEqualTo("/proxy/v2/query");
          ctx.completeNow();
        })));
    }
  }

  @Nested
  class Failures {

    @Test
    void malformedXmlFailsTheQuery(VertxTestContext ctx) {
      expectFailureAndNoWarning("malformed", "not well-formed XML", ctx);
    }

    @Test
    void aBodyThatIsNotXmlFailsTheQuery(VertxTestContext ctx) {
      expectFailureAndNoWarning("not xml", "not well-formed XML", ctx);
    }

    @Test
    void http500FailsTheQuery(VertxTestContext ctx) {
      expectFailureAndNoWarning("boom", "HTTP 500", ctx);
    }

    @Test
    void http404FailsTheQuery(VertxTestContext ctx) {
      expectFailureAndNoWarning("unknown", "HTTP 404", ctx);
    }

    @Test
    void wolframsErrorFailsTheQueryWithItsMessage(VertxTestContext ctx) {
      expectFailureAndNoWarning("bad key", "Invalid appid", ctx);
    }

    @Test
    void anAppIdQuotedByTheServerIsRedactedFromTheFailure(VertxTestContext ctx) {
      // theAppIdNeverReachesTheLog checks the log, after every test.
      expectFailureAndNoWarning("echo key", "Invalid appid <app_id>", ctx);
    }

    @Test
    void anEmptyBodyFailsTheQuery(VertxTestContext ctx) {
      expectFailureAndNoWarning("empty", "empty body", ctx);
    }

    @Test
    void aDeclaredBodyOverOneMebibyteIsNotRead(VertxTestContext ctx) {
      expectFailureAndNoWarning("huge declared", "cap", ctx);
    }

    @Test
    void aStreamedBodyOverOneMebibyteIsCutOff(VertxTestContext ctx) {
      expectFailureAndNoWarning("huge chunked", "cap", ctx);
    }

    @Test
    void aConnectionResetFailsTheQuery(VertxTestContext ctx) {
      expectFailureAndNoWarning("reset", "request failed", ctx);
    }

    @Test
    void anUnreachableServerFailsTheQuery(Vertx vertx, VertxTestContext ctx) {
      // A port that was just free: connecting to it is refused.
      HttpServer gone = vertx.createHttpServer().requestHandler(r -> r.response().end());
      gone.listen(0, "127.0.0.1")
        .compose(s -> gone.close().map(s.actualPort()))
        .compose(port -> open(new WolframBackend(name -> null), config().put("base_url", "http://127.0.0.1:" + port)))
        .compose(other -> compute(other, "what is 2 + 2", options(DEADLINE, new HandCancellation(context))))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertThat(err.getMessage()).contains("request failed");
          assertThat(logs.warnings()).isEmpty();
          ctx.completeNow();
        })));
    }
  }

  @Nested
  class Deadline {

    @Test
    void aServerSlowerThanTheRequestTimeoutFailsTheQueryAndItsRequestIsReset(Vertx vertx, VertxTestContext ctx) {
      // The backend's budget runs on the node's clock: the test moves it instead of waiting 100 ms.
      VirtualClock clock = VirtualClock.install(vertx);
      long start = clock.millis();
      Future<Long> failed = open(new WolframBackend(name -> null), config().put("request_timeout_ms", 100))
        .compose(capped -> compute(capped, "slow", options(DEADLINE, new HandCancellation(context))))
        .transform(ar -> {
          ctx.verify(() -> assertThat(ar.failed()).as("failed").isTrue());
          ctx.verify(() -> assertThat(ar.cause()).isNotInstanceOf(CancellationException.class)
            .hasMessageContaining("no answer within 100 ms (request_timeout_ms)"));
          return Future.succeededFuture(clock.millis() - start);
        });
      // Once the request hangs at the fake server, its budget runs out.
      slowRequestArrived.future().onSuccess(v -> clock.advance(Duration.ofMillis(100)));
      Future.all(failed, slowConnectionClosed.future())
        .compose(all -> settled())
        .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
          assertThat(failed.result()).isBetween(90L, DEADLINE.toMillis());
          assertThat(logs.warnings()).isEmpty();
          ctx.completeNow();
        })));
    }

    @Test
    void theQuerysDeadlineIsTheCancellationNotAFailure(VertxTestContext ctx) {
      // A deadline shorter than the request timeout: only the cancellation (fired at the deadline)
      // ends the request, and it ends as cancelled, which is the caller's choice, not a failure.
      HandCancellation cancellation = new HandCancellation(context);
      Future<List<Result>> answered = compute(backend, "slow", options(Duration.ofMillis(5), cancellation));
      slowRequestArrived.future().onSuccess(v -> cancellation.fire());
      Future.join(answered, slowConnectionClosed.future())
        .onComplete(all -> ctx.verify(() -> {
          assertThat(answered.cause()).isInstanceOf(CancellationException.class).hasMessageContaining("cancelled at the query's deadline");
          assertThat(slowConnectionClosed.future().succeeded()).as("request reset").isTrue();
          assertThat(logs.warnings()).isEmpty();
          ctx.completeNow();
        }));
    }

    @Test
    void firingTheCancellationResetsTheRequestAtOnce(VertxTestContext ctx) {
      HandCancellation cancellation = new HandCancellation(context);
      long start = System.nanoTime();
      Future<Long> answered = compute(backend, "slow", options(DEADLINE, cancellation))
        .transform(ar -> {
          ctx.verify(() -> assertThat(ar.cause()).isInstanceOf(CancellationException.class));
          return Future.succeededFuture((System.nanoTime() - start) / 1_000_000);
        });
      slowRequestArrived.future().onSuccess(v -> cancellation.fire());
      Future.all(answered, slowConnectionClosed.future())
        .compose(all -> settled())
        .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
          assertThat(answered.result()).isLessThan(DEADLINE.toMillis());
          assertThat(logs.warnings()).isEmpty();
          ctx.completeNow();
        })));
    }

    @Test
    void anAlreadyCancelledQuerySendsNoRequest(VertxTestContext ctx) {
      HandCancellation cancellation = new HandCancellation(context);
      cancellation.fire();
      settled()
        .compose(v -> compute(backend, "what is 2 + 2", options(DEADLINE, cancellation)))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertThat(err).isInstanceOf(CancellationException.class);
          assertThat(received).isEmpty();
          ctx.completeNow();
        })));
    }

    @Test
    void cancellingAfterTheAnswerChangesNothing(VertxTestContext ctx) {
      HandCancellation cancellation = new HandCancellation(context);
      compute(backend, "what is 2 + 2", options(DEADLINE, cancellation))
        .compose(results -> {
          cancellation.fire();
          return settled().map(results);
        })
        .onComplete(ctx.succeeding(results -> ctx.verify(() -> {
          assertThat(results).extracting(Result::text).containsExactly("4");
          assertThat(logs.warnings()).isEmpty();
          ctx.completeNow();
        })));
    }
  }

  @Nested
  class ConcurrentQueries {

    /** More than Vert.x's default pool of five connections per server. */
    private static final int SLOW = 8;

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void aFastQueryIsNotHeldBehindSlowOnesInFlight(VertxTestContext ctx) {
      slowTarget = SLOW;
      List<HandCancellation> cancellations = new ArrayList<>();
      List<Future<List<Result>>> slow = new ArrayList<>();
      for (int i = 0; i < SLOW; i++) {
        HandCancellation cancellation = new HandCancellation(context);
        cancellations.add(cancellation);
        slow.add(compute(backend, "slow", options(DEADLINE, cancellation)));
      }
      // Every slow request has reached the server (none waits for a connection) before the fast
      // one is even asked; it then answers while all of them are still in flight.
      slowTargetReached.future()
        .compose(v -> compute("what is 2 + 2"))
        .onComplete(ctx.succeeding(results -> ctx.verify(() -> {
          assertThat(results).extracting(Result::text).containsExactly("4");
          assertThat(slow).noneMatch(Future::isComplete);
          assertThat(slowRequests.get()).isEqualTo(SLOW);
          cancellations.forEach(HandCancellation::fire);
          ctx.completeNow();
        })));
    }

    @Test
    @Timeout(value = 20, unit = TimeUnit.SECONDS)
    void withThePoolAndItsQueueFullAQueryIsTurnedAwayAtOnceAsBusy(VertxTestContext ctx) {
      slowTarget = 2;
      List<HandCancellation> cancellations = new ArrayList<>();
      open(new WolframBackend(name -> null), config().put("max_connections", 2).put("max_waiting", 1))
        .compose(small -> {
          // Two in flight (Vert.x counts a connection being opened against the wait queue, so the
          // third is asked only once both are connected), one waiting, and then one too many.
          for (int i = 0; i < 3; i++) {
            HandCancellation cancellation = new HandCancellation(context);
            cancellations.add(cancellation);
          }
          compute(small, "slow", options(DEADLINE, cancellations.get(0)));
          compute(small, "slow", options(DEADLINE, cancellations.get(1)));
          return slowTargetReached.future()
            .compose(v -> {
              Future<List<Result>> waiting = compute(small, "slow", options(DEADLINE, cancellations.get(2)));
              return compute(small, "what is 2 + 2", options(DEADLINE, new HandCancellation(context)))
                .andThen(ar -> ctx.verify(() -> assertThat(waiting.isComplete()).as("the waiting one still waits").isFalse()));
            });
        })
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertThat(err).isInstanceOf(BackendBusyException.class).hasMessageContaining("max_waiting");
          assertThat(received).extracting(r -> r.getParam("input")).containsOnly("slow");
          cancellations.forEach(HandCancellation::fire);
          ctx.completeNow();
        })));
    }
  }

  @Nested
  class Opening {

    @Test
    void anEmptyAppIdLeavesTheBackendOutAsUnavailable(VertxTestContext ctx) {
      open(new WolframBackend(Map.of(WolframBackend.APP_ID_ENV, "FROM-ENV")::get), config().put("app_id", ""))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertThat(err).isInstanceOf(BackendUnavailableException.class).hasMessage("WOLFRAM_APP_ID is not set");
          ctx.completeNow();
        })));
    }

    @Test
    void withoutAnAppIdInConfigOrEnvironmentTheBackendIsUnavailable(VertxTestContext ctx) {
      JsonObject config = config();
      config.remove("app_id");
      open(new WolframBackend(name -> null), config)
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertThat(err).isInstanceOf(BackendUnavailableException.class).hasMessage("WOLFRAM_APP_ID is not set");
          ctx.completeNow();
        })));
    }

    @Test
    void withoutAnAppIdInConfigTheEnvironmentVariableIsUsed(VertxTestContext ctx) {
      JsonObject config = config();
      config.remove("app_id");
      open(new WolframBackend(Map.of("WOLFRAM_APP_ID", "FROM-ENV")::get), config)
        .compose(fromEnv -> compute(fromEnv, "what is 2 + 2", options(DEADLINE, new HandCancellation(context))))
        .onComplete(ctx.succeeding(results -> ctx.verify(() -> {
          assertThat(results).extracting(Result::text).containsExactly("4");
          assertThat(received).singleElement().extracting(r -> r.getParam("appid")).isEqualTo("FROM-ENV");
          ctx.completeNow();
        })));
    }

    @Test
    void aBaseUrlThatIsNotHttpIsRefusedNamingTheField(VertxTestContext ctx) {
      open(new WolframBackend(name -> null), config().put("base_url", "ftp://example.com"))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertThat(err).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'base_url'");
          ctx.completeNow();
        })));
    }

    @Test
    void aRequestTimeoutThatIsNotPositiveIsRefusedNamingTheField(VertxTestContext ctx) {
      open(new WolframBackend(name -> null), config().put("request_timeout_ms", 0))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertThat(err).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'request_timeout_ms'");
          ctx.completeNow();
        })));
    }

    @Test
    void aPoolSizeBelowOneIsRefusedNamingTheField(VertxTestContext ctx) {
      open(new WolframBackend(name -> null), config().put("max_connections", 0))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertThat(err).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'max_connections'");
          ctx.completeNow();
        })));
    }

    @Test
    void aWaitQueueThatIsNotAWholeNumberIsRefusedNamingTheField(VertxTestContext ctx) {
      open(new WolframBackend(name -> null), config().put("max_waiting", "many"))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertThat(err).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'max_waiting'");
          ctx.completeNow();
        })));
    }

    @Test
    void computeBeforeOpenFails(VertxTestContext ctx) {
      compute(new WolframBackend(name -> null), "what is 2 + 2", options(DEADLINE, new HandCancellation(context)))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertThat(err).isInstanceOf(IllegalStateException.class).hasMessageContaining("not open");
          ctx.completeNow();
        })));
    }
  }

  /** A cancellation the test fires; its actions run on the backend's context, as the contract says. */
  private static final class HandCancellation implements Cancellation {
    private final Context context;
    private final List<Runnable> actions = new ArrayList<>();
    private volatile boolean cancelled;

    HandCancellation(Context context) {
      this.context = context;
    }

    void fire() {
      context.runOnContext(v -> {
        cancelled = true;
        List<Runnable> toRun = new ArrayList<>(actions);
        actions.clear();
        toRun.forEach(Runnable::run);
      });
    }

    @Override
    public void onCancel(Runnable action) {
      if (cancelled) {
        action.run();
      } else {
        actions.add(action);
      }
    }

    @Override
    public boolean cancelled() {
      return cancelled;
    }
  }
}
