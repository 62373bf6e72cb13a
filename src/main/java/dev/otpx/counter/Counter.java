package dev.otpx.counter;

import dev.otpx.process.GenServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;

/**
 * Client facade of the GenServer counter ({@link CounterServer}). Failures of {@link #value} are
 * {@link dev.otpx.process.OtpException}s: noproc when no counter has that name, exit when it died
 * before answering, timeout.
 */
public final class Counter {

  private Counter() {
  }

  /**
   * Adds one (a cast: returns at once, never fails).
   *
   * @param vertx the Vert.x instance
   * @param name the counter's name
   */
  public static void increment(Vertx vertx, String name) {
    GenServer.cast(vertx, name, new CounterMsg.Increment().toJson());
  }

  /**
   * Takes one away (a cast).
   *
   * @param vertx the Vert.x instance
   * @param name the counter's name
   */
  public static void decrement(Vertx vertx, String name) {
    GenServer.cast(vertx, name, new CounterMsg.Decrement().toJson());
  }

  /**
   * Reads the value (a call, default 5 s timeout). Casts sent earlier from the same caller are
   * counted first.
   *
   * @param vertx the Vert.x instance
   * @param name the counter's name
   * @return the value
   */
  public static Future<Integer> value(Vertx vertx, String name) {
    return value(vertx, name, GenServer.DEFAULT_CALL_TIMEOUT);
  }

  /**
   * Reads the value.
   *
   * @param vertx the Vert.x instance
   * @param name the counter's name
   * @param timeout how long to wait
   * @return the value
   */
  public static Future<Integer> value(Vertx vertx, String name, Duration timeout) {
    return GenServer.<JsonObject>call(vertx, name, new CounterMsg.Value().toJson(), timeout)
      .map(reply -> reply.getInteger("value"));
  }
}
