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

  /** What a delivery and a presence diff are told by. */
  interface Deliveries {
    void delivered(ChannelsClient client, int seq);

    /**
     * A presence diff as this client received it: its number, its count, and how many metas it
     * names (joins, or its whole state) and how many leave. Every client must receive the same
     * diff under one number.
     */
    void presenceDiff(ChannelsClient client, long seq, long count, int joins, int leaves);

    /** This client's presence moved: its join reply or a diff has been applied. */
    void presenceApplied();
  }

  private static final String DELIVERY = "{\"type\":\"rec\",\"address\":\"channels.topic.";
  private static final byte[] DELIVERY_BYTES = DELIVERY.getBytes(StandardCharsets.UTF_8);
  private static final byte[] DIFF = "\"presence_diff\"".getBytes(StandardCharsets.UTF_8);
  private static final byte[] STATE_EVENT = "\"presence_state\"".getBytes(StandardCharsets.UTF_8);
  private static final byte[] SEQ = "\"seq\":".getBytes(StandardCharsets.UTF_8);
  private static final byte[] COUNT = "\"count\":".getBytes(StandardCharsets.UTF_8);
  private static final byte[] STATE = "\"state\":".getBytes(StandardCharsets.UTF_8);
  private static final byte[] LEAVES = "\"leaves\":".getBytes(StandardCharsets.UTF_8);
  private static final byte[] SOCKET_ID = "\"socket_id\":\"".getBytes(StandardCharsets.UTF_8);
  // Larger messages (a join reply with a long history) are cut to their head.
  private static final int LARGE = 1 << 20;
  private static final Pattern HEAD = Pattern.compile("^\\{\"type\":\"(rec|err)\",\"address\":\"([^\"]*)\"");

  private final WebSocket ws;
  /** The username its token names. */
  final String name;
  private final String token;
  private final Deliveries deliveries;
  private final Map<String, Promise<JsonObject>> pending = new ConcurrentHashMap<>();
  private final AtomicInteger requests = new AtomicInteger();
  /** The last message that answered and delivered nothing (a bridge error frame), or the close. */
  volatile String unexpected;
  /** The last post this client received; touched only on its connection's event loop. */
  int lastSeq;

  // ---- presence as this client knows it (otpx only): its join reply's page and count as of the
  // reply's presence_seq, then every diff numbered above it (each carries the count; within
  // presence_detail_limit also the joins and leaves, which must add up to it). Guarded by this.
  /** The presence_seq of the join reply; -1 until the reply is in. */
  private long presenceBase = -1;
  /** The number of the last diff applied. */
  private long presenceSeq;
  /** How many metas are present, by the reply's count and the diffs since. */
  private long presenceCount;
  /** Diffs that came before the join's reply (the join registered the socket first). */
  private final java.util.List<byte[]> heldDiffs = new java.util.ArrayList<>();
  private byte[] ownSocketId;
  /** The usernames of the reply's page. */
  private java.util.Set<String> page = java.util.Set.of();
  /** What is wrong with this client's presence: gaps, reorderings, a whole state event. */
  private final java.util.List<String> presenceProblems = new java.util.ArrayList<>();

  private ChannelsClient(WebSocket ws, String name, String token, Deliveries deliveries) {
    this.ws = ws;
    this.name = name;
    this.token = token;
    this.deliveries = deliveries;
    // Whole messages: a large join reply arrives in several frames. (The bridge writes binary.)
    ws.binaryMessageHandler(this::onMessage);
    ws.textMessageHandler(text -> onMessage(Buffer.buffer(text)));
    ws.closeHandler(v -> refused("{\"closed\": \"the socket closed\"}"));
  }

  /** Connects; on the caller's context, whose event loop then serves the connection. */
  static Future<ChannelsClient> connect(WebSocketClient client, int port, String name, String token, Deliveries deliveries) {
    return client.connect(new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI("/eventbus/websocket"))
      .map(ws -> new ChannelsClient(ws, name, token, deliveries));
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
    byte[] bytes = message.getBytes();
    if (startsWith(bytes, DELIVERY_BYTES)) {
      int mark = indexOf(bytes, MARK_BYTES, DELIVERY_BYTES.length, bytes.length);
      if (mark >= 0) {
        int start = mark + MARK_BYTES.length;
        int value = 0;
        for (int i = start; bytes[i] != '#'; i++) {
          value = value * 10 + bytes[i] - '0';
        }
        deliveries.delivered(this, value);
      } else if (indexOf(bytes, DIFF, DELIVERY_BYTES.length, Math.min(bytes.length, 200)) >= 0) {
        diff(bytes);
      } else if (indexOf(bytes, STATE_EVENT, DELIVERY_BYTES.length, Math.min(bytes.length, 200)) >= 0) {
        synchronized (this) {
          presenceProblems.add("a presence_state event (the topic's process restarted)");
        }
      }
      return;
    }
    if (bytes.length > LARGE) {
      Matcher head = HEAD.matcher(message.getString(0, 256, StandardCharsets.UTF_8.name()));
      if (head.find()) {
        answer(head.group(2), new JsonObject().put("type", head.group(1)).put("address", head.group(2)).put("truncated", true));
      } else {
        refused(message.getString(0, 256));
      }
      return;
    }
    String text = new String(bytes, StandardCharsets.UTF_8);
    JsonObject json = new JsonObject(text);
    String address = json.getString("address");
    if (address == null || !answer(address, json)) {
      refused(text);
    }
  }

  // ---- presence ------------------------------------------------------------------------------

  /**
   * Takes a join's reply: its presence page (usernames), count and number, then the diffs held
   * until it came. Only the first page is read: the rest is what a client asks for on request.
   */
  synchronized void joined(JsonObject body) {
    presenceBase = body.getLong("presence_seq", -1L);
    presenceSeq = presenceBase;
    presenceCount = body.getLong("presence_count", -1L);
    String own = body.getString("socket_id");
    ownSocketId = own == null ? null : own.getBytes(StandardCharsets.UTF_8);
    JsonObject state = body.getJsonObject("presence_state");
    page = state == null ? java.util.Set.of() : java.util.Set.copyOf(state.fieldNames());
    if (presenceBase < 0 || presenceCount < 0 || state == null || own == null) {
      presenceProblems.add("join reply without presence_seq, presence_count, presence_state or socket_id");
    }
    java.util.List<byte[]> held = java.util.List.copyOf(heldDiffs);
    heldDiffs.clear();
    held.forEach(this::diff);
    deliveries.presenceApplied();
  }

  /**
   * One diff, read without parsing the JSON (within the detail limit, N clients receive N²/2 metas in
   * a storm): its number, its count, and the {@code socket_id}s in its joins (or whole state) and in
   * its leaves. A diff numbered at or below the reply's is older than the reply and dropped; the
   * others must follow each other without a gap. The count is the diff's; a diff with joins and
   * leaves must move the count held by exactly as many, one with a state must list the count.
   */
  private synchronized void diff(byte[] bytes) {
    if (presenceBase < 0) {
      heldDiffs.add(bytes);
      return;
    }
    int at = indexOf(bytes, SEQ, 0, bytes.length);
    long seq = number(bytes, at + SEQ.length);
    long count = number(bytes, indexOf(bytes, COUNT, at, bytes.length) + COUNT.length);
    int leavesAt = indexOf(bytes, LEAVES, at, bytes.length);
    boolean state = indexOf(bytes, STATE, at, bytes.length) >= 0;
    int joins = 0;
    int leaves = 0;
    boolean self = false;
    for (int i = indexOf(bytes, SOCKET_ID, at, bytes.length); i >= 0; i = indexOf(bytes, SOCKET_ID, i + 1, bytes.length)) {
      if (leavesAt >= 0 && i > leavesAt) {
        leaves++;
      } else {
        joins++;
        int value = i + SOCKET_ID.length;
        self |= ownSocketId != null && value + ownSocketId.length < bytes.length && bytes[value + ownSocketId.length] == '"'
          && java.util.Arrays.equals(bytes, value, value + ownSocketId.length, ownSocketId, 0, ownSocketId.length);
      }
    }
    deliveries.presenceDiff(this, seq, count, joins, leaves);
    if (seq <= presenceBase) {
      return;
    }
    if (seq != presenceSeq + 1) {
      presenceProblems.add("diff " + seq + " after " + presenceSeq);
    }
    presenceSeq = Math.max(presenceSeq, seq);
    // The reply counted this socket before any diff had it: the diff that publishes it adds it again.
    if (leavesAt >= 0 && presenceCount + joins - leaves - (self ? 1 : 0) != count) {
      presenceProblems.add("diff " + seq + "'s joins and leaves make " + (presenceCount + joins - leaves - (self ? 1 : 0)) + ", its count " + count);
    } else if (state && joins != count) {
      presenceProblems.add("diff " + seq + "'s state lists " + joins + ", its count " + count);
    }
    presenceCount = count;
    deliveries.presenceApplied();
  }

  private static long number(byte[] bytes, int from) {
    long value = 0;
    for (int i = from; bytes[i] >= '0' && bytes[i] <= '9'; i++) {
      value = value * 10 + bytes[i] - '0';
    }
    return value;
  }

  /** @return this socket's id, from its join's reply; null before it */
  synchronized String socketId() {
    return ownSocketId == null ? null : new String(ownSocketId, StandardCharsets.UTF_8);
  }

  /** @return the number of the last diff applied, or -1 before the join's reply */
  synchronized long presenceSeq() {
    return presenceBase < 0 ? -1 : presenceSeq;
  }

  /** @return how many metas this client counts present */
  synchronized long presenceCount() {
    return presenceCount;
  }

  /** @return the usernames of its join reply's page */
  synchronized java.util.Set<String> presencePage() {
    return page;
  }

  /** @return what went wrong with this client's presence, empty when nothing */
  synchronized java.util.List<String> presenceProblems() {
    return java.util.List.copyOf(presenceProblems);
  }

  private static final byte[] MARK_BYTES = MARK.getBytes(StandardCharsets.UTF_8);

  private static boolean startsWith(byte[] bytes, byte[] prefix) {
    return bytes.length >= prefix.length && java.util.Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length);
  }

  /** @return the first index of {@code what} in {@code bytes[from, to)}, or -1 */
  private static int indexOf(byte[] bytes, byte[] what, int from, int to) {
    byte first = what[0];
    for (int i = Math.max(0, from), last = Math.min(to, bytes.length) - what.length; i <= last; i++) {
      if (bytes[i] == first && java.util.Arrays.equals(bytes, i, i + what.length, what, 0, what.length)) {
        return i;
      }
    }
    return -1;
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
