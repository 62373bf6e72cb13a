package dev.otpx.channels;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A browser stand-in speaking the bridge protocol as plain JSON frames over the raw websocket
 * endpoint {@code /eventbus/websocket}. Frames nobody waits for yet are kept until someone does.
 */
final class BridgeTestClient {

  private static final Duration WAIT = Duration.ofSeconds(5);

  private record Waiter(Predicate<JsonObject> matches, Promise<JsonObject> promise) { }

  // Held on purpose: Vert.x closes a client that has become unreachable, and its connections.
  private final WebSocketClient wsClient;
  private final WebSocket ws;
  private final List<JsonObject> unclaimed = new ArrayList<>();
  private final List<Waiter> waiters = new ArrayList<>();
  private int replies;

  private BridgeTestClient(WebSocketClient wsClient, WebSocket ws) {
    this.wsClient = wsClient;
    this.ws = ws;
    ws.handler(this::onFrame);
  }

  static Future<BridgeTestClient> connect(Vertx vertx, int port) {
    WebSocketClient wsClient = vertx.createWebSocketClient();
    return wsClient.connect(port, "localhost", "/eventbus/websocket")
      .map(ws -> new BridgeTestClient(wsClient, ws));
  }

  /** Writes a raw text frame, e.g. one that is not JSON. */
  Future<Void> write(String text) {
    return ws.writeTextMessage(text);
  }

  /** Writes one frame. */
  Future<Void> write(JsonObject frame) {
    return write(frame.encode());
  }

  /** A SEND without reply address. */
  Future<Void> send(String address, Object body, String token) {
    return write(frame("send", address, body, token));
  }

  /** A request: a SEND with a fresh reply address; completes with the reply or err frame. */
  Future<JsonObject> request(String address, Object body, String token) {
    String replyAddress;
    synchronized (this) {
      replyAddress = "r." + ++replies;
    }
    Future<JsonObject> answer = next(f -> replyAddress.equals(f.getString("address")));
    return write(frame("send", address, body, token).put("replyAddress", replyAddress)).compose(v -> answer);
  }

  /** A REGISTER on an address. */
  Future<Void> register(String address, String token) {
    return write(frame("register", address, null, token));
  }

  /** Completes with the next frame matching, or fails after a few seconds. */
  Future<JsonObject> next(Predicate<JsonObject> matches) {
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

  Future<Void> close() {
    return ws.close().eventually(() -> wsClient.close());
  }

  private void onFrame(Buffer buffer) {
    JsonObject frame = new JsonObject(buffer);
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
