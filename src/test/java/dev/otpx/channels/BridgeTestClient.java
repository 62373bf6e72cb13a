package dev.otpx.channels;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketFrame;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A browser stand-in speaking the bridge protocol over a websocket: plain JSON frames on the raw
 * endpoint {@code /eventbus/websocket}, or SockJS's framing on its websocket transport
 * ({@code /eventbus/<server>/<session>/websocket}), as sockjs-client does. Frames nobody waits
 * for yet are kept until someone does. Public for the jar tests, which speak to a real service.
 */
public final class BridgeTestClient {

  /** How the client reaches the bridge. */
  enum Transport {
    /** {@code /eventbus/websocket}: one JSON frame per websocket message. */
    RAW_WEBSOCKET,
    /** SockJS's websocket transport: frames in SockJS's JSON arrays, {@code o}, {@code h}, {@code a[...]}. */
    SOCKJS_WEBSOCKET
  }

  private static final Duration WAIT = Duration.ofSeconds(30);

  private record Waiter(Predicate<JsonObject> matches, Promise<JsonObject> promise) { }

  // Held on purpose: Vert.x closes a client that has become unreachable, and its connections.
  private final WebSocketClient wsClient;
  private final WebSocket ws;
  private final Transport transport;
  private final List<JsonObject> unclaimed = new ArrayList<>();
  private final List<Waiter> waiters = new ArrayList<>();
  private final Promise<Short> closed = Promise.promise();
  private final List<java.util.function.Consumer<JsonObject>> watchers = new java.util.concurrent.CopyOnWriteArrayList<>();
  private int replies;

  /**
   * Pings as vertx-eventbus.js does, every 5 s: the bridge closes a socket silent for its ping
   * timeout (10 s), and a test slowed by a loaded machine must not lose its clients to that.
   */
  private static final long PING_MS = 5000;

  private BridgeTestClient(Vertx vertx, WebSocketClient wsClient, WebSocket ws, Transport transport) {
    this.wsClient = wsClient;
    this.ws = ws;
    this.transport = transport;
    ws.handler(this::onFrame);
    long ping = vertx.setPeriodic(PING_MS, id -> write(new JsonObject().put("type", "ping")));
    ws.closeHandler(v -> {
      vertx.cancelTimer(ping);
      closed.tryComplete(ws.closeStatusCode());
    });
  }

  public static Future<BridgeTestClient> connect(Vertx vertx, int port) {
    return connect(vertx, port, Transport.RAW_WEBSOCKET);
  }

  static Future<BridgeTestClient> connect(Vertx vertx, int port, Transport transport) {
    // Messages of any size leave in one frame, as a browser sends them.
    WebSocketClient wsClient = vertx.createWebSocketClient(new WebSocketClientOptions()
      .setMaxFrameSize(16 * 1024 * 1024).setMaxMessageSize(16 * 1024 * 1024));
    String path = transport == Transport.RAW_WEBSOCKET ? "/eventbus/websocket"
      : "/eventbus/000/" + UUID.randomUUID().toString().replace("-", "") + "/websocket";
    return wsClient.connect(port, "localhost", path)
      .map(ws -> new BridgeTestClient(vertx, wsClient, ws, transport));
  }

  /** Completes with the close status the server sent when the websocket closes. */
  public Future<Short> closed() {
    return closed.future().timeout(WAIT.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The frames received that nobody has claimed, in order. */
  synchronized List<JsonObject> unclaimed() {
    return List.copyOf(unclaimed);
  }

  /** Writes a text frame as the transport frames it, e.g. one that is not JSON. */
  Future<Void> write(String text) {
    return ws.writeTextMessage(transport == Transport.RAW_WEBSOCKET ? text : new JsonArray().add(text).encode());
  }

  /**
   * Writes a text as one websocket message split into frames of at most {@code frameBytes}
   * characters (ASCII text), as some clients send large messages.
   */
  Future<Void> writeInFrames(String text, int frameBytes) {
    String framed = transport == Transport.RAW_WEBSOCKET ? text : new JsonArray().add(text).encode();
    Future<Void> last = Future.succeededFuture();
    for (int from = 0; from < framed.length(); from += frameBytes) {
      String part = framed.substring(from, Math.min(framed.length(), from + frameBytes));
      boolean fin = from + frameBytes >= framed.length();
      last = ws.writeFrame(from == 0 ? WebSocketFrame.textFrame(part, fin) : WebSocketFrame.continuationFrame(Buffer.buffer(part), fin));
    }
    return last;
  }

  /** Writes one frame. */
  Future<Void> write(JsonObject frame) {
    return write(frame.encode());
  }

  /** A ping, as the browser client sends one every few seconds: the bridge closes a silent socket. */
  public Future<Void> ping() {
    return write(new JsonObject().put("type", "ping"));
  }

  /**
   * Shows every frame received from now on to {@code watcher} too (claimed or not), on the
   * connection's event loop: how a test keeps a complete record of what a socket was sent.
   */
  public void watch(java.util.function.Consumer<JsonObject> watcher) {
    watchers.add(watcher);
  }

  /** A SEND without reply address. */
  Future<Void> send(String address, Object body, String token) {
    return write(frame("send", address, body, token));
  }

  /** A request: a SEND with a fresh reply address; completes with the reply or err frame. */
  public Future<JsonObject> request(String address, Object body, String token) {
    String replyAddress;
    synchronized (this) {
      replyAddress = "r." + ++replies;
    }
    Future<JsonObject> answer = next(f -> replyAddress.equals(f.getString("address")));
    return write(frame("send", address, body, token).put("replyAddress", replyAddress)).compose(v -> answer);
  }

  /** A REGISTER on an address. */
  public Future<Void> register(String address, String token) {
    return write(frame("register", address, null, token));
  }

  /** Completes with the next frame matching, or fails after a few seconds. */
  public Future<JsonObject> next(Predicate<JsonObject> matches) {
    Promise<JsonObject> promise = Promise.promise();
    JsonObject found = null;
    synchronized (this) {
      for (Iterator<JsonObject> it = unclaimed.iterator(); it.hasNext(); ) {
        JsonObject frame = it.next();
        if (matches.test(frame)) {
          it.remove();
          found = frame;
          break;
        }
      }
      if (found == null) {
        waiters.add(new Waiter(matches, promise));
      }
    }
    if (found != null) {
      promise.complete(found);
    }
    return promise.future().timeout(WAIT.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Completes with the next general error frame ({@code "type": "err"} without address). */
  Future<JsonObject> nextError() {
    return next(f -> "err".equals(f.getString("type")) && !f.containsKey("address"));
  }

  /** Completes with the next message delivered to a registered address. */
  Future<JsonObject> nextOn(String address) {
    return next(f -> "rec".equals(f.getString("type")) && address.equals(f.getString("address")));
  }

  /** Stops reading from the connection, as a stalled browser does: the server's writes back up. */
  void pause() {
    ws.pause();
  }

  /** Reads again after {@link #pause}. */
  void resume() {
    ws.resume();
  }

  /** Drops the connection at once, as a client that goes away without a goodbye. */
  void drop() {
    wsClient.close();
  }

  public Future<Void> close() {
    return ws.close().eventually(() -> wsClient.close());
  }

  private void onFrame(Buffer buffer) {
    if (transport == Transport.RAW_WEBSOCKET) {
      claim(new JsonObject(buffer));
      return;
    }
    String text = buffer.toString();
    if (text.startsWith("a")) {
      new JsonArray(text.substring(1)).forEach(frame -> claim(new JsonObject((String) frame)));
    }
    // "o" opens, "h" is a heartbeat, "c[code, reason]" closes: none is a bridge frame.
  }

  private void claim(JsonObject frame) {
    watchers.forEach(watcher -> watcher.accept(frame));
    Waiter claimed = null;
    synchronized (this) {
      for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
        Waiter waiter = it.next();
        if (waiter.matches().test(frame)) {
          it.remove();
          claimed = waiter;
          break;
        }
      }
      if (claimed == null) {
        unclaimed.add(frame);
      }
    }
    if (claimed != null) {
      claimed.promise().tryComplete(frame);
    }
  }

  private static JsonObject frame(String type, String address, Object body, String token) {
    JsonObject frame = new JsonObject().put("type", type).put("address", address);
    if (body != null) {
      frame.put("body", body);
    }
    if (token != null) {
      frame.put("headers", new JsonObject().put("token", token));
    }
    return frame;
  }
}
