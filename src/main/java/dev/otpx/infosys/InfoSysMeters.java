package dev.otpx.infosys;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * InfoSys's meters, on Micrometer's global registry, into which the node's metrics feed
 * ({@code dev.otpx.system.Metrics}); without it they count into nothing. Labelled by backend name
 * (the configured backends, few) and by outcome or state, never by query.
 */
final class InfoSysMeters {

  private static final MeterRegistry meters = Metrics.globalRegistry;
  private static final Counter HITS = Counter.builder("otpx.infosys.cache.hits").description("cache lookups that found fresh results")
    .register(meters);
  private static final Counter MISSES = Counter.builder("otpx.infosys.cache.misses")
    .description("cache lookups that found nothing fresh").register(meters);
  private static final Counter EVICTIONS = Counter.builder("otpx.infosys.cache.evictions")
    .description("expired cache entries removed").register(meters);

  private InfoSysMeters() {
  }

  /** backend and outcome → its latency timer. */
  private static final Map<String, Timer> LATENCY = new ConcurrentHashMap<>();
  /** backend → its results counter. */
  private static final Map<String, Counter> RESULTS = new ConcurrentHashMap<>();
  /** backend and outcome → its failures counter. */
  private static final Map<String, Counter> FAILURES = new ConcurrentHashMap<>();

  /**
   * A backend's call ended: {@code ok}, {@code failed}, {@code timeout} or {@code busy}; its results when ok.
   * Each meter is built and registered once (the global registry is a composite, whose meters follow
   * the registries added later): looked up on every call, they cost a query about a tenth of the
   * tree loop's time (profiled in the InfoSys benchmark).
   */
  static void call(String backend, long tookNanos, String outcome, int results) {
    String key = backend + '\n' + outcome;
    LATENCY.computeIfAbsent(key, k -> Timer.builder("otpx.infosys.backend.latency")
      .description("time a backend took to answer or fail").tag("backend", backend).tag("outcome", outcome)
      .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1)).maximumExpectedValue(Duration.ofSeconds(30))
      .register(meters)).record(tookNanos, TimeUnit.NANOSECONDS);
    if (results > 0) {
      RESULTS.computeIfAbsent(backend, b -> Counter.builder("otpx.infosys.backend.results")
        .description("results backends returned").tag("backend", backend).register(meters)).increment(results);
    }
    if (!outcome.equals("ok")) {
      FAILURES.computeIfAbsent(key, k -> Counter.builder("otpx.infosys.backend.failures")
        .description("backend calls that failed, timed out or were refused busy").tag("backend", backend).tag("outcome", outcome)
        .register(meters)).increment();
    }
  }

  /** A backend's circuit breaker: 0 closed, 1 open, 2 half-open, 3 other (disabled, forced open, ...). */
  static void breaker(String backend, CircuitBreaker breaker) {
    Gauge.builder("otpx.infosys.circuit.state", breaker, b -> switch (b.getState()) {
        case CLOSED -> 0;
        case OPEN -> 1;
        case HALF_OPEN -> 2;
        default -> 3;
      }).description("a backend's circuit: 0 closed, 1 open, 2 half-open, 3 other").tag("backend", backend)
      .strongReference(false).register(meters);
  }

  static void cacheLookup(boolean hit) {
    (hit ? HITS : MISSES).increment();
  }

  static void evicted(int entries) {
    if (entries > 0) {
      EVICTIONS.increment(entries);
    }
  }
}
