package dev.otpx.system;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.spi.metrics.EventBusMetrics;
import java.util.concurrent.atomic.LongAdder;

/**
 * Vert.x's event-bus metrics, under the names and labels vertx-micrometer-metrics gives them
 * ({@code vertx_eventbus_handlers}, {@code _pending}, {@code _processed_total},
 * {@code _discarded_total}, {@code _published_total}, {@code _sent_total}, {@code _received_total},
 * {@code _delivered_total} by {@code side}, {@code _reply_failures_total}, {@code _bytes_read},
 * {@code _bytes_written}), with every meter registered once, here.
 *
 * <p>Why not vertx-micrometer's own: it looks its meters up in the registry on each handler
 * registration and each message (with the address label off, as here, always the same meters).
 * Every process start registers its consumers, so a restart paid 2.5 µs per consumer for it, a
 * tenth of the restart (issue 12's benchmark, docs/benchmarks.md). Addresses starting
 * {@code __vertx.} are Vert.x's own and are not counted, as there.
 */
final class EventBusMeters implements EventBusMetrics<EventBusMeters.Handler> {

  private static final String PREFIX = "vertx.eventbus.";

  /** What a counted consumer holds: nothing; the meters are shared by all consumers. */
  enum Handler { COUNTED }

  private final LongAdder handlers = new LongAdder();
  private final Side local;
  private final Side remote;
  private final Counter replyFailures;
  private final DistributionSummary bytesRead;
  private final DistributionSummary bytesWritten;

  EventBusMeters(MeterRegistry registry) {
    Gauge.builder(PREFIX + "handlers", handlers, LongAdder::doubleValue).description("Number of event bus handlers in use")
      .register(registry);
    local = new Side(registry, "local");
    remote = new Side(registry, "remote");
    replyFailures = Counter.builder(PREFIX + "reply.failures").description("Number of message reply failures").register(registry);
    bytesRead = DistributionSummary.builder(PREFIX + "bytes.read")
      .description("Number of bytes received while reading messages from event bus cluster peers").register(registry);
    bytesWritten = DistributionSummary.builder(PREFIX + "bytes.written")
      .description("Number of bytes sent while sending messages to event bus cluster peers").register(registry);
  }

  /** The meters of one side (messages from this node, or from a cluster peer). */
  private static final class Side {
    final LongAdder pending = new LongAdder();
    final Counter processed;
    final Counter discarded;
    final Counter published;
    final Counter sent;
    final Counter received;
    final Counter delivered;

    Side(MeterRegistry registry, String side) {
      Gauge.builder(PREFIX + "pending", pending, LongAdder::doubleValue).description("Number of messages not processed yet")
        .tag("side", side).register(registry);
      processed = counter(registry, "processed", "Number of processed messages", side);
      discarded = counter(registry, "discarded", "Number of discarded messages", side);
      published = counter(registry, "published", "Number of messages published (publish / subscribe)", side);
      sent = counter(registry, "sent", "Number of messages sent (point-to-point)", side);
      received = counter(registry, "received", "Number of messages received", side);
      delivered = counter(registry, "delivered", "Number of messages delivered to handlers", side);
    }

    private static Counter counter(MeterRegistry registry, String name, String description, String side) {
      return Counter.builder(PREFIX + name).description(description).tag("side", side).register(registry);
    }
  }

  private Side side(boolean local) {
    return local ? this.local : remote;
  }

  private static boolean counted(String address) {
    return !address.startsWith("__vertx.");
  }

  @Override
  public Handler handlerRegistered(String address) {
    if (!counted(address)) {
      return null;
    }
    handlers.increment();
    return Handler.COUNTED;
  }

  @Override
  public void handlerUnregistered(Handler handler) {
    if (handler != null) {
      handlers.decrement();
    }
  }

  @Override
  public void messageDelivered(Handler handler, boolean local) {
    if (handler != null) {
      Side side = side(local);
      side.pending.decrement();
      side.processed.increment();
    }
  }

  @Override
  public void discardMessage(Handler handler, boolean local, Message<?> message) {
    if (handler != null) {
      Side side = side(local);
      side.pending.decrement();
      side.discarded.increment();
    }
  }

  @Override
  public void messageSent(String address, boolean publish, boolean local, boolean remote) {
    if (counted(address)) {
      Side side = side(local);
      (publish ? side.published : side.sent).increment();
    }
  }

  @Override
  public void messageReceived(String address, boolean publish, boolean local, int handlers) {
    if (counted(address)) {
      Side side = side(local);
      side.received.increment();
      if (handlers > 0) {
        side.pending.add(handlers);
        side.delivered.increment();
      }
    }
  }

  @Override
  public void messageWritten(String address, int numberOfBytes) {
    if (counted(address)) {
      bytesWritten.record(numberOfBytes);
    }
  }

  @Override
  public void messageRead(String address, int numberOfBytes) {
    if (counted(address)) {
      bytesRead.record(numberOfBytes);
    }
  }

  @Override
  public void replyFailure(String address, ReplyFailure failure) {
    if (counted(address)) {
      replyFailures.increment();
    }
  }
}
