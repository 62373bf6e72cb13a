package dev.otpx.channels;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otpx.channels.auth.Tokens;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class OperatorFeedTest {

  private static final String FEED = "system.events";
  private static final String OPERATOR_TOKEN = "the operator's own token, long";
  private static final BridgeLimits LIMITS = new BridgeLimits(2, 2048, 3, 50, 2);
  private final Tokens tokens = new Tokens("a test secret that is long enough!".getBytes(StandardCharsets.UTF_8),
    Duration.ofHours(1), java.time.Clock.systemUTC());

  /** Accepts {@link #OPERATOR_TOKEN} only, as OperatorAuth does with its configured one. */
  private static Optional<String> operatorCheck(String token) {
    if (token == null) {
      return Optional.of("unauthorized: send authorization: Bearer <token>");
    }
    return OPERATOR_TOKEN.equals(token) ? Optional.empty() : Optional.of("invalid_token: not the operator's");
  }

  /** The bridge server's context: the feed's consumer and the hook run there. */
  private volatile io.vertx.core.Context serverContext;

  private Future<Integer> bridge(Vertx vertx, Tokens tokens, OperatorFeed feed) {
    Promise<Integer> port = Promise.promise();
    vertx.deployVerticle(new VerticleBase() {
      @Override
      public Future<?> start() {
        serverContext = context;
        Router router = Router.router(vertx);
        ChannelsBridge.mount(router, vertx, tokens, LIMITS, "test.counter", feed, System::nanoTime);
        return vertx.createHttpServer(ChannelsBridge.serverOptions(LIMITS, new HttpServerOptions()))
          .requestHandler(router).listen(0, "localhost").onSuccess((HttpServer s) -> port.complete(s.actualPort()));
      }
    });
    return port.future();
  }

  private static Future<Void> registerAsOperator(BridgeTestClient client, String token) {
    return client.write(new JsonObject().put("type", "register").put("address", FEED)
      .put("headers", new JsonObject().put("authorization", "Bearer " + token)));
  }

  /**
   * Registers as the operator and completes once the bridge has done it: a second registration,
   * refused as one too many, comes back after the first was handled.
   */
  private static Future<Void> registered(BridgeTestClient client) {
    Future<JsonObject> again = client.nextError();
    return registerAsOperator(client, OPERATOR_TOKEN).compose(v -> registerAsOperator(client, OPERATOR_TOKEN))
      .compose(v -> again).map(err -> {
        if (!err.getString("message").contains("already registered")) {
          throw new AssertionError("unexpected refusal " + err);
        }
        return null;
      });
  }

  private static boolean isRec(JsonObject frame) {
    return "rec".equals(frame.getString("type")) && FEED.equals(frame.getString("address"));
  }

  @Test
  void anOperatorSessionReceivesTheEventsAndOthersAreRefused(Vertx vertx, VertxTestContext ctx) {
    OperatorFeed feed = OperatorFeed.of(vertx, List.of(FEED), OperatorFeedTest::operatorCheck, OperatorFeed.DEFAULT_MAX_PENDING);
    bridge(vertx, tokens, feed).compose(port -> Future.all(BridgeTestClient.connect(vertx, port),
        BridgeTestClient.connect(vertx, port), BridgeTestClient.connect(vertx, port)).map(all -> List.<BridgeTestClient>of(
        all.resultAt(0), all.resultAt(1), all.resultAt(2))))
      .compose(clients -> {
        BridgeTestClient operator = clients.get(0);
        BridgeTestClient intruder = clients.get(1);
        BridgeTestClient user = clients.get(2);
        Future<JsonObject> wrongToken = intruder.nextError();
        Future<JsonObject> sessionOnly = user.nextError();
        return registered(operator)
          .compose(v -> registerAsOperator(intruder, "guessed-guessed-guessed"))
          .compose(v -> user.register(FEED, tokens.sign("alice")))
          .compose(v -> Future.all(wrongToken, sessionOnly))
          .compose(v -> {
            Future<JsonObject> event = operator.next(OperatorFeedTest::isRec);
            vertx.eventBus().publish(FEED, new JsonObject().put("event", "child_restarted").put("child_id", "counter"));
            return event;
          })
          .onComplete(ctx.succeeding(event -> ctx.verify(() -> {
            assertThat(event.getJsonObject("body").getString("child_id")).isEqualTo("counter");
            assertThat(wrongToken.result().getString("body")).isEqualTo("access_denied");
            assertThat(wrongToken.result().getString("message")).contains("operator's", "invalid_token");
            assertThat(sessionOnly.result().getString("message")).contains("unauthorized");
            assertThat(intruder.unclaimed()).noneMatch(OperatorFeedTest::isRec);
            assertThat(user.unclaimed()).noneMatch(OperatorFeedTest::isRec);
            ctx.completeNow();
          })));
      });
  }

  @Test
  void withoutAnOperatorConfiguredTheRefusalSaysHowToEnableIt(Vertx vertx, VertxTestContext ctx) {
    OperatorFeed feed = OperatorFeed.of(vertx, List.of(FEED),
      token -> Optional.of("operator_disabled: start the service with OTPX_ADMIN_TOKEN set"), 8);
    bridge(vertx, tokens, feed).compose(port -> BridgeTestClient.connect(vertx, port))
      .compose(client -> {
        Future<JsonObject> refused = client.nextError();
        return registerAsOperator(client, OPERATOR_TOKEN).compose(v -> refused);
      })
      .onComplete(ctx.succeeding(err -> ctx.verify(() -> {
        assertThat(err.getString("body")).isEqualTo("access_denied");
        assertThat(err.getString("message")).contains("operator_disabled", "OTPX_ADMIN_TOKEN");
        ctx.completeNow();
      })));
  }

  @Test
  void aStalledOperatorSessionHoldsABoundedBacklogAndIsToldWhatItMissed(Vertx vertx, VertxTestContext ctx) {
    int maxPending = 4;
    int burst = 1600;
    String bulk = "x".repeat(16 * 1024); // 1600 × 16 KiB (each in one frame) is far more than the socket buffers hold
    OperatorFeed feed = OperatorFeed.of(vertx, List.of(FEED), OperatorFeedTest::operatorCheck, maxPending);
    AtomicInteger markers = new AtomicInteger();
    bridge(vertx, tokens, feed).compose(port -> BridgeTestClient.connect(vertx, port))
      .compose(client -> {
        return registered(client)
          .compose(v -> {
            Future<JsonObject> probe = client.next(f -> isRec(f) && f.getJsonObject("body").containsKey("probe"));
            vertx.eventBus().publish(FEED, new JsonObject().put("probe", true));
            return probe;
          })
          .compose(v -> {
            client.pause();
            Promise<Void> delivered = Promise.promise();
            // Published on the feed's own loop, whose later task runs after the burst was fanned out.
            serverContext.runOnContext(go -> {
              for (int i = 0; i < burst; i++) {
                vertx.eventBus().publish(FEED, new JsonObject().put("n", i).put("bulk", bulk));
              }
              serverContext.runOnContext(after -> delivered.complete());
            });
            return delivered.future();
          })
          .compose(v -> {
            client.resume();
            Future<JsonObject> marker = client.next(f -> isRec(f) && f.getJsonObject("body").containsKey("marker"));
            // Markers until one gets through: everything before it is accounted for by then.
            long timer = vertx.setPeriodic(20, t -> vertx.eventBus().publish(FEED,
              new JsonObject().put("marker", markers.incrementAndGet())));
            return marker.eventually(() -> {
              vertx.cancelTimer(timer);
              return Future.succeededFuture();
            }).map(m -> List.of(client, m));
          });
      })
      .onComplete(ctx.succeeding(result -> ctx.verify(() -> {
        BridgeTestClient client = (BridgeTestClient) result.get(0);
        JsonObject marker = (JsonObject) result.get(1);
        long delivered = client.unclaimed().stream().filter(OperatorFeedTest::isRec)
          .filter(f -> f.getJsonObject("body").containsKey("n") || f.getJsonObject("body").containsKey("marker")).count() + 1;
        long dropped = client.unclaimed().stream().filter(OperatorFeedTest::isRec)
          .filter(f -> "dropped".equals(f.getJsonObject("body").getString("event")))
          .mapToLong(f -> f.getJsonObject("body").getLong("count")).sum();
        int markersBefore = marker.getJsonObject("body").getInteger("marker");
        assertThat(dropped).as("events dropped for the stalled socket").isPositive();
        assertThat(delivered + dropped).as("each event delivered or counted as dropped").isEqualTo(burst + markersBefore);
        ctx.completeNow();
      })));
  }
}
