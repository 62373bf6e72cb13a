package dev.otpx.infosys;

import dev.otpx.process.CastResult;
import dev.otpx.process.Clock;
import dev.otpx.process.ExitReason;
import dev.otpx.process.GenServer;
import dev.otpx.process.InitResult;
import dev.otpx.process.Registry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.LocalMap;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * InfoSys's result cache: a Vert.x shared local map keyed by (backend, query, limit), owned by this
 * process, as Rumbl's cache is an ETS table owned by a GenServer.
 *
 * <p>Readers and writers use the map directly ({@link #get}, {@link #put}), never through the
 * process's mailbox. Its args are {@link CacheOptions}. Each entry lives {@code ttl_ms} (default: the sweep interval); every
 * {@code sweep_ms} (default 60 s) the process evicts what has expired; the map holds at most
 * {@code max_entries} (default 10,000): when full, a put first evicts what has expired and is
 * dropped if the map is still full, so the bound holds without scanning on every put.
 *
 * <p>The map dies with its owner, like an ETS table: while no cache process runs, every read is a
 * miss and writes are dropped, and a restarted cache (its supervisor restarts it after a crash)
 * starts empty.
 */
public final class ResultCache extends GenServer<Void> {

  /** The cache process's registered name. */
  public static final String NAME = "infosys.cache";

  private static final Logger log = LoggerFactory.getLogger(ResultCache.class);
  private static final String MAP = "infosys.cache.entries";
  private static final String SETTINGS = "infosys.cache.settings";

  /** The sweep tick. */
  private record Sweep() { }

  private Duration sweep;

  @Override
  protected Future<InitResult<Void>> init(JsonObject args) {
    CacheOptions options = CacheOptions.fromJson(args);
    long sweepMs = options.sweep().toMillis();
    long ttlMs = options.ttl().toMillis();
    long maxEntries = options.maxEntries();
    sweep = options.sweep();
    // A new owner starts with an empty table, whatever its predecessor left behind.
    entries(vertx).clear();
    vertx.sharedData().<String, JsonObject>getLocalMap(SETTINGS)
      .put("settings", new JsonObject().put("ttl_ms", ttlMs).put("max_entries", maxEntries));
    sendAfter(new Sweep(), sweep);
    log.info("infosys cache {} ready: ttl {} ms, sweep every {} ms, at most {} entries", self(), ttlMs, sweepMs, maxEntries);
    return Future.succeededFuture(InitResult.ok());
  }

  @Override
  protected CastResult<Void> handleInfo(Object message, Void state) {
    if (!(message instanceof Sweep)) {
      return super.handleInfo(message, state);
    }
    int evicted = evictExpired(vertx);
    if (evicted > 0) {
      log.debug("infosys cache swept {} expired entries", evicted);
    }
    sendAfter(new Sweep(), sweep);
    return CastResult.noReply();
  }

  @Override
  protected Future<Void> terminate(ExitReason reason, Void state) {
    // Readers already miss (no owner); this only gives the memory back.
    entries(vertx).clear();
    return Future.succeededFuture();
  }

  /**
   * The results cached for this key, if any and not expired.
   *
   * @param vertx the Vert.x instance
   * @param backend the backend
   * @param query the question
   * @param limit the limit
   * @return the results
   */
  public static Optional<List<Result>> get(Vertx vertx, String backend, String query, int limit) {
    if (Registry.whereis(vertx, NAME).isEmpty()) {
      return Optional.empty();
    }
    JsonObject entry = entries(vertx).get(key(backend, query, limit));
    if (entry == null || entry.getLong("expires_at") <= now(vertx)) {
      InfoSysMeters.cacheLookup(false);
      return Optional.empty();
    }
    InfoSysMeters.cacheLookup(true);
    List<Result> results = new ArrayList<>();
    entry.getJsonArray("results").forEach(r -> results.add(Result.fromJson(r)));
    return Optional.of(results);
  }

  /**
   * Caches a backend's results for a query; one value per key, the later overwrites.
   *
   * @param vertx the Vert.x instance
   * @param backend the backend
   * @param query the question
   * @param limit the limit
   * @param results the results
   * @return whether they were cached (false without a cache process, or when full)
   */
  public static boolean put(Vertx vertx, String backend, String query, int limit, List<Result> results) {
    JsonObject settings = vertx.sharedData().<String, JsonObject>getLocalMap(SETTINGS).get("settings");
    if (settings == null || Registry.whereis(vertx, NAME).isEmpty()) {
      return false;
    }
    LocalMap<String, JsonObject> entries = entries(vertx);
    String key = key(backend, query, limit);
    if (!entries.containsKey(key) && entries.size() >= settings.getLong("max_entries")) {
      evictExpired(vertx);
      if (entries.size() >= settings.getLong("max_entries")) {
        return false;
      }
    }
    JsonArray list = new JsonArray();
    results.forEach(r -> list.add(r.toJson()));
    entries.put(key, new JsonObject().put("expires_at", now(vertx) + settings.getLong("ttl_ms")).put("results", list));
    return true;
  }

  /**
   * @param vertx the Vert.x instance
   * @return how many entries the map holds now
   */
  public static int size(Vertx vertx) {
    return entries(vertx).size();
  }

  private static int evictExpired(Vertx vertx) {
    long now = now(vertx);
    LocalMap<String, JsonObject> entries = entries(vertx);
    // Only the expired value seen here is removed: a fresh put in between stays.
    int evicted = (int) entries.entrySet().stream()
      .filter(e -> e.getValue().getLong("expires_at") <= now)
      .toList().stream()
      .filter(e -> entries.removeIfPresent(e.getKey(), e.getValue()))
      .count();
    InfoSysMeters.evicted(evicted);
    return evicted;
  }

  private static LocalMap<String, JsonObject> entries(Vertx vertx) {
    return vertx.sharedData().getLocalMap(MAP);
  }

  /** The one key format for (backend, query, limit): the cache's and single flight's. */
  static String key(String backend, String query, int limit) {
    // NUL cannot appear in a backend name; the limit goes before the free text.
    return backend + '\0' + limit + '\0' + query;
  }

  /** The node's clock: TTLs and sweeps run on it, so tests move them in virtual time. */
  private static long now(Vertx vertx) {
    return Clock.of(vertx).millis();
  }
}
