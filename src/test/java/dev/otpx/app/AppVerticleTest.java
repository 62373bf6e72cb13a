package dev.otpx.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.otpx.counter.Counter;
import dev.otpx.process.ExitReason;
import dev.otpx.process.OtpException;
import dev.otpx.process.Pid;
import dev.otpx.process.Processes;
import dev.otpx.process.Registry;
import dev.otpx.process.Supervisor;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(VertxExtension.class)
class AppVerticleTest {

  /** The embedded defaults on a free loopback port. */
  private static final Map<String, String> TEST_ENV = Map.of("HTTP_HOST", "127.0.0.1", "HTTP_PORT", "0");

  private static Future<String> deploy(Vertx vertx, AppVerticle app, JsonObject config) {
    return vertx.deployVerticle(app, new DeploymentOptions().setConfig(config));
  }

  /** Where each deployment's embedded database goes, a directory of its own; removed after the class. */
  @TempDir
  static Path dataDirs;

  /**
   * The defaults, with every counter's count-down tick off so that nothing crashes on its own, and
   * the embedded database in a new directory.
   */
  static Future<JsonObject> quietDefaults(Vertx vertx) {
    return AppConfig.load(vertx, Optional.empty(), TEST_ENV).map(config -> {
      JsonObject json = config.toJson();
      json.getJsonObject("store").put("data_dir", dataDirs.resolve(UUID.randomUUID().toString()).toString());
      silence(json.getJsonObject("supervision"));
      return json;
    });
  }

  private static void silence(JsonObject tree) {
    JsonArray children = tree.getJsonArray("children", new JsonArray());
    for (int i = 0; i < children.size(); i++) {
      JsonObject child = children.getJsonObject(i);
      if (child.containsKey("config")) {
        child.getJsonObject("config").put("tick_ms", 0);
      }
      silence(child);
    }
  }

  @Nested
  class WholeService {

    private final Promise<ExitReason> rootExit = Promise.promise();
    private AppVerticle app;
    private String deploymentId;
    private WebClient client;

    @BeforeEach
    void deployWithTheDefaultsOnPortZero(Vertx vertx, VertxTestContext ctx) {
      app = new AppVerticle(rootExit::tryComplete);
      client = WebClient.create(vertx);
      quietDefaults(vertx)
        .compose(config -> deploy(vertx, app, config))
        .onComplete(ctx.succeeding(id -> {
          deploymentId = id;
          ctx.completeNow();
        }));
    }

    private Future<HttpResponse<Buffer>> get(String path) {
      return client.get(app.httpPort(), "127.0.0.1", path).send();
    }

    private Future<HttpResponse<Buffer>> post(String path) {
      return client.post(app.httpPort(), "127.0.0.1", path).send();
    }

    /** Kills the counter over HTTP and waits until its supervisor has dealt with the exit. */
    private Future<Void> killCounter(Vertx vertx) {
      Pid before = Registry.whereis(vertx, "counter").orElseThrow();
      Future<?> down = Processes.monitor(vertx, before).down();
      return post("/api/counter/kill").compose(r -> {
        assertEquals(202, r.statusCode());
        return down;
      }).compose(d -> Supervisor.whichChildren(vertx, app.root())).recover(err -> Future.succeededFuture()).mapEmpty();
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
    void runsTheWholeTreeOfConfJson(Vertx vertx, VertxTestContext ctx) {
      Supervisor.whichChildren(vertx, app.root()).onComplete(ctx.succeeding(children -> ctx.verify(() -> {
        assertEquals(4, children.size());
        for (String name : new String[] {"counter", "counter.long", "counter.short", "counter.medium"}) {
          assertTrue(Registry.whereis(vertx, name).isPresent(), name);
        }
        assertEquals(Optional.of(app.root()), Registry.whereis(vertx, AppVerticle.ROOT));
        ctx.completeNow();
      })));
    }

    @Test
    void aKilledCounterIsRestartedAtItsInitialValue(Vertx vertx, VertxTestContext ctx) {
      Pid before = Registry.whereis(vertx, "counter").orElseThrow();
      post("/api/counter/inc")
        .compose(r -> killCounter(vertx))
        .compose(v -> get("/api/counter"))
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertEquals(new JsonObject().put("value", 5), r.bodyAsJsonObject());
          assertNotEquals(before, Registry.whereis(vertx, "counter").orElseThrow());
          assertFalse(rootExit.future().isComplete());
          ctx.completeNow();
        })));
    }

    @Test
    void killingTheCounterMoreThanMaxRestartsTimesStopsTheService(Vertx vertx, VertxTestContext ctx) {
      // conf/config.json: 3 restarts in 5 s. The fourth kill is one too many for the root.
      killCounter(vertx)
        .compose(v -> killCounter(vertx))
        .compose(v -> killCounter(vertx))
        .compose(v -> killCounter(vertx))
        .onComplete(ctx.succeeding(v -> rootExit.future().onComplete(ctx.succeeding(reason -> ctx.verify(() -> {
          assertEquals(ExitReason.SHUTDOWN, reason);
          assertTrue(Registry.registered(vertx).isEmpty(), () -> "names left: " + Registry.registered(vertx));
          ctx.completeNow();
        })))));
    }

    @Test
    void undeployingStopsTheTreeWithoutStoppingTheService(Vertx vertx, VertxTestContext ctx) {
      vertx.undeploy(deploymentId)
        .compose(v -> Counter.value(vertx, "counter"))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertEquals("noproc", assertInstanceOf(OtpException.class, err).code());
          assertTrue(Registry.registered(vertx).isEmpty());
          assertFalse(rootExit.future().isComplete());
          ctx.completeNow();
        })));
    }
  }

  @Nested
  class BadConfig {

    @Test
    void missingKeyFailsTheDeploymentNamingIt(Vertx vertx, VertxTestContext ctx) {
      quietDefaults(vertx)
        .compose(json -> {
          json.getJsonObject("http").remove("port");
          return deploy(vertx, new AppVerticle(reason -> { }), json);
        })
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertInstanceOf(IllegalArgumentException.class, err);
          assertTrue(err.getMessage().contains("http.port"), err.getMessage());
          ctx.completeNow();
        })));
    }

    @Test
    void emptyConfigFailsTheDeployment(Vertx vertx, VertxTestContext ctx) {
      deploy(vertx, new AppVerticle(reason -> { }), new JsonObject()).onComplete(ctx.failing(err -> ctx.verify(() -> {
        assertTrue(err.getMessage().contains("invalid config"), err.getMessage());
        ctx.completeNow();
      })));
    }

    @Test
    void aTreeWhoseChildCannotStartFailsTheDeploymentAndLeavesNothingRunning(Vertx vertx, VertxTestContext ctx) {
      quietDefaults(vertx)
        .compose(json -> {
          json.getJsonObject("supervision").getJsonArray("children").getJsonObject(0).getJsonObject("config").put("tick_ms", -1);
          return deploy(vertx, new AppVerticle(reason -> { }), json);
        })
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertTrue(err.getMessage().contains("failed_to_start_child counter"), err.getMessage());
          assertTrue(Registry.registered(vertx).isEmpty());
          ctx.completeNow();
        })));
    }
  }
}
