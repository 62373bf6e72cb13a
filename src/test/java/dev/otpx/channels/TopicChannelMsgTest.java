package dev.otpx.channels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.otpx.channels.TopicChannelMsg.Join;
import dev.otpx.channels.TopicChannelMsg.Leave;
import dev.otpx.channels.TopicChannelMsg.Push;
import dev.otpx.channels.TopicChannelMsg.SocketClosed;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TopicChannelMsgTest {

  private static final ChannelOptions OPTIONS = ChannelOptions.defaults().withMaxBodyLength(10);

  /** What the bridge's hook puts in every body. */
  private static JsonObject from(String username, String socketId) {
    return new JsonObject().put("user", new JsonObject().put("username", username)).put("socket_id", socketId);
  }

  private static JsonObject push(Object body, Object at) {
    return from("alice", "s1").put("topic", "videos:1").put("event", "new_annotation")
      .put("payload", new JsonObject().put("body", body).put("at", at));
  }

  private static Push read(JsonObject json) {
    return TopicChannelMsg.push(json, OPTIONS);
  }

  @Nested
  class EachAddressReadsItsOwnKind {

    @Test
    void aJoinsBodyIsAJoin() {
      assertThat(TopicChannelMsg.join(from("alice", "s1").put("topic", "videos:42").put("last_seen_id", 7)))
        .isEqualTo(new Join("videos:42", "alice", "s1", 7));
    }

    @Test
    void aPostsBodyIsAPush() {
      assertThat(read(push("hello", 1234))).isEqualTo(new Push("videos:1", "alice", "s1", "new_annotation", "hello", 1234));
    }

    @Test
    void aLeavesBodyIsALeave() {
      assertThat(TopicChannelMsg.leave(from("bob", "s2").put("topic", "videos:3"))).isEqualTo(new Leave("videos:3", "bob", "s2"));
    }

    @Test
    void aSocketClosedNoticeIsASocketClosed() {
      assertThat(TopicChannelMsg.socketClosed(new JsonObject().put("socket_id", "s9"))).isEqualTo(new SocketClosed("s9"));
    }

    @Test
    void aSocketClosedNoticeMayNameTheSocketsTopics() {
      assertThat(TopicChannelMsg.socketClosed(new JsonObject().put("socket_id", "s9")
        .put("topics", new io.vertx.core.json.JsonArray().add("videos:1").add("videos:2"))))
        .isEqualTo(new SocketClosed("s9", java.util.List.of("videos:1", "videos:2")));
    }

    @Test
    void aSocketClosedNoticeWithTopicsThatAreNoTopicsIsRefusedNamingThem() {
      assertThatThrownBy(() -> TopicChannelMsg.socketClosed(new JsonObject().put("socket_id", "s9").put("topics", "videos:1")))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("topics must be an array");
      assertThatThrownBy(() -> TopicChannelMsg.socketClosed(new JsonObject().put("socket_id", "s9")
        .put("topics", new io.vertx.core.json.JsonArray().add("rooms:1"))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("topic must be");
    }

    @Test
    void aPostsBodySentAsAJoinIsABadJoinNeverAPost() {
      assertThatThrownBy(() -> TopicChannelMsg.join(push("hello", 1234)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("last_seen_id");
    }

    @Test
    void aPostsBodySentAsALeaveIsOnlyALeave() {
      assertThat(TopicChannelMsg.leave(push("hello", 1234))).isEqualTo(new Leave("videos:1", "alice", "s1"));
    }

    @Test
    void aMisspeltFieldIsNamedNotTakenForAnotherKind() {
      assertThatThrownBy(() -> TopicChannelMsg.join(from("alice", "s1").put("topic", "videos:1").put("last_seen", 0)))
        .hasMessageStartingWith("last_seen_id");
      assertThatThrownBy(() -> read(push("hi", 1).put("evnt", "new_annotation").putNull("event")))
        .hasMessageStartingWith("event");
    }

    @Test
    void aLargeAtThatFitsALongIsAccepted() {
      assertThat(read(push("x", BigInteger.valueOf(Long.MAX_VALUE))).at()).isEqualTo(Long.MAX_VALUE);
      assertThat(read(push("x", 0)).at()).isZero();
    }

    @Test
    void theBodyLimitCountsCharactersNotUtf16Units() {
      String tenEmoji = "😀".repeat(10);

      assertThat(read(push(tenEmoji, 0)).body()).isEqualTo(tenEmoji);
    }

    @Test
    void aBodyWithOneVisibleCharacterAmongInvisibleOnesIsKept() {
      assertThat(read(push("\u200bé\u200d", 0)).body()).isEqualTo("\u200bé\u200d");
      assertThat(read(push("\u00e9", 0)).body()).isEqualTo("é");
    }

    @Test
    void eachMessageKnowsItsTopicButASocketClosedHasNone() {
      assertThat(new Leave("videos:3", "bob", "s2").topic()).isEqualTo("videos:3");
      assertThat(new SocketClosed("s9").topic()).isNull();
    }
  }

  @Nested
  class Refusals {

    static Stream<Arguments> badJoins() {
      return Stream.of(
        Arguments.of("not an object", "request", new JsonArray()),
        Arguments.of("no user", "user.username", new JsonObject().put("socket_id", "s1").put("topic", "videos:1").put("last_seen_id", 0)),
        Arguments.of("blank username", "user.username", from(" ", "s1").put("topic", "videos:1").put("last_seen_id", 0)),
        Arguments.of("no socket", "socket_id", new JsonObject().put("user", new JsonObject().put("username", "a")).put("topic", "videos:1")
          .put("last_seen_id", 0)),
        Arguments.of("no topic", "topic", from("alice", "s1").put("last_seen_id", 0)),
        Arguments.of("other topic kind", "topic", from("alice", "s1").put("topic", "rooms:1").put("last_seen_id", 0)),
        Arguments.of("topic not digits", "topic", from("alice", "s1").put("topic", "videos:abc").put("last_seen_id", 0)),
        Arguments.of("topic too long", "topic", from("alice", "s1").put("topic", "videos:1234567890123456789").put("last_seen_id", 0)),
        Arguments.of("topic not a string", "topic", from("alice", "s1").put("topic", 42).put("last_seen_id", 0)),
        Arguments.of("negative last_seen_id", "last_seen_id", from("alice", "s1").put("topic", "videos:1").put("last_seen_id", -1)),
        Arguments.of("text last_seen_id", "last_seen_id", from("alice", "s1").put("topic", "videos:1").put("last_seen_id", "3")),
        Arguments.of("null last_seen_id", "last_seen_id", from("alice", "s1").put("topic", "videos:1").putNull("last_seen_id")),
        Arguments.of("no last_seen_id", "last_seen_id", from("alice", "s1").put("topic", "videos:1")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badJoins")
    void aBadJoinIsRefusedNamingTheField(String what, String field, Object body) {
      assertThatThrownBy(() -> TopicChannelMsg.join(body))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(field);
    }

    static Stream<Arguments> badPosts() {
      return Stream.of(
        Arguments.of("not an object", "request", new JsonArray()),
        Arguments.of("no topic", "topic", push("hi", 1).putNull("topic")),
        Arguments.of("unknown event", "event", push("hi", 1).put("event", "delete_annotation")),
        Arguments.of("payload without event", "event", push("hi", 1).putNull("event")),
        Arguments.of("no payload", "payload", push("hi", 1).putNull("payload")),
        Arguments.of("payload not an object", "payload", push("hi", 1).put("payload", "hi")),
        Arguments.of("empty body", "body", push("", 1)),
        Arguments.of("blank body", "body", push("   ", 1)),
        Arguments.of("zero-width body", "body", push("\u200b\u200c\u200d\u2060\ufeff", 1)),
        Arguments.of("bidi marks only", "body", push("\u202e\u200f\u2066", 1)),
        Arguments.of("fillers only", "body", push("\u3164\u115f\u2800 \u00a0", 1)),
        Arguments.of("combining marks only", "body", push("\u0301\u0308", 1)),
        Arguments.of("body not a string", "body", push(5, 1)),
        Arguments.of("overlong body", "body", push("x".repeat(11), 1)),
        Arguments.of("negative at", "at", push("hi", -1)),
        Arguments.of("fractional at", "at", push("hi", 1.5)),
        Arguments.of("text at", "at", push("hi", "12")),
        Arguments.of("missing at", "at", push("hi", null)),
        Arguments.of("at beyond a long", "at", push("hi", BigInteger.TWO.pow(70))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badPosts")
    void aBadPostIsRefusedNamingTheField(String what, String field, Object body) {
      assertThatThrownBy(() -> TopicChannelMsg.push(body, OPTIONS))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(field);
    }

    @Test
    void aBadLeaveIsRefusedNamingTheField() {
      assertThatThrownBy(() -> TopicChannelMsg.leave(from("bob", "s2"))).hasMessageStartingWith("topic");
      assertThatThrownBy(() -> TopicChannelMsg.leave("videos:1")).hasMessageStartingWith("request");
    }

    @Test
    void aSocketClosedNoticeWithoutASocketIdIsRefusedNamingIt() {
      assertThatThrownBy(() -> TopicChannelMsg.socketClosed(new JsonObject())).hasMessageStartingWith("socket_id");
      assertThatThrownBy(() -> TopicChannelMsg.socketClosed("s1")).hasMessageStartingWith("socket_id");
    }

    @Test
    void recordsBuiltInJavaAreCheckedTheSameWay() {
      assertThatThrownBy(() -> new Join("rooms:1", "alice", "s1", 0)).hasMessageStartingWith("topic");
      assertThatThrownBy(() -> new Join("videos:1", "alice", "s1", -1)).hasMessageStartingWith("last_seen_id");
      assertThatThrownBy(() -> new Push("videos:1", "alice", "s1", "other", "hi", 0)).hasMessageStartingWith("event");
      assertThatThrownBy(() -> new Push("videos:1", "alice", "s1", "new_annotation", "", 0)).hasMessageStartingWith("body");
      assertThatThrownBy(() -> new Push("videos:1", "alice", "s1", "new_annotation", "\u200b", 0)).hasMessageStartingWith("body");
      assertThatThrownBy(() -> new Push("videos:1", "alice", "s1", "new_annotation", "hi", -5)).hasMessageStartingWith("at");
      assertThatThrownBy(() -> new Leave("videos:1", null, "s1")).hasMessageStartingWith("user.username");
      assertThatThrownBy(() -> new Leave("videos:1", "alice", "")).hasMessageStartingWith("socket_id");
      assertThatThrownBy(() -> new SocketClosed(null)).hasMessageStartingWith("socket_id");
    }

    @Test
    void theLengthCheckOfAPushRecordNamesTheBody() {
      Push push = new Push("videos:1", "alice", "s1", "new_annotation", "twelve chars", 0);

      assertThatThrownBy(() -> push.checkLength(11)).hasMessageStartingWith("body").hasMessageContaining("11");
      push.checkLength(12);
    }
  }
}
