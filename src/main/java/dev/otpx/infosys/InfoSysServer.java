package dev.otpx.infosys;

import dev.otpx.logging.LogText;
import dev.otpx.process.CallResult;
import dev.otpx.process.Clock;
import dev.otpx.process.From;
import dev.otpx.process.GenServer;
import dev.otpx.process.InitResult;
import dev.otpx.process.OtpException;
import dev.otpx.process.Pid;
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
  /** The task supervisor the backend calls run under, started by init and linked to this server. */
  private Pid tasks;

  /** One backend's answer as its task saw it: results, or the call's failure, and how long it took. */
  private record Reply(List<Result> results, Throwable failure, long tookNanos) { }

  /** A backend call in flight (its task), and the time it was given. */
  private record Flight(Task<Reply> task, Duration timeout) { }

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
      return InitResult.<Void>ok();
    });
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
    long began = clock().millis();
    List<Result> results = new ArrayList<>();
    int cached = 0;
    // The backends asked by this query (it settles them) and the flights of others it joined.
    List<String> started = new ArrayList<>(3);
    List<Task<Reply>> tasks = new ArrayList<>(3);
    int own = 0;
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
        tasks.add(flight.task());
        continue;
      }
      CircuitBreaker breaker = breaker(backend);
      if (!breaker.tryAcquirePermission()) {
        log.debug("infosys backend {} skipped: its circuit is {}", backend, breaker.getState());
        continue;
      }
      Task<Reply> task = ask(backend, query, options);
      inFlight.put(key, new Flight(task, options.timeout()));
      // Own tasks first: the ones this query settles are tasks[0, own).
      tasks.add(own++, task);
      started.add(backend);
    }
    int owned = own;
    int cachedParts = cached;
    // The query's one deadline: yield_many's. Joined flights are not this query's to kill; its own
    // stragglers are killed, and a reply that comes before the kill is kept (Rumbl's yield_many,
    // then shutdown(:brutal_kill)).
    Task.yieldMany(tasks, options.timeout()).onComplete(ar -> {
      List<Task.Outcome<Reply>> outcomes = ar.result();
      List<Future<Task.Outcome<Reply>>> stragglers = null;
      for (int i = 0; i < owned; i++) {
        if (outcomes.get(i) instanceof Task.Outcome.NoReply<Reply>) {
          if (stragglers == null) {
            stragglers = new ArrayList<>(owned);
            outcomes = new ArrayList<>(outcomes);
          }
          List<Task.Outcome<Reply>> settled = outcomes;
          int at = i;
          stragglers.add(Task.shutdown(tasks.get(i), Shutdown.BRUTAL_KILL).andThen(killed -> settled.set(at, killed.result())));
        }
      }
      List<Task.Outcome<Reply>> all = outcomes;
      if (stragglers == null) {
        answer(from, query, options, began, results, cachedParts, started, tasks, all);
      } else {
        Future.join(stragglers).onComplete(killed -> answer(from, query, options, began, results, cachedParts, started, tasks, all));
      }
    });
    return CallResult.noReply();
  }

  /** Settles this query's own backend calls, takes the joined flights' results, and replies. */
  private void answer(From from, String query, QueryOptions options, long began, List<Result> results, int cached,
      List<String> started, List<Task<Reply>> tasks, List<Task.Outcome<Reply>> outcomes) {
    long took = clock().millis() - began;
    for (int i = 0; i < tasks.size(); i++) {
      Task.Outcome<Reply> outcome = outcomes.get(i);
      if (i < started.size()) {
        results.addAll(settle(started.get(i), query, options, tasks.get(i), outcome, took));
      } else if (outcome instanceof Task.Outcome.Ok<Reply> ok && ok.value().results() != null) {
        results.addAll(ok.value().results());
      }
    }
    from.reply(new Answer(query, Answer.best(results, options.limit()), took, cached).toJson());
  }

  /**
   * Asks one backend in a task under this server's task supervisor. The task's call sets no timer
   * of its own ({@link GenServer#INFINITY}): the query's deadline bounds it, and kills it.
   */
  private Task<Reply> ask(String backend, String query, QueryOptions options) {
    long began = System.nanoTime();
    JsonObject request = new JsonObject().put("query", query).put("limit", options.limit()).put("timeout_ms", options.timeout().toMillis());
    return TaskSupervisor.asyncNolink(vertx, tasks, () -> GenServer.<Object>call(vertx, BackendServer.PREFIX + backend, request, GenServer.INFINITY)
      .map(reply -> parse(backend, reply))
      // A backend's failure is this query's to judge, not the task's crash.
      .transform(ar -> Future.succeededFuture(new Reply(ar.succeeded() ? ar.result() : null, ar.cause(), System.nanoTime() - began))),
      Shutdown.BRUTAL_KILL);
  }

  /**
   * What one of this query's own backend calls came to: its results, counted on the backend's
   * breaker and meters and cached, or nothing, judged.
   */
  private List<Result> settle(String backend, String query, QueryOptions options, Task<Reply> task, Task.Outcome<Reply> outcome,
      long tookMs) {
    inFlight.remove(ResultCache.key(backend, query, options.limit()), new Flight(task, options.timeout()));
    CircuitBreaker breaker = breaker(backend);
    if (outcome instanceof Task.Outcome.Ok<Reply> ok && ok.value().failure() == null) {
      Reply reply = ok.value();
      InfoSysMeters.call(backend, reply.tookNanos(), "ok", reply.results().size());
      breaker.onSuccess(reply.tookNanos(), TimeUnit.NANOSECONDS);
      ResultCache.put(vertx, backend, query, options.limit(), reply.results());
      return reply.results();
    }
    if (outcome instanceof Task.Outcome.Ok<Reply> ok) {
      judge(backend, breaker, query, ok.value().tookNanos(), ok.value().failure());
    } else if (outcome instanceof Task.Outcome.Exited<Reply> exited) {
      judge(backend, breaker, query, TimeUnit.MILLISECONDS.toNanos(tookMs), new IllegalStateException("task exited: " + exited.reason()));
    } else {
      // Still running at the deadline, and killed: it had no answer in time.
      judge(backend, breaker, query, TimeUnit.MILLISECONDS.toNanos(tookMs), OtpException.timeout(BackendServer.PREFIX + backend, tookMs));
    }
    return List.of();
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
