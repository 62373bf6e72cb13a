package dev.otpx.infosys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class AnswerTest {

  private static final Result FOUR = new Result("calculator", "4", 95);
  private static final Result NOON = new Result("clock", "12:00", 80);

  @Nested
  class Fields {

    @Test
    void theResultsAreCopiedAndReadOnly() {
      List<Result> results = new ArrayList<>(List.of(FOUR));
      Answer answer = new Answer("q", results, 12, 1);
      results.add(NOON);

      assertThat(answer.results()).containsExactly(FOUR);
      assertThatThrownBy(() -> answer.results().add(NOON)).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void nullResultsAreRefused() {
      assertThatThrownBy(() -> new Answer("q", null, 0, 0)).isInstanceOf(NullPointerException.class);
    }
  }

  @Nested
  class Json {

    @Test
    void toJsonIsTheWireShape() {
      JsonObject json = new Answer("what is 2 + 2", List.of(FOUR, NOON), 17, 2).toJson();

      assertThat(json).isEqualTo(new JsonObject()
        .put("query", "what is 2 + 2")
        .put("results", new JsonArray().add(FOUR.toJson()).add(NOON.toJson()))
        .put("took_ms", 17L)
        .put("cached", 2));
    }

    @Test
    void fromJsonReadsWhatToJsonWroteInOrder() {
      Answer answer = new Answer("q", List.of(NOON, FOUR), 3, 0);

      assertThat(Answer.fromJson(answer.toJson())).isEqualTo(answer);
      assertThat(Answer.fromJson(new JsonObject(answer.toJson().encode()))).isEqualTo(answer);
    }

    @Test
    void anAnswerWithoutResultsRoundTrips() {
      Answer answer = new Answer("q", List.of(), 0, 0);

      assertThat(answer.toJson().getJsonArray("results")).isEmpty();
      assertThat(Answer.fromJson(answer.toJson())).isEqualTo(answer);
    }

    @Test
    void fromJsonRefusesAMalformedResult() {
      JsonObject json = new Answer("q", List.of(FOUR), 3, 0).toJson();
      json.getJsonArray("results").add(new JsonObject().put("backend", "x"));

      assertThatThrownBy(() -> Answer.fromJson(json)).isInstanceOf(IllegalArgumentException.class);
    }
  }
}
