package dev.otpx.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import dev.otpx.channels.BridgeLimits;
import dev.otpx.channels.ChannelsBridge;
import dev.otpx.channels.auth.Tokens;
import dev.otpx.counter.CounterServer;
import dev.otpx.counter.RawCounterVerticle;
import dev.otpx.infosys.Backend;
import dev.otpx.infosys.BackendServer;
import dev.otpx.infosys.ComputeOptions;
import dev.otpx.infosys.InfoSysServer;
import dev.otpx.infosys.Result;
import dev.otpx.process.Down;
import dev.otpx.process.ExitReason;
import dev.otpx.process.GenServer;
import dev.otpx.process.Pid;
import dev.otpx.process.Processes;
import dev.otpx.process.Registry;
import dev.otpx.store.Store;
import dev.otpx.store.TestDatabase;
import dev.otpx.testing.LogCapture;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class HttpVerticleTest {

  private static final String COUNTER = "test.counter";
  private static final String RAW_COUNTER = "test.counter.raw";
  private static final Duration TIMEOUT = Duration.ofMillis(300);
  private static final Tokens TOKENS = new Tokens(new byte[Tokens.MIN_SECRET_BYTES], Duration.ofDays(14), java.time.Clock.systemUTC());
  private static final String OPERATOR_TOKEN = "the operator's token for tests";
  private static final OperatorAuth OPERATOR = OperatorAuth.fromEnvironment(Map.of(OperatorAuth.ENV, OPERATOR_TOKEN));

  private final TestDatabase database = TestDatabase.embedded();
  private Store store;
  private WebClient client;
  private HttpVerticle http;

  @BeforeEach
  void deployBothCountersAndTheFront(Vertx vertx, VertxTestContext ctx) {
    client = WebClient.create(vertx);
    Store.open(vertx, database.options())
      .compose(opened -> {
        store = opened;
        http = new HttpVerticle(new HttpOptions("127.0.0.1", 0, COUNTER, RAW_COUNTER, TIMEOUT), TOKENS, BridgeLimits.DEFAULTS, store, OPERATOR);
        return CounterServer.start(vertx, COUNTER, 5, Duration.ZERO);
      })
      .compose(pid -> vertx.deployVerticle(new RawCounterVerticle(RAW_COUNTER, 0)))
      .compose(id -> vertx.deployVerticle(http))
      .onComplete(ctx.succeedingThenComplete());
  }

  @AfterEach
  void dropTheDatabase(Vertx vertx, VertxTestContext ctx) {
    store.close().eventually(() -> vertx.executeBlocking(() -> {
      database.close();
      return null;
    })).onComplete(ctx.succeedingThenComplete());
  }

  /** A request as the operator makes it: with the operator's bearer token. */
  private Future<HttpResponse<Buffer>> request(HttpMethod method, int port, String path) {
    return client.request(method, port, "127.0.0.1", path).bearerTokenAuthentication(OPERATOR_TOKEN).send();
  }

  /** A request with no credential at all. */
  private Future<HttpResponse<Buffer>> anonymous(HttpMethod method, String path) {
    return client.request(method, http.actualPort(), "127.0.0.1", path).send();
  }

  private Future<HttpResponse<Buffer>> request(HttpMethod method, String path) {
    return request(method, http.actualPort(), path);
  }

  /** Checks status, JSON content type and body, then completes the test. */
  private static void expect(Future<HttpResponse<Buffer>> response, VertxTestContext ctx, int status, JsonObject body) {
    response.onComplete(ctx.succeeding(r -> ctx.verify(() -> {
      assertEquals(status, r.statusCode(), r.bodyAsString());
      assertJsonContentType(r);
      assertEquals(body, r.bodyAsJsonObject());
      ctx.completeNow();
    })));
  }

  /** Checks status, JSON content type and the error code, then completes the test. */
  private static void expectError(Future<HttpResponse<Buffer>> response, VertxTestContext ctx, int status, String code) {
    response.onComplete(ctx.succeeding(r -> ctx.verify(() -> {
      assertEquals(status, r.statusCode(), r.bodyAsString());
      assertJsonContentType(r);
      JsonObject body = r.bodyAsJsonObject();
      assertEquals(code, body.getString("error"), body.encode());
      assertTrue(body.getString("message") != null && !body.getString("message").isBlank(), body.encode());
      ctx.completeNow();
    })));
  }

  private static void assertJsonContentType(HttpResponse<Buffer> r) {
    String type = r.getHeader("content-type");
    assertTrue(type != null && type.startsWith("application/json"), "content-type " + type);
  }

  private static JsonObject value(int n) {
    return new JsonObject().put("value", n);
  }

  @Nested
  class Lifecycle {

    @Test
    void portZeroListensOnAnActualPort() {
      assertTrue(http.actualPort() > 0);
    }

    @Test
    void portInUseFailsTheDeploymentNamingTheAddress(Vertx vertx, VertxTestContext ctx) throws IOException {
      // A plain socket outside Vert.x: two Vert.x servers on one port would share it instead of failing.
      ServerSocket occupant = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
      int taken = occupant.getLocalPort();
      vertx.deployVerticle(new HttpVerticle(new HttpOptions("127.0.0.1", taken, COUNTER, RAW_COUNTER, TIMEOUT), TOKENS, BridgeLimits.DEFAULTS, store, OPERATOR))
        .eventually(() -> vertx.executeBlocking(() -> {
          occupant.close();
          return null;
        }))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertTrue(err.getMessage().contains("127.0.0.1:" + taken), err.getMessage());
          ctx.completeNow();
        })));
    }

    @Test
    void actualPortBeforeStartIsRefused() {
      HttpVerticle idle = new HttpVerticle(new HttpOptions("127.0.0.1", 0, COUNTER, RAW_COUNTER, TIMEOUT), TOKENS, BridgeLimits.DEFAULTS, store, OPERATOR);
      assertThrows(IllegalStateException.class, idle::actualPort);
    }
  }

  @Nested
  class Health {

    @Test
    void healthIsUpWith200(VertxTestContext ctx) {
      request(HttpMethod.GET, "/health").onComplete(ctx.succeeding(r -> ctx.verify(() -> {
        assertEquals(200, r.statusCode(), r.bodyAsString());
        assertJsonContentType(r);
        assertEquals("UP", r.bodyAsJsonObject().getString("status"));
        ctx.completeNow();
      })));
    }

    @Test
    void liveAndReadyAnswerWithEachChecksOutcomeAndHealthIsLiveUnderItsFirstName(VertxTestContext ctx) {
      Future<HttpResponse<Buffer>> live = anonymous(HttpMethod.GET, "/health/live");
      Future<HttpResponse<Buffer>> ready = anonymous(HttpMethod.GET, "/health/ready");
      Future<HttpResponse<Buffer>> alias = anonymous(HttpMethod.GET, "/health");
      Future.all(live, ready, alias).onComplete(ctx.succeeding(all -> ctx.verify(() -> {
        assertEquals(200, live.result().statusCode(), live.result().bodyAsString());
        assertEquals(200, ready.result().statusCode(), ready.result().bodyAsString());
        assertJsonContentType(ready.result());
        JsonObject body = ready.result().bodyAsJsonObject();
        assertEquals("UP", body.getString("status"));
        assertEquals(List.of("http", "store"), body.getJsonArray("checks").stream()
          .map(c -> ((JsonObject) c).getString("id")).sorted().toList());
        assertEquals(live.result().bodyAsJsonObject().getJsonArray("checks"), alias.result().bodyAsJsonObject().getJsonArray("checks"));
        ctx.completeNow();
      })));
    }

    @Test
    void notReadyWith503WhileTheStoreDoesNotAnswerButStillLive(Vertx vertx, VertxTestContext ctx) {
      Store.open(vertx, database.options()).compose(second -> {
        HttpVerticle front = new HttpVerticle(new HttpOptions("127.0.0.1", 0, COUNTER, RAW_COUNTER, TIMEOUT), TOKENS,
          BridgeLimits.DEFAULTS, second, OPERATOR);
        return vertx.deployVerticle(front).compose(id -> second.close())
          .compose(v -> Future.all(request(HttpMethod.GET, front.actualPort(), "/health/ready"),
            request(HttpMethod.GET, front.actualPort(), "/health/live")));
      }).onComplete(ctx.succeeding(both -> ctx.verify(() -> {
        HttpResponse<Buffer> ready = both.resultAt(0);
        HttpResponse<Buffer> live = both.resultAt(1);
        assertEquals(503, ready.statusCode(), ready.bodyAsString());
        JsonObject store = ready.bodyAsJsonObject().getJsonArray("checks").stream().map(JsonObject.class::cast)
          .filter(c -> "store".equals(c.getString("id"))).findFirst().orElseThrow();
        assertEquals("DOWN", store.getString("status"));
        assertEquals(200, live.statusCode(), live.bodyAsString());
        ctx.completeNow();
      })));
    }

    @Test
    void healthStaysUpWhileTheCounterIsNotRunning(Vertx vertx, VertxTestContext ctx) {
      HttpVerticle orphan = new HttpVerticle(new HttpOptions("127.0.0.1", 0, "nobody", "nobody.raw", TIMEOUT), TOKENS, BridgeLimits.DEFAULTS, store, OPERATOR);
      vertx.deployVerticle(orphan)
        .compose(id -> request(HttpMethod.GET, orphan.actualPort(), "/health"))
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertEquals(200, r.statusCode(), r.bodyAsString());
          assertEquals("UP", r.bodyAsJsonObject().getString("status"));
          ctx.completeNow();
        })));
    }
  }

  @Nested
  class GenServerCounter {

    @Test
    void getAnswersTheValue(VertxTestContext ctx) {
      expect(request(HttpMethod.GET, "/api/counter"), ctx, 200, value(5));
    }

    @Test
    void incAnswersTheValueAfterTheIncrement(VertxTestContext ctx) {
      expect(request(HttpMethod.POST, "/api/counter/inc"), ctx, 200, value(6));
    }

    @Test
    void decAnswersTheValueAfterTheDecrement(VertxTestContext ctx) {
      expect(request(HttpMethod.POST, "/api/counter/dec"), ctx, 200, value(4));
    }

    @Test
    void changesAccumulateAcrossRequests(VertxTestContext ctx) {
      expect(request(HttpMethod.POST, "/api/counter/inc")
        .compose(r -> request(HttpMethod.POST, "/api/counter/inc"))
        .compose(r -> request(HttpMethod.POST, "/api/counter/dec"))
        .compose(r -> request(HttpMethod.GET, "/api/counter")), ctx, 200, value(6));
    }
  }

  /** A backend for the endpoint tests: echoes the query. */
  public static final class EchoBackend implements Backend {
    @Override
    public String name() {
      return "echo";
    }

    @Override
    public Future<List<Result>> compute(String query, ComputeOptions options) {
      return Future.succeededFuture(List.of(new Result("echo", "echo: " + query, 50)));
    }
  }

  @Nested
  class InfoSysEndpoint {

    @BeforeEach
    void startInfoSysWithAnEchoBackend(Vertx vertx, VertxTestContext ctx) {
      GenServer.start(vertx, new InfoSysServer(), new DeploymentOptions().setConfig(new JsonObject().put("max_query_length", 20)), InfoSysServer.NAME)
        .compose(pid -> GenServer.start(vertx, new BackendServer(),
          new DeploymentOptions().setConfig(new JsonObject().put("backend", EchoBackend.class.getName())), null))
        .onComplete(ctx.succeedingThenComplete());
    }

    @Test
    void answersWithEveryBackendsResults(VertxTestContext ctx) {
      request(HttpMethod.GET, "/api/infosys?q=what+is+2%2B2&limit=3&timeout_ms=500").onComplete(ctx.succeeding(r -> ctx.verify(() -> {
        assertEquals(200, r.statusCode(), r.bodyAsString());
        assertJsonContentType(r);
        JsonObject body = r.bodyAsJsonObject();
        assertEquals("what is 2+2", body.getString("query"));
        assertEquals(new JsonObject().put("backend", "echo").put("text", "echo: what is 2+2").put("score", 50.0),
          body.getJsonArray("results").getJsonObject(0));
        assertEquals(0, body.getInteger("cached"));
        assertTrue(body.getLong("took_ms") >= 0);
        ctx.completeNow();
      })));
    }

    @Test
    void aMissingQueryIs400(VertxTestContext ctx) {
      expectError(request(HttpMethod.GET, "/api/infosys"), ctx, 400, "bad_request");
    }

    @Test
    void anEmptyQueryIs400(VertxTestContext ctx) {
      expectError(request(HttpMethod.GET, "/api/infosys?q=%20"), ctx, 400, "bad_request");
    }

    @Test
    void anOversizedQueryIs400(VertxTestContext ctx) {
      expectError(request(HttpMethod.GET, "/api/infosys?q=" + "x".repeat(21)), ctx, 400, "bad_request");
    }

    @Test
    void aNonNumericLimitIs400NamingIt(VertxTestContext ctx) {
      request(HttpMethod.GET, "/api/infosys?q=hi&limit=ten").onComplete(ctx.succeeding(r -> ctx.verify(() -> {
        assertEquals(400, r.statusCode());
        assertTrue(r.bodyAsJsonObject().getString("message").contains("limit"), r.bodyAsString());
        ctx.completeNow();
      })));
    }

    @Test
    void anOutOfRangeLimitIs400(VertxTestContext ctx) {
      expectError(request(HttpMethod.GET, "/api/infosys?q=hi&limit=0"), ctx, 400, "bad_request");
    }

    @Test
    void anOutOfRangeTimeoutIs400NamingIt(VertxTestContext ctx) {
      request(HttpMethod.GET, "/api/infosys?q=hi&timeout_ms=99999999999").onComplete(ctx.succeeding(r -> ctx.verify(() -> {
        assertEquals(400, r.statusCode());
        assertTrue(r.bodyAsJsonObject().getString("message").contains("timeout_ms"), r.bodyAsString());
        ctx.completeNow();
      })));
    }

    @Test
    void backendsRestrictsTheBackendsAsked(VertxTestContext ctx) {
      request(HttpMethod.GET, "/api/infosys?q=hi&backends=nobody").onComplete(ctx.succeeding(r -> ctx.verify(() -> {
        assertEquals(200, r.statusCode());
        assertTrue(r.bodyAsJsonObject().getJsonArray("results").isEmpty(), r.bodyAsString());
        ctx.completeNow();
      })));
    }
  }

  @Nested
  class EveryAnswerIsJson {

    private final LogCapture vertxLog = LogCapture.of("io.vertx");
    private final LogCapture ourLog = LogCapture.of("dev.otpx");

    @org.junit.jupiter.api.AfterEach
    void detach() {
      vertxLog.close();
      ourLog.close();
    }

    /** Checks the status and the JSON error, and that nothing was logged as an ERROR of ours. */
    private void expectJson(Future<HttpResponse<Buffer>> response, VertxTestContext ctx, int status, String code) {
      response.onComplete(ctx.succeeding(r -> ctx.verify(() -> {
        assertEquals(status, r.statusCode(), r.bodyAsString());
        assertJsonContentType(r);
        assertEquals(code, r.bodyAsJsonObject().getString("error"), r.bodyAsString());
        assertTrue(r.bodyAsJsonObject().getString("message") != null, r.bodyAsString());
        assertEquals(List.of(), vertxLog.atLeast(Level.ERROR));
        assertEquals(List.of(), ourLog.atLeast(Level.ERROR));
        ctx.completeNow();
      })));
    }

    @Test
    void aMalformedPathIsA400JsonAnswerAndNoError(VertxTestContext ctx) {
      expectJson(anonymous(HttpMethod.GET, "/api/sessions%zz"), ctx, 400, "bad_request");
    }

    @Test
    void aRequestLineOverTheLimitIsA414JsonAnswer(VertxTestContext ctx) {
      expectJson(anonymous(HttpMethod.GET, "/api/counter?q=" + "x".repeat(HttpServerOptions.DEFAULT_MAX_INITIAL_LINE_LENGTH)),
        ctx, 414, "uri_too_long");
    }

    @Test
    void headersOverTheLimitAreA431JsonAnswer(VertxTestContext ctx) {
      expectJson(client.get(http.actualPort(), "127.0.0.1", "/api/counter")
        .putHeader("X-Padding", "x".repeat(HttpServerOptions.DEFAULT_MAX_HEADER_SIZE)).send(), ctx, 431, "headers_too_large");
    }

    @Test
    void aDirectoryOfTheStaticFilesIsA404JsonAnswerNotARedirect(VertxTestContext ctx) {
      expectJson(anonymous(HttpMethod.GET, "/vendor"), ctx, 404, "not_found");
    }

    @Test
    void aSessionBodyOverTheLimitIsA413JsonAnswer(VertxTestContext ctx) {
      expectJson(client.post(http.actualPort(), "127.0.0.1", SessionRoutes.PATH)
        .sendBuffer(Buffer.buffer("{\"username\": \"" + "a".repeat(SessionRoutes.MAX_BODY_BYTES) + "\"}")), ctx, 413, "payload_too_large");
    }

    @Test
    void aBridgeBodyOverTheLimitIsA413JsonAnswer(VertxTestContext ctx) {
      expectJson(client.post(http.actualPort(), "127.0.0.1", "/eventbus/000/nosuchsession/xhr_send")
        .sendBuffer(Buffer.buffer("x".repeat(BridgeLimits.DEFAULTS.maxBodyBytes() + 1))), ctx, 413, "payload_too_large");
    }
  }

  @Nested
  class Ownership {

    @Test
    void anyoneMayReadTheCounters(VertxTestContext ctx) {
      expect(anonymous(HttpMethod.GET, "/api/counter"), ctx, 200, value(5));
    }

    @Test
    void killingWithoutACredentialIs401AndKillsNothing(Vertx vertx, VertxTestContext ctx) {
      Pid pid = Registry.whereis(vertx, COUNTER).orElseThrow();
      anonymous(HttpMethod.POST, "/api/counter/kill").onComplete(ctx.succeeding(r -> ctx.verify(() -> {
        assertEquals(401, r.statusCode(), r.bodyAsString());
        assertJsonContentType(r);
        assertEquals("Bearer realm=\"otpx\"", r.getHeader("WWW-Authenticate"));
        assertEquals("unauthorized", r.bodyAsJsonObject().getString("error"));
        assertTrue(r.bodyAsJsonObject().getString("message").contains("OTPX_ADMIN_TOKEN"), r.bodyAsString());
        assertTrue(Processes.isAlive(vertx, pid));
        ctx.completeNow();
      })));
    }

    @Test
    void aWrongTokenIs401InvalidTokenAndChangesNothing(VertxTestContext ctx) {
      client.post(http.actualPort(), "127.0.0.1", "/api/counter/dec").bearerTokenAuthentication(OPERATOR_TOKEN + "x").send()
        .compose(r -> {
          assertEquals(401, r.statusCode(), r.bodyAsString());
          assertEquals("invalid_token", r.bodyAsJsonObject().getString("error"));
          assertTrue(r.getHeader("WWW-Authenticate").contains("error=\"invalid_token\""));
          assertTrue(!r.bodyAsString().contains(OPERATOR_TOKEN), "the answer must not echo the secret");
          return anonymous(HttpMethod.GET, "/api/counter");
        })
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertEquals(value(5), r.bodyAsJsonObject());
          ctx.completeNow();
        })));
    }

    @Test
    void changingACounterOverHttpIsTheOperatorsOnly(VertxTestContext ctx) {
      anonymous(HttpMethod.POST, "/api/counter/inc")
        .compose(inc -> {
          assertEquals(401, inc.statusCode());
          return anonymous(HttpMethod.POST, "/api/raw-counter/dec");
        })
        .compose(dec -> {
          assertEquals(401, dec.statusCode());
          return anonymous(HttpMethod.POST, "/api/raw-counter/inc");
        })
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertEquals(401, r.statusCode());
          ctx.completeNow();
        })));
    }

    @Test
    void withoutAnOperatorTokenConfiguredTheEndpointsAre403SayingHowToEnableThem(Vertx vertx, VertxTestContext ctx) {
      HttpVerticle unconfigured = new HttpVerticle(new HttpOptions("127.0.0.1", 0, COUNTER, RAW_COUNTER, TIMEOUT), TOKENS,
        BridgeLimits.DEFAULTS, store, OperatorAuth.fromEnvironment(Map.of()));
      vertx.deployVerticle(unconfigured)
        .compose(id -> request(HttpMethod.POST, unconfigured.actualPort(), "/api/counter/kill"))
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertEquals(403, r.statusCode(), r.bodyAsString());
          assertJsonContentType(r);
          assertEquals("operator_disabled", r.bodyAsJsonObject().getString("error"));
          assertTrue(r.bodyAsJsonObject().getString("message").contains("OTPX_ADMIN_TOKEN"), r.bodyAsString());
          assertTrue(Registry.whereis(vertx, COUNTER).isPresent());
          ctx.completeNow();
        })));
    }
  }

  @Nested
  class Browsers {

    @Test
    void theClientPageIsServedAtTheRoot(VertxTestContext ctx) {
      request(HttpMethod.GET, "/").onComplete(ctx.succeeding(r -> ctx.verify(() -> {
        assertEquals(200, r.statusCode());
        assertTrue(r.getHeader("content-type").startsWith("text/html"), r.getHeader("content-type"));
        ctx.completeNow();
      })));
    }

    @Test
    void aSessionTokenIsIssuedThatTheBridgeAccepts(VertxTestContext ctx) {
      JsonObject alice = new JsonObject().put("username", "alice").put("password", "correct horse battery");
      client.post(http.actualPort(), "127.0.0.1", "/api/users").sendJsonObject(alice)
        .compose(registered -> client.post(http.actualPort(), "127.0.0.1", "/api/sessions").sendJsonObject(alice))
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertEquals(201, r.statusCode(), r.bodyAsString());
          assertEquals("alice", TOKENS.verify(r.bodyAsJsonObject().getString("token")));
          ctx.completeNow();
        })));
    }

    @Test
    void thePagesCounterOverTheBridgeIsTheConfiguredCounter(Vertx vertx, VertxTestContext ctx) {
      // The counter here is registered as test.counter, not as the page's address "counter".
      String token = TOKENS.sign("alice");
      JsonObject headers = new JsonObject().put("token", token);
      JsonObject inc = new JsonObject().put("type", "send").put("address", ChannelsBridge.COUNTER).put("headers", headers)
        .put("body", new JsonObject().put("action", "inc"));
      JsonObject val = new JsonObject().put("type", "send").put("address", ChannelsBridge.COUNTER).put("headers", headers)
        .put("replyAddress", "r1").put("body", new JsonObject().put("action", "val"));
      vertx.createWebSocketClient().connect(http.actualPort(), "127.0.0.1", "/eventbus/websocket").compose(ws -> {
        Promise<JsonObject> reply = Promise.promise();
        ws.handler(buffer -> reply.tryComplete(buffer.toJsonObject()));
        return ws.writeTextMessage(inc.encode()).compose(v -> ws.writeTextMessage(val.encode())).compose(v -> reply.future());
      }).onComplete(ctx.succeeding(frame -> ctx.verify(() -> {
        assertEquals("rec", frame.getString("type"), frame.encode());
        assertEquals("r1", frame.getString("address"));
        // 5 to start with, and the increment went to the same counter, before the question.
        assertEquals(6, frame.getJsonObject("body").getInteger("value"));
        ctx.completeNow();
      })));
    }

    @Test
    void theBridgeIsMountedAtEventbus(VertxTestContext ctx) {
      request(HttpMethod.GET, "/eventbus/info").onComplete(ctx.succeeding(r -> ctx.verify(() -> {
        assertEquals(200, r.statusCode(), r.bodyAsString());
        assertTrue(r.bodyAsJsonObject().getBoolean("websocket"), r.bodyAsString());
        ctx.completeNow();
      })));
    }
  }

  @Nested
  class Kill {

    @Test
    void killEndsTheCounterAndNamesItsPid(Vertx vertx, VertxTestContext ctx) {
      Pid pid = Registry.whereis(vertx, COUNTER).orElseThrow();
      Future<Down> down = Processes.monitor(vertx, pid).down();
      request(HttpMethod.POST, "/api/counter/kill").onComplete(ctx.succeeding(r -> ctx.verify(() -> {
        assertEquals(202, r.statusCode(), r.bodyAsString());
        assertJsonContentType(r);
        assertEquals(new JsonObject().put("killed", pid.toString()), r.bodyAsJsonObject());
        down.onComplete(ctx.succeeding(d -> ctx.verify(() -> {
          assertEquals(ExitReason.KILLED, d.reason());
          ctx.completeNow();
        })));
      })));
    }
  }

  @Nested
  class RawCounter {

    @Test
    void getAnswersTheValue(VertxTestContext ctx) {
      expect(request(HttpMethod.GET, "/api/raw-counter"), ctx, 200, value(0));
    }

    @Test
    void incAnswersTheValueAfterTheIncrement(VertxTestContext ctx) {
      expect(request(HttpMethod.POST, "/api/raw-counter/inc"), ctx, 200, value(1));
    }

    @Test
    void decAnswersTheValueAfterTheDecrement(VertxTestContext ctx) {
      expect(request(HttpMethod.POST, "/api/raw-counter/dec"), ctx, 200, value(-1));
    }

    @Test
    void changesAccumulateAcrossRequests(VertxTestContext ctx) {
      expect(request(HttpMethod.POST, "/api/raw-counter/dec")
        .compose(r -> request(HttpMethod.POST, "/api/raw-counter/dec"))
        .compose(r -> request(HttpMethod.POST, "/api/raw-counter/inc"))
        .compose(r -> request(HttpMethod.GET, "/api/raw-counter")), ctx, 200, value(-1));
    }

    @Test
    void doesNotTouchTheGenServerCounter(VertxTestContext ctx) {
      expect(request(HttpMethod.POST, "/api/raw-counter/inc")
        .compose(r -> request(HttpMethod.GET, "/api/counter")), ctx, 200, value(5));
    }
  }

  @Nested
  class CounterNotRunning {

    private HttpVerticle orphan;

    @BeforeEach
    void deployAFrontForCountersThatDoNotExist(Vertx vertx, VertxTestContext ctx) {
      orphan = new HttpVerticle(new HttpOptions("127.0.0.1", 0, "nobody", "nobody.raw", TIMEOUT), TOKENS, BridgeLimits.DEFAULTS, store, OPERATOR);
      vertx.deployVerticle(orphan).onComplete(ctx.succeedingThenComplete());
    }

    @Test
    void getAnswers503Noproc(VertxTestContext ctx) {
      expectError(request(HttpMethod.GET, orphan.actualPort(), "/api/counter"), ctx, 503, "noproc");
    }

    @Test
    void incAnswers503Noproc(VertxTestContext ctx) {
      expectError(request(HttpMethod.POST, orphan.actualPort(), "/api/counter/inc"), ctx, 503, "noproc");
    }

    @Test
    void decAnswers503Noproc(VertxTestContext ctx) {
      expectError(request(HttpMethod.POST, orphan.actualPort(), "/api/counter/dec"), ctx, 503, "noproc");
    }

    @Test
    void infosysThatIsNotRunningAnswers503Noproc(VertxTestContext ctx) {
      expectError(request(HttpMethod.GET, orphan.actualPort(), "/api/infosys?q=hi"), ctx, 503, "noproc");
    }

    @Test
    void killAnswers503Noproc(VertxTestContext ctx) {
      expectError(request(HttpMethod.POST, orphan.actualPort(), "/api/counter/kill"), ctx, 503, "noproc");
    }

    @Test
    void rawCounterThatNobodyServesAnswers504AfterTheCallTimeout(VertxTestContext ctx) {
      expectError(request(HttpMethod.GET, orphan.actualPort(), "/api/raw-counter"), ctx, 504, "timeout");
    }

    @Test
    void counterThatCrashedAnswers503(Vertx vertx, VertxTestContext ctx) {
      // Initial 0 with a tick: the counter crashes with "boom" on its first tick.
      HttpVerticle front = new HttpVerticle(new HttpOptions("127.0.0.1", 0, "doomed", "nobody.raw", TIMEOUT), TOKENS, BridgeLimits.DEFAULTS, store, OPERATOR);
      expectError(CounterServer.start(vertx, "doomed", 0, Duration.ofMillis(10))
        .compose(pid -> Processes.monitor(vertx, pid).down())
        .compose(down -> vertx.deployVerticle(front))
        .compose(id -> request(HttpMethod.GET, front.actualPort(), "/api/counter")), ctx, 503, "noproc");
    }
  }

  @Nested
  class UnknownRoutes {

    @Test
    void unknownPathAnswers404Json(VertxTestContext ctx) {
      expectError(request(HttpMethod.GET, "/api/nothing-here"), ctx, 404, "not_found");
    }

    @Test
    void wrongMethodOnAKnownPathAnswers405Json(VertxTestContext ctx) {
      expectError(request(HttpMethod.GET, "/api/counter/inc"), ctx, 405, "method_not_allowed");
    }

    @Test
    void deleteOnTheCounterAnswers405Json(VertxTestContext ctx) {
      expectError(request(HttpMethod.DELETE, "/api/raw-counter"), ctx, 405, "method_not_allowed");
    }
  }
}
