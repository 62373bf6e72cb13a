package dev.otpx.bench;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One browser stand-in of the channels benchmark: a websocket on the bridge's raw endpoint
 * {@code /eventbus/websocket}, which speaks bare JSON frames (no SockJS framing), as
 * vertx-eventbus.js would over SockJS. Every frame it sends carries its session token.
 *
 * <p>Deliveries on a topic are recognised without parsing the frame as JSON: the bridge writes
 * {@code {"type":"rec","address":"channels.topic....","body":...}} in that order, and the
 * benchmark's posts carry the marker {@code bench#<seq>#} in their text. The load generator's
 * cost per delivery should be small next to the server's, since both share the machine.
 */
final class ChannelsClient {

  /** Marks a benchmark post's text: {@code bench#<seq>#}. */
  static final String MARK = "bench#";

  /** What a delivery is told by: anything else on the topic (a presence diff) is ignored. */
  interface Deliveries {
    void delivered(ChannelsClient client, int seq);
  }

  private static final String DELIVERY = "{\"type\":\"rec\",\"address\":\"channels.topic.";
  // Larger messages are join replies carrying a large presence state: only their head is read.
  private static final int SMALL = 4096;
  private static final Pattern HEAD = Pattern.compile("^\\{\"type\":\"(rec|err)\",\"address\":\"([^\"]*)\"");

  private final WebSocket ws;
  private final String token;
  private final Deliveries deliveries;
  private final Map<String, Promise<JsonObject>> pending = new ConcurrentHashMap<>();
  private final AtomicInteger requests = new AtomicInteger();
  /** The last message that answered and delivered nothing (a bridge error frame), or the close. */
  volatile String unexpected;
  /** The last post this client received; touched only on its connection's event loop. */
  int lastSeq;

  private ChannelsClient(WebSocket ws, String token, Deliveries deliveries) {
    this.ws = ws;
    this.token = token;
    this.deliveries = deliveries;
    // Whole messages: a large join reply arrives in several frames. (The bridge writes binary.)
    ws.binaryMessageHandler(this::onMessage);
    ws.textMessageHandler(text -> onMessage(Buffer.buffer(text)));
    ws.closeHandler(v -> refused("{\"closed\": \"the socket closed\"}"));
  }

  /** Connects; on the caller's context, whose event loop then serves the connection. */
  static Future<ChannelsClient> connect(WebSocketClient client, int port, String token, Deliveries deliveries) {
    return client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI("/eventbus/websocket"))
      .map(ws -> new ChannelsClient(ws, token, deliveries));
  }

  /**
   * Sends a request, with a reply address unique on this socket.
   *
   * @return the reply frame, {@code {"type": "rec", "body"}} or {@code {"type": "err", "message"}};
   *     a large reply is cut to {@code {"type", "address", "truncated": true}}
   */
  Future<JsonObject> request(String address, JsonObject body) {
    String replyAddress = "r" + requests.incrementAndGet();
    Promise<JsonObject> reply = Promise.promise();
    pending.put(replyAddress, reply);
    ws.writeTextMessage(frame("send", address, body).put("replyAddress", replyAddress).encode())
      .onFailure(reply::tryFail);
    return reply.future();
  }

  /** A REGISTER: the bridge does not acknowledge it. */
  Future<Void> register(String address) {
    return ws.writeTextMessage(frame("register", address, null).encode());
  }

  /** Keeps the socket alive: the bridge closes a socket that has not pinged for 10 s. */
  void ping() {
    ws.writeTextMessage("{\"type\":\"ping\"}");
  }

  Future<Void> close() {
    return ws.close();
  }

  private JsonObject frame(String type, String address, JsonObject body) {
    JsonObject frame = new JsonObject().put("type", type).put("address", address)
      .put("headers", new JsonObject().put("token", token));
    return body == null ? frame : frame.put("body", body);
  }

  private void onMessage(Buffer message) {
    if (message.length() > SMALL) {
      Matcher head = HEAD.matcher(message.getString(0, 256, StandardCharsets.UTF_8.name()));
      if (head.find()) {
        answer(head.group(2), new JsonObject().put("type", head.group(1)).put("address", head.group(2)).put("truncated", true));
      } else {
        refused(message.getString(0, 256));
      }
      return;
    }
    String text = message.toString(StandardCharsets.UTF_8);
    if (text.startsWith(DELIVERY)) {
      int mark = text.indexOf(MARK);
      if (mark >= 0) {
        int start = mark + MARK.length();
        deliveries.delivered(this, Integer.parseInt(text, start, text.indexOf('#', start), 10));
      }
      return;
    }
    JsonObject json = new JsonObject(text);
    String address = json.getString("address");
    if (address == null || !answer(address, json)) {
      refused(text);
    }
  }

  /** A message that answers nothing (the bridge's error frame for a refused message), or a close. */
  private void refused(String text) {
    unexpected = text;
    // Which request it refused is not said: fail them all rather than leave one waiting.
    pending.keySet().forEach(address -> {
      Promise<JsonObject> waiting = pending.remove(address);
      if (waiting != null) {
        waiting.tryFail("refused: " + text);
      }
    });
  }

  private boolean answer(String address, JsonObject reply) {
    Promise<JsonObject> waiting = pending.remove(address);
    if (waiting == null) {
      return false;
    }
    waiting.complete(reply);
    return true;
  }
}
