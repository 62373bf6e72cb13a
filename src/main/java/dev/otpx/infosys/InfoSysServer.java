package dev.otpx.infosys;

import dev.otpx.logging.LogText;
import dev.otpx.process.CallResult;
import dev.otpx.process.Clock;
import dev.otpx.process.From;
import dev.otpx.process.GenServer;
import dev.otpx.process.InitResult;
import dev.otpx.process.OtpException;
import dev.otpx.process.Registry;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
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
 * that fails, crashes, answers garbage or misses the deadline is dropped and never fails the query.
 * Identical requests in flight share one backend call (single flight), but only a call that runs at
 * least as long as the joiner's own deadline: a caller's short deadline never cuts another's answer
 * short. Fresh results, an empty "no answer" included, are cached; a failure never is. All are
 * sorted by score, highest first (stable), and cut to the limit.
 *
 * <p><b>Circuit breakers.</b> One per backend (resilience4j) skips a backend that keeps failing
 * until it recovers. What counts is the backend's fault only: a failure ({@code backend_failed}, a
 * crash, garbage), or a call cut off by the caller's deadline after it had already run
 * {@code breaker_slow_call_ms} (a backend that slow is failing whoever's deadline ended the call). A
 * call the caller's deadline cut off sooner, or that the backend turned away as busy
 * ({@code backend_busy}), counts neither way: a client choosing {@code timeout_ms=5}, or flooding
 * InfoSys, cannot switch a backend off for everyone. Each state change of a breaker is one log line
 * (WARN when it opens, with the failure rate and the last failure; INFO when it half-opens or
 * recovers); each dropped backend is one DEBUG line, with the query quoted ({@link LogText}).
 *
 * <p>Request (a call, JSON): {@code {"query", "limit"?, "timeout_ms"?, "backends"?}}; reply
 * {@code {"query", "results", "took_ms", "cached"}}; a bad request gets the error
 * {@code bad_request} naming the field. Args ({@link InfoSysOptions}): {@code max_query_length}
 * (default 500, published for {@link InfoSys#accepts}), and the breaker's
 * {@code breaker_failure_rate} (%, default 50), {@code breaker_window} (calls, default 10),
 * {@code breaker_minimum_calls} (default 5), {@code breaker_open_ms} (default 30 s),
 * {@code breaker_slow_call_ms} (default 5 s). An arg of the wrong type or out of range fails the
 * start, naming the key.
 */
public final class InfoSysServer extends GenServer<Void> {

  /** The registered name, also InfoSys's event-bus address. */
  public static final String NAME = "infosys";
  /** Default longest query accepted. */
  public static final int DEFAULT_MAX_QUERY_LENGTH = InfoSysOptions.DEFAULT_MAX_QUERY_LENGTH;

  private static final Logger log = LoggerFactory.getLogger(InfoSysServer.class);
  /** Where the running InfoSys publishes the settings its callers need ({@link InfoSys#accepts}). */
  static final String SETTINGS = "infosys.settings";

  private int maxQueryLength;
  private long slowCallNanos;
  private long openMs;
  private CircuitBreakerConfig breakerConfig;
  private final Map<String, CircuitBreaker> breakers = new HashMap<>();
  /** backend → what its last counted failure was, for the line that says its circuit opened. */
  private final Map<String, String> lastFailures = new HashMap<>();
  private final Map<String, Flight> inFlight = new HashMap<>();

  /** One backend's share of one query. */
  private record Part(String backend, List<Result> results, boolean cached) { }

  /** A backend call in flight, and the time it was given. */
  private record Flight(Future<List<Result>> results, Duration timeout) { }

  /** How a failed backend call weighs on the backend's circuit breaker. */
  private enum Verdict {
    /** The backend's fault. */
    FAILED,
    /** The caller's deadline ended the call before the backend was slow: nobody's fault. */
    CUT_SHORT,
    /** The backend was full: says nothing about its health. */
    BUSY
  }

  @Override
  protected Future<InitResult<Void>> init(JsonObject args) {
    InfoSysOptions options = InfoSysOptions.fromJson(args);
    maxQueryLength = options.maxQueryLength();
    slowCallNanos = options.breakerSlowCall().toNanos();
    openMs = options.breakerOpen().toMillis();
    vertx.sharedData().<String, Integer>getLocalMap(SETTINGS).put("max_query_length", maxQueryLength);
    breakerConfig = CircuitBreakerConfig.custom()
      .failureRateThreshold(options.breakerFailureRate())
      .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
      .slidingWindowSize(options.breakerWindow())
      .minimumNumberOfCalls(options.breakerMinimumCalls())
      .waitDurationInOpenState(options.breakerOpen())
      .permittedNumberOfCallsInHalfOpenState(1)
      // The open state's wait runs on the node's clock, as every other time rule does.
      .clock(wallClock(clock()))
      .build();
    return Future.succeededFuture(InitResult.ok());
  }

  @Override
  protected CallResult<Void> handleCall(Object request, From from, Void state) {
    String query;
    QueryOptions options;
    try {
      if (!(request instanceof JsonObject json)) {
        throw new IllegalArgumentException("expected a JSON object {\"query\": ...}, got " + request);
      }
      query = query(json);
      options = QueryOptions.fromRequest(json);
    } catch (IllegalArgumentException bad) {
      return CallResult.error("bad_request", bad.getMessage());
    }
    Deadline deadline = Deadline.in(vertx, options.timeout());
    List<Future<Part>> parts = new ArrayList<>();
    for (String backend : backends(vertx, options)) {
      parts.add(ask(backend, query, options, deadline));
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
      from.reply(new Answer(query, best, deadline.elapsed().toMillis(), cached).toJson());
    });
    return CallResult.noReply();
  }

  private Future<Part> ask(String backend, String query, QueryOptions options, Deadline deadline) {
    var hit = ResultCache.get(vertx, backend, query, options.limit());
    if (hit.isPresent()) {
      return Future.succeededFuture(new Part(backend, hit.get(), true));
    }
    String key = ResultCache.key(backend, query, options.limit());
    Flight flight = inFlight.get(key);
    // Join a call in flight only if it was given at least this query's time: a caller's short
    // deadline must not cut short the answer of one who can wait.
    if (flight != null && flight.timeout().compareTo(options.timeout()) >= 0) {
      // A query that joins a call started by an earlier one still answers by its own deadline.
      return deadline.bound(flight.results(), List.<Result>of())
        .map(results -> new Part(backend, results, false));
    }
    CircuitBreaker breaker = breaker(backend);
    if (!breaker.tryAcquirePermission()) {
      log.debug("infosys backend {} skipped: its circuit is {}", backend, breaker.getState());
      return Future.succeededFuture(new Part(backend, List.of(), false));
    }
    Flight started = new Flight(call(backend, query, options, breaker), options.timeout());
    inFlight.put(key, started);
    started.results().onComplete(ar -> inFlight.remove(key, started));
    // The call's own timeout is this query's deadline, and it is judged before it completes.
    return started.results()
      .map(results -> new Part(backend, results, false))
      .otherwise(new Part(backend, List.of(), false));
  }

  private Future<List<Result>> call(String backend, String query, QueryOptions options, CircuitBreaker breaker) {
    long began = clock().millis();
    JsonObject request = new JsonObject().put("query", query).put("limit", options.limit()).put("timeout_ms", options.timeout().toMillis());
    return GenServer.<Object>call(vertx, BackendServer.PREFIX + backend, request, options.timeout())
      .map(reply -> parse(backend, reply))
      .andThen(ar -> {
        long took = TimeUnit.MILLISECONDS.toNanos(clock().millis() - began);
        if (ar.succeeded()) {
          InfoSysMeters.call(backend, took, "ok", ar.result().size());
          breaker.onSuccess(took, TimeUnit.NANOSECONDS);
          ResultCache.put(vertx, backend, query, options.limit(), ar.result());
        } else {
          judge(backend, breaker, query, took, ar.cause());
        }
      });
  }

  /** The node's clock as the {@link java.time.Clock} resilience4j reads: only differences matter. */
  private static java.time.Clock wallClock(Clock clock) {
    return new java.time.Clock() {
      @Override
      public ZoneId getZone() {
        return ZoneOffset.UTC;
      }

      @Override
      public java.time.Clock withZone(ZoneId zone) {
        return this;
      }

      @Override
      public Instant instant() {
        return Instant.ofEpochMilli(clock.millis());
      }
    };
  }

  /** Records a failed call on the backend's breaker if it was the backend's fault, else releases it. */
  private void judge(String backend, CircuitBreaker breaker, String query, long tookNanos, Throwable cause) {
    Verdict verdict = verdict(cause, tookNanos);
    InfoSysMeters.call(backend, tookNanos, verdict == Verdict.BUSY ? "busy"
      : cause instanceof OtpException otp && otp.failure() == OtpException.Failure.TIMEOUT ? "timeout" : "failed", 0);
    String why = cause instanceof OtpException otp && otp.failure() == OtpException.Failure.TIMEOUT
      ? "no answer within " + TimeUnit.NANOSECONDS.toMillis(tookNanos) + " ms"
      : String.valueOf(cause.getMessage());
    log.debug("infosys backend {} dropped from {} ({}): {}", backend, LogText.quote(query), verdict, LogText.quote(why, 300));
    if (verdict == Verdict.FAILED) {
      lastFailures.put(backend, why);
      breaker.onError(tookNanos, TimeUnit.NANOSECONDS, cause);
    } else {
      // Neither a success nor a failure; in half-open state this frees the trial for the next query.
      breaker.releasePermission();
    }
  }

  private Verdict verdict(Throwable cause, long tookNanos) {
    if (cause instanceof OtpException otp) {
      if (otp.failure() == OtpException.Failure.TIMEOUT) {
        return tookNanos >= slowCallNanos ? Verdict.FAILED : Verdict.CUT_SHORT;
      }
      if (otp.failure() == OtpException.Failure.ERROR && BackendServer.BACKEND_BUSY.equals(otp.code())) {
        return Verdict.BUSY;
      }
    }
    return Verdict.FAILED;
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
      // Runs on this process's context: resilience4j publishes while onError or tryAcquire runs.
      breaker.getEventPublisher().onStateTransition(event -> logTransition(name, breaker, event.getStateTransition()));
      InfoSysMeters.breaker(name, breaker);
      return breaker;
    });
  }

  /** One line per state change of a backend's circuit, never one per query. */
  private void logTransition(String backend, CircuitBreaker breaker, CircuitBreaker.StateTransition transition) {
    String last = LogText.quote(lastFailures.get(backend), 300);
    switch (transition) {
      case CLOSED_TO_OPEN -> log.warn("infosys backend {} is failing: {}% of its last {} calls failed (last: {}); "
          + "circuit open, skipped for {} ms", backend, Math.round(breaker.getMetrics().getFailureRate()),
        breaker.getMetrics().getNumberOfBufferedCalls(), last, openMs);
      case HALF_OPEN_TO_OPEN -> log.warn("infosys backend {} is still failing (last: {}); circuit open again, skipped for {} ms",
        backend, last, openMs);
      case OPEN_TO_HALF_OPEN -> log.info("infosys backend {} circuit half-open: the next query tries it", backend);
      case HALF_OPEN_TO_CLOSED -> log.info("infosys backend {} recovered: circuit closed", backend);
      default -> log.info("infosys backend {} circuit {}", backend, transition);
    }
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

  /**
   * The rule {@link #handleCall} applies to a query, for {@link InfoSys#accepts}.
   *
   * @param vertx the Vert.x instance whose InfoSys published its settings
   * @param query the question
   * @return whether InfoSys takes it: not blank, and at most its {@code max_query_length} once stripped
   */
  static boolean accepts(Vertx vertx, String query) {
    if (query == null || query.isBlank()) {
      return false;
    }
    Integer max = vertx.sharedData().<String, Integer>getLocalMap(SETTINGS).get("max_query_length");
    return query.strip().length() <= (max == null ? DEFAULT_MAX_QUERY_LENGTH : max);
  }
}
