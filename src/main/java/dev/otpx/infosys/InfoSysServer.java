package dev.otpx.infosys;

import dev.otpx.process.CallResult;
import dev.otpx.process.From;
import dev.otpx.process.GenServer;
import dev.otpx.process.InitResult;
import dev.otpx.process.Registry;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * InfoSys itself, registered as {@code infosys}: asks every backend at once and keeps what arrives
 * by the deadline.
 *
 * <p>For each backend (every registered {@code infosys.backend.*}, or those the request names) it
 * takes the cached results for (backend, query, limit) if any; otherwise it calls the backend with a
 * timeout equal to the time left, so the answer comes by the deadline at the latest even when a
 * backend never answers (Task.yield_many's semantics: whatever arrived in time is kept). A backend
 * that fails, crashes, answers garbage or misses the deadline is dropped, logged once at WARN, and
 * never fails the query. Identical requests in flight share one backend call (single flight). A
 * circuit breaker per backend skips a backend that keeps failing until it recovers; its state changes
 * are logged. Fresh results are cached; all are sorted by score, highest first (stable), and cut to
 * the limit.
 *
 * <p>Request (a call, JSON): {@code {"query", "limit"?, "timeout_ms"?, "backends"?}}; reply
 * {@code {"query", "results", "took_ms", "cached"}}; a bad request gets the error
 * {@code bad_request} naming the field. Args: {@code max_query_length} (default 500), and the
 * breaker's {@code breaker_failure_rate} (%, default 50), {@code breaker_window} (calls, default 10),
 * {@code breaker_minimum_calls} (default 5), {@code breaker_open_ms} (default 30 s).
 */
public final class InfoSysServer extends GenServer<Void> {

  /** The registered name, also InfoSys's event-bus address. */
  public static final String NAME = "infosys";
  /** Default longest query accepted. */
  public static final int DEFAULT_MAX_QUERY_LENGTH = 500;

  private static final Logger log = LoggerFactory.getLogger(InfoSysServer.class);

  private int maxQueryLength;
  private CircuitBreakerConfig breakerConfig;
  private final Map<String, CircuitBreaker> breakers = new HashMap<>();
  private final Map<String, Future<List<Result>>> inFlight = new HashMap<>();

  /** One backend's share of one query. */
  private record Part(String backend, List<Result> results, boolean cached) { }

  @Override
  protected Future<InitResult<Void>> init(JsonObject args) {
    maxQueryLength = args.getInteger("max_query_length", DEFAULT_MAX_QUERY_LENGTH);
    breakerConfig = CircuitBreakerConfig.custom()
      .failureRateThreshold(args.getInteger("breaker_failure_rate", 50))
      .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
      .slidingWindowSize(args.getInteger("breaker_window", 10))
      .minimumNumberOfCalls(args.getInteger("breaker_minimum_calls", 5))
      .waitDurationInOpenState(Duration.ofMillis(args.getLong("breaker_open_ms", 30_000L)))
      .permittedNumberOfCallsInHalfOpenState(1)
      .build();
    return Future.succeededFuture(InitResult.ok(null));
  }

  @Override
  protected CallResult<Void> handleCall(Object request, From from, Void state) {
    long began = System.nanoTime();
    String query;
    QueryOptions options;
    try {
      if (!(request instanceof JsonObject json)) {
        throw new IllegalArgumentException("expected a JSON object {\"query\": ...}, got " + request);
      }
      query = query(json);
      options = QueryOptions.fromRequest(json);
    } catch (IllegalArgumentException bad) {
      return CallResult.error("bad_request", bad.getMessage(), state);
    }
    List<Future<Part>> parts = new ArrayList<>();
    for (String backend : backends(vertx, options)) {
      parts.add(ask(backend, query, options));
    }
    Future.join(parts).onComplete(ar -> {
      List<Result> results = new ArrayList<>();
      int cached = 0;
      for (Future<Part> part : parts) {
        if (part.succeeded()) {
          results.addAll(part.result().results());
          cached += part.result().cached() ? 1 : 0;
        }
      }
      List<Result> best = Answer.best(results, options.limit());
      long took = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began);
      from.reply(new Answer(query, best, took, cached).toJson());
    });
    return CallResult.noReply(state);
  }

  private Future<Part> ask(String backend, String query, QueryOptions options) {
    var hit = ResultCache.get(vertx, backend, query, options.limit());
    if (hit.isPresent()) {
      return Future.succeededFuture(new Part(backend, hit.get(), true));
    }
    String key = ResultCache.key(backend, query, options.limit());
    Future<List<Result>> shared = inFlight.get(key);
    if (shared == null) {
      CircuitBreaker breaker = breaker(backend);
      if (!breaker.tryAcquirePermission()) {
        log.debug("infosys backend {} skipped: its circuit is {}", backend, breaker.getState());
        return Future.succeededFuture(new Part(backend, List.of(), false));
      }
      shared = call(backend, query, options, breaker);
      inFlight.put(key, shared);
      shared.onComplete(ar -> inFlight.remove(key));
    }
    // A query that joins a call started by an earlier one still answers by its own deadline.
    return byDeadline(shared, options.timeout())
      .map(results -> new Part(backend, results, false))
      .otherwise(new Part(backend, List.of(), false));
  }

  private Future<List<Result>> byDeadline(Future<List<Result>> shared, Duration timeout) {
    if (shared.isComplete()) {
      return shared;
    }
    Promise<List<Result>> bounded = Promise.promise();
    long timer = vertx.setTimer(Math.max(1, timeout.toMillis()), id -> bounded.tryComplete(List.of()));
    shared.onComplete(ar -> {
      vertx.cancelTimer(timer);
      bounded.tryComplete(ar.succeeded() ? ar.result() : List.of());
    });
    return bounded.future();
  }

  private Future<List<Result>> call(String backend, String query, QueryOptions options, CircuitBreaker breaker) {
    long began = System.nanoTime();
    JsonObject request = new JsonObject().put("query", query).put("limit", options.limit()).put("timeout_ms", options.timeout().toMillis());
    return GenServer.<Object>call(vertx, BackendServer.PREFIX + backend, request, options.timeout())
      .map(reply -> parse(backend, reply))
      .andThen(ar -> {
        long took = System.nanoTime() - began;
        if (ar.succeeded()) {
          breaker.onSuccess(took, TimeUnit.NANOSECONDS);
          ResultCache.put(vertx, backend, query, options.limit(), ar.result());
        } else {
          breaker.onError(took, TimeUnit.NANOSECONDS, ar.cause());
          log.warn("infosys backend {} dropped from '{}': {}", backend, query, ar.cause().getMessage());
        }
      });
  }

  private static List<Result> parse(String backend, Object reply) {
    if (!(reply instanceof JsonArray array)) {
      throw new IllegalArgumentException("garbage from " + backend + ": expected a JSON array of results, got " + reply);
    }
    List<Result> results = new ArrayList<>(array.size());
    for (Object item : array) {
      Result result = Result.fromJson(item);
      // A backend speaks for itself only.
      results.add(result.backend().equals(backend) ? result : new Result(backend, result.text(), result.score()));
    }
    return results;
  }

  /** The backends a query goes to: those asked for (or all) that are running now. */
  static List<String> backends(Vertx vertx, QueryOptions options) {
    List<String> running = Registry.registered(vertx).keySet().stream()
      .filter(name -> name.startsWith(BackendServer.PREFIX))
      .map(name -> name.substring(BackendServer.PREFIX.length()))
      .toList();
    return options.backends() == null ? running : options.backends().stream().filter(running::contains).distinct().toList();
  }

  private CircuitBreaker breaker(String backend) {
    return breakers.computeIfAbsent(backend, name -> {
      CircuitBreaker breaker = CircuitBreaker.of(name, breakerConfig);
      breaker.getEventPublisher().onStateTransition(event ->
        log.warn("infosys backend {} circuit {}", name, event.getStateTransition()));
      return breaker;
    });
  }

  private String query(JsonObject json) {
    Object value = json.getValue("query");
    if (!(value instanceof String text) || text.isBlank()) {
      throw new IllegalArgumentException("query must be a non-empty string");
    }
    String query = text.strip();
    if (query.length() > maxQueryLength) {
      throw new IllegalArgumentException("query must be at most " + maxQueryLength + " characters, got " + query.length());
    }
    return query;
  }
}
