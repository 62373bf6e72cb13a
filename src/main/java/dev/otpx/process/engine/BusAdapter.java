package dev.otpx.process.engine;

import dev.otpx.process.ExitReason;
import dev.otpx.process.OtpException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.impl.MessageConsumerImpl;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One process on the event bus: a consumer at its pid's address and one at each registered name.
 * A message with a reply address is a call (answered through an {@link EventBusCaller}), one without
 * is a cast. This is the one place that knows on which address a message arrived, and it hands that
 * address on with the message ({@code From.address()}, {@code castAddress()}).
 */
final class BusAdapter {

  private final ProcessCore<?> core;
  // Concurrent: Registry.unregister removes a name's consumer from the caller's thread, at once.
  private final Map<String, MessageConsumer<Object>> consumers = new ConcurrentHashMap<>(2);

  BusAdapter(ProcessCore<?> core) {
    this.core = core;
  }

  /**
   * Consumes at an address, on the process's context.
   *
   * @param address the pid's address or a name
   * @return completes once the consumer is registered
   */
  Future<Void> listen(String address) {
    // Local: a pid's address and a registered name are this node's; in a cluster, Vert.x would
    // otherwise round-robin a name held on several nodes between them.
    MessageConsumer<Object> consumer = core.vertx().eventBus().localConsumer(address);
    consumer.handler(message -> route(address, message));
    if (consumer instanceof MessageConsumerImpl<Object> impl) {
      // Vert.x answers requests still queued when a consumer goes away with a bare TIMEOUT
      // ("Discarded the request"); answer first with what really happened (vert.x issue 3979).
      impl.discardHandler(message -> refuse(address, message));
    }
    consumers.put(address, consumer);
    return consumer.completion();
  }

  /**
   * Consumes at an extra address (a name registered after the start), from any thread.
   *
   * @param address the name
   * @return completes once the consumer is registered; noproc when the process has exited
   */
  Future<Void> listenOn(String address) {
    Promise<Void> listening = Promise.promise();
    core.cell().context().runOnContext(v -> {
      if (core.dead()) {
        listening.fail(OtpException.noproc(core.cell().pid()));
      } else {
        listen(address).onComplete(listening);
      }
    });
    return listening.future();
  }

  /**
   * Stops consuming at an address, synchronously from the caller's thread: once this returns,
   * nothing new reaches this process through the name, so a new holder registered next gets every
   * message.
   *
   * @param address the name
   */
  void stopListening(String address) {
    MessageConsumer<Object> consumer = consumers.remove(address);
    if (consumer != null) {
      consumer.unregister();
    }
  }

  /** Unregisters every consumer: the process is gone. */
  void close() {
    for (MessageConsumer<Object> consumer : consumers.values()) {
      consumer.unregister();
    }
    consumers.clear();
  }

  /**
   * A message from the bus. One sent to a name goes to whoever holds the name now, as in Erlang:
   * the consumer of a process that has just given the name up (or exited) may still get a few,
   * because unregistering a consumer takes effect on this process's own loop.
   */
  private void route(String address, Message<Object> message) {
    Envelope envelope = message.replyAddress() != null
      ? new Envelope.Call(message.body(), new EventBusCaller(message))
      : new Envelope.Cast(message.body(), address);
    ProcessCell cell = core.cell();
    if (address.equals(cell.address())) {
      core.receive(envelope);
      return;
    }
    ProcessCell holder = core.table().lookup(address);
    if (holder == cell) {
      core.receive(envelope);
    } else if (holder != null) {
      holder.deliver(envelope);
    } else if (envelope instanceof Envelope.Call call) {
      call.caller().fail(OtpException.noproc(address));
    }
  }

  private void refuse(String address, Message<Object> message) {
    if (message.replyAddress() == null) {
      return;
    }
    EventBusCaller caller = new EventBusCaller(message);
    ProcessCell cell = core.cell();
    if (core.dead() || address.equals(cell.address())) {
      ExitReason reason = core.exitReason();
      caller.fail(OtpException.exit(cell.pid(), reason == null ? ExitReason.NOPROC : reason));
    } else {
      // The process lives but gave the name up while this request waited for it.
      caller.fail(OtpException.noproc(address));
    }
  }
}
