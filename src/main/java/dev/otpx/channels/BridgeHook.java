package dev.otpx.channels;

import dev.otpx.channels.auth.InvalidTokenException;
import dev.otpx.channels.auth.Tokens;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.handler.sockjs.BridgeEvent;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bridge's event hook: authenticates every SEND and REGISTER from a browser, stamps the
 * verified identity into messages for the channels, and enforces the per-socket limits. See
 * {@link ChannelsBridge} for the rules as clients see them.
 *
 * <p>A refusal writes its error frames to the socket itself and then leaves the event pending on
 * purpose: {@code complete(false)} would make the bridge add a generic {@code rejected} frame
 * after ours. A pending event holds no timer or resource, so it is simply collected. The bridge
 * calls the hook on the event loop of the socket's connection.
 */
final class BridgeHook implements Handler<BridgeEvent> {

  /** The longest reply address the bridge accepts (the vertx-eventbus.js ids). */
  private static final int MAX_REPLY_ADDRESS = 36;
  private static final String TOKEN_HEADER = "token";
  private static final String CHANNELS = "channels.";

  private static final Logger log = LoggerFactory.getLogger(BridgeHook.class);

  private final Vertx vertx;
  private final Tokens tokens;
  private final BridgeLimits limits;
  private final LongSupplier nanoClock;
  private final Map<SockJSSocket, BridgeRateLimiter> posts = new ConcurrentHashMap<>();

  BridgeHook(Vertx vertx, Tokens tokens, BridgeLimits limits, LongSupplier nanoClock) {
    this.vertx = vertx;
    this.tokens = tokens;
    this.limits = limits;
    this.nanoClock = nanoClock;
  }

  @Override
  public void handle(BridgeEvent event) {
    try {
      switch (event.type()) {
        case SEND -> send(event);
        case PUBLISH -> throw BridgeRefusal.accessDenied("browsers may not publish (to "
          + shorten(event.getRawMessage().getString("address")) + "): send instead");
        case REGISTER -> register(event);
        case SOCKET_CREATED -> {
          log.debug("bridge socket {} opened", event.socket().writeHandlerID());
          event.complete(true);
        }
        case SOCKET_CLOSED -> closed(event);
        default -> event.complete(true);
      }
    } catch (BridgeRefusal refusal) {
      refuse(event, refusal);
    }
  }

  private void send(BridgeEvent event) {
    JsonObject raw = event.getRawMessage();
    checkSize(raw);
    String username = verifiedUser(raw);
    JsonObject headers = raw.getJsonObject("headers");
    headers.remove(TOKEN_HEADER); // a bearer credential has no business travelling further
    for (Map.Entry<String, Object> header : headers) {
      if (!(header.getValue() instanceof String)) {
        throw BridgeRefusal.badRequest("header " + shorten(header.getKey()) + " must be a string");
      }
    }
    String address = raw.getString("address");
    if (address == null) {
      throw BridgeRefusal.badRequest("a message needs an address"); // the bridge checks first
    }
    boolean request = raw.getString("replyAddress") != null;
    boolean channels = address.startsWith(CHANNELS);
    Object body = raw.getValue("body");
    if (channels && !(body instanceof JsonObject)) {
      throw BridgeRefusal.badRequest("the body of a message to " + shorten(address)
        + " must be a JSON object");
    }
    if (!request && isRequestOnly(address)) {
      // A GenServer takes a message without a reply address as a cast, which these do not handle.
      throw BridgeRefusal.badRequest(address + " answers requests only: send with a reply address");
    }
    if (address.equals(ChannelAddresses.PUSH) && !postAllowed(event.socket())) {
      throw BridgeRefusal.rateLimited("more than " + limits.postsPerSecond()
        + " posts per second from this socket");
    }
    if (channels) {
      JsonObject stamped = ((JsonObject) body).copy()
        .put("user", new JsonObject().put("username", username))
        .put("socket_id", event.socket().writeHandlerID());
      raw.put("body", stamped);
    }
    event.complete(true);
  }

  private void register(BridgeEvent event) {
    JsonObject raw = event.getRawMessage();
    checkSize(raw);
    verifiedUser(raw);
    String address = raw.getString("address");
    if (address == null || !address.startsWith(ChannelAddresses.TOPIC_PREFIX)
      || !ChannelAddresses.validTopic(address.substring(ChannelAddresses.TOPIC_PREFIX.length()))) {
      throw BridgeRefusal.accessDenied("browsers may register only on "
        + ChannelAddresses.TOPIC_PREFIX + "videos:<digits>, not on " + shorten(address));
    }
    event.complete(true);
  }

  private void closed(BridgeEvent event) {
    SockJSSocket socket = event.socket();
    posts.remove(socket);
    String socketId = socket.writeHandlerID();
    log.debug("bridge socket {} closed", socketId);
    // On the raw /websocket transport the bridge's close handler replaces the one that would
    // unregister the socket's write handler, which then keeps the closed connection reachable
    // forever (vertx-web PR #1679 proposed chaining the two). end() only unregisters it, which
    // a closed socket on any transport can take.
    socket.end();
    if (socketId != null) {
      vertx.eventBus().send(ChannelAddresses.SOCKET_CLOSED, new JsonObject().put("socket_id", socketId));
    }
    event.complete(true);
  }

  private void checkSize(JsonObject raw) {
    // The frame was already parsed: measure it encoded again, which is close to its wire size.
    int size = raw.toBuffer().length();
    if (size > limits.maxFrameBytes()) {
      throw BridgeRefusal.frameTooLarge("message of " + size + " bytes is over the limit of "
        + limits.maxFrameBytes() + " bytes");
    }
  }

  private String verifiedUser(JsonObject raw) {
    Object headers = raw.getValue("headers");
    Object token = headers instanceof JsonObject json ? json.getValue(TOKEN_HEADER) : null;
    if (token != null && !(token instanceof String)) {
      throw BridgeRefusal.accessDenied("malformed token: the token header must be a string");
    }
    try {
      return tokens.verify((String) token);
    } catch (InvalidTokenException invalid) {
      throw BridgeRefusal.accessDenied(invalid.reason().code() + " token: sign in again");
    }
  }

  private boolean postAllowed(SockJSSocket socket) {
    long now = nanoClock.getAsLong();
    return posts.computeIfAbsent(socket, s -> new BridgeRateLimiter(limits.postsPerSecond(), now))
      .tryAcquire(now);
  }

  private static boolean isRequestOnly(String address) {
    return address.equals(ChannelAddresses.JOIN) || address.equals(ChannelAddresses.PUSH)
      || address.equals(ChannelAddresses.LEAVE) || address.equals(ChannelsBridge.INFOSYS);
  }

  private void refuse(BridgeEvent event, BridgeRefusal refusal) {
    SockJSSocket socket = event.socket();
    JsonObject raw = event.getRawMessage();
    String replyAddress = raw == null ? null : raw.getString("replyAddress");
    if (log.isDebugEnabled()) {
      log.debug("bridge refused {} to {} from socket {}: {}", event.type(),
        raw == null ? null : shorten(raw.getString("address")), socket.writeHandlerID(), refusal.text());
    }
    if (replyAddress != null && replyAddress.length() <= MAX_REPLY_ADDRESS) {
      // Fails the client's pending request, as a failed reply from the server would.
      socket.write(new JsonObject()
        .put("type", "err")
        .put("address", replyAddress)
        .put("failureCode", refusal.failureCode())
        .put("failureType", "RECIPIENT_FAILURE")
        .put("message", refusal.text())
        .toBuffer());
    }
    // The bridge's own error frame, which vertx-eventbus.js hands to onerror.
    socket.write(new JsonObject()
      .put("type", "err")
      .put("body", refusal.code())
      .put("message", refusal.text())
      .toBuffer());
  }

  /** Client-supplied text echoed in errors and logs, cut short. */
  private static String shorten(String text) {
    if (text == null) {
      return "null";
    }
    return text.length() <= 80 ? "'" + text + "'" : "'" + text.substring(0, 80) + "...'";
  }
}
