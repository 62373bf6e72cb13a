package dev.otpx.counter;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The seed's hand-rolled counter, written straight on the event bus without the GenServer base, to
 * show what the base does for you. It answers {@code val} in two ways: the book's way, a message to
 * the {@code reply_to} address carrying the caller's unique {@code ref} (see {@link RawCounter}),
 * and plain Vert.x request/reply for event-bus clients. There is no supervision, no noproc, no crash
 * handling: a caller of a counter that is gone waits out its timeout.
 */
public final class RawCounterVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(RawCounterVerticle.class);

  private final String address;
  private int value;
  private MessageConsumer<Object> consumer;

  /**
   * @param address the event-bus address it listens on
   * @param initial the start value
   */
  public RawCounterVerticle(String address, int initial) {
    this.address = Objects.requireNonNull(address, "address");
    this.value = initial;
  }

  @Override
  public Future<?> start() {
    // Local: in a cluster each node has its own raw counter, never one shared round-robin.
    consumer = vertx.eventBus().localConsumer(address, this::receive);
    return consumer.completion().onSuccess(v -> log.info("raw counter listening on {} at {}", address, value));
  }

  @Override
  public Future<?> stop() {
    return consumer.unregister();
  }

  private void receive(Message<Object> message) {
    CounterMsg msg;
    try {
      msg = CounterMsg.fromJson(message.body());
    } catch (IllegalArgumentException bad) {
      if (message.replyAddress() != null) {
        message.fail(400, "unknown_action: " + bad.getMessage());
      } else {
        log.debug("raw counter {} ignored a message: {}", address, bad.getMessage());
      }
      return;
    }
    if (msg instanceof CounterMsg.Increment) {
      value++;
    } else if (msg instanceof CounterMsg.Decrement) {
      value--;
    }
    JsonObject body = (JsonObject) message.body();
    String replyTo = body.getString("reply_to");
    if (msg instanceof CounterMsg.Value && replyTo != null) {
      vertx.eventBus().send(replyTo, CounterMsg.valueReply(value).put("ref", body.getString("ref")));
    } else if (message.replyAddress() != null) {
      message.reply(CounterMsg.valueReply(value));
    }
  }
}
