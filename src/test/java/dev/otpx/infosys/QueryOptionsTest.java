package dev.otpx.infosys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class QueryOptionsTest {

  @Nested
  class Defaults {

    @Test
    void theDefaultsAreRumblsTenResultsTenSecondsEveryBackend() {
      QueryOptions options = QueryOptions.defaults();

      assertThat(options.limit()).isEqualTo(10);
      assertThat(options.timeout()).isEqualTo(Duration.ofSeconds(10));
      assertThat(options.backends()).isNull();
    }

    @Test
    void anEmptyRequestGetsTheDefaults() {
      assertThat(QueryOptions.fromRequest(new JsonObject().put("query", "q"))).isEqualTo(QueryOptions.defaults());
    }
  }

  @Nested
  class Validation {

    @ParameterizedTest
    @ValueSource(ints = {0, -1, QueryOptions.MAX_LIMIT + 1})
    void aLimitOutOfRangeIsRefusedNamingLimit(int limit) {
      assertThatThrownBy(() -> new QueryOptions(limit, Duration.ofSeconds(1), null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("limit");
    }

    @ParameterizedTest
    @ValueSource(longs = {0, -5, 60_001})
    void aTimeoutOutOfRangeIsRefusedNamingTimeoutMs(long millis) {
      assertThatThrownBy(() -> new QueryOptions(5, Duration.ofMillis(millis), null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("timeout_ms");
    }

    @Test
    void theBoundsThemselvesAreAccepted() {
      assertThat(new QueryOptions(1, Duration.ofMillis(1), null).limit()).isEqualTo(1);
      assertThat(new QueryOptions(QueryOptions.MAX_LIMIT, QueryOptions.MAX_TIMEOUT, List.of()).timeout())
        .isEqualTo(QueryOptions.MAX_TIMEOUT);
    }

    @Test
    void aNullTimeoutIsRefused() {
      assertThatThrownBy(() -> new QueryOptions(5, null, null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void aBlankOrNullBackendNameIsRefusedNamingBackends() {
      assertThatThrownBy(() -> new QueryOptions(5, Duration.ofSeconds(1), List.of(" ")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("backends");
      assertThatThrownBy(() -> new QueryOptions(5, Duration.ofSeconds(1), Arrays.asList("a", null)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("backends");
    }

    @Test
    void theBackendsAreCopied() {
      List<String> names = new ArrayList<>(List.of("a"));
      QueryOptions options = new QueryOptions(5, Duration.ofSeconds(1), names);
      names.add("b");

      assertThat(options.backends()).containsExactly("a");
      assertThatThrownBy(() -> options.backends().add("c")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void theWithersChangeOneFieldAndValidate() {
      QueryOptions options = QueryOptions.defaults().withLimit(3).withTimeout(Duration.ofMillis(250)).withBackends(List.of("clock"));

      assertThat(options).isEqualTo(new QueryOptions(3, Duration.ofMillis(250), List.of("clock")));
      assertThat(options.withBackends(null).backends()).isNull();
      assertThatThrownBy(() -> options.withLimit(0)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> options.withTimeout(Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Nested
  class Requests {

    @Test
    void toRequestWritesTheQueryAndEveryOption() {
      JsonObject request = new QueryOptions(3, Duration.ofMillis(250), List.of("clock", "calculator")).toRequest("what time is it");

      assertThat(request).isEqualTo(new JsonObject().put("query", "what time is it").put("limit", 3).put("timeout_ms", 250L)
        .put("backends", new JsonArray().add("clock").add("calculator")));
    }

    @Test
    void toRequestLeavesOutBackendsWhenEveryBackendIsAsked() {
      assertThat(QueryOptions.defaults().toRequest("q").containsKey("backends")).isFalse();
    }

    @Test
    void fromRequestReadsWhatToRequestWrote() {
      QueryOptions options = new QueryOptions(7, Duration.ofMillis(1234), List.of("wolfram"));

      assertThat(QueryOptions.fromRequest(options.toRequest("q"))).isEqualTo(options);
      assertThat(QueryOptions.fromRequest(new JsonObject(options.toRequest("q").encode()))).isEqualTo(options);
      assertThat(QueryOptions.fromRequest(QueryOptions.defaults().toRequest("q"))).isEqualTo(QueryOptions.defaults());
    }

    @Test
    void aWholeNumberWrittenAsADoubleIsAccepted() {
      assertThat(QueryOptions.fromRequest(new JsonObject().put("limit", 4.0)).limit()).isEqualTo(4);
    }

    static Stream<Arguments> badRequests() {
      return Stream.of(
        Arguments.of(new JsonObject().put("limit", "ten"), "limit"),
        Arguments.of(new JsonObject().put("limit", 2.5), "limit"),
        Arguments.of(new JsonObject().put("limit", 0), "limit"),
        Arguments.of(new JsonObject().put("limit", 101), "limit"),
        Arguments.of(new JsonObject().put("limit", 1e12), "limit"),
        Arguments.of(new JsonObject().put("limit", true), "limit"),
        Arguments.of(new JsonObject().put("timeout_ms", "soon"), "timeout_ms"),
        Arguments.of(new JsonObject().put("timeout_ms", 0), "timeout_ms"),
        Arguments.of(new JsonObject().put("timeout_ms", -100), "timeout_ms"),
        Arguments.of(new JsonObject().put("timeout_ms", 60_001), "timeout_ms"),
        Arguments.of(new JsonObject().put("timeout_ms", 3_000_000_000L), "timeout_ms"),
        Arguments.of(new JsonObject().put("timeout_ms", 1.5), "timeout_ms"),
        Arguments.of(new JsonObject().put("backends", "clock"), "backends"),
        Arguments.of(new JsonObject().put("backends", new JsonObject()), "backends"),
        Arguments.of(new JsonObject().put("backends", new JsonArray().add(1)), "backends"),
        Arguments.of(new JsonObject().put("backends", new JsonArray().add("")), "backends"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRequests")
    void aBadFieldIsRefusedNamingIt(JsonObject request, String field) {
      assertThatThrownBy(() -> QueryOptions.fromRequest(request))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(field);
    }
  }
}
