package dev.otpx.infosys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ResultTest {

  @Nested
  class Validation {

    @Test
    void aResultKeepsItsFields() {
      Result result = new Result("calculator", "4", 95);

      assertThat(result.backend()).isEqualTo("calculator");
      assertThat(result.text()).isEqualTo("4");
      assertThat(result.score()).isEqualTo(95.0);
    }

    @Test
    void scoresFromZeroToOneHundredAreAccepted() {
      assertThat(new Result("b", "t", 0).score()).isZero();
      assertThat(new Result("b", "t", Result.MAX_SCORE).score()).isEqualTo(100.0);
    }

    @ParameterizedTest
    @ValueSource(doubles = {-0.5, 100.5, Double.NaN, Double.POSITIVE_INFINITY})
    void aScoreOutsideZeroToOneHundredIsRefusedNamingScore(double score) {
      assertThatThrownBy(() -> new Result("b", "t", score))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("score");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "  "})
    void aBlankBackendIsRefusedNamingBackend(String backend) {
      assertThatThrownBy(() -> new Result(backend, "t", 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("backend");
    }

    @Test
    void aNullBackendIsRefused() {
      assertThatThrownBy(() -> new Result(null, "t", 1)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> Result.of(null, "t", 1)).isInstanceOf(NullPointerException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "\t"})
    void aBlankTextIsRefusedNamingText(String text) {
      assertThatThrownBy(() -> new Result("b", text, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("text");
    }

    @Test
    void aNullTextIsRefused() {
      assertThatThrownBy(() -> Result.of("b", null, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("text");
    }

    @Test
    void ofMakesTheSameResultAsTheConstructor() {
      assertThat(Result.of("clock", "12:00", 80)).isEqualTo(new Result("clock", "12:00", 80));
    }
  }

  @Nested
  class Json {

    @Test
    void toJsonHasBackendTextAndScore() {
      assertThat(new Result("calculator", "4", 95).toJson())
        .isEqualTo(new JsonObject().put("backend", "calculator").put("text", "4").put("score", 95.0));
    }

    @Test
    void fromJsonReadsWhatToJsonWrote() {
      Result result = new Result("wolfram", "the answer", 42.5);

      assertThat(Result.fromJson(result.toJson())).isEqualTo(result);
      assertThat(Result.fromJson(new JsonObject(result.toJson().encode()))).isEqualTo(result);
    }

    @Test
    void fromJsonAcceptsAWholeNumberScore() {
      assertThat(Result.fromJson(new JsonObject().put("backend", "b").put("text", "t").put("score", 7)))
        .isEqualTo(new Result("b", "t", 7.0));
    }

    @Test
    void fromJsonRefusesWhatIsNotAnObject() {
      assertThatThrownBy(() -> Result.fromJson("a result")).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> Result.fromJson(new JsonArray())).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> Result.fromJson(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void fromJsonRefusesAMissingField() {
      JsonObject full = new Result("b", "t", 1).toJson();
      for (String field : new String[] {"backend", "text", "score"}) {
        JsonObject missing = full.copy();
        missing.remove(field);
        assertThatThrownBy(() -> Result.fromJson(missing)).as(field).isInstanceOf(IllegalArgumentException.class);
      }
    }

    @Test
    void fromJsonRefusesWrongTypes() {
      assertThatThrownBy(() -> Result.fromJson(new JsonObject().put("backend", "b").put("text", "t").put("score", "high")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("score");
      assertThatThrownBy(() -> Result.fromJson(new JsonObject().put("backend", 1).put("text", "t").put("score", 1)))
        .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> Result.fromJson(new JsonObject().put("backend", "b").put("text", new JsonObject()).put("score", 1)))
        .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void fromJsonRefusesOutOfRangeValues() {
      assertThatThrownBy(() -> Result.fromJson(new JsonObject().put("backend", "b").put("text", "t").put("score", 500)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("score");
      assertThatThrownBy(() -> Result.fromJson(new JsonObject().put("backend", "b").put("text", "").put("score", 5)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("text");
    }
  }
}
