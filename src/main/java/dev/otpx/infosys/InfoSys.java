package dev.otpx.infosys;

import dev.otpx.process.GenServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;

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
    return GenServer.<io.vertx.core.json.JsonObject>call(vertx, InfoSysServer.NAME, options.toRequest(query), options.timeout().plus(MARGIN))
      .map(Answer::fromJson);
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
