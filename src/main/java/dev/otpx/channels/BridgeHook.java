package dev.otpx.channels;

import dev.otpx.channels.auth.InvalidTokenException;
import dev.otpx.channels.auth.Tokens;
import dev.otpx.logging.LogText;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.impl.MessageConsumerImpl;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.bridge.BridgeEventType;
import io.vertx.ext.web.handler.sockjs.BridgeEvent;
import io.vertx.ext.web.handler.sockjs.SockJSSocket;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bridge's event hook: authenticates every SEND and REGISTER from a browser, stamps the
 * verified identity into messages for the channels, keeps each socket within its limits, and
 * answers every refusal once. See {@link ChannelsBridge} for the rules as clients see them.
 *
 * <p><b>Requests are forwarded here, not by the bridge.</b> The hook sends a browser's request on
 * the event bus itself and writes the reply (or the failure) to the socket, leaving the bridge's
 * event pending. That way the hook knows exactly which requests still await a reply (the bridge
 * reports failed replies to nobody), which joins succeeded (so that only members register on a
 * topic), and it answers the socket's handler limit itself with a message and a failed reply;
 * the bridge's own limit sits one above ours and never fires.
 *
 * <p><b>Topics are fanned out here too.</b> A REGISTER on a topic is kept by the hook (the bridge
 * registers nothing): one event-bus consumer per topic writes each broadcast to the sockets that
 * registered, are still members, and whose token is still valid. The bridge's way, one consumer
 * per socket, turns each broadcast into one delivery per socket; when hundreds of sockets close at
 * once, the presence diffs their leaves cause are delivered to consumers closing at that very
 * moment, and Vert.x logs a WARN for each one it discards (about 18,000 for 800 sockets). One
 * consumer per topic makes a broadcast one delivery, and a closing socket simply drops out of the
 * topic's set.
 *
 * <p><b>A refusal</b> writes one answer and then leaves the event pending on purpose
 * ({@code complete(false)} would make the bridge add a bare {@code rejected} frame): a failed
 * reply for a request, an error frame otherwise. A pending event holds no timer or resource, so
 * it is simply collected.
 *
 * <p><b>Per socket</b> the hook keeps its budget buckets, the topics it joined, its registrations
 * (each with the expiry of the token it was made with, so that it stops receiving when that token
 * expires), and its requests in flight; all of it goes when the socket closes or fails, and the
 * channels are told which topics it had. Each is kept small: at 10,000 idle sockets otpx's state
 * per socket costs no more heap than a plain bridge's per-socket consumer (docs/benchmarks.md). The bridge calls the
 * hook on the event loop of the socket's connection, so a socket's state is only ever touched
 * there.
 */
final class BridgeHook implements Handler<BridgeEvent> {

  /** How long a browser's request may wait for its reply: the bridge's own default. */
  static final Duration REPLY_TIMEOUT = Duration.ofSeconds(30);

  /** The longest reply address the bridge accepts (the vertx-eventbus.js ids). */
  private static final int MAX_REPLY_ADDRESS = 36;
  private static final String TOKEN_HEADER = "token";
  private static final String CHANNELS = "channels.";
  /** Close code of a websocket whose message was too big to read (RFC 6455). */
  private static final short MESSAGE_TOO_BIG = 1009;
  /** Close code for any other failure of a websocket's connection. */
  private static final short INTERNAL_ERROR = 1011;

  private static final Logger log = LoggerFactory.getLogger(BridgeHook.class);

  private final Vertx vertx;
  private final Tokens tokens;
  private final BridgeLimits limits;
  /** Where {@link ChannelsBridge#COUNTER} goes: the counter's registered name. */
  private final String counter;
  private final LongSupplier nanoClock;
  /** Every socket's message and post budgets: the rules; each socket keeps its own buckets. */
  private final BridgeRateLimiter messageRate;
  private final BridgeRateLimiter postRate;
  /** The operator's addresses (system.events): registrations there go to it, not to the topics. */
  private final OperatorFeed operatorFeed;
  private final Map<SockJSSocket, SocketState> sockets = new ConcurrentHashMap<>();
  /** SockJS session id → its socket, for the xhr transports (see {@link #closeSession}). */
  private final Map<String, SockJSSocket> sessions = new ConcurrentHashMap<>();
  /** Topic address → its fan-out; guarded by itself (registrations are rare next to broadcasts). */
  private final Map<String, TopicFanOut> topics = new HashMap<>();
  /** This bridge's part of every socket id: random, so that the ids of a cluster's nodes never meet. */
  private final String socketIdPrefix = Long.toString(new java.security.SecureRandom().nextLong() >>> 1, 36) + ".";
  private final java.util.concurrent.atomic.AtomicLong socketIds = new java.util.concurrent.atomic.AtomicLong();

  /**
   * A socket's registration on a topic. Read by the topic's fan-out on another event loop, so
   * what changes later is volatile or atomic.
   */
  private static final class Subscription {
    final SockJSSocket socket;
    /** Made the topic fan-out's own instance by {@link #subscribe}: one string per topic, not per socket. */
    String address;
    /** When the token it was made with expires ({@link Tokens.Session#expiresAtSecond}): deliveries stop then. */
    final long expiresAtSecond;
    /** False once the socket left the topic, true again when it rejoins. */
    volatile boolean member = true;
    /**
     * Made by a join that asked to register: its REGISTER, which the client sends for its own
     * handler, finds it in place and is taken as done; a failed join takes it away.
     */
    boolean viaJoin;
    /**
     * Done once the topic's consumer is registered, in the cluster too: a join of this socket is
     * forwarded only then, so that nothing the topic publishes after the join's reply can miss it.
     */
    Future<Void> registered = Future.succeededFuture();
    /** Touched only by the topic's fan-out, on its consumer's event loop. */
    boolean expiredTold;

    Subscription(SockJSSocket socket, String address, Tokens.Session session) {
      this.socket = socket;
      this.address = address;
      this.expiresAtSecond = session.expiresAtSecond();
    }
  }

  /** One topic's registered sockets in this bridge, and the one consumer that fans out to them. */
  private static final class TopicFanOut {
    final String address;
    final Set<Subscription> subscribers = ConcurrentHashMap.newKeySet();
    MessageConsumer<Object> consumer;

    TopicFanOut(String address) {
      this.address = address;
    }
  }

  /**
   * One socket's state; touched only on the socket's event loop. Kept small (static, no session
   * id, which its URI gives again at close): 10,000 idle sockets hold 10,000 of these.
   */
  private static final class SocketState {
    /** The socket's id in the channels (its presence, its close): see {@link #nextSocketId}. */
    final String socketId;
    /** Its buckets under {@link #messageRate} and {@link #postRate}. */
    long messages;
    long posts;
    // Immutable, replaced on change (SmallCollections): a socket's joins are few and rare, and a
    // HashSet per socket cost more heap than a plain bridge's whole per-socket state over ours.
    /** Topics whose join succeeded, and not left since. */
    Set<String> joined = Set.of();
    /** Topics with a join in flight. */
    Set<String> joining = Set.of();
    /** Registered address → its registration. */
    Map<String, Subscription> registrations = Map.of();
    int requestsInFlight;

    SocketState(String socketId, long messages, long posts) {
      this.socketId = socketId;
      this.messages = messages;
      this.posts = posts;
    }

    int handlers() {
      return registrations.size() + requestsInFlight;
    }
  }

  BridgeHook(Vertx vertx, Tokens tokens, BridgeLimits limits, String counter, LongSupplier nanoClock, OperatorFeed operatorFeed) {
    this.vertx = vertx;
    this.operatorFeed = operatorFeed;
    this.tokens = tokens;
    this.limits = limits;
    this.counter = counter;
    this.nanoClock = nanoClock;
    this.messageRate = new BridgeRateLimiter(limits.messagesPerSecond());
    this.postRate = new BridgeRateLimiter(limits.postsPerSecond());
  }

  @Override
  public void handle(BridgeEvent event) {
    try {
      switch (event.type()) {
        case SOCKET_CREATED -> opened(event);
        case SEND -> send(event);
        case PUBLISH -> throw BridgeRefusal.accessDenied("browsers may not publish (to "
          + LogText.quote(event.getRawMessage().getValue("address")) + "): send instead");
        case REGISTER -> register(event);
        case UNREGISTER -> unregister(event);
        case RECEIVE -> receive(event);
        case SOCKET_ERROR -> failed(event);
        case SOCKET_CLOSED -> closed(event);
        default -> event.complete(true);
      }
    } catch (BridgeRefusal refusal) {
      refuse(event, refusal);
    }
  }

  /**
   * Closes the SockJS session with this id, if one of ours is open: what a body over the limit on
   * an xhr transport costs its session, as an oversize message costs a websocket its connection.
   *
   * @param sessionId the session id from the transport's path
   * @return whether there was such a session
   */
  boolean closeSession(String sessionId) {
    SockJSSocket socket = sessions.get(sessionId);
    if (socket == null) {
      return false;
    }
    log.debug("bridge session {} sent a body over the limit: closing it", LogText.quote(sessionId));
    socket.close();
    return true;
  }

  // ---------------------------------------------------------------- lifecycle

  private void opened(BridgeEvent event) {
    SockJSSocket socket = event.socket();
    String sessionId = sessionId(socket.uri()).orElse(null);
    long now = nanoClock.getAsLong();
    SocketState state = new SocketState(nextSocketId(), messageRate.full(now), postRate.full(now));
    sockets.put(socket, state);
    ChannelMeters.socketOpened();
    if (sessionId != null) {
      sessions.put(sessionId, socket);
    }
    log.debug("bridge socket {} opened", state.socketId);
    event.complete(true);
  }

  /**
   * A new socket's id, short and unique in the cluster: this bridge's random prefix and a count.
   * Not the SockJS write handler's id: registering a write handler costs every socket an event-bus
   * consumer (about 0.5 KB), and nothing writes to a socket by address (topics are fanned out here).
   */
  private String nextSocketId() {
    return socketIdPrefix + Long.toString(socketIds.incrementAndGet(), 36);
  }

  /** @return the socket's id, or null once it is released */
  private String socketId(SockJSSocket socket) {
    SocketState state = sockets.get(socket);
    return state == null ? null : state.socketId;
  }

  /**
   * The socket's connection failed, e.g. a websocket message over the server's limit. The bridge
   * has dropped its registrations but leaves the socket open, and the transport may go on reading
   * from it: close it, with 1009 when the message was too big, and let go of everything it held.
   */
  private void failed(BridgeEvent event) {
    SockJSSocket socket = event.socket();
    JsonObject error = event.getRawMessage();
    String message = error == null ? "" : String.valueOf(error.getValue("message"));
    boolean tooBig = message.contains("max message size") || message.contains("Max frame length");
    log.debug("bridge socket {} failed: {}", socketId(socket), LogText.quote(message));
    // Nothing more may reach the bridge, which no longer knows the socket: pause, then close
    // (which also unregisters its write handler), and only then tell the channels.
    try {
      socket.pause();
      socket.close(tooBig ? MESSAGE_TOO_BIG : INTERNAL_ERROR, tooBig ? "message too big" : "connection failed");
    } catch (RuntimeException alreadyGone) {
      log.debug("bridge socket {} could not be closed: {}", socketId(socket), alreadyGone.toString());
    } finally {
      release(socket);
      event.complete(true);
    }
  }

  private void closed(BridgeEvent event) {
    SockJSSocket socket = event.socket();
    try {
      // On the raw /websocket transport the bridge's close handler replaces the one that would
      // unregister the socket's write handler, which then keeps the closed connection reachable
      // forever (vertx-web PR #1679 proposed chaining the two). end() only unregisters it, which
      // a closed socket on any transport can take; before the channels hear of the close, so that
      // nobody told of it finds the handler still there.
      socket.end();
    } catch (RuntimeException alreadyGone) {
      // A connection torn down under the hook (many closing at once, a loaded machine) may refuse
      // even that: its leave must go out all the same, or its presence stays forever.
      log.debug("bridge socket {} could not be ended: {}", socketId(socket), alreadyGone.toString());
    } finally {
      release(socket);
      event.complete(true);
    }
  }

  /** Forgets a socket and tells the channels it left every topic; once per socket. */
  private void release(SockJSSocket socket) {
    SocketState state = sockets.remove(socket);
    if (state == null) {
      return;
    }
    state.registrations.values().forEach(this::unsubscribe);
    operatorFeed.release(socket);
    ChannelMeters.socketClosed();
    sessionId(socket.uri()).ifPresent(sessionId -> sessions.remove(sessionId, socket));
    String socketId = state.socketId;
    log.debug("bridge socket {} closed", socketId);
    // With the topics it had, so that the router keeps no map of its own by socket.
    JsonArray topics = new JsonArray();
    state.joined.forEach(topics::add);
    state.joining.forEach(topic -> {
      if (!state.joined.contains(topic)) {
        topics.add(topic);
      }
    });
    vertx.eventBus().send(ChannelAddresses.SOCKET_CLOSED, new JsonObject().put("socket_id", socketId).put("topics", topics));
  }

  // ---------------------------------------------------------------- inbound

  private void send(BridgeEvent event) {
    SocketState state = state(event);
    JsonObject raw = event.getRawMessage();
    checkSize(raw);
    Tokens.Session session = verifiedSession(raw);
    JsonObject headers = raw.getJsonObject("headers");
    headers.remove(TOKEN_HEADER); // a bearer credential has no business travelling further
    for (Map.Entry<String, Object> header : headers) {
      if (!(header.getValue() instanceof String)) {
        throw BridgeRefusal.badRequest("header " + LogText.quote(header.getKey()) + " must be a string");
      }
    }
    String address = raw.getString("address");
    if (!ChannelsBridge.INBOUND.contains(address)) {
      throw BridgeRefusal.accessDenied("browsers may not send to " + LogText.quote(address) + ", only to "
        + String.join(", ", ChannelsBridge.INBOUND));
    }
    String replyAddress = raw.getString("replyAddress");
    boolean request = replyAddress != null;
    boolean channels = address.startsWith(CHANNELS);
    Object body = raw.getValue("body");
    if (channels && !(body instanceof JsonObject)) {
      throw BridgeRefusal.badRequest("the body of a message to " + address + " must be a JSON object");
    }
    if (!request && isRequestOnly(address)) {
      // A GenServer takes a message without a reply address as a cast, which these do not handle.
      throw BridgeRefusal.badRequest(address + " answers requests only: send with a reply address");
    }
    long now = nanoClock.getAsLong();
    if (!admitMessage(state, now)) {
      throw BridgeRefusal.rateLimited("more than " + limits.messagesPerSecond() + " messages per second from this socket");
    }
    if (address.equals(ChannelAddresses.PUSH) && !admitPost(state, now)) {
      throw BridgeRefusal.rateLimited("more than " + limits.postsPerSecond() + " posts per second from this socket");
    }
    // Interned: every socket in a topic keeps its name (here, in the router, in the topic's
    // process), and one string per topic instead of one per socket is about 50 bytes a client.
    // The JVM's string table holds interned strings weakly, so a topic nobody is in is collected.
    String topic = channels && ((JsonObject) body).getValue("topic") instanceof String text
      && ChannelAddresses.validTopic(text) ? text.intern() : null;
    if (address.equals(ChannelAddresses.JOIN) && topic != null && !state.joined.contains(topic)
      && !state.joining.contains(topic) && state.joined.size() + state.joining.size() >= limits.maxTopicsPerSocket()) {
      throw BridgeRefusal.rateLimited("a socket may join at most " + limits.maxTopicsPerSocket()
        + " topics at once: leave one first");
    }
    if (request && state.handlers() >= limits.maxHandlersPerSocket()) {
      throw BridgeRefusal.maxHandlersReached("at most " + limits.maxHandlersPerSocket()
        + " registrations and requests awaiting a reply per socket");
    }
    if (channels) {
      JsonObject stamped = ((JsonObject) body).copy()
        .put("user", new JsonObject().put("username", session.username()))
        .put("socket_id", state.socketId);
      if (topic != null) {
        stamped.put("topic", topic);
      }
      raw.put("body", stamped);
    }
    if (address.equals(ChannelAddresses.LEAVE) && topic != null) {
      // Whatever the channels answer, the socket is no member any more: its deliveries stop now.
      state.joined = SmallCollections.without(state.joined, topic);
      membership(state, topic, false);
    }
    if (request && address.equals(ChannelAddresses.JOIN) && topic != null && ((JsonObject) body).getValue("register") == Boolean.TRUE) {
      registerWithJoin(event.socket(), state, session, topic);
    }
    if (request) {
      forward(event.socket(), state, raw, headers, topic);
    } else {
      // Sent here rather than by the bridge, which knows the page's address only: the event stays
      // pending, as a refused one does, and holds nothing.
      vertx.eventBus().send(destination(address), raw.getValue("body"), deliveryOptions(headers));
    }
  }

  /** The event-bus address a browser's message goes to: its own, but for the page's counter. */
  private String destination(String address) {
    return address.equals(ChannelsBridge.COUNTER) ? counter : address;
  }

  private static DeliveryOptions deliveryOptions(JsonObject headers) {
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(REPLY_TIMEOUT.toMillis());
    headers.forEach(header -> options.addHeader(header.getKey(), (String) header.getValue()));
    return options;
  }

  /** Sends a browser's request and writes its reply or failure back: see the class's doc. */
  private void forward(SockJSSocket socket, SocketState state, JsonObject raw, JsonObject headers, String topic) {
    String address = raw.getString("address");
    String replyAddress = raw.getString("replyAddress");
    boolean join = address.equals(ChannelAddresses.JOIN) && topic != null;
    DeliveryOptions options = deliveryOptions(headers);
    state.requestsInFlight++;
    if (join) {
      state.joining = SmallCollections.with(state.joining, topic);
    }
    Subscription subscription = join ? state.registrations.get(ChannelAddresses.topicAddress(topic)) : null;
    // On a clustered node, a new consumer is known to the other nodes only once its registration
    // has reached the cluster: a join forwarded before then could be answered, and followed by a
    // broadcast from the topic's node, before that node knew this one listens.
    Future<Void> ready = subscription == null ? Future.succeededFuture() : subscription.registered.recover(err -> {
      log.warn("the bridge's consumer of {} did not register: {}", subscription.address, err.toString());
      return Future.succeededFuture();
    });
    ready.compose(v -> vertx.eventBus().request(destination(address), raw.getValue("body"), options)).onComplete(ar -> {
      state.requestsInFlight--;
      if (join) {
        state.joining = SmallCollections.without(state.joining, topic);
        if (ar.succeeded()) {
          state.joined = SmallCollections.with(state.joined, topic);
          membership(state, topic, true);
        } else if (!state.joined.contains(topic)) {
          Subscription early = state.registrations.get(ChannelAddresses.topicAddress(topic));
          // Registered with this join, which failed: nothing may reach a socket that is no member.
          if (early != null && early.viaJoin) {
            state.registrations = SmallCollections.without(state.registrations, early.address);
            unsubscribe(early);
          } else if (early != null) {
            early.member = false;
          }
        }
      }
      if (ar.succeeded()) {
        ChannelMeters.accepted(address);
      }
      JsonObject frame = ar.succeeded() ? replyFrame(replyAddress, ar.result()) : failureFrame(replyAddress, ar.cause());
      // A socket that closed meanwhile fails the write; there is nobody left to tell.
      socket.write(frame.toBuffer());
    });
  }

  /**
   * A join that asks to register ({@code "register": true}) registers the socket on the topic
   * before the join is forwarded: whatever the topic publishes once it has handled the join is
   * delivered, with no window between the join's reply and a later REGISTER (a client drops what is
   * older than its join's reply by the reply's {@code presence_seq} and the annotations' ids). The
   * handler limit counts it as a registration.
   */
  private void registerWithJoin(SockJSSocket socket, SocketState state, Tokens.Session session, String topic) {
    String address = ChannelAddresses.topicAddress(topic);
    Subscription existing = state.registrations.get(address);
    if (existing != null) {
      existing.member = true;
      return;
    }
    if (state.handlers() + 1 >= limits.maxHandlersPerSocket()) {
      throw BridgeRefusal.maxHandlersReached("at most " + limits.maxHandlersPerSocket()
        + " registrations and requests awaiting a reply per socket");
    }
    Subscription subscription = new Subscription(socket, address, session);
    subscription.viaJoin = true;
    subscribe(subscription);
    state.registrations = SmallCollections.with(state.registrations, subscription.address, subscription);
  }

  private static void membership(SocketState state, String topic, boolean member) {
    Subscription subscription = state.registrations.get(ChannelAddresses.topicAddress(topic));
    if (subscription != null) {
      subscription.member = member;
    }
  }

  private static JsonObject replyFrame(String replyAddress, Message<Object> reply) {
    JsonObject frame = new JsonObject().put("type", "rec").put("address", replyAddress).put("body", reply.body());
    if (!reply.headers().isEmpty()) {
      JsonObject headers = new JsonObject();
      reply.headers().forEach(header -> headers.put(header.getKey(), header.getValue()));
      frame.put("headers", headers);
    }
    return frame;
  }

  private static JsonObject failureFrame(String replyAddress, Throwable cause) {
    JsonObject frame = new JsonObject().put("type", "err").put("address", replyAddress);
    if (cause instanceof ReplyException reply) {
      return frame.put("failureCode", reply.failureCode()).put("failureType", reply.failureType().name())
        .put("message", reply.getMessage());
    }
    log.warn("bridge request failed unexpectedly: {}", cause.toString());
    return frame.put("failureCode", 500).put("failureType", "RECIPIENT_FAILURE").put("message", "internal: the request failed");
  }

  private void register(BridgeEvent event) {
    SocketState state = state(event);
    JsonObject raw = event.getRawMessage();
    checkSize(raw);
    if (operatorFeed.handles(raw.getValue("address"))) {
      registerOperator(event, state, raw);
      return;
    }
    Tokens.Session session = verifiedSession(raw);
    String address = raw.getString("address");
    String topic = address != null && address.startsWith(ChannelAddresses.TOPIC_PREFIX)
      ? address.substring(ChannelAddresses.TOPIC_PREFIX.length()) : null;
    if (!ChannelAddresses.validTopic(topic)) {
      throw BridgeRefusal.accessDenied("browsers may register only on "
        + ChannelAddresses.TOPIC_PREFIX + "videos:<digits>, not on " + LogText.quote(address));
    }
    Subscription made = state.registrations.get(address);
    if (made != null && made.viaJoin) {
      // The client's own REGISTER for the handler its join (maybe still on its way) registered: done.
      made.viaJoin = false;
      return;
    }
    if (!state.joined.contains(topic)) {
      throw BridgeRefusal.accessDenied("join " + topic + " before registering on " + address);
    }
    if (made != null) {
      throw BridgeRefusal.badRequest("already registered on " + address + ": unregister first");
    }
    if (!admitMessage(state, nanoClock.getAsLong())) {
      throw BridgeRefusal.rateLimited("more than " + limits.messagesPerSecond() + " messages per second from this socket");
    }
    if (state.handlers() >= limits.maxHandlersPerSocket()) {
      throw BridgeRefusal.maxHandlersReached("at most " + limits.maxHandlersPerSocket()
        + " registrations and requests awaiting a reply per socket");
    }
    Subscription subscription = new Subscription(event.socket(), address, session);
    subscribe(subscription);
    state.registrations = SmallCollections.with(state.registrations, subscription.address, subscription);
    // Left pending on purpose: the hook delivers the topic, so the bridge must register nothing.
  }

  /** An operator's REGISTER: the operator's token instead of a session's, same message budget. */
  private void registerOperator(BridgeEvent event, SocketState state, JsonObject raw) {
    if (!admitMessage(state, nanoClock.getAsLong())) {
      throw BridgeRefusal.rateLimited("more than " + limits.messagesPerSecond() + " messages per second from this socket");
    }
    Object headers = raw.getValue("headers");
    operatorFeed.register(event.socket(), raw.getString("address"),
      headers instanceof JsonObject json ? json.getValue("authorization") : null);
    // Left pending on purpose, as a topic's: the feed delivers, the bridge registers nothing.
  }

  private void unregister(BridgeEvent event) {
    SocketState state = sockets.get(event.socket());
    JsonObject raw = event.getRawMessage();
    if (state != null && raw != null && operatorFeed.handles(raw.getValue("address"))) {
      operatorFeed.unregister(event.socket(), raw.getString("address"));
    }
    if (state != null && raw != null && raw.getValue("address") instanceof String address) {
      Subscription subscription = state.registrations.get(address);
      if (subscription != null) {
        state.registrations = SmallCollections.without(state.registrations, address);
        unsubscribe(subscription);
      }
    }
    // The bridge finds nothing of its own to unregister.
    event.complete(true);
  }

  // ---------------------------------------------------------------- topics

  /** Replies and anything else the bridge delivers itself: topics never go through it. */
  private void receive(BridgeEvent event) {
    event.complete(true);
  }

  /** Adds a registration to its topic's set, starting the topic's consumer for the first one. */
  private void subscribe(Subscription subscription) {
    synchronized (topics) {
      TopicFanOut topic = topics.get(subscription.address);
      if (topic == null) {
        topic = new TopicFanOut(subscription.address);
        topics.put(subscription.address, topic);
        TopicFanOut fanOut = topic;
        MessageConsumer<Object> consumer = vertx.eventBus().consumer(subscription.address, message -> fanOut(fanOut, message));
        if (consumer instanceof MessageConsumerImpl<Object> impl) {
          // A broadcast that reaches a topic's consumer just given up has nobody left to go to, as
          // an Erlang send to a process that is gone: no WARN for it.
          impl.discardHandler(message -> { });
        }
        topic.consumer = consumer;
      }
      subscription.address = topic.address;
      subscription.registered = onThisContext(topic.consumer.completion());
      topic.subscribers.add(subscription);
    }
  }

  /**
   * The future completed on the calling context: a topic's consumer was made on its first
   * subscriber's event loop, and a socket's state is touched on its own loop only.
   */
  private Future<Void> onThisContext(Future<Void> future) {
    if (future.isComplete()) {
      return future;
    }
    Context here = vertx.getOrCreateContext();
    Promise<Void> promise = Promise.promise();
    future.onComplete(ar -> here.runOnContext(v -> promise.handle(ar)));
    return promise.future();
  }

  /** Removes a registration; the topic's consumer goes with its last one. */
  private void unsubscribe(Subscription subscription) {
    synchronized (topics) {
      TopicFanOut topic = topics.get(subscription.address);
      if (topic != null && topic.subscribers.remove(subscription) && topic.subscribers.isEmpty()) {
        topics.remove(subscription.address);
        topic.consumer.unregister();
      }
    }
  }

  /**
   * Writes one broadcast to the topic's registered sockets: encoded once, and only to a member
   * whose registration's token is still valid. A socket that left the topic stops receiving at
   * once; one whose token expired is told once. Runs on the topic consumer's event loop and reads
   * only what a registration shares safely.
   */
  private void fanOut(TopicFanOut topic, Message<Object> message) {
    byte[] frame = null;
    for (Subscription subscription : topic.subscribers) {
      if (!subscription.member) {
        continue;
      }
      if (tokens.expired(subscription.expiresAtSecond)) {
        if (!subscription.expiredTold) {
          subscription.expiredTold = true;
          subscription.socket.write(new JsonObject().put("type", "err").put("body", "access_denied")
            .put("message", "access_denied: expired token: deliveries on " + topic.address
              + " stopped; sign in again, unregister and register again")
            .toBuffer());
        }
        continue;
      }
      if (frame == null) {
        frame = new JsonObject().put("type", "rec").put("address", topic.address).put("body", message.body()).toBuffer().getBytes();
      }
      // A buffer per socket over the same bytes: each write owns its buffer, nobody copies the frame.
      subscription.socket.write(Buffer.buffer(frame));
    }
  }

  // ---------------------------------------------------------------- checks

  private SocketState state(BridgeEvent event) {
    SocketState state = sockets.get(event.socket());
    if (state == null) {
      // The socket failed or closed: the bridge no longer knows it either.
      throw BridgeRefusal.accessDenied("this socket is closed");
    }
    return state;
  }

  private void checkSize(JsonObject raw) {
    // The frame was already parsed: measure it encoded again, which is close to its wire size.
    int size = raw.toBuffer().length();
    if (size > limits.maxFrameBytes()) {
      throw BridgeRefusal.frameTooLarge("message of " + size + " bytes is over the limit of "
        + limits.maxFrameBytes() + " bytes");
    }
  }

  private Tokens.Session verifiedSession(JsonObject raw) {
    Object headers = raw.getValue("headers");
    Object token = headers instanceof JsonObject json ? json.getValue(TOKEN_HEADER) : null;
    if (token != null && !(token instanceof String)) {
      throw BridgeRefusal.accessDenied("malformed token: the token header must be a string");
    }
    try {
      return tokens.verifySession((String) token);
    } catch (InvalidTokenException invalid) {
      throw BridgeRefusal.accessDenied(invalid.reason().code() + " token: sign in again");
    }
  }

  /** Takes one message from the socket's budget: false, and nothing taken, when it is spent. */
  private boolean admitMessage(SocketState state, long now) {
    if (!messageRate.allows(state.messages, now)) {
      return false;
    }
    state.messages = messageRate.take(state.messages, now);
    return true;
  }

  /** Takes one post from the socket's budget: false, and nothing taken, when it is spent. */
  private boolean admitPost(SocketState state, long now) {
    if (!postRate.allows(state.posts, now)) {
      return false;
    }
    state.posts = postRate.take(state.posts, now);
    return true;
  }

  private static boolean isRequestOnly(String address) {
    return address.equals(ChannelAddresses.JOIN) || address.equals(ChannelAddresses.PUSH)
      || address.equals(ChannelAddresses.LEAVE) || address.equals(ChannelsBridge.INFOSYS);
  }

  /** The SockJS transports whose session lives across requests, and so can be closed by its id. */
  private static final Set<String> SESSION_TRANSPORTS = Set.of("xhr", "xhr_streaming", "xhr_send", "eventsource",
    "htmlfile", "jsonp", "jsonp_send");

  /** The session id of a SockJS path {@code .../<server>/<session>/<transport>}, for the session transports. */
  static Optional<String> sessionId(String uri) {
    if (uri == null) {
      return Optional.empty();
    }
    int query = uri.indexOf('?');
    String[] parts = (query >= 0 ? uri.substring(0, query) : uri).split("/");
    return parts.length >= 4 && SESSION_TRANSPORTS.contains(parts[parts.length - 1])
      ? Optional.of(parts[parts.length - 2]) : Optional.empty();
  }

  /** One answer per refusal: a failed reply when the message awaits one, an error frame otherwise. */
  private void refuse(BridgeEvent event, BridgeRefusal refusal) {
    ChannelMeters.refused(refusal.code());
    SockJSSocket socket = event.socket();
    JsonObject raw = event.getRawMessage();
    Object replyAddress = raw == null ? null : raw.getValue("replyAddress");
    if (log.isDebugEnabled()) {
      log.debug("bridge refused {} to {} from socket {}: {}", event.type(),
        raw == null ? null : LogText.quote(raw.getValue("address")), socketId(socket), LogText.quote(refusal.text()));
    }
    if (event.type() == BridgeEventType.SEND && replyAddress instanceof String address
      && address.length() <= MAX_REPLY_ADDRESS) {
      // Fails the client's pending request, as a failed reply from the server would.
      socket.write(new JsonObject()
        .put("type", "err")
        .put("address", address)
        .put("failureCode", refusal.failureCode())
        .put("failureType", "RECIPIENT_FAILURE")
        .put("message", refusal.text())
        .toBuffer());
      return;
    }
    // The bridge's own error frame, which vertx-eventbus.js hands to onerror.
    socket.write(new JsonObject()
      .put("type", "err")
      .put("body", refusal.code())
      .put("message", refusal.text())
      .toBuffer());
  }
}
