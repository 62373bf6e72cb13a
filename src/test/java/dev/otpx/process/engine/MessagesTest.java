package dev.otpx.process.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

class MessagesTest {

  record Note(String text) { }

  @Test
  void mutableJsonAndBuffersAreCopied() {
    JsonObject object = new JsonObject().put("a", 1);
    JsonArray array = new JsonArray().add(1);
    Buffer buffer = Buffer.buffer("x");
    assertThat(Messages.isolate(object)).isEqualTo(object).isNotSameAs(object);
    assertThat(Messages.isolate(array)).isEqualTo(array).isNotSameAs(array);
    assertThat(Messages.isolate(buffer)).isEqualTo(buffer).isNotSameAs(buffer);
  }

  @Test
  void immutableValuesPassAsTheyAre() {
    Note note = new Note("hi");
    assertThat(Messages.isolate(note)).isSameAs(note);
    assertThat(Messages.isolate("text")).isSameAs("text");
  }
}
