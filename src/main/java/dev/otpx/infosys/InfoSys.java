package dev.otpx.infosys;

import dev.otpx.process.GenServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Client facade of InfoSys ({@link InfoSysServer}, the {@code infosys} address). Failures are
 * {@link dev.otpx.process.OtpException}s: {@code bad_request} (an {@code ERROR} naming the field),
 * {@code noproc} when InfoSys is not running.
 */
public final class InfoSys {

  /** How much longer than the query's deadline the caller waits for InfoSys's answer. */
  static final Duration MARGIN = Duration.ofSeconds(1);

  private InfoSys() {
  }

  /**
   * Asks every backend; see {@link InfoSysServer}.
   *
   * @param vertx the Vert.x instance
   * @param query the question
   * @param options limit, deadline, backends
   * @return the answer, with timing and cache use
   */
  public static Future<Answer> ask(Vertx vertx, String query, QueryOptions options) {
    Answer cached = fromCache(vertx, query, options);
    if (cached != null) {
      return Future.succeededFuture(cached);
    }
    // In-process: the answer comes as it is, not as JSON to parse back (InfoSysServer.Ask).
    return GenServer.<Object>call(vertx, InfoSysServer.NAME, new InfoSysServer.Ask(query, options), options.timeout().plus(MARGIN))
      .map(reply -> reply instanceof Answer answer ? answer : Answer.fromJson((io.vertx.core.json.JsonObject) reply));
  }

  /**
   * The answer when the cache holds every backend's results for the query, read in the caller as
   * Rumbl's {@code InfoSys.compute} reads its ETS table: a hit costs no trip to the InfoSys process
   * (on another event loop, that trip is two thread wake-ups). Anything short of a full hit goes to
   * the process, which checks the cache again and asks the backends it lacks.
   */
  private static Answer fromCache(Vertx vertx, String query, QueryOptions options) {
    if (query == null) {
      return null; // InfoSys says why it is a bad request
    }
    long began = System.nanoTime();
    List<String> backends = InfoSysServer.backends(vertx, options);
    if (backends.isEmpty()) {
      return null;
    }
    List<Result> results = new ArrayList<>();
    for (String backend : backends) {
      var hit = ResultCache.get(vertx, backend, query, options.limit());
      if (hit.isEmpty()) {
        return null;
      }
      results.addAll(hit.get());
    }
    return new Answer(query, Answer.best(results, options.limit()), TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began),
        backends.size());
  }

  /**
   * Whether InfoSys takes this query: not blank, and once stripped no longer than the running
   * InfoSys's {@code max_query_length} (its default when none has started). A caller that asks on
   * its own account, as the channels ask about every post, checks this first and skips what InfoSys
   * would refuse, instead of collecting {@code bad_request} errors.
   *
   * @param vertx the Vert.x instance
   * @param query the question
   * @return whether {@link #ask} would take it
   */
  public static boolean accepts(Vertx vertx, String query) {
    return InfoSysServer.accepts(vertx, query);
  }

  /**
   * Asks every backend and keeps the results only, like Rumbl's {@code InfoSys.compute}.
   *
   * @param vertx the Vert.x instance
   * @param query the question
   * @param options limit, deadline, backends
   * @return the results, best first
   */
  public static Future<List<Result>> compute(Vertx vertx, String query, QueryOptions options) {
    return ask(vertx, query, options).map(Answer::results);
  }
}
