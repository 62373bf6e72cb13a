package dev.otpx.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The one rule set every JSON option is read by, and refusals that name the key's path. */
class JsonOptionsTest {

  static JsonOptions read(JsonObject json) {
    return JsonOptions.of(json, "cache");
  }

  @Nested
  class WholeNumbers {

    @Test
    void aNumberWithoutFractionIsWholeWhateverItsJsonType() {
      JsonObject json = new JsonObject().put("a", 5).put("b", 5L).put("c", 5.0);
      assertThat(read(json).wholeNumber("a", 0)).isEqualTo(5);
      assertThat(read(json).wholeNumber("b", 0)).isEqualTo(5);
      assertThat(read(json).wholeNumber("c", 0)).isEqualTo(5);
      assertThat(read(json).wholeNumber("missing", 9)).isEqualTo(9);
      assertThat(read(new JsonObject().putNull("n")).wholeNumber("n", 9)).isEqualTo(9);
    }

    @Test
    void aFractionAStringOrABooleanIsRefusedNamingThePathAndTheValue() {
      for (Object bad : new Object[] {5.5, "5", true, new JsonArray()}) {
        assertThatThrownBy(() -> read(new JsonObject().put("max_entries", bad)).wholeNumber("max_entries", 0))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("cache.max_entries: expected a whole number, got ")
          .hasMessageContaining(String.valueOf(bad));
      }
    }

    @Test
    void aWholeNumberBeyondALongIsRefusedNotWrappedAround() {
      JsonObject json = new JsonObject().put("big", java.math.BigInteger.TWO.pow(70)).put("max", Long.MAX_VALUE).put("huge", 1e30);
      assertThatThrownBy(() -> read(json).wholeNumber("big", 0)).hasMessageStartingWith("cache.big: expected a whole number, got ");
      assertThatThrownBy(() -> read(json).wholeNumber("huge", 0)).hasMessageStartingWith("cache.huge: expected a whole number, got ");
      assertThat(read(json).wholeNumber("max", 0)).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void boundsAreCheckedAndNamed() {
      assertThatThrownBy(() -> read(new JsonObject().put("n", 0)).intValue("n", 1, 1, 10)).hasMessage("cache.n: must be between 1 and 10, got 0");
      assertThatThrownBy(() -> read(new JsonObject().put("n", -1)).wholeNumber("n", 1, 0, Long.MAX_VALUE)).hasMessage("cache.n: must be >= 0, got -1");
      assertThat(read(new JsonObject().put("n", 10)).intValue("n", 1, 1, 10)).isEqualTo(10);
    }

    @Test
    void aProcesssArgsNameTheKeyAsTheOwnersArgWithTheSameRules() {
      JsonOptions args = JsonOptions.args(new JsonObject().put("tick_ms", "fast").put("initial", 4.0), "counter arg");
      assertThatThrownBy(() -> args.millis("tick_ms", Duration.ZERO))
        .hasMessage("counter arg 'tick_ms': expected a whole number, got 'fast'");
      assertThat(args.intValue("initial", 0, Integer.MIN_VALUE, Integer.MAX_VALUE)).isEqualTo(4);
    }
  }

  @Nested
  class Durations {

    @Test
    void aDurationIsAWholeNonNegativeNumberOfMilliseconds() {
      assertThat(read(new JsonObject().put("ttl_ms", 1500)).millis("ttl_ms", Duration.ZERO)).isEqualTo(Duration.ofMillis(1500));
      assertThat(read(new JsonObject()).millis("ttl_ms", Duration.ofMinutes(1))).isEqualTo(Duration.ofMinutes(1));
      assertThatThrownBy(() -> read(new JsonObject().put("ttl_ms", -1)).millis("ttl_ms", Duration.ZERO)).hasMessageContaining("cache.ttl_ms");
      assertThatThrownBy(() -> read(new JsonObject().put("ttl_ms", "1s")).millis("ttl_ms", Duration.ZERO))
        .hasMessageContaining("cache.ttl_ms: expected a whole number, got '1s'");
      assertThatThrownBy(() -> read(new JsonObject().put("ttl_ms", 5)).millis("ttl_ms", Duration.ZERO, Duration.ofMillis(10), Duration.ofSeconds(1)))
        .hasMessage("cache.ttl_ms: must be between 10 and 1000, got 5");
    }
  }

  @Nested
  class Others {

    @Test
    void enumsAreReadByTheirWireName() {
      assertThat(read(new JsonObject().put("s", "rest_for_one")).wireName("s", Strategy.values(), Strategy.ONE_FOR_ONE))
        .isEqualTo(Strategy.REST_FOR_ONE);
      assertThat(read(new JsonObject()).wireName("s", Strategy.values(), Strategy.ONE_FOR_ONE)).isEqualTo(Strategy.ONE_FOR_ONE);
      assertThatThrownBy(() -> read(new JsonObject().put("s", "REST_FOR_ONE")).wireName("s", Strategy.values(), null))
        .hasMessage("cache.s: expected one_for_one, one_for_all or rest_for_one, got 'REST_FOR_ONE'");
      assertThatThrownBy(() -> read(new JsonObject().put("s", 3)).wireName("s", Strategy.values(), null))
        .hasMessage("cache.s: expected a string, got 3");
    }

    @Test
    void stringsBooleansObjectsAndArraysAreThoseTypesOnly() {
      JsonObject json = new JsonObject().put("s", "x").put("b", true).put("o", new JsonObject()).put("a", new JsonArray());
      assertThat(read(json).string("s", null)).isEqualTo("x");
      assertThat(read(json).bool("b", false)).isTrue();
      assertThat(read(json).object("o", null)).isEqualTo(new JsonObject());
      assertThat(read(json).array("a", null)).isEqualTo(new JsonArray());
      assertThatThrownBy(() -> read(json).string("b", null)).hasMessage("cache.b: expected a string, got true");
      assertThatThrownBy(() -> read(json).bool("s", false)).hasMessage("cache.s: expected a boolean, got 'x'");
      assertThatThrownBy(() -> read(json).object("a", null)).hasMessage("cache.a: expected an object, got []");
      assertThatThrownBy(() -> read(json).array("o", null)).hasMessage("cache.o: expected an array, got {}");
      assertThatThrownBy(() -> read(new JsonObject().put("id", " ")).requiredString("id")).hasMessage("cache.id: required, a non-blank string");
    }

    @Test
    void nestedObjectsAndOwnParsersKeepThePath() {
      JsonObject json = new JsonObject().put("backoff", new JsonObject().put("min_ms", "soon")).put("shutdown", "later");
      assertThatThrownBy(() -> read(json).nested("backoff").millis("min_ms", Duration.ZERO))
        .hasMessageStartingWith("cache.backoff.min_ms: expected a whole number");
      assertThatThrownBy(() -> read(json).read("shutdown", Shutdown::parse, null))
        .hasMessageStartingWith("cache.shutdown: expected brutal_kill, infinity or");
      assertThat(read(json).read("missing", Shutdown::parse, Shutdown.INFINITY)).isEqualTo(Shutdown.INFINITY);
      assertThat(JsonOptions.of(json, "").path("x")).isEqualTo("x");
    }
  }
}
