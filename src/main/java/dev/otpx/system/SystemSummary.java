package dev.otpx.system;

import dev.otpx.infosys.ResultCache;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The observer page's summary of InfoSys, the cache, the channels and the database, read from the
 * same meters Prometheus scrapes ({@link Metrics}): one JSON object, counts since the node started.
 * Empty sections mean nothing happened yet, or the node runs without metrics.
 */
public final class SystemSummary {

  private static final String[] CIRCUIT = {"closed", "open", "half_open", "other"};

  private SystemSummary() {
  }

  /**
   * @param vertx the node
   * @return {@code {"infosys": {"backends": {name: {circuit, calls, failures, results, mean_ms,
   *     max_ms}}}, "cache": {size, hits, misses, hit_ratio, evictions}, "channels": {sockets, joins,
   *     posts, refusals: {code: n}}, "database": {queries, errors, mean_ms, max_ms, pool_in_use,
   *     pool_queued}}}}
   */
  public static JsonObject summary(Vertx vertx) {
    MeterRegistry meters = Metrics.globalRegistry;
    TreeMap<String, JsonObject> backends = new TreeMap<>();
    for (Meter meter : meters.find("otpx.infosys.backend.latency").meters()) {
      Timer timer = (Timer) meter;
      JsonObject backend = backends.computeIfAbsent(meter.getId().getTag("backend"), b -> empty());
      backend.put("calls", backend.getLong("calls") + timer.count());
      backend.put("total_ms", backend.getDouble("total_ms") + timer.totalTime(TimeUnit.MILLISECONDS));
      backend.put("max_ms", Math.max(backend.getDouble("max_ms"), timer.max(TimeUnit.MILLISECONDS)));
    }
    for (Meter meter : meters.find("otpx.infosys.backend.failures").meters()) {
      JsonObject backend = backends.computeIfAbsent(meter.getId().getTag("backend"), b -> empty());
      backend.put("failures", backend.getLong("failures") + (long) ((Counter) meter).count());
    }
    for (Meter meter : meters.find("otpx.infosys.backend.results").meters()) {
      backends.computeIfAbsent(meter.getId().getTag("backend"), b -> empty()).put("results", (long) ((Counter) meter).count());
    }
    for (Meter meter : meters.find("otpx.infosys.circuit.state").meters()) {
      int state = (int) ((Gauge) meter).value();
      backends.computeIfAbsent(meter.getId().getTag("backend"), b -> empty())
        .put("circuit", CIRCUIT[Math.max(0, Math.min(CIRCUIT.length - 1, state))]);
    }
    JsonObject infosysBackends = new JsonObject();
    backends.forEach((name, backend) -> {
      long calls = backend.getLong("calls");
      backend.put("mean_ms", calls == 0 ? 0.0 : round(backend.getDouble("total_ms") / calls));
      backend.put("max_ms", round(backend.getDouble("max_ms")));
      backend.remove("total_ms");
      infosysBackends.put(name, backend);
    });

    long hits = count(meters, "otpx.infosys.cache.hits");
    long misses = count(meters, "otpx.infosys.cache.misses");
    JsonObject cache = new JsonObject().put("size", ResultCache.size(vertx)).put("hits", hits).put("misses", misses)
      .put("hit_ratio", hits + misses == 0 ? null : round((double) hits / (hits + misses)))
      .put("evictions", count(meters, "otpx.infosys.cache.evictions"));

    JsonObject refusals = new JsonObject();
    for (Meter meter : meters.find("otpx.channels.refusals").meters()) {
      refusals.put(meter.getId().getTag("code"), (long) ((Counter) meter).count());
    }
    Gauge sockets = meters.find("otpx.channels.sockets").gauge();
    JsonObject channels = new JsonObject().put("sockets", sockets == null ? 0 : (long) sockets.value())
      .put("joins", count(meters, "otpx.channels.joins")).put("posts", count(meters, "otpx.channels.posts"))
      .put("refusals", refusals);

    JsonObject database = new JsonObject();
    Timer ok = meters.find("otpx.db.query").tag("outcome", "ok").timer();
    Timer error = meters.find("otpx.db.query").tag("outcome", "error").timer();
    long queries = (ok == null ? 0 : ok.count()) + (error == null ? 0 : error.count());
    database.put("queries", queries).put("errors", error == null ? 0 : error.count())
      .put("mean_ms", ok == null || ok.count() == 0 ? 0.0 : round(ok.mean(TimeUnit.MILLISECONDS)))
      .put("max_ms", ok == null ? 0.0 : round(ok.max(TimeUnit.MILLISECONDS)));
    // Vert.x's own pool meters (vertx-micrometer): the SQL client's pool is pool_type "sql".
    database.put("pool_in_use", gaugeSum(meters, "vertx.pool.in.use")).put("pool_queued", gaugeSum(meters, "vertx.pool.queue.pending"));

    return new JsonObject().put("infosys", new JsonObject().put("backends", infosysBackends)).put("cache", cache)
      .put("channels", channels).put("database", database);
  }

  private static JsonObject empty() {
    return new JsonObject().put("circuit", "closed").put("calls", 0L).put("failures", 0L).put("results", 0L)
      .put("total_ms", 0.0).put("max_ms", 0.0);
  }

  private static long count(MeterRegistry meters, String name) {
    Counter counter = meters.find(name).counter();
    return counter == null ? 0 : (long) counter.count();
  }

  private static long gaugeSum(MeterRegistry meters, String name) {
    return (long) meters.find(name).tag("pool_type", "sql").gauges().stream().mapToDouble(Gauge::value).filter(v -> !Double.isNaN(v)).sum();
  }

  private static double round(double value) {
    return Math.round(value * 100) / 100.0;
  }
}
