package dev.otpx.infosys.backends.wolfram;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import dev.otpx.infosys.BackendUnavailableException;
import dev.otpx.infosys.Cancellation;
import dev.otpx.infosys.ComputeOptions;
import dev.otpx.infosys.Result;
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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

/**
 * The backend against a fake WolframAlpha: a local HTTP server on port 0 that answers by the
 * {@code input} parameter, mostly with the recorded-format fixtures.
 */
@ExtendWith(VertxExtension.class)
class WolframBackendTest {

  private static final String APP_ID = "TEST-7Q2P9X-SECRET";
  private static final Duration DEADLINE = Duration.ofSeconds(5);
  /** What the deadline tests allow on top of the deadline: timers and a loaded CI. */
  private static final long MARGIN_MS = 900;

  private Context context;
  private HttpServer server;
  private final List<HttpServerRequest> received = new CopyOnWriteArrayList<>();
  private final Promise<Void> slowRequestArrived = Promise.promise();
  private final Promise<Void> slowConnectionClosed = Promise.promise();
  private final LogCapture logs = new LogCapture();
  private WolframBackend backend;

  @BeforeEach
  void startTheFakeWolframAndOpenTheBackend(Vertx vertx, VertxTestContext ctx) {
    context = vertx.getOrCreateContext();
    logs.start();
    server = vertx.createHttpServer().requestHandler(this::fakeWolfram);
    server.listen(0, "127.0.0.1")
      .compose(s -> open(new WolframBackend(name -> null), config()))
      .onSuccess(opened -> backend = opened)
      .onComplete(ctx.succeedingThenComplete());
  }

  @AfterEach
  void theAppIdNeverReachesTheLog() {
    logs.stop();
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

  /** Expects no results and exactly one WARN line containing {@code problem}. */
  private void expectNoResultsAndOneWarning(String query, String problem, VertxTestContext ctx) {
    compute(query)
      .compose(results -> settled().map(results))
      .onComplete(ctx.succeeding(results -> ctx.verify(() -> {
        assertThat(results).isEmpty();
        assertThat(logs.warnings()).singleElement().asString().contains(problem);
        ctx.completeNow();
      })));
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
  class BadReplies {

    @Test
    void malformedXmlGivesNoResultsAndOneWarning(VertxTestContext ctx) {
      expectNoResultsAndOneWarning("malformed", "not well-formed XML", ctx);
    }

    @Test
    void aBodyThatIsNotXmlGivesNoResultsAndOneWarning(VertxTestContext ctx) {
      expectNoResultsAndOneWarning("not xml", "not well-formed XML", ctx);
    }

    @Test
    void http500GivesNoResultsAndOneWarning(VertxTestContext ctx) {
      expectNoResultsAndOneWarning("boom", "HTTP 500", ctx);
    }

    @Test
    void successFalseGivesNoResultsAndOneWarning(VertxTestContext ctx) {
      expectNoResultsAndOneWarning("xyzzy", "success=false", ctx);
    }

    @Test
    void wolframsErrorIsLoggedWithItsMessage(VertxTestContext ctx) {
      expectNoResultsAndOneWarning("bad key", "Invalid appid", ctx);
    }

    @Test
    void anAppIdQuotedByTheServerIsRedactedFromTheWarning(VertxTestContext ctx) {
      // theAppIdNeverReachesTheLog checks the rest, after every test.
      expectNoResultsAndOneWarning("echo key", "Invalid appid <app_id>", ctx);
    }

    @Test
    void anEmptyBodyGivesNoResultsAndOneWarning(VertxTestContext ctx) {
      expectNoResultsAndOneWarning("empty", "empty body", ctx);
    }

    @Test
    void aDeclaredBodyOverOneMebibyteIsNotRead(VertxTestContext ctx) {
      expectNoResultsAndOneWarning("huge declared", "cap", ctx);
    }

    @Test
    void aStreamedBodyOverOneMebibyteIsCutOff(VertxTestContext ctx) {
      expectNoResultsAndOneWarning("huge chunked", "cap", ctx);
    }

    @Test
    void anUnreachableServerGivesNoResultsAndOneWarning(Vertx vertx, VertxTestContext ctx) {
      // A port that was just free: connecting to it is refused.
      HttpServer gone = vertx.createHttpServer().requestHandler(r -> r.response().end());
      gone.listen(0, "127.0.0.1")
        .compose(s -> gone.close().map(s.actualPort()))
        .compose(port -> open(new WolframBackend(name -> null), config().put("base_url", "http://127.0.0.1:" + port)))
        .compose(other -> compute(other, "what is 2 + 2", options(DEADLINE, new HandCancellation(context))))
        .compose(results -> settled().map(results))
        .onComplete(ctx.succeeding(results -> ctx.verify(() -> {
          assertThat(results).isEmpty();
          assertThat(logs.warnings()).singleElement().asString().contains("request failed");
          ctx.completeNow();
        })));
    }
  }

  @Nested
  class Deadline {

    @Test
    void aServerThatNeverAnswersGivesNoResultsByTheDeadlineAndItsRequestIsReset(VertxTestContext ctx) {
      long start = System.nanoTime();
      Future<Long> answered = compute(backend, "slow", options(Duration.ofMillis(100), new HandCancellation(context)))
        .map(results -> {
          ctx.verify(() -> assertThat(results).isEmpty());
          return (System.nanoTime() - start) / 1_000_000;
        });
      Future.all(answered, slowConnectionClosed.future())
        .compose(all -> settled())
        .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
          assertThat(answered.result()).isBetween(90L, 100 + MARGIN_MS);
          assertThat(logs.warnings()).singleElement().asString().contains("no answer within 100 ms");
          ctx.completeNow();
        })));
    }

    @Test
    void firingTheCancellationResetsTheRequestAtOnce(VertxTestContext ctx) {
      HandCancellation cancellation = new HandCancellation(context);
      long start = System.nanoTime();
      Future<Long> answered = compute(backend, "slow", options(DEADLINE, cancellation))
        .map(results -> {
          ctx.verify(() -> assertThat(results).isEmpty());
          return (System.nanoTime() - start) / 1_000_000;
        });
      slowRequestArrived.future().onSuccess(v -> cancellation.fire());
      Future.all(answered, slowConnectionClosed.future())
        .compose(all -> settled())
        .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
          assertThat(answered.result()).isLessThan(DEADLINE.toMillis());
          assertThat(logs.warnings()).singleElement().asString().contains("cancelled");
          ctx.completeNow();
        })));
    }

    @Test
    void anAlreadyCancelledQuerySendsNoRequest(VertxTestContext ctx) {
      HandCancellation cancellation = new HandCancellation(context);
      cancellation.fire();
      settled()
        .compose(v -> compute(backend, "what is 2 + 2", options(DEADLINE, cancellation)))
        .onComplete(ctx.succeeding(results -> ctx.verify(() -> {
          assertThat(results).isEmpty();
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

    @Test
    void theConfiguredRequestTimeoutCapsALongerDeadline(VertxTestContext ctx) {
      open(new WolframBackend(name -> null), config().put("request_timeout_ms", 100))
        .compose(capped -> compute(capped, "slow", options(DEADLINE, new HandCancellation(context))))
        .compose(results -> slowConnectionClosed.future().map(results))
        .onComplete(ctx.succeeding(results -> ctx.verify(() -> {
          assertThat(results).isEmpty();
          assertThat(logs.warnings()).singleElement().asString().contains("no answer within 100 ms");
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

  /** Collects the backend's log lines, from any thread. */
  private static final class LogCapture extends AppenderBase<ILoggingEvent> {
    private final Logger logger = (Logger) LoggerFactory.getLogger(WolframBackend.class);
    private final List<ILoggingEvent> events = new CopyOnWriteArrayList<>();

    @Override
    public void start() {
      super.start();
      logger.addAppender(this);
    }

    @Override
    public void stop() {
      logger.detachAppender(this);
      super.stop();
    }

    @Override
    protected void append(ILoggingEvent event) {
      events.add(event);
    }

    List<String> messages() {
      return events.stream().map(ILoggingEvent::getFormattedMessage).toList();
    }

    List<String> warnings() {
      return events.stream().filter(e -> e.getLevel() == Level.WARN).map(ILoggingEvent::getFormattedMessage).toList();
    }
  }
}
