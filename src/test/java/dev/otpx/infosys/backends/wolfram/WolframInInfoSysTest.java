package dev.otpx.infosys.backends.wolfram;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.otpx.infosys.Answer;
import dev.otpx.infosys.BackendServer;
import dev.otpx.infosys.InfoSysServer;
import dev.otpx.infosys.Result;
import dev.otpx.infosys.ResultCache;
import dev.otpx.process.GenServer;
import dev.otpx.process.Pid;
import dev.otpx.testing.LogCapture;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The Wolfram backend inside InfoSys, as the jar runs it (its process, InfoSys with the default
 * circuit breaker, the cache), against a local fake of WolframAlpha whose health the test switches:
 * what a user sees when WolframAlpha fails, recovers, or is asked by impatient clients, and what the
 * operator reads in the log meanwhile.
 */
@ExtendWith(VertxExtension.class)
class WolframInInfoSysTest {

  /** Entries that outlive any test. */
  private static final JsonObject LASTING_CACHE = new JsonObject().put("sweep_ms", 60_000).put("ttl_ms", 60_000);

  private Vertx vertx;
  private HttpServer server;
  /** What the fake answers: "ok" (the recorded reply), "500", "garbage" or "slow" (after 100 ms). */
  private volatile String health = "ok";
  private final AtomicInteger requests = new AtomicInteger();
  private LogCapture logs;

  @BeforeEach
  void startTheFakeWolframAndInfoSys(Vertx vertx, VertxTestContext ctx) {
    this.vertx = vertx;
    logs = LogCapture.of("dev.otpx.infosys", Level.INFO);
    server = vertx.createHttpServer().requestHandler(this::fakeWolfram);
    server.listen(0, "127.0.0.1")
      .compose(s -> start(vertx, new ResultCache(), LASTING_CACHE, ResultCache.NAME))
      .compose(pid -> start(vertx, new BackendServer(), new JsonObject()
        .put("backend", WolframBackend.class.getName())
        .put("app_id", "TEST-APP-ID")
        .put("base_url", "http://127.0.0.1:" + server.actualPort()), null))
      // The breaker as conf/config.json sets it.
      .compose(pid -> start(vertx, new InfoSysServer(), new JsonObject(), InfoSysServer.NAME))
      .onComplete(ctx.succeedingThenComplete());
  }

  @AfterEach
  void stopCapturing() {
    logs.close();
  }

  private static Future<Pid> start(Vertx vertx, GenServer<?> server, JsonObject config, String name) {
    return GenServer.start(vertx, server, new DeploymentOptions().setConfig(config), name);
  }

  private void fakeWolfram(HttpServerRequest request) {
    requests.incrementAndGet();
    switch (health) {
      case "500" -> request.response().setStatusCode(500).end("<html><body>Internal Server Error</body></html>");
      case "garbage" -> request.response().putHeader("content-type", "text/plain").end("Service temporarily unavailable");
      case "slow" -> vertx.setTimer(100, id -> {
        if (!request.response().closed()) {
          answer(request);
        }
      });
      default -> answer(request);
    }
  }

  private static void answer(HttpServerRequest request) {
    request.response().putHeader("content-type", "text/xml;charset=utf-8").end(WolframFixtures.read("result.xml"));
  }

  private static Future<List<String>> ask(Vertx vertx, String query, long timeoutMs) {
    return GenServer.<JsonObject>call(vertx, InfoSysServer.NAME, new JsonObject().put("query", query).put("timeout_ms", timeoutMs))
      .map(json -> Answer.fromJson(json).results().stream().map(Result::text).toList());
  }

  private static Future<List<String>> ask(Vertx vertx, String query) {
    return ask(vertx, query, 5_000);
  }

  /** Asks {@code times} times one after the other; completes with the last answer. */
  private static Future<List<String>> repeat(Vertx vertx, int times, String query, long timeoutMs) {
    Future<List<String>> chain = Future.succeededFuture();
    for (int i = 0; i < times; i++) {
      chain = chain.compose(previous -> ask(vertx, query, timeoutMs));
    }
    return chain;
  }

  @Test
  void aFailureIsNotCachedSoARecoveredWolframAnswersTheNextQuery(Vertx vertx, VertxTestContext ctx) {
    health = "500";
    ask(vertx, "what is 2 + 2")
      .compose(down -> {
        ctx.verify(() -> assertThat(down).isEmpty());
        health = "ok";
        return ask(vertx, "what is 2 + 2");
      })
      .onComplete(ctx.succeeding(recovered -> ctx.verify(() -> {
        assertThat(recovered).containsExactly("4");
        assertThat(requests.get()).isEqualTo(2);
        ctx.completeNow();
      })));
  }

  @Test
  void garbageIsNotCachedEither(Vertx vertx, VertxTestContext ctx) {
    health = "garbage";
    ask(vertx, "what is 2 + 2")
      .compose(down -> {
        health = "ok";
        return ask(vertx, "what is 2 + 2");
      })
      .onComplete(ctx.succeeding(recovered -> ctx.verify(() -> {
        assertThat(recovered).containsExactly("4");
        ctx.completeNow();
      })));
  }

  @Test
  void impatientClientsCannotSwitchWolframOffForEveryone(Vertx vertx, VertxTestContext ctx) {
    // WolframAlpha takes 100 ms; eight clients allow 5 ms. None of that is WolframAlpha's failure.
    health = "slow";
    repeat(vertx, 8, "what is 2 + 2", 5)
      .compose(impatient -> {
        ctx.verify(() -> assertThat(impatient).isEmpty());
        return ask(vertx, "what is 2 + 2", 5_000);
      })
      .onComplete(ctx.succeeding(patient -> ctx.verify(() -> {
        assertThat(patient).as("the circuit stayed closed").containsExactly("4");
        assertThat(logs.warnings()).isEmpty();
        ctx.completeNow();
      })));
  }

  @Test
  void aFailingWolframOpensItsCircuitWithOneWarningAndIsNoLongerAsked(Vertx vertx, VertxTestContext ctx) {
    health = "500";
    repeat(vertx, 12, "what is 2 + 2", 5_000)
      .onComplete(ctx.succeeding(last -> ctx.verify(() -> {
        assertThat(last).isEmpty();
        // The default breaker opens once 5 calls are in and at least half failed.
        assertThat(requests.get()).isEqualTo(5);
        assertThat(logs.warnings()).singleElement().asString()
          .contains("infosys backend wolfram is failing", "HTTP 500", "circuit open").doesNotContain("TEST-APP-ID");
        ctx.completeNow();
      })));
  }
}
