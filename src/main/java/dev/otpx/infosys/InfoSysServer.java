package dev.otpx.infosys;

import dev.otpx.logging.LogText;
import dev.otpx.process.CallResult;
import dev.otpx.process.Clock;
import dev.otpx.process.ExitReason;
import dev.otpx.process.From;
import dev.otpx.process.GenServer;
import dev.otpx.process.InitResult;
import dev.otpx.process.OtpException;
import dev.otpx.process.Pid;
import dev.otpx.process.Processes;
import dev.otpx.process.Registry;
import dev.otpx.process.Shutdown;
import dev.otpx.process.Task;
import dev.otpx.process.TaskSupervisor;
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

  /**
   * A query asked in-process ({@link InfoSys#ask}): answered with the {@link Answer} itself rather
   * than its JSON, which the caller would only parse back (records stay inside a JVM; on the bus
   * the JSON form is asked). The options were checked when they were made.
   *
   * @param query the question, checked here as a JSON request's is
   * @param options limit, deadline, backends
   */
  record Ask(String query, QueryOptions options) {
    Ask {
      java.util.Objects.requireNonNull(options, "options");
    }
  }

  /** A backend call in flight: its key in {@code inFlight}, the task that makes it, and the time it was given. */
  private record Flight(String key, Task<List<Result>> task, Duration timeout) { }

  /** The task supervisor of this server's backend calls, started in init, linked to this server. */
  private Pid tasks;

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
    return TaskSupervisor.start(vertx, null).map(pid -> {
      tasks = pid;
      return InitResult.ok();
    });
  }

  @Override
  protected Future<Void> terminate(ExitReason reason, Void state) {
    // Its calls still in flight go with it, whatever the reason (a normal exit stops no linked process).
    return tasks == null ? Future.succeededFuture() : Processes.shutdown(vertx, tasks, Shutdown.DEFAULT_WORKER).mapEmpty();
  }

  @Override
  protected CallResult<Void> handleCall(Object request, From from, Void state) {
    String query;
    QueryOptions options;
    boolean typed = request instanceof Ask;
    try {
      if (request instanceof Ask ask) {
        query = query(ask.query());
        options = ask.options();
      } else if (request instanceof JsonObject json) {
        query = query(json.getValue("query"));
        options = QueryOptions.fromRequest(json);
      } else {
        throw new IllegalArgumentException("expected a JSON object {\"query\": ...}, got " + request);
      }
    } catch (IllegalArgumentException bad) {
      return CallResult.error("bad_request", bad.getMessage());
    }
    // Elixir's InfoSys: one task per backend asked, yield_many under the query's deadline, then the
    // tasks still running killed (a reply that comes before the kill is kept).
    long began = clock().millis();
    List<Result> results = new ArrayList<>();
    int cached = 0;
    // The calls this query started, which it stops at its deadline, and those it joined, which
    // their own query stops: this one only stops waiting for them.
    List<Flight> started = new ArrayList<>();
    List<Task<List<Result>>> joined = new ArrayList<>();
    for (String backend : backends(vertx, options)) {
      var hit = ResultCache.get(vertx, backend, query, options.limit());
      if (hit.isPresent()) {
        results.addAll(hit.get());
        cached++;
        continue;
      }
      String key = ResultCache.key(backend, query, options.limit());
      Flight flight = inFlight.get(key);
      // Join a call in flight only if it was given at least this query's time: a caller's short
      // deadline must not cut short the answer of one who can wait.
      if (flight != null && flight.timeout().compareTo(options.timeout()) >= 0) {
        joined.add(flight.task());
        continue;
      }
      CircuitBreaker breaker = breaker(backend);
      if (!breaker.tryAcquirePermission()) {
        log.debug("infosys backend {} skipped: its circuit is {}", backend, breaker.getState());
        continue;
      }
      // A backend's failure or garbage is judged and logged (DEBUG) by call, and adds nothing: the
      // task's answer, not its crash, which would be an ERROR line per query for a failing upstream.
      Task<List<Result>> task = TaskSupervisor.asyncNolink(vertx, tasks,
        () -> call(backend, query, options, breaker).otherwise(List.of()), Shutdown.BRUTAL_KILL);
      Flight mine = new Flight(key, task, options.timeout());
      inFlight.put(key, mine);
      started.add(mine);
    }
    int fromCache = cached;
    List<Task<List<Result>>> own = new ArrayList<>(started.size());
    for (Flight mine : started) {
      own.add(mine.task());
    }
    Future<List<Task.Outcome<List<Result>>>> outcomes = Task.yieldMany(own, options.timeout(), Shutdown.BRUTAL_KILL);
    if (!joined.isEmpty()) {
      Future<List<Task.Outcome<List<Result>>>> mine = outcomes;
      Future<List<Task.Outcome<List<Result>>>> theirs = Task.yieldMany(joined, options.timeout());
      outcomes = Future.all(mine, theirs).map(both -> {
        List<Task.Outcome<List<Result>>> all = new ArrayList<>(mine.result());
        all.addAll(theirs.result());
        return all;
      });
    }
    outcomes.onComplete(ar -> {
      for (Flight mine : started) {
        inFlight.remove(mine.key(), mine);
      }
      // A backend that failed, crashed or missed the deadline adds nothing; yieldMany itself never fails.
      for (Task.Outcome<List<Result>> outcome : ar.result()) {
        if (outcome instanceof Task.Outcome.Ok<List<Result>> ok) {
          results.addAll(ok.value());
        }
      }
      List<Result> best = Answer.best(results, options.limit());
      Answer answer = new Answer(query, best, clock().millis() - began, fromCache);
      from.reply(typed ? answer : answer.toJson());
    });
    return CallResult.noReply();
  }

  private Future<List<Result>> call(String backend, String query, QueryOptions options, CircuitBreaker breaker) {
    long began = clock().millis();
    BackendServer.Query request = new BackendServer.Query(query, options.limit(), options.timeout().toMillis());
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
    // A BackendServer answers the in-process query with its results as they are; anything else
    // posing as a backend is read as the JSON a backend answers on the bus.
    Iterable<?> items;
    if (reply instanceof List<?> list) {
      items = list;
    } else if (reply instanceof JsonArray array) {
      items = array;
    } else {
      throw new IllegalArgumentException("garbage from " + backend + ": expected a JSON array of results, got " + reply);
    }
    List<Result> results = new ArrayList<>();
    for (Object item : items) {
      Result result = item instanceof Result given ? given : Result.fromJson(item);
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

  private String query(Object value) {
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
