package dev.otpx.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otpx.channels.auth.Tokens;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class SessionRoutesTest {

  private final Tokens tokens = new Tokens("a test secret that is long enough!".getBytes(StandardCharsets.UTF_8),
    Duration.ofHours(1), Clock.systemUTC());
  private WebClient client;
  private int port;

  @BeforeEach
  void serveTheSessionRoute(Vertx vertx, VertxTestContext ctx) {
    client = WebClient.create(vertx);
    Router router = Router.router(vertx);
    SessionRoutes.mount(router, tokens);
    vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
      .map(HttpServer::actualPort)
      .onSuccess(p -> port = p)
      .onComplete(ctx.succeedingThenComplete());
  }

  private Future<HttpResponse<Buffer>> post(String body) {
    return client.post(port, "127.0.0.1", SessionRoutes.PATH)
      .putHeader("content-type", "application/json")
      .sendBuffer(Buffer.buffer(body));
  }

  @Nested
  class SigningIn {

    @Test
    void aValidUsernameGetsATokenForItsNormalForm(VertxTestContext ctx) {
      post("{\"username\": \"Alice\"}").onComplete(ctx.succeeding(response -> ctx.verify(() -> {
        assertThat(response.statusCode()).isEqualTo(201);
        assertThat(response.getHeader("content-type")).isEqualTo("application/json");
        assertThat(response.getHeader("cache-control")).isEqualTo("no-store");
        JsonObject body = response.bodyAsJsonObject();
        assertThat(body.fieldNames()).containsExactlyInAnyOrder("token", "username");
        assertThat(body.getString("username")).isEqualTo("alice");
        assertThat(tokens.verify(body.getString("token"))).isEqualTo("alice");
        ctx.completeNow();
      })));
    }

    @Test
    void onlyPostIsRouted(VertxTestContext ctx) {
      client.get(port, "127.0.0.1", SessionRoutes.PATH).send()
        .onComplete(ctx.succeeding(response -> ctx.verify(() -> {
          assertThat(response.statusCode()).isEqualTo(405);
          ctx.completeNow();
        })));
    }
  }

  @Nested
  class BadRequests {

    private void badRequest(VertxTestContext ctx, String body, String message) {
      post(body).onComplete(ctx.succeeding(response -> ctx.verify(() -> {
        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(response.getHeader("content-type")).isEqualTo("application/json");
        assertThat(response.bodyAsJsonObject())
          .isEqualTo(new JsonObject().put("error", "bad_request").put("message", message));
        ctx.completeNow();
      })));
    }

    @Test
    void malformedJsonIsABadRequest(VertxTestContext ctx) {
      badRequest(ctx, "{\"username\": ", "body must be a JSON object {\"username\": \"...\"}");
    }

    @Test
    void anEmptyBodyIsABadRequest(VertxTestContext ctx) {
      badRequest(ctx, "", "body must be a JSON object {\"username\": \"...\"}");
    }

    @Test
    void jsonThatIsNotAnObjectIsABadRequest(VertxTestContext ctx) {
      badRequest(ctx, "[\"alice\"]", "body must be a JSON object {\"username\": \"...\"}");
    }

    @Test
    void aMissingUsernameIsABadRequest(VertxTestContext ctx) {
      badRequest(ctx, "{\"name\": \"alice\"}", "username is missing");
    }

    @Test
    void aUsernameThatIsNotAStringIsABadRequest(VertxTestContext ctx) {
      badRequest(ctx, "{\"username\": 42}", "username must be a string");
    }

    @Test
    void anInvalidUsernameIsABadRequestNamingTheRule(VertxTestContext ctx) {
      badRequest(ctx, "{\"username\": \"9lives\"}", "username must start with a letter");
    }

    @Test
    void aReservedUsernameIsABadRequest(VertxTestContext ctx) {
      badRequest(ctx, "{\"username\": \"Calculator\"}", "username 'calculator' is reserved");
    }

    @Test
    void anOversizedBodyIsRefused(VertxTestContext ctx) {
      post("{\"username\": \"" + "a".repeat(2000) + "\"}").onComplete(ctx.succeeding(response -> ctx.verify(() -> {
        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(response.bodyAsJsonObject().getString("error")).isEqualTo("payload_too_large");
        ctx.completeNow();
      })));
    }
  }
}
