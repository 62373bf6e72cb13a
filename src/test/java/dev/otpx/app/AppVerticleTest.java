package dev.otpx.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.otpx.counter.Counter;
import dev.otpx.process.OtpException;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class AppVerticleTest {

  /** The embedded defaults, on a free loopback port and without the count-down tick. */
  private static final Map<String, String> TEST_ENV = Map.of("HTTP_HOST", "127.0.0.1", "HTTP_PORT", "0", "COUNTER_TICK_MS", "0");

  private static Future<String> deploy(Vertx vertx, AppVerticle app, JsonObject config) {
    return vertx.deployVerticle(app, new DeploymentOptions().setConfig(config));
  }

  @Nested
  class WholeService {

    private AppVerticle app;
    private String deploymentId;
    private WebClient client;

    @BeforeEach
    void deployWithTheDefaultsOnPortZero(Vertx vertx, VertxTestContext ctx) {
      app = new AppVerticle();
      client = WebClient.create(vertx);
      AppConfig.load(vertx, Optional.empty(), TEST_ENV)
        .compose(config -> deploy(vertx, app, config.toJson()))
        .onComplete(ctx.succeeding(id -> {
          deploymentId = id;
          ctx.completeNow();
        }));
    }

    private Future<HttpResponse<Buffer>> get(String path) {
      return client.get(app.httpPort(), "127.0.0.1", path).send();
    }

    @Test
    void answersHealth(VertxTestContext ctx) {
      get("/health").onComplete(ctx.succeeding(r -> ctx.verify(() -> {
        assertEquals(200, r.statusCode());
        assertEquals("UP", r.bodyAsJsonObject().getString("status"));
        ctx.completeNow();
      })));
    }

    @Test
    void answersTheGenServerCounterAtItsConfiguredInitialValue(VertxTestContext ctx) {
      get("/api/counter").onComplete(ctx.succeeding(r -> ctx.verify(() -> {
        assertEquals(200, r.statusCode());
        assertEquals(new JsonObject().put("value", 5), r.bodyAsJsonObject());
        ctx.completeNow();
      })));
    }

    @Test
    void answersTheRawCounterAtItsConfiguredInitialValue(VertxTestContext ctx) {
      get("/api/raw-counter").onComplete(ctx.succeeding(r -> ctx.verify(() -> {
        assertEquals(200, r.statusCode());
        assertEquals(new JsonObject().put("value", 0), r.bodyAsJsonObject());
        ctx.completeNow();
      })));
    }

    @Test
    void undeployingStopsTheCounters(Vertx vertx, VertxTestContext ctx) {
      vertx.undeploy(deploymentId)
        .compose(v -> Counter.value(vertx, "counter"))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertEquals("noproc", assertInstanceOf(OtpException.class, err).code());
          ctx.completeNow();
        })));
    }
  }

  @Nested
  class BadConfig {

    @Test
    void missingKeyFailsTheDeploymentNamingIt(Vertx vertx, VertxTestContext ctx) {
      AppConfig.load(vertx, Optional.empty(), TEST_ENV)
        .compose(config -> {
          JsonObject json = config.toJson();
          json.getJsonObject("http").remove("port");
          return deploy(vertx, new AppVerticle(), json);
        })
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertInstanceOf(IllegalArgumentException.class, err);
          assertTrue(err.getMessage().contains("http.port"), err.getMessage());
          ctx.completeNow();
        })));
    }

    @Test
    void emptyConfigFailsTheDeployment(Vertx vertx, VertxTestContext ctx) {
      deploy(vertx, new AppVerticle(), new JsonObject()).onComplete(ctx.failing(err -> ctx.verify(() -> {
        assertTrue(err.getMessage().contains("invalid config"), err.getMessage());
        ctx.completeNow();
      })));
    }
  }
}
