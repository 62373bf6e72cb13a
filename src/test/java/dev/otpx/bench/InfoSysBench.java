package dev.otpx.bench;

import static dev.otpx.bench.BenchMain.ROUND_NANOS;
import static dev.otpx.bench.BenchMain.await;
import static dev.otpx.bench.BenchMain.deploy;
import static dev.otpx.bench.BenchMain.latencyRounds;
import static dev.otpx.bench.BenchMain.median;
import static dev.otpx.bench.BenchMain.paired;
import static dev.otpx.bench.BenchMain.rounds;

import dev.otpx.bench.BenchMain.Driver;
import dev.otpx.bench.BenchMain.Result;
import dev.otpx.channels.BridgeLimits;
import dev.otpx.channels.auth.Tokens;
import dev.otpx.infosys.Backend;
import dev.otpx.infosys.BackendServer;
import dev.otpx.infosys.ComputeOptions;
import dev.otpx.infosys.InfoSys;
import dev.otpx.infosys.InfoSysServer;
import dev.otpx.infosys.QueryOptions;
import dev.otpx.infosys.ResultCache;
import dev.otpx.process.CallResult;
import dev.otpx.process.ChildSpec;
import dev.otpx.process.ExitReason;
import dev.otpx.process.From;
import dev.otpx.process.GenServer;
import dev.otpx.process.InitResult;
import dev.otpx.process.Pid;
import dev.otpx.process.Strategy;
import dev.otpx.process.Supervisor;
import dev.otpx.process.SupervisorFlags;
import dev.otpx.process.SupervisorSpec;
import dev.otpx.store.Store;
import dev.otpx.store.TestDatabase;
import dev.otpx.web.HttpOptions;
import dev.otpx.web.HttpVerticle;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.ext.web.Router;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * InfoSys benchmarks: fan-out to three fast backends, a query with one silent backend against its
 * deadline, and a cache hit through the event bus and through HTTP, each beside the raw Vert.x code
 * of the same shape.
 */
final class InfoSysBench {

  static final int SILENT_QUERIES = Integer.getInteger("bench.silentQueries", 50);
  static final long SILENT_DEADLINE_MS = Long.getLong("bench.silentDeadlineMs", 20);
  static final int HTTP_CONNECTIONS = Integer.getInteger("bench.httpConnections", 4);
  static final long HTTP_WARMUP_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(Long.getLong("bench.httpWarmupSeconds", 3));

  private final BenchMain bench;
  private final Vertx vertx;
  private final AtomicLong queries = new AtomicLong();

  InfoSysBench(BenchMain bench, Vertx vertx) {
    this.bench = bench;
    this.vertx = vertx;
  }

  void run() throws Exception {
    fanOut();
    silentBackend();
    cacheHits();
  }

  // ---- fan-out to three fast backends --------------------------------------------------------

  private void fanOut() throws Exception {
    // No cache process: every query goes to the three backends (each query is new anyway).
    Asker asker = new Asker();
    Pid tree = await(Supervisor.start(vertx, SupervisorSpec.of(SupervisorFlags.of(Strategy.ONE_FOR_ONE), List.of(
        backend("fast1", "instant"), backend("fast2", "instant"), backend("fast3", "instant"),
        ChildSpec.worker("server", InfoSysServer::new).withName(InfoSysServer.NAME),
        ChildSpec.worker("asker", () -> asker))), null));
    Driver driver = deploy(vertx, new Driver());
    List<String> raws = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      raws.add(deploy(vertx, new RawBackend("bench.raw.backend.fast" + i, false)).deploymentID());
    }
    double[][] paired = paired(() -> GenServer.<Double>call(vertx, asker.self(), ROUND_NANOS).toCompletionStage().toCompletableFuture(),
        () -> driver.sequential(() -> rawFanOut(List.of("fast1", "fast2", "fast3"), QueryOptions.DEFAULT_TIMEOUT.toMillis())));
    double[] o = paired[0];
    double[] r = paired[1];
    bench.add(new Result("InfoSys fan-out to 3 fast backends, 1 client sequential", "queries/s", true, o, r,
        "≥ Elixir's 52k/s (Task.async_nolink + yield_many); raw ref 21k",
        "client: a process in the InfoSys tree (on " + asker.thread + "), InfoSys.compute, no cache; "
            + "raw: a verticle doing Future.join of 3 requests to 3 consumer verticles (round robin), sort, limit"));
    await(GenServer.stop(vertx, tree, ExitReason.SHUTDOWN));
    await(vertx.undeploy(driver.deploymentID()));
    for (String id : raws) {
      await(vertx.undeploy(id));
    }
  }

  private static ChildSpec backend(String name, String mode) {
    return ChildSpec.of(name, BackendServer.class, new JsonObject()
        .put("backend", BenchBackend.class.getName()).put("name", name).put("mode", mode));
  }

  /** Raw Vert.x's InfoSys: one request per backend with the deadline as reply timeout, keep what came. */
  private Future<List<JsonObject>> rawFanOut(List<String> backends, long timeoutMs) {
    String query = "q" + queries.incrementAndGet();
    DeliveryOptions deadline = new DeliveryOptions().setSendTimeout(timeoutMs);
    List<Future<JsonObject>> replies = new ArrayList<>();
    for (String name : backends) {
      replies.add(vertx.eventBus().<JsonObject>request("bench.raw.backend." + name, query, deadline).map(m -> m.body()));
    }
    return Future.join(replies).transform(ar -> {
      List<JsonObject> results = new ArrayList<>();
      for (Future<JsonObject> reply : replies) {
        if (reply.succeeded()) {
          results.add(reply.result());
        }
      }
      results.sort(Comparator.comparingDouble((JsonObject j) -> j.getDouble("score")).reversed());
      return Future.succeededFuture(results.subList(0, Math.min(results.size(), QueryOptions.DEFAULT_LIMIT)));
    });
  }

  // ---- one backend never answers -------------------------------------------------------------

  private void silentBackend() throws Exception {
    Pid tree = await(Supervisor.start(vertx, SupervisorSpec.of(SupervisorFlags.of(Strategy.ONE_FOR_ONE), List.of(
        backend("fast1", "instant"), backend("fast2", "instant"), backend("silent", "silent"),
        // The silent backend's circuit would open after 5 misses and skip it at once; measured here
        // is every query waiting out the deadline, so the breaker needs more calls than a run makes.
        ChildSpec.worker("server", InfoSysServer::new).withName(InfoSysServer.NAME)
            .withArgs(new JsonObject().put("breaker_minimum_calls", 10_000).put("breaker_window", 10_000)))), null));
    Driver driver = deploy(vertx, new Driver());
    List<String> raws = new ArrayList<>();
    raws.add(deploy(vertx, new RawBackend("bench.raw.backend.fast1", false)).deploymentID());
    raws.add(deploy(vertx, new RawBackend("bench.raw.backend.fast2", false)).deploymentID());
    raws.add(deploy(vertx, new RawBackend("bench.raw.backend.silent", true)).deploymentID());
    QueryOptions options = new QueryOptions(QueryOptions.DEFAULT_LIMIT, Duration.ofMillis(SILENT_DEADLINE_MS), null);
    long deadlineNanos = SILENT_DEADLINE_MS * 1_000_000;
    double[][] o = latencyRounds(() -> overshoots(driver, () -> InfoSys.compute(vertx, "q" + queries.incrementAndGet(), options)
        .map(results -> {
          if (results.size() != 2) {
            throw new IllegalStateException("expected the 2 fast backends' results, got " + results);
          }
          return results;
        }), deadlineNanos));
    double[][] r = latencyRounds(() -> overshoots(driver, () -> rawFanOut(List.of("fast1", "fast2", "silent"), SILENT_DEADLINE_MS),
        deadlineNanos));
    String note = String.format(Locale.ROOT, "deadline %d ms, 2 fast backends + 1 that never answers, %d queries per round;"
        + " figures are reply time minus the deadline; p50 otpx %.0f µs raw %.0f µs (medians over rounds)",
        SILENT_DEADLINE_MS, SILENT_QUERIES, median(o[0]), median(r[0]));
    bench.add(new Result("InfoSys with a silent backend: reply after the deadline, p99", "µs", false, o[1], r[1],
        "≤ deadline + 5 ms (5000 µs)", note));
    await(GenServer.stop(vertx, tree, ExitReason.SHUTDOWN));
    await(vertx.undeploy(driver.deploymentID()));
    for (String id : raws) {
      await(vertx.undeploy(id));
    }
  }

  /** {@link #SILENT_QUERIES} sequential queries: each one's reply time minus the deadline, in nanos (≥ 0). */
  private static CompletableFuture<long[]> overshoots(Driver driver, java.util.function.Supplier<Future<?>> query, long deadlineNanos) {
    return driver.timed(SILENT_QUERIES, () -> query.get().mapEmpty())
        .thenApply(nanos -> {
          long[] over = new long[nanos.length];
          for (int i = 0; i < nanos.length; i++) {
            over[i] = Math.max(0, nanos[i] - deadlineNanos);
          }
          return over;
        });
  }

  // ---- cache hits ----------------------------------------------------------------------------

  private void cacheHits() throws Exception {
    Pid tree = await(Supervisor.start(vertx, SupervisorSpec.of(SupervisorFlags.of(Strategy.ONE_FOR_ONE), List.of(
        ChildSpec.worker("cache", ResultCache::new).withName(ResultCache.NAME),
        backend("fast1", "instant"), backend("fast2", "instant"), backend("fast3", "instant"),
        ChildSpec.worker("server", InfoSysServer::new).withName(InfoSysServer.NAME))), null));
    QueryOptions options = new QueryOptions(QueryOptions.DEFAULT_LIMIT, QueryOptions.DEFAULT_TIMEOUT, null);
    JsonObject primed = await(InfoSys.ask(vertx, "what is 2+2", options)).toJson();
    JsonObject hit = await(InfoSys.ask(vertx, "what is 2+2", options)).toJson();
    if (hit.getInteger("cached") != 3) {
      throw new IllegalStateException("expected 3 cached parts, got " + hit);
    }
    // The raw counterpart's cache: the same answer, prebuilt, in a LocalMap of its own.
    LocalMap<String, JsonObject> rawCache = vertx.sharedData().getLocalMap("bench.raw.cache");
    rawCache.put("what is 2+2", new JsonObject().put("results", primed.getJsonArray("results")));

    Driver driver = deploy(vertx, new Driver());
    RawCacheVerticle raw = deploy(vertx, new RawCacheVerticle());
    JsonObject request = options.toRequest("what is 2+2");
    double[][] paired = paired(() -> driver.sequential(() -> vertx.eventBus().request(InfoSysServer.NAME, request)),
        () -> driver.sequential(() -> vertx.eventBus().request(RawCacheVerticle.ADDRESS, request)));
    double[] o = paired[0];
    double[] r = paired[1];
    bench.add(new Result("InfoSys cache hit through the event bus, 1 client sequential", "queries/s", true, o, r,
        "(issue: no target; same placement as the raw request/reply)",
        "request to 'infosys' vs a raw consumer answering from a LocalMap; both cross one event loop"));

    Tokens tokens = new Tokens("bench-secret-bench-secret-bench!!".getBytes(StandardCharsets.UTF_8), Duration.ofDays(1), Clock.systemUTC());
    // The front needs a store for its account routes; this benchmark never touches it.
    TestDatabase database = TestDatabase.embedded();
    Store store = await(Store.open(vertx, database.options()));
    HttpVerticle http = new HttpVerticle(new HttpOptions("127.0.0.1", 0, "counter", "raw_counter", Duration.ofSeconds(5)),
        tokens, new BridgeLimits(100, 65_536, 16, 1_000_000, 16), store, dev.otpx.web.OperatorAuth.disabled());
    await(vertx.deployVerticle(http));
    Vertx clients = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1));
    try {
      HttpClient client = clients.createHttpClient(new HttpClientOptions().setKeepAlive(true),
          new PoolOptions().setHttp1MaxSize(HTTP_CONNECTIONS));
      Driver load = deploy(clients, new Driver());
      String uri = "/api/infosys?q=what+is+2%2B2";
      // The otpx route runs more code than the raw one and takes longer to warm up: warm both for
      // seconds first.
      Supplier<CompletableFuture<Double>> otpxRoute = () -> load.inFlight(HTTP_CONNECTIONS,
          () -> get(client, http.actualPort(), uri, 3)).thenApply(x -> x[0] * 1e9 / x[1]);
      Supplier<CompletableFuture<Double>> rawRoute = () -> load.inFlight(HTTP_CONNECTIONS,
          () -> get(client, raw.port(), uri, 1)).thenApply(x -> x[0] * 1e9 / x[1]);
      for (Supplier<CompletableFuture<Double>> route : List.of(otpxRoute, rawRoute)) {
        long until = System.nanoTime() + HTTP_WARMUP_NANOS;
        while (System.nanoTime() < until) {
          route.get().get(60, java.util.concurrent.TimeUnit.SECONDS);
        }
      }
      double[][] both = paired(otpxRoute, rawRoute);
      double[] oh = both[0];
      double[] rh = both[1];
      bench.add(new Result("InfoSys cache hit over HTTP, " + HTTP_CONNECTIONS + " keep-alive connections", "requests/s", true,
          oh, rh, "≥ 0.8× the raw route",
          "GET /api/infosys (HttpVerticle, InfoSys.ask reading the cache in the caller) vs a raw Router route answering from a LocalMap;"
              + " load from a Vert.x HttpClient on its own event loop in the same JVM"));
    } finally {
      await(clients.close());
    }
    await(vertx.undeploy(http.deploymentID()));
    await(store.close());
    database.close();
    await(vertx.undeploy(raw.deploymentID()));
    await(vertx.undeploy(driver.deploymentID()));
    await(GenServer.stop(vertx, tree, ExitReason.SHUTDOWN));
  }

  /** One GET whose JSON must say it came from the cache ({@code cached} parts), or the round fails. */
  private static Future<Void> get(HttpClient client, int port, String uri, int cachedParts) {
    return client.request(HttpMethod.GET, port, "127.0.0.1", uri)
        .compose(req -> req.send())
        .compose(resp -> resp.body().map(body -> {
          if (resp.statusCode() != 200 || new JsonObject(body).getInteger("cached") != cachedParts) {
            throw new IllegalStateException("not a cache hit: " + resp.statusCode() + " " + body);
          }
          return null;
        }));
  }

  // ---- actors --------------------------------------------------------------------------------

  /** A backend that answers at once ({@code instant}) or never ({@code silent}, until cancelled). */
  public static final class BenchBackend implements Backend {
    private String name;
    private boolean silent;

    @Override
    public String name() {
      return name;
    }

    @Override
    public Future<Void> open(Vertx vertx, JsonObject config) {
      name = config.getString("name");
      silent = "silent".equals(config.getString("mode"));
      return Future.succeededFuture();
    }

    @Override
    public Future<List<dev.otpx.infosys.Result>> compute(String query, ComputeOptions options) {
      if (silent) {
        return Promise.<List<dev.otpx.infosys.Result>>promise().future();
      }
      return Future.succeededFuture(List.of(dev.otpx.infosys.Result.of(name, "answer to " + query, 50)));
    }
  }

  /** The raw counterpart of a backend process: a consumer that replies one result, or never. */
  static final class RawBackend extends VerticleBase {
    private final String address;
    private final boolean silent;

    RawBackend(String address, boolean silent) {
      this.address = address;
      this.silent = silent;
    }

    @Override
    public Future<?> start() {
      String name = address.substring(address.lastIndexOf('.') + 1);
      return vertx.eventBus().<String>consumer(address, m -> {
        if (!silent) {
          m.reply(new JsonObject().put("backend", name).put("text", "answer to " + m.body()).put("score", 50.0));
        }
      }).completion();
    }
  }

  /** A process in the InfoSys tree that, asked with a duration in nanos, queries sequentially for that long. */
  final class Asker extends GenServer<Void> {
    volatile String thread;

    @Override
    protected Future<InitResult<Void>> init(JsonObject args) {
      thread = Thread.currentThread().getName();
      return Future.succeededFuture(InitResult.ok(null));
    }

    @Override
    protected CallResult<Void> handleCall(Object request, From from, Void state) {
      long start = System.nanoTime();
      long end = start + (Long) request;
      Promise<CallResult<Void>> done = Promise.promise();
      long[] count = new long[1];
      loop(end, count, () -> done.complete(CallResult.reply(count[0] * 1e9 / (System.nanoTime() - start), null)),
          done::fail);
      return CallResult.deferred(done.future());
    }

    private void loop(long end, long[] count, Runnable finished, java.util.function.Consumer<Throwable> failed) {
      InfoSys.compute(vertx, "q" + queries.incrementAndGet(), QueryOptions.defaults()).onComplete(ar -> {
        if (ar.failed() || ar.result().size() != 3) {
          failed.accept(ar.failed() ? ar.cause() : new IllegalStateException("expected 3 results, got " + ar.result()));
          return;
        }
        count[0]++;
        if (System.nanoTime() < end) {
          loop(end, count, finished, failed);
        } else {
          finished.run();
        }
      });
    }
  }

  /** The raw counterpart of a cache hit: an event-bus consumer and an HTTP route over one LocalMap. */
  public static final class RawCacheVerticle extends VerticleBase {
    static final String ADDRESS = "bench.raw.infosys";
    private io.vertx.core.http.HttpServer server;

    public int port() {
      return server.actualPort();
    }

    @Override
    public Future<?> start() {
      LocalMap<String, JsonObject> cache = vertx.sharedData().getLocalMap("bench.raw.cache");
      Router router = Router.router(vertx);
      router.get("/api/infosys").handler(ctx -> {
        String q = ctx.request().getParam("q");
        JsonObject hit = q == null ? null : cache.get(q);
        if (hit == null) {
          ctx.response().setStatusCode(404).end();
          return;
        }
        ctx.response().putHeader("content-type", "application/json").end(answer(q, hit).encode());
      });
      Future<?> consuming = vertx.eventBus().<JsonObject>consumer(ADDRESS, m -> {
        String q = m.body().getString("query");
        m.reply(answer(q, cache.get(q)));
      }).completion();
      server = vertx.createHttpServer().requestHandler(router);
      return consuming.compose(v -> server.listen(0, "127.0.0.1"));
    }

    private static JsonObject answer(String query, JsonObject hit) {
      JsonArray results = hit.getJsonArray("results");
      return new JsonObject().put("query", query).put("results", results).put("took_ms", 0).put("cached", 1);
    }
  }
}
