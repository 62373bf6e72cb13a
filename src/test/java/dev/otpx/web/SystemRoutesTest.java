package dev.otpx.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otpx.channels.BridgeLimits;
import dev.otpx.channels.auth.Tokens;
import dev.otpx.counter.CounterServer;
import dev.otpx.process.ChildSpec;
import dev.otpx.process.Pid;
import dev.otpx.process.Processes;
import dev.otpx.process.Registry;
import dev.otpx.process.Strategy;
import dev.otpx.process.Supervisor;
import dev.otpx.process.SupervisorFlags;
import dev.otpx.process.SupervisorSpec;
import dev.otpx.store.Store;
import dev.otpx.store.TestDatabase;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The operator's API into the node, over real HTTP: tree, one process, exit signals, tracing. */
@ExtendWith(VertxExtension.class)
class SystemRoutesTest {

  private static final String COUNTER = "sys.counter";
  private static final Tokens TOKENS = new Tokens(new byte[Tokens.MIN_SECRET_BYTES], Duration.ofDays(14), java.time.Clock.systemUTC());
  private static final String OPERATOR_TOKEN = "the operator's token for tests";

  private final TestDatabase database = TestDatabase.embedded();
  private Store store;
  private WebClient client;
  private Pid supervisor;

  @AfterEach
  void closeTheStore(Vertx vertx, VertxTestContext ctx) {
    store.close().eventually(() -> vertx.executeBlocking(() -> {
      database.close();
      return null;
    })).onComplete(ctx.succeedingThenComplete());
  }

  /** A supervisor with the counter under it, and the front with the given operator credential. */
  private Future<HttpVerticle> deploy(Vertx vertx, OperatorAuth operator) {
    client = WebClient.create(vertx);
    ChildSpec counter = ChildSpec.of("counter", CounterServer.class, CounterServer.args(7, Duration.ZERO)).withName(COUNTER);
    return Store.open(vertx, database.options())
      .compose(opened -> {
        store = opened;
        return Supervisor.start(vertx, SupervisorSpec.of(SupervisorFlags.of(Strategy.ONE_FOR_ONE).withIntensity(3, 5), List.of(counter)),
          "sys.sup");
      })
      .compose(sup -> {
        supervisor = sup;
        HttpVerticle http = new HttpVerticle(new HttpOptions("127.0.0.1", 0, COUNTER, "sys.raw", Duration.ofSeconds(1)), TOKENS,
          BridgeLimits.DEFAULTS, store, operator);
        return vertx.deployVerticle(http).map(http);
      });
  }

  private HttpRequest<Buffer> operator(HttpVerticle http, HttpMethod method, String path) {
    return client.request(method, http.actualPort(), "127.0.0.1", path).bearerTokenAuthentication(OPERATOR_TOKEN);
  }

  private static String path(Pid pid) {
    return "/api/system/processes/" + URLEncoder.encode(pid.toString(), StandardCharsets.UTF_8);
  }

  private static JsonObject childNamed(JsonArray children, String id) {
    return children.stream().map(JsonObject.class::cast).filter(c -> id.equals(c.getString("id"))).findFirst()
      .orElseThrow(() -> new AssertionError("no child " + id + " in " + children.encode()));
  }

  private static JsonObject rootOf(JsonObject tree, Pid pid) {
    return tree.getJsonArray("roots").stream().map(JsonObject.class::cast).filter(r -> pid.toString().equals(r.getString("pid")))
      .findFirst().orElseThrow(() -> new AssertionError("no root " + pid + " in " + tree.encode()));
  }

  @Nested
  class WithAnOperator {

    private HttpVerticle http;

    @BeforeEach
    void deploy(Vertx vertx, VertxTestContext ctx) {
      SystemRoutesTest.this.deploy(vertx, OperatorAuth.fromEnvironment(Map.of(OperatorAuth.ENV, OPERATOR_TOKEN)))
        .onComplete(ctx.succeeding(deployed -> {
          http = deployed;
          ctx.completeNow();
        }));
    }

    @Test
    void theTreeShowsTheSupervisorItsIntensityAndTheCounterWithItsStatus(Vertx vertx, VertxTestContext ctx) {
      operator(http, HttpMethod.GET, "/api/system/tree").send().onComplete(ctx.succeeding(r -> ctx.verify(() -> {
        assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
        assertThat(r.getHeader("Cache-Control")).isEqualTo("no-store");
        JsonObject tree = r.bodyAsJsonObject();
        JsonObject sup = rootOf(tree, supervisor);
        assertThat(sup.getString("kind")).isEqualTo("Supervisor");
        assertThat(sup.getJsonArray("names")).containsExactly("sys.sup");
        assertThat(sup.getJsonObject("supervisor").getString("strategy")).isEqualTo("one_for_one");
        assertThat(sup.getJsonObject("supervisor").getInteger("max_restarts")).isEqualTo(3);
        assertThat(sup.getJsonObject("supervisor").getInteger("restarts_in_window")).isZero();
        JsonObject counter = childNamed(sup.getJsonArray("children"), "counter");
        assertThat(counter.getString("status")).isEqualTo("running");
        assertThat(counter.getString("restart")).isEqualTo("permanent");
        assertThat(counter.getLong("shutdown")).isEqualTo(5000L);
        JsonObject process = counter.getJsonObject("process");
        assertThat(process.getJsonArray("names")).containsExactly(COUNTER);
        assertThat(process.getString("kind")).isEqualTo("CounterServer");
        assertThat(process.getInteger("message_queue_len")).isZero();
        assertThat(process.getValue("state")).isEqualTo(7);
        ctx.completeNow();
      })));
    }

    @Test
    void killingTheCounterMakesItsSupervisorRestartItAndTheTreeShowsTheRestart(Vertx vertx, VertxTestContext ctx) {
      Pid before = Registry.whereis(vertx, COUNTER).orElseThrow();
      Future<?> down = Processes.monitor(vertx, before).down();
      operator(http, HttpMethod.POST, path(before) + "/exit").sendJsonObject(new JsonObject().put("reason", "kill"))
        .compose(r -> {
          ctx.verify(() -> {
            assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(202);
            assertThat(r.bodyAsJsonObject()).isEqualTo(new JsonObject().put("pid", before.toString()).put("reason", "kill"));
          });
          return down;
        })
        // The supervisor took the child's exit (through their link) before the DOWN came: a call
        // queued now is answered once the restart is done.
        .compose(d -> Supervisor.whichChildren(vertx, supervisor))
        .compose(v -> operator(http, HttpMethod.GET, "/api/system/tree").send())
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          JsonObject sup = rootOf(r.bodyAsJsonObject(), supervisor);
          assertThat(sup.getJsonObject("supervisor").getInteger("restarts_in_window")).isEqualTo(1);
          JsonObject counter = childNamed(sup.getJsonArray("children"), "counter");
          assertThat(counter.getInteger("restarts")).isEqualTo(1);
          assertThat(counter.getString("pid")).isNotEqualTo(before.toString());
          ctx.completeNow();
        })));
    }

    @Test
    void oneProcessAndTracingItAndItsEndAreVisible(Vertx vertx, VertxTestContext ctx) {
      Pid counter = Registry.whereis(vertx, COUNTER).orElseThrow();
      operator(http, HttpMethod.POST, path(counter) + "/trace").sendJsonObject(new JsonObject().put("messages", 3))
        .compose(r -> {
          ctx.verify(() -> assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200));
          // The bare form of a pid works too.
          String bare = counter.toString().substring(1, counter.toString().length() - 1);
          return operator(http, HttpMethod.GET, "/api/system/processes/" + bare).send();
        })
        .compose(r -> {
          ctx.verify(() -> {
            assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(200);
            assertThat(r.bodyAsJsonObject().getInteger("trace_remaining")).isEqualTo(3);
            assertThat(r.bodyAsJsonObject().getString("pid")).isEqualTo(counter.toString());
          });
          return operator(http, HttpMethod.GET, path(supervisor)).send();
        })
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertThat(r.bodyAsJsonObject().getJsonObject("supervisor").getJsonArray("children")).hasSize(1);
          ctx.completeNow();
        })));
    }

    @Test
    void badPidsReasonsAndMissingProcessesGetClearAnswers(Vertx vertx, VertxTestContext ctx) {
      Pid gone = new Pid("deadbeef", 999_999);
      operator(http, HttpMethod.GET, "/api/system/processes/not-a-pid").send()
        .compose(r -> {
          ctx.verify(() -> {
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(r.bodyAsJsonObject().getString("message")).contains("<node.id>");
          });
          return operator(http, HttpMethod.GET, path(gone)).send();
        })
        .compose(r -> {
          ctx.verify(() -> assertThat(r.bodyAsJsonObject().getString("error")).isEqualTo("noproc"));
          ctx.verify(() -> assertThat(r.statusCode()).isEqualTo(404));
          return operator(http, HttpMethod.POST, path(supervisor) + "/exit").sendJsonObject(new JsonObject().put("reason", 3));
        })
        .compose(r -> {
          ctx.verify(() -> assertThat(r.statusCode()).isEqualTo(400));
          return operator(http, HttpMethod.POST, path(supervisor) + "/trace").sendJsonObject(new JsonObject().put("messages", 5000));
        })
        .compose(r -> {
          ctx.verify(() -> assertThat(r.statusCode()).isEqualTo(400));
          return operator(http, HttpMethod.POST, path(gone) + "/exit").sendJsonObject(new JsonObject().put("reason", "kill"));
        })
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertThat(r.statusCode()).isEqualTo(404);
          assertThat(Processes.isAlive(vertx, supervisor)).isTrue();
          ctx.completeNow();
        })));
    }

    @Test
    void theSummaryHasInfoSysTheCacheTheChannelsAndTheDatabaseAndOnlyForTheOperator(Vertx vertx, VertxTestContext ctx) {
      operator(http, HttpMethod.GET, "/api/system/summary").send()
        .compose(r -> client.request(HttpMethod.GET, http.actualPort(), "127.0.0.1", "/api/system/summary").send()
          .map(anonymous -> List.of(r, anonymous)))
        .onComplete(ctx.succeeding(answers -> ctx.verify(() -> {
          assertThat(answers.get(0).statusCode()).as(answers.get(0).bodyAsString()).isEqualTo(200);
          assertThat(answers.get(0).getHeader("Cache-Control")).isEqualTo("no-store");
          JsonObject summary = answers.get(0).bodyAsJsonObject();
          assertThat(summary.fieldNames()).containsExactlyInAnyOrder("infosys", "cache", "channels", "database");
          assertThat(summary.getJsonObject("cache").fieldNames()).contains("size", "hits", "misses", "hit_ratio", "evictions");
          assertThat(summary.getJsonObject("channels").fieldNames()).contains("sockets", "joins", "posts", "refusals", "topics");
          assertThat(summary.getJsonObject("database").fieldNames()).contains("queries", "mean_ms", "pool_in_use");
          assertThat(answers.get(1).statusCode()).isEqualTo(401);
          ctx.completeNow();
        })));
    }

    @Test
    void withoutTheOperatorsTokenNothingIsShown(Vertx vertx, VertxTestContext ctx) {
      client.request(HttpMethod.GET, http.actualPort(), "127.0.0.1", "/api/system/tree").bearerTokenAuthentication("wrong token, long enough")
        .send().compose(r -> {
          ctx.verify(() -> assertThat(r.statusCode()).isEqualTo(401));
          return client.request(HttpMethod.POST, http.actualPort(), "127.0.0.1", path(supervisor) + "/exit")
            .sendJsonObject(new JsonObject().put("reason", "kill"));
        })
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertThat(r.statusCode()).isEqualTo(401);
          assertThat(Processes.isAlive(vertx, supervisor)).isTrue();
          ctx.completeNow();
        })));
    }
  }

  @Test
  void withoutOtpxAdminTokenEveryRouteSays403AndHowToEnableIt(Vertx vertx, VertxTestContext ctx) {
    deploy(vertx, OperatorAuth.disabled()).onComplete(ctx.succeeding(http -> {
      List<Future<HttpResponse<Buffer>>> answers = List.of(
        operator(http, HttpMethod.GET, "/api/system/tree").send(),
        operator(http, HttpMethod.GET, "/api/system/summary").send(),
        operator(http, HttpMethod.GET, path(supervisor)).send(),
        operator(http, HttpMethod.POST, path(supervisor) + "/exit").sendJsonObject(new JsonObject().put("reason", "kill")),
        operator(http, HttpMethod.POST, path(supervisor) + "/trace").sendJsonObject(new JsonObject().put("messages", 1)));
      Future.all(answers).onComplete(ctx.succeeding(all -> ctx.verify(() -> {
        for (Future<HttpResponse<Buffer>> answer : answers) {
          assertThat(answer.result().statusCode()).isEqualTo(403);
          assertThat(answer.result().bodyAsJsonObject().getString("error")).isEqualTo("operator_disabled");
          assertThat(answer.result().bodyAsJsonObject().getString("message")).contains(OperatorAuth.ENV);
        }
        assertThat(Processes.isAlive(vertx, supervisor)).isTrue();
        ctx.completeNow();
      })));
    }));
  }
}
