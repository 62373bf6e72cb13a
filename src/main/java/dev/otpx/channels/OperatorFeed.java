package dev.otpx.channels;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Event-bus addresses that only the operator may watch through the bridge, such as
 * {@code system.events}: a browser registers on one with the header {@code authorization:
 * "Bearer <operator token>"} instead of a session token, and the {@link Credential} decides (deny
 * by default: {@link #none()} refuses every one).
 *
 * <p><b>Bounded.</b> Each address has one event-bus consumer, started with its first watcher, that
 * writes every message to the watching sockets. A socket holds at most {@link #maxPending} writes
 * not yet flushed to its transport; past that, messages to it are dropped and counted, and the
 * next one that fits is preceded by {@code {"event": "dropped", "count": n}}, so the page knows to
 * read the state afresh. A slow or stalled browser thus costs a fixed amount of memory.
 */
public final class OperatorFeed {

  /** What a socket may hold unflushed by default. */
  public static final int DEFAULT_MAX_PENDING = 256;

  /** Decides whether a presented bearer token is the operator's. */
  @FunctionalInterface
  public interface Credential {
    /**
     * @param bearerToken the token presented, or null when none was
     * @return empty when it is the operator's; otherwise the refusal's text (code, colon, detail),
     *     which says how to enable the operator when none is configured
     */
    Optional<String> refusal(String bearerToken);
  }

  private final Vertx vertx;
  private final List<String> addresses;
  private final Credential credential;
  private final int maxPending;
  /** Address → its watchers and consumer; guarded by itself (registrations are rare). */
  private final Map<String, Feed> feeds = new ConcurrentHashMap<>();

  private static final class Watcher {
    final SockJSSocket socket;
    final AtomicInteger pending = new AtomicInteger();
    final AtomicLong dropped = new AtomicLong();

    Watcher(SockJSSocket socket) {
      this.socket = socket;
    }
  }

  private static final class Feed {
    final Map<SockJSSocket, Watcher> watchers = new ConcurrentHashMap<>();
    MessageConsumer<Object> consumer;
  }

  private OperatorFeed(Vertx vertx, List<String> addresses, Credential credential, int maxPending) {
    this.vertx = vertx;
    this.addresses = List.copyOf(addresses);
    this.credential = credential;
    this.maxPending = maxPending;
  }

  /** @return a feed with no addresses: every operator registration is refused as any unknown one */
  public static OperatorFeed none() {
    return new OperatorFeed(null, List.of(), token -> Optional.of("access_denied: no operator feed here"), 1);
  }

  /**
   * @param vertx the node whose event bus is watched
   * @param addresses the operator's addresses
   * @param credential decides on the presented token
   * @param maxPending the unflushed writes a socket may hold, at least 1
   * @return the feed
   */
  public static OperatorFeed of(Vertx vertx, List<String> addresses, Credential credential, int maxPending) {
    if (maxPending < 1) {
      throw new IllegalArgumentException("maxPending must be at least 1, got " + maxPending);
    }
    return new OperatorFeed(Objects.requireNonNull(vertx, "vertx"), addresses, Objects.requireNonNull(credential, "credential"),
      maxPending);
  }

  /** @return the operator's addresses */
  public List<String> addresses() {
    return addresses;
  }

  /** @return the unflushed writes a socket may hold */
  public int maxPending() {
    return maxPending;
  }

  boolean handles(Object address) {
    return address instanceof String text && addresses.contains(text);
  }

  /**
   * Registers a socket on an operator address, or refuses it.
   *
   * @param socket the socket
   * @param address one of {@link #addresses()}
   * @param authorization the frame's {@code authorization} header, or null
   */
  void register(SockJSSocket socket, String address, Object authorization) {
    String token = authorization instanceof String text && text.regionMatches(true, 0, "Bearer ", 0, 7)
      ? text.substring(7).strip() : null;
    Optional<String> refusal = credential.refusal(token);
    if (refusal.isPresent()) {
      throw BridgeRefusal.accessDenied(address + " is the operator's: " + refusal.get());
    }
    synchronized (feeds) {
      Feed feed = feeds.computeIfAbsent(address, a -> new Feed());
      if (feed.watchers.containsKey(socket)) {
        throw BridgeRefusal.badRequest("already registered on " + address + ": unregister first");
      }
      feed.watchers.put(socket, new Watcher(socket));
      if (feed.consumer == null) {
        feed.consumer = vertx.eventBus().consumer(address, message -> fanOut(address, feed, message));
      }
    }
  }

  /** Stops a socket's deliveries from one address. */
  void unregister(SockJSSocket socket, String address) {
    synchronized (feeds) {
      Feed feed = feeds.get(address);
      if (feed != null && feed.watchers.remove(socket) != null && feed.watchers.isEmpty()) {
        feeds.remove(address);
        feed.consumer.unregister();
      }
    }
  }

  /** Stops all of a closed socket's deliveries. */
  void release(SockJSSocket socket) {
    addresses.forEach(address -> unregister(socket, address));
  }

  private void fanOut(String address, Feed feed, Message<Object> message) {
    byte[] frame = null;
    for (Watcher watcher : feed.watchers.values()) {
      if (watcher.pending.get() >= maxPending) {
        watcher.dropped.incrementAndGet();
        continue;
      }
      long dropped = watcher.dropped.getAndSet(0);
      if (dropped > 0) {
        write(watcher, rec(address, new JsonObject().put("event", "dropped").put("count", dropped)).toBuffer().getBytes());
      }
      if (frame == null) {
        frame = rec(address, message.body()).toBuffer().getBytes();
      }
      write(watcher, frame);
    }
  }

  private static JsonObject rec(String address, Object body) {
    return new JsonObject().put("type", "rec").put("address", address).put("body", body);
  }

  private static void write(Watcher watcher, byte[] frame) {
    watcher.pending.incrementAndGet();
    // A closed socket fails the write: it is released with its socket anyway.
    watcher.socket.write(Buffer.buffer(frame)).onComplete(ar -> watcher.pending.decrementAndGet());
  }
}
