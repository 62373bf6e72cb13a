package dev.otpx.channels;

import dev.otpx.channels.auth.Tokens;
import io.vertx.core.Vertx;
import io.vertx.ext.bridge.PermittedOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.sockjs.SockJSBridgeOptions;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandlerOptions;
import java.util.List;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * The SockJS event-bus bridge through which browsers reach the channels, with its rules. Mount it
 * behind a body handler (the xhr transports need the request body):
 * <pre>{@code
 * router.route("/eventbus/*").handler(ChannelsBridge.bodyHandler(limits));
 * router.route("/eventbus/*").subRouter(ChannelsBridge.router(vertx, tokens, limits));
 * }</pre>
 *
 * <p>Deny by default. Browsers may send to {@code channels.join}, {@code channels.push},
 * {@code channels.leave}, {@code counter} and {@code infosys}, and register on
 * {@code channels.topic.videos:<digits>}; replies to their requests always come back.
 *
 * <p>Every SEND and REGISTER must carry the session token in the header {@code token} (see {@link
 * Tokens}); it is checked, then removed from the headers. For a message to {@code channels.*},
 * whose body must be a JSON object, the body's {@code user} becomes {@code {"username": <the
 * verified name>}} and its {@code socket_id} the socket's write-handler id, whatever the client put
 * there. {@code channels.join/push/leave} and {@code infosys} take requests only (a reply address
 * is required). When a socket closes, {@code {"socket_id": id}} is sent to
 * {@code channels.socket_closed}.
 *
 * <p>A refused message is not delivered and the socket stays open. The client gets the bridge's
 * error frame {@code {"type": "err", "body": code, "message": "<code>: <detail>"}} and, when the
 * message awaits a reply, a failed reply {@code {"type": "err", "address": replyAddress,
 * "failureCode": n, "failureType": "RECIPIENT_FAILURE", "message": "<code>: <detail>"}}. Codes:
 * {@code access_denied} (403: no, malformed, forged or expired token; a publish; an address not
 * permitted, or a REGISTER on anything but a topic), {@code bad_request} (400: a body that is not
 * a JSON object to {@code channels.*}, a request without a reply address, a header that is not a
 * string), {@code rate_limited} (429: more than {@link BridgeLimits#postsPerSecond()} posts per
 * second from the socket), {@code frame_too_large} (413: a message over {@link
 * BridgeLimits#maxFrameBytes()}). The bridge itself answers other mistakes with {@code
 * invalid_json}, {@code missing_type}, {@code missing_address}, {@code max_handlers_reached} and
 * {@code access_denied} (an address not permitted). Refusals are logged at DEBUG only.
 */
public final class ChannelsBridge {

  /** The counter browsers may reach ({@code inc}/{@code dec} sends, {@code val} requests). */
  public static final String COUNTER = "counter";
  /** InfoSys, which browsers may ask (requests only). */
  public static final String INFOSYS = "infosys";
  /** Every address a browser may send to. */
  public static final List<String> INBOUND = List.of(ChannelAddresses.JOIN, ChannelAddresses.PUSH,
    ChannelAddresses.LEAVE, COUNTER, INFOSYS);
  /** The addresses browsers may register on: the topics' broadcast addresses. */
  public static final String OUTBOUND_REGEX =
    ChannelAddresses.TOPIC_PREFIX.replace(".", "\\.") + ChannelAddresses.TOPIC.pattern();

  // An xhr_send body batches several escaped frames: leave room for a few of the largest.
  private static final int FRAMES_PER_BODY = 16;

  private ChannelsBridge() {
  }

  /**
   * The bridge's router, to mount with {@code subRouter} on {@code /eventbus/*}, behind a body
   * handler such as {@link #bodyHandler}. Each call makes an independent bridge with its own
   * per-socket state.
   *
   * @param vertx the Vert.x instance whose event bus is bridged
   * @param tokens verifies the session tokens
   * @param limits the per-socket limits
   * @return the router serving the SockJS protocol (including the raw {@code /websocket})
   */
  public static Router router(Vertx vertx, Tokens tokens, BridgeLimits limits) {
    return router(vertx, tokens, limits, System::nanoTime);
  }

  /**
   * A body handler for the bridge's xhr transports, with a body limit that fits a batch of
   * messages of the largest size allowed. Requests with larger bodies fail with 413.
   *
   * @param limits the per-socket limits
   * @return a new body handler, without file uploads
   */
  public static BodyHandler bodyHandler(BridgeLimits limits) {
    return BodyHandler.create(false).setBodyLimit((long) limits.maxFrameBytes() * FRAMES_PER_BODY);
  }

  /** Like {@link #router(Vertx, Tokens, BridgeLimits)}, with the rate limiter's clock given. */
  static Router router(Vertx vertx, Tokens tokens, BridgeLimits limits, LongSupplier nanoClock) {
    Objects.requireNonNull(vertx, "vertx");
    Objects.requireNonNull(tokens, "tokens");
    Objects.requireNonNull(limits, "limits");
    Objects.requireNonNull(nanoClock, "nanoClock");
    // The write handler gives every socket the id the channels know it by (its presence).
    SockJSHandlerOptions sockJs = new SockJSHandlerOptions()
      .setRegisterWriteHandler(true)
      .setLocalWriteHandler(true);
    SockJSBridgeOptions bridge = new SockJSBridgeOptions()
      .setMaxHandlersPerSocket(limits.maxHandlersPerSocket())
      .addOutboundPermitted(new PermittedOptions().setAddressRegex(OUTBOUND_REGEX));
    INBOUND.forEach(address -> bridge.addInboundPermitted(new PermittedOptions().setAddress(address)));
    return SockJSHandler.create(vertx, sockJs).bridge(bridge, new BridgeHook(vertx, tokens, limits, nanoClock));
  }
}
