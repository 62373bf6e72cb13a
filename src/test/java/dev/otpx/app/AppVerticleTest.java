package dev.otpx.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.otpx.counter.Counter;
import dev.otpx.infosys.InfoSys;
import dev.otpx.infosys.QueryOptions;
import dev.otpx.process.ApplicationController.NodeStop;
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
      json.getJsonObject(AppConfig.APPLICATIONS).forEach(application -> silence((JsonObject) application.getValue()));
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

    private final Promise<NodeStop> nodeStop = Promise.promise();
    private AppVerticle app;
    private String deploymentId;
    private WebClient client;

    @BeforeEach
    void deployWithTheDefaultsOnPortZero(Vertx vertx, VertxTestContext ctx) {
      app = new AppVerticle(nodeStop::tryComplete);
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

    private Pid counters(Vertx vertx) {
      return Registry.whereis(vertx, "otpx.app.counters").orElseThrow();
    }

    /** Kills the counter and waits until its supervisor has dealt with the exit. */
    private Future<Void> killCounter(Vertx vertx) {
      Pid supervisor = counters(vertx);
      Pid before = Registry.whereis(vertx, "counter").orElseThrow();
      Future<?> down = Processes.monitor(vertx, before).down();
      assertTrue(Processes.kill(vertx, before));
      return down.compose(d -> Supervisor.whichChildren(vertx, supervisor)).recover(err -> Future.succeededFuture()).mapEmpty();
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
    void isReadyOnceItsPermanentApplicationsHttpAndStoreAnswer(VertxTestContext ctx) {
      get("/health/ready").onComplete(ctx.succeeding(r -> ctx.verify(() -> {
        assertEquals(200, r.statusCode(), r.bodyAsString());
        assertEquals(java.util.List.of("applications", "http", "store"), r.bodyAsJsonObject().getJsonArray("checks").stream()
          .map(c -> ((io.vertx.core.json.JsonObject) c).getString("id")).sorted().toList());
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
    void runsEveryApplicationOfConfJson(Vertx vertx, VertxTestContext ctx) {
      Supervisor.whichChildren(vertx, counters(vertx)).onComplete(ctx.succeeding(children -> ctx.verify(() -> {
        assertEquals(2, children.size());
        for (String name : new String[] {"counter", "counter.long", "counter.short", "counter.medium",
          "infosys", "infosys.cache", "channels.join", "channels.topics"}) {
          assertTrue(Registry.whereis(vertx, name).isPresent(), name);
        }
        assertEquals(java.util.List.of("counters", "infosys", "channels"),
          app.applications().running().stream().map(running -> running.application().name()).toList());
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
          assertFalse(nodeStop.future().isComplete());
          ctx.completeNow();
        })));
    }

    @Test
    void killingTheCounterTooOftenEndsTheTemporaryCountersAndTheServiceKeepsServing(Vertx vertx, VertxTestContext ctx) {
      // conf/config.json: 3 restarts in 5 s. The fourth kill is one too many for the counters'
      // supervisor, which gives up; the counters are a temporary application, so only they end.
      Future<?> countersGone = Processes.monitor(vertx, counters(vertx)).down();
      killCounter(vertx)
        .compose(v -> killCounter(vertx))
        .compose(v -> killCounter(vertx))
        .compose(v -> killCounter(vertx))
        .compose(v -> countersGone)
        .compose(down -> get("/api/counter"))
        .compose(counter -> {
          assertEquals(503, counter.statusCode());
          assertEquals("noproc", counter.bodyAsJsonObject().getString("error"));
          return get("/health");
        })
        .compose(health -> {
          assertEquals(200, health.statusCode());
          return InfoSys.ask(vertx, "what is 2+2", QueryOptions.defaults().withBackends(java.util.List.of("calculator")));
        })
        .onComplete(ctx.succeeding(answer -> ctx.verify(() -> {
          assertEquals("4", answer.results().get(0).text());
          assertTrue(Registry.whereis(vertx, "channels.join").isPresent());
          assertFalse(nodeStop.future().isComplete());
          ctx.completeNow();
        })));
    }

    @Test
    void whenAPermanentApplicationEndsTheServiceStops(Vertx vertx, VertxTestContext ctx) {
      Pid channels = Registry.whereis(vertx, "otpx.app.channels").orElseThrow();
      // The channels' supervisor allows 3 restarts in 5 s: kill its router four times.
      Future<Void> kills = Future.succeededFuture();
      for (int i = 0; i < 4; i++) {
        kills = kills.compose(v -> {
          Pid router = Registry.whereis(vertx, "channels.join").orElse(null);
          if (router == null) {
            return Future.succeededFuture();
          }
          Future<?> down = Processes.monitor(vertx, router).down();
          Processes.kill(vertx, router);
          return down.compose(d -> Supervisor.whichChildren(vertx, channels)).otherwiseEmpty().mapEmpty();
        });
      }
      kills.compose(v -> nodeStop.future()).onComplete(ctx.succeeding(stop -> ctx.verify(() -> {
        assertEquals("channels", stop.application().name());
        assertEquals(ExitReason.SHUTDOWN, stop.reason());
        assertTrue(Registry.registered(vertx).isEmpty(), () -> "names left: " + Registry.registered(vertx));
        ctx.completeNow();
      })));
    }

    @Test
    void undeployingStopsTheTreeWithoutStoppingTheService(Vertx vertx, VertxTestContext ctx) {
      vertx.undeploy(deploymentId)
        .compose(v -> Counter.value(vertx, "counter"))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertEquals("noproc", assertInstanceOf(OtpException.class, err).code());
          assertTrue(Registry.registered(vertx).isEmpty());
          assertFalse(nodeStop.future().isComplete());
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
          json.getJsonObject(AppConfig.APPLICATIONS).getJsonObject("counters").getJsonArray("children").getJsonObject(0)
            .getJsonObject("config").put("tick_ms", -1);
          return deploy(vertx, new AppVerticle(reason -> { }), json);
        })
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertTrue(err.getMessage().contains("application counters failed to start"), err.getMessage());
          assertTrue(err.getMessage().contains("failed_to_start_child counter"), err.getMessage());
          assertTrue(Registry.registered(vertx).isEmpty());
          ctx.completeNow();
        })));
    }
  }
}
