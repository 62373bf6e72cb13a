package dev.otpx.channels;

import dev.otpx.channels.auth.Tokens;
import dev.otpx.infosys.InfoSysServer;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.bridge.PermittedOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.sockjs.SockJSBridgeOptions;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import io.vertx.ext.web.handler.sockjs.SockJSHandlerOptions;
import java.util.List;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * The SockJS event-bus bridge through which browsers reach the channels, with its rules. Mount it
 * on the HTTP front's router, whose server takes {@link #serverOptions}:
 * <pre>{@code
 * ChannelsBridge.mount(router, vertx, tokens, limits, "counter");   // serves /eventbus/*
 * vertx.createHttpServer(ChannelsBridge.serverOptions(limits, new HttpServerOptions()))
 * }</pre>
 *
 * <p>Deny by default. Browsers may send to {@code channels.join}, {@code channels.push},
 * {@code channels.leave}, {@code counter} and {@code infosys}, and register on
 * {@code channels.topic.videos:<digits>} once they have joined that topic; replies to their
 * requests always come back. Operator sessions may also register on the {@link OperatorFeed}'s
 * addresses ({@code system.events}), proving the operator's token instead of a session's. {@code counter} is the page's name for the counter the service fronts:
 * the bridge delivers it to that counter's registered name ({@code counter.name} in the config),
 * whatever it is.
 *
 * <p>Every SEND and REGISTER must carry the session token in the header {@code token} (see {@link
 * Tokens}); it is checked, then removed from the headers. For a message to {@code channels.*},
 * whose body must be a JSON object, the body's {@code user} becomes {@code {"username": <the
 * verified name>}} and its {@code socket_id} the socket's id (given by the bridge, unique in the cluster), whatever the client put
 * there. {@code channels.join/push/leave} and {@code infosys} take requests only (a reply address
 * is required). When a socket closes or fails, {@code {"socket_id": id}} is sent to
 * {@code channels.socket_closed}.
 *
 * <p><b>Refusals.</b> A refused message is not delivered and the socket stays open. The client gets
 * one answer: for a request, a failed reply {@code {"type": "err", "address": replyAddress,
 * "failureCode": n, "failureType": "RECIPIENT_FAILURE", "message": "<code>: <detail>"}}; for
 * anything else the error frame {@code {"type": "err", "body": code, "message": "<code>:
 * <detail>"}}. Codes: {@code access_denied} (403: no, malformed, forged or expired token; a
 * publish; an address not permitted; a REGISTER on anything but a topic the socket joined),
 * {@code bad_request} (400: a body that is not a JSON object to {@code channels.*}, a request
 * without a reply address, a header that is not a string, a second registration on one address),
 * {@code rate_limited} (429: over {@link BridgeLimits#messagesPerSecond()} messages or {@link
 * BridgeLimits#postsPerSecond()} posts per second, or a join beyond {@link
 * BridgeLimits#maxTopicsPerSocket()} topics), {@code max_handlers_reached} (429: over {@link
 * BridgeLimits#maxHandlersPerSocket()} registrations and requests awaiting replies), {@code
 * frame_too_large} (413: a message over {@link BridgeLimits#maxFrameBytes()}). The bridge itself
 * answers a frame that is not the protocol's with {@code invalid_json}, {@code missing_type} or
 * {@code missing_address}. Refusals are logged at DEBUG only.
 *
 * <p><b>Oversize input closes the socket.</b> A websocket message over four times the frame limit
 * ({@link BridgeLimits#maxWebSocketMessageBytes()}) closes the websocket with code 1009 (the raw
 * transport; the SockJS websocket transport closes without a status, SockJS having none); a body
 * over {@link BridgeLimits#maxBodyBytes()} on an xhr transport is answered 413 {@code
 * payload_too_large} and closes its session. Either way the socket's registrations, requests,
 * budget and presence go with it. A registration whose token expires stops receiving and is told
 * so once ({@code access_denied}).
 *
 * <p><b>Broadcasts</b> on a topic reach the registered sockets through one event-bus consumer per
 * topic (not one per socket), which writes each broadcast, encoded once, to the members: a mass
 * disconnect then costs no discarded deliveries (see {@link BridgeHook}).
 */
public final class ChannelsBridge {

  /** Where the bridge is served. */
  public static final String PATH = "/eventbus";
  /**
   * The address browsers send to for the counter ({@code inc}/{@code dec} sends, {@code val}
   * requests): the page's own name, which the bridge delivers to the counter it was mounted with.
   */
  public static final String COUNTER = "counter";
  /** InfoSys, which browsers may ask (requests only): its registered name. */
  public static final String INFOSYS = InfoSysServer.NAME;
  /** Every address a browser may send to. */
  public static final List<String> INBOUND = List.of(ChannelAddresses.JOIN, ChannelAddresses.PUSH,
    ChannelAddresses.LEAVE, COUNTER, INFOSYS);
  /** The addresses browsers may register on: the topics' broadcast addresses. */
  public static final String OUTBOUND_REGEX =
    ChannelAddresses.TOPIC_PREFIX.replace(".", "\\.") + ChannelAddresses.TOPIC.pattern();

  private ChannelsBridge() {
  }

  /**
   * Serves the bridge under {@value #PATH} on a router: a body handler for the xhr transports
   * (bodies up to {@link BridgeLimits#maxBodyBytes()}) and the SockJS routes, websocket, raw
   * websocket {@code /eventbus/websocket} and xhr fallbacks.
   *
   * @param router the HTTP front's router
   * @param vertx the Vert.x instance whose event bus is bridged
   * @param tokens verifies the session tokens
   * @param limits the per-socket limits
   * @param counter the registered name of the counter that browsers reach as {@link #COUNTER}
   */
  public static void mount(Router router, Vertx vertx, Tokens tokens, BridgeLimits limits, String counter) {
    mount(router, vertx, tokens, limits, counter, OperatorFeed.none(), System::nanoTime);
  }

  /**
   * Like {@link #mount(Router, Vertx, Tokens, BridgeLimits, String)}, with the operator's addresses
   * that operator sessions may register on ({@link OperatorFeed}).
   *
   * @param router the HTTP front's router
   * @param vertx the Vert.x instance whose event bus is bridged
   * @param tokens verifies the session tokens
   * @param limits the per-socket limits
   * @param counter the registered name of the counter that browsers reach as {@link #COUNTER}
   * @param operatorFeed the operator's addresses and credential
   */
  public static void mount(Router router, Vertx vertx, Tokens tokens, BridgeLimits limits, String counter,
                           OperatorFeed operatorFeed) {
    mount(router, vertx, tokens, limits, counter, operatorFeed, System::nanoTime);
  }

  /**
   * The HTTP server settings the bridge needs: websocket messages up to {@link
   * BridgeLimits#maxWebSocketMessageBytes()} and frames up to {@link BridgeLimits#maxBodyBytes()}.
   * A frame is allowed to be larger than a message so that an oversize message, even in one frame,
   * is read and answered with a close 1009; only a frame beyond that makes Vert.x drop the
   * connection without a close frame.
   *
   * @param limits the per-socket limits
   * @param options the server's other options (changed and returned)
   * @return {@code options}
   */
  public static HttpServerOptions serverOptions(BridgeLimits limits, HttpServerOptions options) {
    return options
      .setMaxWebSocketMessageSize(limits.maxWebSocketMessageBytes())
      .setMaxWebSocketFrameSize(limits.maxBodyBytes());
  }

  /** Like {@link #mount(Router, Vertx, Tokens, BridgeLimits, String)}, with the rate limiter's clock given. */
  static void mount(Router router, Vertx vertx, Tokens tokens, BridgeLimits limits, String counter, LongSupplier nanoClock) {
    mount(router, vertx, tokens, limits, counter, OperatorFeed.none(), nanoClock);
  }

  static void mount(Router router, Vertx vertx, Tokens tokens, BridgeLimits limits, String counter, OperatorFeed operatorFeed,
                    LongSupplier nanoClock) {
    Objects.requireNonNull(operatorFeed, "operatorFeed");
    Objects.requireNonNull(router, "router");
    Objects.requireNonNull(vertx, "vertx");
    Objects.requireNonNull(tokens, "tokens");
    Objects.requireNonNull(limits, "limits");
    Objects.requireNonNull(counter, "counter");
    Objects.requireNonNull(nanoClock, "nanoClock");
    BridgeHook hook = new BridgeHook(vertx, tokens, limits, counter, nanoClock, operatorFeed);
    // The xhr transports post their frames: the body must be read before the SockJS router.
    router.route(PATH + "/*")
      .handler(BodyHandler.create(false).setBodyLimit(limits.maxBodyBytes()))
      .failureHandler(ctx -> bodyTooLarge(ctx, hook, limits));
    router.route(PATH + "/*").subRouter(sockJs(vertx, limits, hook));
  }

  private static Router sockJs(Vertx vertx, BridgeLimits limits, BridgeHook hook) {
    // No write handler per socket (an event-bus consumer each): the hook gives every socket its id
    // and writes to it directly.
    SockJSHandlerOptions sockJs = new SockJSHandlerOptions()
      .setRegisterWriteHandler(false);
    // The hook enforces the handler limit itself, with a message and a failed reply: the bridge's
    // own, one above, never fires first (it would answer a bare frame and leave a request hanging).
    SockJSBridgeOptions bridge = new SockJSBridgeOptions()
      .setMaxHandlersPerSocket(limits.maxHandlersPerSocket() + 1)
      .setReplyTimeout(BridgeHook.REPLY_TIMEOUT.toMillis())
      .addOutboundPermitted(new PermittedOptions().setAddressRegex(OUTBOUND_REGEX));
    INBOUND.forEach(address -> bridge.addInboundPermitted(new PermittedOptions().setAddress(address)));
    return SockJSHandler.create(vertx, sockJs).bridge(bridge, hook);
  }

  /** A body over the limit on an xhr transport: one JSON answer, and its session goes. */
  private static void bodyTooLarge(RoutingContext ctx, BridgeHook hook, BridgeLimits limits) {
    if (ctx.statusCode() != 413) {
      ctx.next();
      return;
    }
    BridgeHook.sessionId(ctx.request().path()).ifPresent(hook::closeSession);
    ctx.response()
      .setStatusCode(413)
      .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
      .end(new JsonObject().put("error", "payload_too_large")
        .put("message", "a request body on the bridge may have at most " + limits.maxBodyBytes() + " bytes").encode());
  }
}
