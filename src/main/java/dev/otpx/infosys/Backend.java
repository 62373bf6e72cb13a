package dev.otpx.infosys;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * An InfoSys source: one class behind this small contract, run as its own process (a
 * {@link BackendServer}) registered as {@code infosys.backend.<name>}. Adding a backend is one class
 * plus one entry in the {@code infosys} subtree of {@code conf/config.json}.
 *
 * <p>{@link #compute} runs on the backend process's context; it must not block. A failed future,
 * an exception or an answer past the deadline only drops this backend's results: it never fails
 * the query. What the outcome says matters, though: no results means "no answer" (InfoSys caches
 * it), a failure means the backend failed (InfoSys counts it against the backend's circuit breaker
 * and caches nothing), {@link BackendBusyException} means it is full (counted neither way), and
 * after the query's {@link Cancellation} fired nothing counts. So a backend that cannot reach its
 * upstream fails the future rather than answering nothing. A backend documents how it scores, so
 * that a confident answer outranks a guess. Implementations have a public no-argument constructor.
 */
public interface Backend {

  /** @return the backend's name: lower case, unique, e.g. {@code calculator} */
  String name();

  /**
   * Prepares the backend once its process starts. Fail with {@link BackendUnavailableException} to
   * leave it out (its process then ignores its start and logs why), e.g. without an API key.
   *
   * @param vertx the Vert.x instance
   * @param config the child's config (minus {@code backend})
   * @return completes when ready
   */
  default Future<Void> open(Vertx vertx, JsonObject config) {
    return Future.succeededFuture();
  }

  /**
   * Answers a query.
   *
   * @param query the question, e.g. "what is 2 + 2"
   * @param options limit, time left, cancellation
   * @return the results, possibly none
   */
  Future<List<Result>> compute(String query, ComputeOptions options);
}
