package dev.otpx.channels;

import dev.otpx.process.JsonOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The channel protocol in typed form: what browsers send through the bridge (JSON on the wire, see
 * the README) and what {@link ChannelRouter} forwards to a {@link TopicChannel}.
 *
 * <p><b>Which message a JSON body is</b> is decided by the address it came on, never by its fields:
 * a body sent to {@code channels.join} is read by {@link #join} and can only be a {@link Join},
 * one sent to {@code channels.push} only a {@link Push} ({@link #push}), and so on. A misspelt or
 * missing field is therefore a {@code bad_request} naming it, never another action.
 *
 * <p><b>Identity.</b> {@code user.username} and {@code socket_id} are trusted as they come: the
 * bridge's hook sets them from the verified token and the SockJS socket, overwriting whatever a
 * client put there.
 *
 * <p>Every error is an {@link IllegalArgumentException} whose message starts with the field at
 * fault ({@code topic}, {@code event}, {@code payload}, {@code body}, {@code at},
 * {@code last_seen_id}, {@code user.username}, {@code socket_id}); the channels answer it as
 * {@code bad_request}.
 */
public sealed interface TopicChannelMsg {

  /** The only event a browser pushes. */
  String NEW_ANNOTATION = "new_annotation";

  /**
   * Join a topic: answered with the history the client has not seen and who is present; also
   * tracks the socket's presence. Cast by the router to a restarted topic process, it only tracks.
   *
   * @param topic the topic, {@code videos:<digits>}
   * @param username who joins
   * @param socketId the SockJS socket joining
   * @param lastSeenId the newest annotation id the client has, 0 for all
   * @param presenceAfter the presence page wanted: 0 for the first, else the {@code presence_more}
   *     cursor of the previous page
   * @param router the router that forwards it (its pid as text; its sockets leave when it goes), or
   *     null for a join that no router vouches for
   */
  record Join(String topic, String username, String socketId, long lastSeenId, long presenceAfter, String router)
      implements TopicChannelMsg {
    public Join {
      checkTopic(topic);
      checkIdentity(username, socketId);
      if (lastSeenId < 0) {
        throw new IllegalArgumentException("last_seen_id must be a non-negative integer, got " + lastSeenId);
      }
      if (presenceAfter < 0) {
        throw new IllegalArgumentException("presence_after must be a non-negative integer, got " + presenceAfter);
      }
    }

    /** A join for the first presence page that no router forwards (a test's, or a node without routers). */
    public Join(String topic, String username, String socketId, long lastSeenId) {
      this(topic, username, socketId, lastSeenId, 0, null);
    }

    /** @param pid the forwarding router @return this join, as that router forwards it */
    public Join via(String pid) {
      return new Join(topic, username, socketId, lastSeenId, presenceAfter, pid);
    }
  }

  /**
   * A router tells a topic process that it has not met yet who joined through it: every member at
   * once (a cast). The process tracks them and broadcasts its whole presence as a
   * {@code presence_state} event, which also drops from every client the members the process no
   * longer has (those of a node that died with the topic's previous process).
   *
   * @param topic the topic
   * @param router the router's pid as text
   * @param members socket id to username
   */
  record Resync(String topic, String router, java.util.Map<String, String> members) implements TopicChannelMsg {
    public Resync {
      checkTopic(topic);
      Objects.requireNonNull(router, "router");
      members = java.util.Map.copyOf(members);
    }
  }

  /**
   * Post a new annotation to a topic the socket has joined.
   *
   * @param topic the topic
   * @param username who posts
   * @param socketId the SockJS socket posting
   * @param event the event, {@value #NEW_ANNOTATION}
   * @param body the text, not blank (its length is checked against the channel's options)
   * @param at where in the video, ms, non-negative
   */
  record Push(String topic, String username, String socketId, String event, String body, long at) implements TopicChannelMsg {
    public Push {
      checkTopic(topic);
      checkIdentity(username, socketId);
      if (!NEW_ANNOTATION.equals(event)) {
        throw new IllegalArgumentException("event must be \"" + NEW_ANNOTATION + "\", got " + describe(event));
      }
      if (body == null || !visible(body)) {
        throw new IllegalArgumentException("body must be a string with at least one visible character");
      }
      if (at < 0) {
        throw new IllegalArgumentException("at must be a non-negative integer, got " + at);
      }
    }

    /**
     * Checks the body's length.
     *
     * @param maxBodyLength the longest body, in characters (code points)
     * @throws IllegalArgumentException naming {@code body} when it is longer
     */
    public void checkLength(int maxBodyLength) {
      int length = body.codePointCount(0, body.length());
      if (length > maxBodyLength) {
        throw new IllegalArgumentException("body must be at most " + maxBodyLength + " characters, got " + length);
      }
    }
  }

  /**
   * Leave a topic: presence leave for the socket.
   *
   * @param topic the topic
   * @param username who leaves
   * @param socketId the SockJS socket leaving
   */
  record Leave(String topic, String username, String socketId) implements TopicChannelMsg {
    public Leave {
      checkTopic(topic);
      checkIdentity(username, socketId);
    }
  }

  /**
   * A SockJS socket closed: it leaves every topic it had joined.
   *
   * @param socketId the socket
   * @param topics the topics the bridge says it had joined or was joining (so that the router
   *     need not keep every socket's topics itself), or null when not said: then every topic is
   *     looked at
   */
  record SocketClosed(String socketId, List<String> topics) implements TopicChannelMsg {
    public SocketClosed {
      if (socketId == null || socketId.isBlank()) {
        throw new IllegalArgumentException("socket_id is required");
      }
      topics = topics == null ? null : List.copyOf(topics);
    }

    /** @param socketId the socket, whose topics are not said */
    public SocketClosed(String socketId) {
      this(socketId, null);
    }
  }

  /** @return the topic the message is for, or null for {@link SocketClosed} */
  default String topic() {
    return null;
  }

  /**
   * The message as JSON, the form that crosses nodes (records stay inside a JVM): {@code kind}
   * names the record, the other keys are its fields in snake_case. {@link #fromWire} reads it back.
   *
   * @return the wire form
   */
  default JsonObject toWire() {
    JsonObject json = new JsonObject();
    if (this instanceof Join join) {
      json.put("kind", "join").put("topic", join.topic()).put("username", join.username()).put("socket_id", join.socketId())
        .put("last_seen_id", join.lastSeenId()).put("presence_after", join.presenceAfter()).put("router", join.router());
    } else if (this instanceof Push push) {
      json.put("kind", "push").put("topic", push.topic()).put("username", push.username()).put("socket_id", push.socketId())
        .put("event", push.event()).put("body", push.body()).put("at", push.at());
    } else if (this instanceof Leave leave) {
      json.put("kind", "leave").put("topic", leave.topic()).put("username", leave.username()).put("socket_id", leave.socketId());
    } else if (this instanceof Resync resync) {
      JsonObject members = new JsonObject();
      resync.members().forEach(members::put);
      json.put("kind", "resync").put("topic", resync.topic()).put("router", resync.router()).put("members", members);
    } else {
      json.put("kind", "socket_closed").put("socket_id", ((SocketClosed) this).socketId());
    }
    return json;
  }

  /**
   * Reads a message's wire form ({@link #toWire}).
   *
   * @param wire the JSON
   * @return the message
   * @throws IllegalArgumentException naming the field at fault, {@code kind} for an unknown kind
   */
  static TopicChannelMsg fromWire(JsonObject wire) {
    JsonOptions fields = JsonOptions.of(wire, "");
    String kind = fields.string("kind", "");
    return switch (kind) {
      case "join" -> new Join(fields.string("topic", null), fields.string("username", null), fields.string("socket_id", null),
        fields.wholeNumber("last_seen_id", 0, 0, Long.MAX_VALUE), fields.wholeNumber("presence_after", 0, 0, Long.MAX_VALUE),
        fields.string("router", null));
      case "push" -> new Push(fields.string("topic", null), fields.string("username", null), fields.string("socket_id", null),
        fields.string("event", null), fields.string("body", null), fields.wholeNumber("at", 0, 0, Long.MAX_VALUE));
      case "leave" -> new Leave(fields.string("topic", null), fields.string("username", null), fields.string("socket_id", null));
      case "resync" -> {
        java.util.Map<String, String> members = new java.util.LinkedHashMap<>();
        fields.object("members", new JsonObject()).forEach(e -> members.put(e.getKey(), String.valueOf(e.getValue())));
        yield new Resync(fields.string("topic", null), fields.requiredString("router"), members);
      }
      case "socket_closed" -> new SocketClosed(fields.string("socket_id", null));
      default -> throw new IllegalArgumentException("kind must be join, push, leave, resync or socket_closed, got " + describe(kind));
    };
  }

  /**
   * Reads a join, the body of a request to {@code channels.join}: {@code {"topic", "last_seen_id",
   * "presence_after"}} ({@code last_seen_id} required: 0 the first time; {@code presence_after}
   * optional, the cursor of the presence page wanted, 0 or absent for the first).
   *
   * @param body the event-bus body, as the bridge stamped it
   * @return the join
   * @throws IllegalArgumentException naming the field at fault
   */
  static Join join(Object body) {
    JsonObject json = object(body, "a join {\"topic\", \"last_seen_id\"}");
    String username = username(json);
    String socketId = socketId(json);
    String topic = topic(json);
    JsonOptions fields = JsonOptions.of(json, "");
    if (!fields.has("last_seen_id")) {
      throw new IllegalArgumentException("last_seen_id: required, a non-negative whole number (0 the first time)");
    }
    return new Join(topic, username, socketId, fields.wholeNumber("last_seen_id", 0, 0, Long.MAX_VALUE),
      fields.wholeNumber("presence_after", 0, 0, Long.MAX_VALUE), null);
  }

  /**
   * Reads a post, the body of a request to {@code channels.push}: {@code {"topic", "event":
   * "new_annotation", "payload": {"body", "at"}}}.
   *
   * @param body the event-bus body, as the bridge stamped it
   * @param options the channel options (the longest body)
   * @return the post
   * @throws IllegalArgumentException naming the field at fault
   */
  static Push push(Object body, ChannelOptions options) {
    Objects.requireNonNull(options, "options");
    JsonObject json = object(body, "a post {\"topic\", \"event\", \"payload\"}");
    String username = username(json);
    String socketId = socketId(json);
    String topic = topic(json);
    Object event = json.getValue("event");
    if (!NEW_ANNOTATION.equals(event)) {
      throw new IllegalArgumentException("event must be \"" + NEW_ANNOTATION + "\", got " + describe(event));
    }
    if (!(json.getValue("payload") instanceof JsonObject payload)) {
      throw new IllegalArgumentException("payload must be an object {\"body\", \"at\"}, got " + describe(json.getValue("payload")));
    }
    if (!(payload.getValue("body") instanceof String postBody) || !visible(postBody)) {
      throw new IllegalArgumentException("body must be a string with at least one visible character, got " + describe(payload.getValue("body")));
    }
    JsonOptions fields = JsonOptions.of(payload, "");
    if (!fields.has("at")) {
      throw new IllegalArgumentException("at: required, a non-negative whole number (ms into the video)");
    }
    long at = fields.wholeNumber("at", 0, 0, Long.MAX_VALUE);
    Push push = new Push(topic, username, socketId, (String) event, postBody, at);
    push.checkLength(options.maxBodyLength());
    return push;
  }

  /**
   * Reads a leave, the body of a request to {@code channels.leave}: {@code {"topic"}}.
   *
   * @param body the event-bus body, as the bridge stamped it
   * @return the leave
   * @throws IllegalArgumentException naming the field at fault
   */
  static Leave leave(Object body) {
    JsonObject json = object(body, "a leave {\"topic\"}");
    return new Leave(topic(json), username(json), socketId(json));
  }

  /**
   * Reads the bridge's notice on {@code channels.socket_closed}: {@code {"socket_id", "topics"?}},
   * {@code topics} the topics the socket had joined or was joining, when the sender knows them.
   *
   * @param body the event-bus body
   * @return the message
   * @throws IllegalArgumentException naming {@code socket_id} when it is missing, {@code topics}
   *     when it is not an array of topics
   */
  static SocketClosed socketClosed(Object body) {
    if (!(body instanceof JsonObject json)) {
      throw new IllegalArgumentException("socket_id is required in a JSON object, got " + describe(body));
    }
    Object topics = json.getValue("topics");
    if (topics == null) {
      return new SocketClosed(socketId(json));
    }
    if (!(topics instanceof JsonArray array)) {
      throw new IllegalArgumentException("topics must be an array of topics, got " + describe(topics));
    }
    List<String> named = new ArrayList<>(array.size());
    for (Object topic : array) {
      checkTopic(topic instanceof String text ? text : null);
      named.add((String) topic);
    }
    return new SocketClosed(socketId(json), named);
  }

  /**
   * Whether a text shows anything: at least one character that is not white space, a control or
   * format character (zero-width spaces and joiners, bidirectional marks), a combining mark on
   * nothing, or one of the letters that render blank (Hangul fillers, the braille blank).
   *
   * @param text the text
   * @return true when a reader would see something
   */
  static boolean visible(String text) {
    return text.codePoints().anyMatch(TopicChannelMsg::visible);
  }

  private static boolean visible(int codePoint) {
    switch (Character.getType(codePoint)) {
      case Character.CONTROL, Character.FORMAT, Character.SPACE_SEPARATOR, Character.LINE_SEPARATOR,
        Character.PARAGRAPH_SEPARATOR, Character.NON_SPACING_MARK, Character.ENCLOSING_MARK,
        Character.SURROGATE, Character.UNASSIGNED, Character.PRIVATE_USE:
        return false;
      default:
        break;
    }
    return switch (codePoint) {
      // Hangul fillers, the halfwidth Hangul filler, the braille blank, the Mongolian vowel separator.
      case 0x115F, 0x1160, 0x3164, 0xFFA0, 0x2800, 0x180E -> false;
      default -> !Character.isWhitespace(codePoint);
    };
  }

  private static JsonObject object(Object body, String what) {
    if (!(body instanceof JsonObject json)) {
      throw new IllegalArgumentException("request must be a JSON object, " + what + ", got " + describe(body));
    }
    return json;
  }

  private static String topic(JsonObject json) {
    Object topic = json.getValue("topic");
    if (!(topic instanceof String text) || !ChannelAddresses.validTopic(text)) {
      throw new IllegalArgumentException("topic must be videos:<digits>, got " + describe(topic));
    }
    return text;
  }

  private static String username(JsonObject json) {
    Object user = json.getValue("user");
    Object username = user instanceof JsonObject object ? object.getValue("username") : null;
    if (!(username instanceof String text) || text.isBlank()) {
      throw new IllegalArgumentException("user.username is required");
    }
    return text;
  }

  private static String socketId(JsonObject json) {
    if (!(json.getValue("socket_id") instanceof String text) || text.isBlank()) {
      throw new IllegalArgumentException("socket_id is required");
    }
    return text;
  }

  private static void checkTopic(String topic) {
    if (!ChannelAddresses.validTopic(topic)) {
      throw new IllegalArgumentException("topic must be videos:<digits>, got " + describe(topic));
    }
  }

  private static void checkIdentity(String username, String socketId) {
    if (username == null || username.isBlank()) {
      throw new IllegalArgumentException("user.username is required");
    }
    if (socketId == null || socketId.isBlank()) {
      throw new IllegalArgumentException("socket_id is required");
    }
  }

  private static String describe(Object value) {
    if (value == null) {
      return "nothing";
    }
    String text = value instanceof String s ? "\"" + s + "\"" : String.valueOf(value);
    return text.length() > 60 ? text.substring(0, 60) + "..." : text;
  }
}
