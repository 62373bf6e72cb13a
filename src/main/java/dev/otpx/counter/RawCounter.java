package dev.otpx.counter;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeoutException;

/**
 * Client of {@link RawCounterVerticle}, the book's hand-rolled protocol: {@code val} carries a
 * unique reference and a reply address, only a reply carrying that same reference is accepted, and
 * without one the call fails after 5 s.
 */
public final class RawCounter {

  /** How long {@link #value} waits for its reply: 5 s, the book's {@code after 5000}. */
  public static final Duration TIMEOUT = Duration.ofSeconds(5);

  private RawCounter() {
  }

  /**
   * @param vertx the Vert.x instance
   * @param address the counter's address
   */
  public static void increment(Vertx vertx, String address) {
    vertx.eventBus().send(address, new CounterMsg.Increment().toJson());
  }

  /**
   * @param vertx the Vert.x instance
   * @param address the counter's address
   */
  public static void decrement(Vertx vertx, String address) {
    vertx.eventBus().send(address, new CounterMsg.Decrement().toJson());
  }

  /**
   * Reads the value with the default 5 s timeout.
   *
   * @param vertx the Vert.x instance
   * @param address the counter's address
   * @return the value; fails with a {@link TimeoutException} when no reply carries our reference
   */
  public static Future<Integer> value(Vertx vertx, String address) {
    return value(vertx, address, TIMEOUT);
  }

  /**
   * Reads the value.
   *
   * @param vertx the Vert.x instance
   * @param address the counter's address
   * @param timeout how long to wait for the reply carrying our reference
   * @return the value
   */
  public static Future<Integer> value(Vertx vertx, String address, Duration timeout) {
    String ref = UUID.randomUUID().toString();
    String replyTo = address + ".reply." + ref;
    Promise<Integer> answer = Promise.promise();
    MessageConsumer<JsonObject> inbox = vertx.eventBus().localConsumer(replyTo, message -> {
      // Anything not carrying our reference is somebody else's answer: not ours to take.
      if (ref.equals(message.body().getString("ref"))) {
        answer.tryComplete(message.body().getInteger("value"));
      }
    });
    long timer = vertx.setTimer(timeout.toMillis(), id -> answer.tryFail(
      new TimeoutException("timeout: no reply carrying ref " + ref + " from " + address + " within " + timeout.toMillis() + " ms")));
    inbox.completion().onSuccess(v -> vertx.eventBus().send(address,
      new CounterMsg.Value().toJson().put("ref", ref).put("reply_to", replyTo)));
    return answer.future().andThen(ar -> {
      vertx.cancelTimer(timer);
      inbox.unregister();
    });
  }
}
