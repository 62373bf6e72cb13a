package dev.otpx.channels;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otpx.channels.auth.Tokens;
import dev.otpx.testing.MutableClock;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class ChannelsBridgeTest {

  private static final byte[] SECRET = "a test secret that is long enough!".getBytes(StandardCharsets.UTF_8);
  private static final Duration MAX_AGE = Duration.ofHours(1);
  /** 2 posts/s, 2 KiB frames, 3 handlers, 10 messages/s, 2 topics: each small enough to reach in a test. */
  private static final BridgeLimits LIMITS = new BridgeLimits(2, 2048, 3, 10, 2);
  private static final String TOPIC = ChannelAddresses.topicAddress("videos:42");
  /** The counter's registered name, which browsers reach as {@link ChannelsBridge#COUNTER}. */
  private static final String COUNTER = "test.counter";

  /** The tokens' clock, which a test may move on to make a token expire. */
  private final MutableClock clock = new MutableClock(Instant.now());
  private final Tokens tokens = new Tokens(SECRET, MAX_AGE, clock);
  private final String alice = tokens.sign("alice");
  private final AtomicLong nanos = new AtomicLong();
  private final List<Message<Object>> joins = new CopyOnWriteArrayList<>();
  private final List<Message<Object>> pushes = new CopyOnWriteArrayList<>();
  private final List<Message<Object>> leaves = new CopyOnWriteArrayList<>();
  private final List<Message<Object>> held = new CopyOnWriteArrayList<>();
  private final List<Object> counts = new CopyOnWriteArrayList<>();
  private int port;

  /** The bridge on an HTTP server, with echoing stand-ins for the channels and the counter. */
  private final class BridgeServer extends VerticleBase {
    private HttpServer server;

    @Override
    public Future<?> start() {
      Router router = Router.router(vertx);
      ChannelsBridge.mount(router, vertx, tokens, LIMITS, COUNTER, nanos::get);
      return Future.all(
          echo(ChannelAddresses.JOIN, joins),
          echo(ChannelAddresses.PUSH, pushes),
          echo(ChannelAddresses.LEAVE, leaves),
          // InfoSys never answers here: its requests stay in flight, holding a handler each.
          vertx.eventBus().consumer(ChannelsBridge.INFOSYS, held::add).completion(),
          vertx.eventBus().consumer(COUNTER, msg -> {
            counts.add(msg.body());
            if (msg.replyAddress() != null) {
              msg.reply(new JsonObject().put("value", counts.size()));
            }
          }).completion())
        .compose(v -> vertx.createHttpServer(ChannelsBridge.serverOptions(LIMITS, new HttpServerOptions()))
          .requestHandler(router).listen(0, "localhost"))
        .onSuccess(s -> server = s);
    }

    private Future<Void> echo(String address, List<Message<Object>> received) {
      return vertx.eventBus().<Object>consumer(address, msg -> {
        received.add(msg);
        msg.reply(msg.body());
      }).completion();
    }
  }

  @BeforeEach
  void deployTheBridge(Vertx vertx, VertxTestContext ctx) {
    BridgeServer bridge = new BridgeServer();
    vertx.deployVerticle(bridge)
      .onSuccess(id -> port = bridge.server.actualPort())
      .onComplete(ctx.succeedingThenComplete());
  }

  private Future<BridgeTestClient> connect(Vertx vertx) {
    return BridgeTestClient.connect(vertx, port);
  }

  private static JsonObject joinBody() {
    return new JsonObject().put("topic", "videos:42").put("last_seen_id", 0);
  }

  private static JsonObject pushBody(String text) {
    return new JsonObject().put("topic", "videos:42").put("event", "new_annotation")
      .put("payload", new JsonObject().put("body", text).put("at", 0));
  }

  /** The error frame a refused message gets, checked for its code and detail. */
  private static void assertRefused(JsonObject err, String code, String detail) {
    assertThat(err.getString("type")).isEqualTo("err");
    assertThat(err.getString("body")).isEqualTo(code);
    assertThat(err.getString("message")).startsWith(code + ": ").contains(detail);
  }

  /** The failed reply a refused request gets, checked for its code, status and detail. */
  private static void assertFailedReply(JsonObject reply, String code, int status, String detail) {
    assertThat(reply.getString("type")).isEqualTo("err");
    assertThat(reply.getInteger("failureCode")).isEqualTo(status);
    assertThat(reply.getString("failureType")).isEqualTo("RECIPIENT_FAILURE");
    assertThat(reply.getString("message")).startsWith(code + ": ").contains(detail);
  }

  /**
   * Proves that a refusal got one answer only: a request answered after it finds no other frame
   * waiting (the socket delivers frames in order).
   */
  private Future<Void> assertNoOtherAnswer(BridgeTestClient client) {
    return client.request(ChannelsBridge.COUNTER, "val", alice).map(reply -> {
      assertThat(reply.getString("type")).isEqualTo("rec");
      assertThat(client.unclaimed()).as("frames nobody asked for").isEmpty();
      return null;
    });
  }

  /**
   * Proves that a refused message delivered nothing: a join sent after it on the same socket is
   * the first and only message the join stand-in gets.
   */
  private Future<Void> assertNothingDelivered(BridgeTestClient client) {
    return client.request(ChannelAddresses.JOIN, joinBody().put("marker", true), alice).map(reply -> {
      assertThat(reply.getString("type")).isEqualTo("rec");
      assertThat(joins).hasSize(1);
      assertThat(((JsonObject) joins.get(0).body()).getBoolean("marker")).isTrue();
      return null;
    });
  }

  private Future<Void> refusedWithNothingDelivered(Vertx vertx, String token, String detail) {
    return connect(vertx).compose(client -> {
      Future<JsonObject> err = client.nextError();
      return client.send(ChannelAddresses.JOIN, joinBody(), token)
        .compose(v -> err)
        .map(frame -> {
          assertRefused(frame, "access_denied", detail);
          return null;
        })
        .compose(v -> assertNothingDelivered(client));
    });
  }

  @Nested
  class Identity {

    @Test
    void sendWithAValidTokenReachesTheChannelAsTheVerifiedUserWhateverTheClientClaims(Vertx vertx,
                                                                                   VertxTestContext ctx) {
      JsonObject impersonation = joinBody()
        .put("user", new JsonObject().put("username", "mallory").put("admin", true))
        .put("socket_id", "someone-elses-socket");
      connect(vertx)
        .compose(client -> client.request(ChannelAddresses.JOIN, impersonation, alice))
        .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          assertThat(reply.getString("type")).isEqualTo("rec");
          JsonObject delivered = reply.getJsonObject("body");
          assertThat(delivered.getJsonObject("user")).isEqualTo(new JsonObject().put("username", "alice"));
          assertThat(delivered.getString("socket_id")).isNotBlank().isNotEqualTo("someone-elses-socket");
          assertThat(delivered.getString("topic")).isEqualTo("videos:42");
          assertThat(joins).hasSize(1);
          assertThat(joins.get(0).headers().contains("token")).as("token header forwarded").isFalse();
          ctx.completeNow();
        })));
    }

    @Test
    void sendWithoutATokenIsDeniedAndDeliversNothing(Vertx vertx, VertxTestContext ctx) {
      refusedWithNothingDelivered(vertx, null, "missing token").onComplete(ctx.succeedingThenComplete());
    }

    @Test
    void sendWithAForgedTokenIsDeniedAndDeliversNothing(Vertx vertx, VertxTestContext ctx) {
      byte[] otherSecret = "another secret, just as long as ours".getBytes(StandardCharsets.UTF_8);
      String forged = new Tokens(otherSecret, MAX_AGE, Clock.systemUTC()).sign("alice");
      refusedWithNothingDelivered(vertx, forged, "forged token").onComplete(ctx.succeedingThenComplete());
    }

    @Test
    void sendWithAnExpiredTokenIsDeniedAndDeliversNothing(Vertx vertx, VertxTestContext ctx) {
      Clock twoHoursAgo = Clock.fixed(Instant.now().minus(Duration.ofHours(2)), ZoneOffset.UTC);
      String expired = new Tokens(SECRET, MAX_AGE, twoHoursAgo).sign("alice");
      refusedWithNothingDelivered(vertx, expired, "expired token").onComplete(ctx.succeedingThenComplete());
    }

    @Test
    void sendWithAGarbledTokenIsDeniedAndDeliversNothing(Vertx vertx, VertxTestContext ctx) {
      refusedWithNothingDelivered(vertx, "not-a-token", "malformed token").onComplete(ctx.succeedingThenComplete());
    }

    @Test
    void aRefusedRequestGetsOneFailedReplySoTheCallerDoesNotHangAndNothingElse(Vertx vertx, VertxTestContext ctx) {
      connect(vertx).compose(client -> client.request(ChannelAddresses.PUSH, pushBody("hi"), null)
          .compose(reply -> {
            assertFailedReply(reply, "access_denied", 403, "missing token: sign in again");
            assertThat(reply.getString("message")).isEqualTo("access_denied: missing token: sign in again");
            assertThat(pushes).isEmpty();
            return assertNoOtherAnswer(client);
          }))
        .onComplete(ctx.succeedingThenComplete());
    }

    @Test
    void eachSocketHasItsOwnId(Vertx vertx, VertxTestContext ctx) {
      Future<String> first = connect(vertx).compose(c -> c.request(ChannelAddresses.JOIN, joinBody(), alice))
        .map(reply -> reply.getJsonObject("body").getString("socket_id"));
      Future<String> second = connect(vertx).compose(c -> c.request(ChannelAddresses.JOIN, joinBody(), alice))
        .map(reply -> reply.getJsonObject("body").getString("socket_id"));
      Future.all(first, second).onComplete(ctx.succeeding(both -> ctx.verify(() -> {
        assertThat(first.result()).isNotEqualTo(second.result());
        ctx.completeNow();
      })));
    }
  }

  @Nested
  class Addresses {

    private void denied(Vertx vertx, VertxTestContext ctx, String address) {
      connect(vertx).compose(client -> {
        Future<JsonObject> err = client.nextError();
        return client.send(address, new JsonObject().put("socket_id", "x"), alice).compose(v -> err);
      }).onComplete(ctx.succeeding(err -> ctx.verify(() -> {
        assertThat(err.getString("body")).isEqualTo("access_denied");
        ctx.completeNow();
      })));
    }

    @Test
    void sendToTheInternalSocketClosedAddressIsDenied(Vertx vertx, VertxTestContext ctx) {
      denied(vertx, ctx, ChannelAddresses.SOCKET_CLOSED);
    }

    @Test
    void sendToAnAddressNotPermittedIsDenied(Vertx vertx, VertxTestContext ctx) {
      denied(vertx, ctx, "otpx.root");
    }

    @Test
    void sendToAnOverlongAddressIsDenied(Vertx vertx, VertxTestContext ctx) {
      denied(vertx, ctx, "channels.join" + "x".repeat(1000));
    }

    @Test
    void publishIsDeniedEvenToAPermittedAddress(Vertx vertx, VertxTestContext ctx) {
      connect(vertx).compose(client -> {
        Future<JsonObject> err = client.nextError();
        return client.write(new JsonObject().put("type", "publish").put("address", ChannelAddresses.JOIN)
            .put("body", joinBody()).put("headers", new JsonObject().put("token", alice)))
          .compose(v -> err)
          .map(frame -> {
            assertRefused(frame, "access_denied", "may not publish");
            return null;
          })
          .compose(v -> assertNothingDelivered(client));
      }).onComplete(ctx.succeedingThenComplete());
    }

    @Test
    void aBodyThatIsNotAJsonObjectToAChannelIsABadRequest(Vertx vertx, VertxTestContext ctx) {
      connect(vertx)
        .compose(client -> client.request(ChannelAddresses.JOIN, new JsonArray().add("videos:42"), alice)
          .compose(reply -> {
            assertThat(reply.getString("type")).isEqualTo("err");
            assertThat(reply.getInteger("failureCode")).isEqualTo(400);
            assertThat(reply.getString("message")).startsWith("bad_request: ").contains("JSON object");
            return assertNothingDelivered(client);
          }))
        .onComplete(ctx.succeedingThenComplete());
    }

    @Test
    void aChannelRequestWithoutAReplyAddressIsABadRequest(Vertx vertx, VertxTestContext ctx) {
      connect(vertx).compose(client -> {
        Future<JsonObject> err = client.nextError();
        return client.send(ChannelAddresses.JOIN, joinBody(), alice)
          .compose(v -> err)
          .map(frame -> {
            assertRefused(frame, "bad_request", "requests only");
            return null;
          })
          .compose(v -> assertNothingDelivered(client));
      }).onComplete(ctx.succeedingThenComplete());
    }

    @Test
    void aHeaderThatIsNotAStringIsABadRequest(Vertx vertx, VertxTestContext ctx) {
      connect(vertx).compose(client -> {
        Future<JsonObject> answer = client.next(f -> "r.x".equals(f.getString("address")));
        return client.write(new JsonObject().put("type", "send").put("address", ChannelAddresses.JOIN)
            .put("body", joinBody()).put("replyAddress", "r.x")
            .put("headers", new JsonObject().put("token", alice).put("n", (Object) null)))
          .compose(v -> answer)
          .map(frame -> {
            assertFailedReply(frame, "bad_request", 400, "header \"n\" must be a string");
            return null;
          })
          .compose(v -> assertNothingDelivered(client));
      }).onComplete(ctx.succeedingThenComplete());
    }

    @Test
    void aRequestToAnAddressNotPermittedGetsAFailedReplyWithAMessage(Vertx vertx, VertxTestContext ctx) {
      connect(vertx).compose(client -> client.request("otpx.app.channels", new JsonObject(), alice)
          .compose(reply -> {
            assertFailedReply(reply, "access_denied", 403, "may not send to \"otpx.app.channels\"");
            return assertNoOtherAnswer(client);
          }))
        .onComplete(ctx.succeedingThenComplete());
    }

    @Test
    void theCounterTakesSendsAndRequestsWithAToken(Vertx vertx, VertxTestContext ctx) {
      connect(vertx)
        .compose(client -> client.send(ChannelsBridge.COUNTER, "inc", alice)
          .compose(v -> client.request(ChannelsBridge.COUNTER, "val", alice)))
        .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          assertThat(reply.getJsonObject("body").getInteger("value")).isEqualTo(2);
          assertThat(counts).containsExactly("inc", "val");
          ctx.completeNow();
        })));
    }
  }

  @Nested
  class Register {

    private Future<JsonObject> publishUntilDelivered(Vertx vertx, BridgeTestClient client, String address) {
      // The register has taken effect once a request sent after it on the same socket is answered.
      return client.request(ChannelsBridge.COUNTER, "val", alice).compose(ready -> {
        Future<JsonObject> delivered = client.nextOn(address);
        vertx.eventBus().publish(address, new JsonObject().put("event", "new_annotation"));
        return delivered;
      });
    }

    /** Joins videos:42 (the join stand-in says yes). */
    private Future<BridgeTestClient> joined(Vertx vertx) {
      return connect(vertx).compose(client -> client.request(ChannelAddresses.JOIN, joinBody(), alice).map(reply -> {
        assertThat(reply.getString("type")).isEqualTo("rec");
        return client;
      }));
    }

    @Test
    void registerOnAJoinedTopicWithATokenReceivesWhatIsPublishedThere(Vertx vertx, VertxTestContext ctx) {
      joined(vertx)
        .compose(client -> client.register(TOPIC, alice).compose(v -> publishUntilDelivered(vertx, client, TOPIC)))
        .onComplete(ctx.succeeding(frame -> ctx.verify(() -> {
          assertThat(frame.getJsonObject("body")).isEqualTo(new JsonObject().put("event", "new_annotation"));
          ctx.completeNow();
        })));
    }

    @Test
    void registerWithoutATokenIsDeniedAndRegistersNothing(Vertx vertx, VertxTestContext ctx) {
      joined(vertx).compose(client -> {
        Future<JsonObject> err = client.nextError();
        return client.register(TOPIC, null)
          .compose(v -> err)
          .map(frame -> {
            assertRefused(frame, "access_denied", "missing token");
            return null;
          })
          // Had the first register worked, this one would be refused as a second registration.
          .compose(v -> client.register(TOPIC, alice))
          .compose(v -> publishUntilDelivered(vertx, client, TOPIC));
      }).onComplete(ctx.succeedingThenComplete());
    }

    @Test
    void registerOnSomethingOtherThanAVideoTopicIsDenied(Vertx vertx, VertxTestContext ctx) {
      List<String> bad = List.of(ChannelAddresses.topicAddress("videos:abc"),
        ChannelAddresses.topicAddress("rooms:1"), ChannelAddresses.topicAddress("videos:1234567890123456789"),
        ChannelAddresses.JOIN, ChannelAddresses.SOCKET_CLOSED, "otpx.root");
      connect(vertx).compose(client -> {
        Future<Void> chain = Future.succeededFuture();
        for (String address : bad) {
          chain = chain.compose(v -> {
            Future<JsonObject> err = client.nextError();
            return client.register(address, alice).compose(w -> err).map(frame -> {
              assertRefused(frame, "access_denied", "register only on channels.topic.videos:<digits>");
              return null;
            });
          });
        }
        return chain;
      }).onComplete(ctx.succeedingThenComplete());
    }

    @Test
    void registeringOnATopicNotJoinedIsDeniedSoNobodyListensUnseen(Vertx vertx, VertxTestContext ctx) {
      connect(vertx).compose(client -> {
        Future<JsonObject> err = client.nextError();
        return client.register(TOPIC, alice)
          .compose(v -> err)
          .map(frame -> {
            assertRefused(frame, "access_denied", "join videos:42 before registering on " + TOPIC);
            return null;
          })
          // Joined now: the same register works, proof the first one registered nothing.
          .compose(v -> client.request(ChannelAddresses.JOIN, joinBody(), alice))
          .compose(v -> client.register(TOPIC, alice))
          .compose(v -> publishUntilDelivered(vertx, client, TOPIC));
      }).onComplete(ctx.succeedingThenComplete());
    }

    @Test
    void aSocketThatLeftATopicStopsReceivingItsBroadcasts(Vertx vertx, VertxTestContext ctx) {
      joined(vertx).compose(client -> client.register(TOPIC, alice)
          .compose(v -> publishUntilDelivered(vertx, client, TOPIC))
          .compose(first -> client.request(ChannelAddresses.LEAVE, new JsonObject().put("topic", "videos:42"), alice))
          .compose(left -> {
            // Queued to the socket before the rejoin below is even sent: it must be dropped.
            vertx.eventBus().publish(TOPIC, new JsonObject().put("event", "while_away"));
            return client.request(ChannelAddresses.JOIN, joinBody(), alice);
          })
          .compose(rejoined -> {
            Future<JsonObject> next = client.nextOn(TOPIC);
            vertx.eventBus().publish(TOPIC, new JsonObject().put("event", "back"));
            return next;
          })
          .map(next -> {
            assertThat(next.getJsonObject("body").getString("event")).isEqualTo("back");
            return null;
          }))
        .onComplete(ctx.succeedingThenComplete());
    }

    @Test
    void aRegistrationStopsReceivingWhenItsTokenExpiresAndIsToldSoOnce(Vertx vertx, VertxTestContext ctx) {
      joined(vertx).compose(client -> client.register(TOPIC, alice)
          .compose(v -> publishUntilDelivered(vertx, client, TOPIC))
          .compose(delivered -> {
            clock.advance(MAX_AGE.plusSeconds(2));
            Future<JsonObject> told = client.nextError();
            vertx.eventBus().publish(TOPIC, new JsonObject().put("event", "after_expiry"));
            vertx.eventBus().publish(TOPIC, new JsonObject().put("event", "after_expiry_too"));
            return told;
          })
          .compose(told -> {
            assertRefused(told, "access_denied", "expired token");
            // A fresh token's request, answered after both publishes reached the socket.
            return client.request(ChannelsBridge.COUNTER, "val", tokens.sign("alice"));
          })
          .map(reply -> {
            assertThat(reply.getString("type")).isEqualTo("rec");
            assertThat(client.unclaimed()).as("nothing delivered after expiry, and one notice").isEmpty();
            return null;
          }))
        .onComplete(ctx.succeedingThenComplete());
    }
  }

  @Nested
  class Limits {

    @Test
    void postsBeyondTheRateAreRefusedAndTheSocketStaysUsable(Vertx vertx, VertxTestContext ctx) {
      connect(vertx).compose(client -> client.request(ChannelAddresses.PUSH, pushBody("1"), alice)
        .compose(r -> client.request(ChannelAddresses.PUSH, pushBody("2"), alice))
        .compose(r -> client.request(ChannelAddresses.PUSH, pushBody("3"), alice))
        .map(third -> {
          assertThat(third.getString("type")).isEqualTo("err");
          assertThat(third.getInteger("failureCode")).isEqualTo(429);
          assertThat(third.getString("failureType")).isEqualTo("RECIPIENT_FAILURE");
          assertThat(third.getString("message")).isEqualTo(
            "rate_limited: more than 2 posts per second from this socket");
          assertThat(pushes).hasSize(2);
          return null;
        })
        // Still usable: other requests go through, and posts again once time has passed.
        .compose(v -> client.request(ChannelAddresses.JOIN, joinBody(), alice))
        .compose(join -> {
          assertThat(join.getString("type")).isEqualTo("rec");
          nanos.addAndGet(Duration.ofSeconds(1).toNanos());
          return client.request(ChannelAddresses.PUSH, pushBody("4"), alice);
        })
        .map(fourth -> {
          assertThat(fourth.getString("type")).isEqualTo("rec");
          assertThat(pushes).hasSize(3);
          return null;
        })).onComplete(ctx.succeedingThenComplete());
    }

    @Test
    void theRateLimitIsPerSocket(Vertx vertx, VertxTestContext ctx) {
      Future<BridgeTestClient> first = connect(vertx);
      first.compose(client -> client.request(ChannelAddresses.PUSH, pushBody("1"), alice)
          .compose(r -> client.request(ChannelAddresses.PUSH, pushBody("2"), alice))
          .compose(r -> client.request(ChannelAddresses.PUSH, pushBody("3"), alice)))
        .compose(limited -> {
          assertThat(limited.getInteger("failureCode")).isEqualTo(429);
          return connect(vertx);
        })
        .compose(other -> other.request(ChannelAddresses.PUSH, pushBody("4"), alice))
        .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          assertThat(reply.getString("type")).isEqualTo("rec");
          ctx.completeNow();
        })));
    }

    @Test
    void anOversizeFrameIsRefusedWithOneClearAnswerAndTheSocketStaysUsable(Vertx vertx, VertxTestContext ctx) {
      connect(vertx).compose(client -> client.request(ChannelAddresses.PUSH, pushBody("x".repeat(4000)), alice)
        .compose(reply -> {
          assertFailedReply(reply, "frame_too_large", 413, "bytes is over the limit of 2048 bytes");
          assertThat(reply.getString("message")).startsWith("frame_too_large: message of ");
          assertThat(pushes).isEmpty();
          return assertNoOtherAnswer(client);
        })
        .compose(v -> assertNothingDelivered(client))).onComplete(ctx.succeedingThenComplete());
    }

    private Future<JsonObject> joinTopic(BridgeTestClient client, String topic) {
      return client.request(ChannelAddresses.JOIN, new JsonObject().put("topic", topic).put("last_seen_id", 0), alice);
    }

    @Test
    void handlersBeyondTheLimitAreRefusedWithAMessageAndAFailedReply(Vertx vertx, VertxTestContext ctx) {
      // Limit 3: two registrations and one InfoSys request that is never answered.
      connect(vertx).compose(client -> joinTopic(client, "videos:1")
        .compose(r -> joinTopic(client, "videos:2"))
        .compose(r -> client.register(ChannelAddresses.topicAddress("videos:1"), alice))
        .compose(v -> client.register(ChannelAddresses.topicAddress("videos:2"), alice))
        .compose(v -> {
          client.request(ChannelsBridge.INFOSYS, new JsonObject().put("query", "held"), alice);
          return client.request(ChannelsBridge.COUNTER, "val", alice);
        })
        .compose(fourth -> {
          assertFailedReply(fourth, "max_handlers_reached", 429, "at most 3 registrations and requests awaiting a reply");
          Future<JsonObject> err = client.nextError();
          return client.register(ChannelAddresses.topicAddress("videos:3"), alice).compose(v -> err);
        })
        .map(err -> {
          // A register's one answer is an error frame with a message (videos:3 was never joined).
          assertRefused(err, "access_denied", "join videos:3 before registering");
          return null;
        }))
        .onComplete(ctx.succeedingThenComplete());
    }

    @Test
    void everyAddressDrawsOnOneBudgetPerSocket(Vertx vertx, VertxTestContext ctx) {
      // Budget 10: a join, a register, four counter sends and four requests, then one too many.
      connect(vertx).compose(client -> {
        Future<JsonObject> chain = joinTopic(client, "videos:1");
        chain = chain.compose(r -> client.register(ChannelAddresses.topicAddress("videos:1"), alice).map(r));
        for (int i = 0; i < 4; i++) {
          chain = chain.compose(r -> client.send(ChannelsBridge.COUNTER, "inc", alice).map(r));
        }
        for (int i = 0; i < 4; i++) {
          chain = chain.compose(r -> client.request(ChannelsBridge.COUNTER, "val", alice));
        }
        return chain
          .compose(last -> {
            assertThat(last.getString("type")).isEqualTo("rec");
            return client.request(ChannelAddresses.JOIN, joinBody(), alice);
          })
          .compose(limited -> {
            assertFailedReply(limited, "rate_limited", 429, "more than 10 messages per second from this socket");
            Future<JsonObject> err = client.nextError();
            return client.send(ChannelsBridge.COUNTER, "dec", alice).compose(v -> err);
          })
          .compose(err -> {
            assertRefused(err, "rate_limited", "messages per second");
            assertThat(counts).containsExactly("inc", "inc", "inc", "inc", "val", "val", "val", "val");
            nanos.addAndGet(Duration.ofSeconds(1).toNanos());
            return client.request(ChannelsBridge.COUNTER, "val", alice);
          })
          .map(refilled -> {
            assertThat(refilled.getString("type")).isEqualTo("rec");
            return null;
          });
      }).onComplete(ctx.succeedingThenComplete());
    }

    @Test
    void aSocketMayJoinOnlySoManyTopicsAtOnce(Vertx vertx, VertxTestContext ctx) {
      connect(vertx).compose(client -> joinTopic(client, "videos:1")
        .compose(r -> joinTopic(client, "videos:2"))
        .compose(r -> joinTopic(client, "videos:1"))
        .compose(again -> {
          assertThat(again.getString("type")).as("a topic already joined can be joined again").isEqualTo("rec");
          return joinTopic(client, "videos:3");
        })
        .compose(third -> {
          assertFailedReply(third, "rate_limited", 429, "at most 2 topics at once: leave one first");
          assertThat(joins).hasSize(3);
          return client.request(ChannelAddresses.LEAVE, new JsonObject().put("topic", "videos:1"), alice);
        })
        .compose(left -> joinTopic(client, "videos:3"))
        .map(third -> {
          assertThat(third.getString("type")).isEqualTo("rec");
          return null;
        }))
        .onComplete(ctx.succeedingThenComplete());
    }
  }

  @Nested
  class BadInput {

    @Test
    void malformedJsonGetsAnErrorAndTheServerKeepsServingEveryone(Vertx vertx, VertxTestContext ctx) {
      connect(vertx).compose(bad -> {
        Future<JsonObject> err = bad.nextError();
        return bad.write("{\"type\": \"send\", \"address\": ").compose(v -> err)
          .map(frame -> {
            assertThat(frame.getString("body")).isEqualTo("invalid_json");
            return null;
          })
          .compose(v -> connect(vertx))
          .compose(other -> other.request(ChannelAddresses.JOIN, joinBody(), alice))
          .compose(reply -> {
            assertThat(reply.getString("type")).isEqualTo("rec");
            return bad.request(ChannelAddresses.JOIN, joinBody(), alice);
          })
          .map(reply -> {
            assertThat(reply.getString("type")).as("the bad client's socket still works").isEqualTo("rec");
            return null;
          });
      }).onComplete(ctx.succeedingThenComplete());
    }

    @Test
    void aFrameWithoutTypeOrAddressGetsAnError(Vertx vertx, VertxTestContext ctx) {
      connect(vertx).compose(client -> {
        Future<JsonObject> first = client.nextError();
        return client.write(new JsonObject().put("address", ChannelAddresses.JOIN))
          .compose(v -> first)
          .compose(err -> {
            assertThat(err.getString("body")).isEqualTo("missing_type");
            Future<JsonObject> second = client.nextError();
            return client.write(new JsonObject().put("type", "send")).compose(v -> second);
          })
          .map(err -> {
            assertThat(err.getString("body")).isEqualTo("missing_address");
            return null;
          });
      }).onComplete(ctx.succeedingThenComplete());
    }
  }

  @Nested
  class Transports {

    @Test
    void theXhrPollingTransportCarriesTheSameProtocolThroughTheBodyHandler(Vertx vertx, VertxTestContext ctx) {
      // SockJS ends each xhr poll by closing the connection without a "Connection: close" header,
      // so a pooled keep-alive connection may already be dead when the next request picks it up.
      WebClient web = WebClient.create(vertx, new WebClientOptions().setKeepAlive(false));
      String session = "/eventbus/000/" + UUID.randomUUID().toString().replace("-", "") + "/";
      JsonObject request = new JsonObject().put("type", "send").put("address", ChannelAddresses.JOIN)
        .put("body", joinBody().put("user", "mallory")).put("replyAddress", "r.1")
        .put("headers", new JsonObject().put("token", alice));
      web.post(port, "localhost", session + "xhr").send()
        .compose(open -> {
          assertThat(open.bodyAsString()).isEqualTo("o\n");
          return web.post(port, "localhost", session + "xhr_send")
            .sendBuffer(Buffer.buffer(new JsonArray().add(request.encode()).encode()));
        })
        .compose(sent -> {
          assertThat(sent.statusCode()).isEqualTo(204);
          return web.post(port, "localhost", session + "xhr").send();
        })
        .onComplete(ctx.succeeding(poll -> ctx.verify(() -> {
          String frames = poll.bodyAsString();
          assertThat(frames).startsWith("a[");
          JsonObject reply = new JsonObject(new JsonArray(frames.substring(1).strip()).getString(0));
          assertThat(reply.getString("address")).isEqualTo("r.1");
          assertThat(reply.getJsonObject("body").getJsonObject("user"))
            .isEqualTo(new JsonObject().put("username", "alice"));
          assertThat(reply.getJsonObject("body").getString("socket_id")).isNotBlank();
          ctx.completeNow();
        })));
    }
  }

  @Nested
  class Sockets {

    @Test
    void closingASocketReportsItsIdAndItsTopicsOnSocketClosed(Vertx vertx, VertxTestContext ctx) {
      Promise<JsonObject> reported = Promise.promise();
      vertx.eventBus().<JsonObject>consumer(ChannelAddresses.SOCKET_CLOSED, msg -> reported.tryComplete(msg.body()))
        .completion()
        .compose(v -> connect(vertx))
        .compose(client -> client.request(ChannelAddresses.JOIN, joinBody(), alice)
          .compose(reply -> client.close().compose(v -> reported.future())
            .map(closed -> {
              assertThat(closed).isEqualTo(new JsonObject()
                .put("socket_id", reply.getJsonObject("body").getString("socket_id"))
                .put("topics", new JsonArray().add(joinBody().getString("topic"))));
              return null;
            })))
        .onComplete(ctx.succeedingThenComplete());
    }

    @Test
    void aClosedSocketsWriteHandlerIsUnregisteredSoTheConnectionCanBeFreed(Vertx vertx, VertxTestContext ctx) {
      Promise<String> reported = Promise.promise();
      vertx.eventBus().<JsonObject>consumer(ChannelAddresses.SOCKET_CLOSED, msg -> reported.tryComplete(msg.body().getString("socket_id")))
        .completion()
        .compose(v -> connect(vertx))
        .compose(client -> client.request(ChannelAddresses.JOIN, joinBody(), alice).compose(reply -> client.close()))
        .compose(v -> reported.future())
        // The write handler held the socket and its connection: nobody must be listening there now.
        .compose(socketId -> vertx.eventBus().request(socketId, Buffer.buffer("hello?")))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertThat(err).isInstanceOf(ReplyException.class);
          assertThat(((ReplyException) err).failureType()).isEqualTo(ReplyFailure.NO_HANDLERS);
          ctx.completeNow();
        })));
    }
  }
}
