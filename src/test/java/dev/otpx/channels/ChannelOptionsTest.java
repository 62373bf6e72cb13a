package dev.otpx.channels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class ChannelOptionsTest {

  @Nested
  class Defaults {

    @Test
    void theDefaultsAreTheContractsOneMinuteThousandCharactersFiveHundredAnnotationsTenSeconds() {
      ChannelOptions options = ChannelOptions.defaults();

      assertThat(options.idleStop()).isEqualTo(Duration.ofMinutes(1));
      assertThat(options.maxBodyLength()).isEqualTo(1000);
      assertThat(options.historyLimit()).isEqualTo(500);
      assertThat(options.infosysTimeout()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void anEmptyOrMissingObjectGetsTheDefaults() {
      assertThat(ChannelOptions.fromJson(new JsonObject())).isEqualTo(ChannelOptions.defaults());
      assertThat(ChannelOptions.fromJson(null)).isEqualTo(ChannelOptions.defaults());
    }

    @Test
    void aNullValueTakesTheDefault() {
      assertThat(ChannelOptions.fromJson(new JsonObject().putNull("history_limit")).historyLimit()).isEqualTo(500);
    }
  }

  @Nested
  class Reading {

    @Test
    void everyKeyIsRead() {
      ChannelOptions options = ChannelOptions.fromJson(new JsonObject()
        .put("idle_stop_ms", 100).put("max_body_length", 20).put("history_limit", 3).put("infosys_timeout_ms", 250L));

      assertThat(options).isEqualTo(new ChannelOptions(Duration.ofMillis(100), 20, 3, Duration.ofMillis(250)));
    }

    @Test
    void keysTheChannelsDoNotUseAreIgnored() {
      JsonObject section = new JsonObject().put("token_max_age_s", 1_209_600).put("posts_per_second", 5)
        .put("topic", "videos:1").put("history_limit", 7);

      assertThat(ChannelOptions.fromJson(section)).isEqualTo(ChannelOptions.defaults().withHistoryLimit(7));
    }

    @Test
    void toJsonReadsBackTheSameOptions() {
      ChannelOptions options = new ChannelOptions(Duration.ofMillis(5), 6, 7, Duration.ofMillis(8), Duration.ofMillis(9), 10, 11, Duration.ofMillis(12), 13);

      assertThat(options.toJson()).isEqualTo(new JsonObject()
        .put("idle_stop_ms", 5L).put("max_body_length", 6).put("history_limit", 7).put("infosys_timeout_ms", 8L)
        .put("presence_batch_ms", 9L).put("presence_page", 10).put("presence_detail_limit", 11)
        .put("presence_large_batch_ms", 12L).put("presence_large_page", 13));
      assertThat(ChannelOptions.fromJson(options.toJson())).isEqualTo(options);
      assertThat(ChannelOptions.fromJson(new JsonObject(options.toJson().encode()))).isEqualTo(options);
    }

    @Test
    void theWithCopiesChangeOneField() {
      ChannelOptions options = ChannelOptions.defaults()
        .withIdleStop(Duration.ofMillis(1)).withMaxBodyLength(2).withHistoryLimit(3).withInfosysTimeout(Duration.ofMillis(4));

      assertThat(options).isEqualTo(new ChannelOptions(Duration.ofMillis(1), 2, 3, Duration.ofMillis(4)));
    }

    @Test
    void theLargestInfoSysTimeoutIsInfoSysOwnSixtySeconds() {
      assertThat(ChannelOptions.fromJson(new JsonObject().put("infosys_timeout_ms", 60_000)).infosysTimeout())
        .isEqualTo(Duration.ofSeconds(60));
    }
  }

  @Nested
  class Errors {

    static Stream<Arguments> badValues() {
      return Stream.of(
        Arguments.of("idle_stop_ms", 0),
        Arguments.of("idle_stop_ms", -5),
        Arguments.of("idle_stop_ms", "60000"),
        Arguments.of("idle_stop_ms", 1.5),
        Arguments.of("max_body_length", 0),
        Arguments.of("max_body_length", true),
        Arguments.of("history_limit", -1),
        Arguments.of("history_limit", new JsonObject()),
        Arguments.of("infosys_timeout_ms", 0),
        Arguments.of("infosys_timeout_ms", 60_001),
        Arguments.of("infosys_timeout_ms", "ten"),
        Arguments.of("presence_batch_ms", -1),
        Arguments.of("presence_batch_ms", 1001),
        Arguments.of("presence_page", 0),
        Arguments.of("presence_detail_limit", -1),
        Arguments.of("presence_large_batch_ms", -1),
        Arguments.of("presence_large_batch_ms", 10_001),
        Arguments.of("presence_large_page", 0));
    }

    @ParameterizedTest(name = "{0} = {1}")
    @MethodSource("badValues")
    void aBadValueIsRefusedNamingItsKey(String key, Object value) {
      JsonObject json = new JsonObject().put(key, value);

      assertThatThrownBy(() -> ChannelOptions.fromJson(json))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith(key);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1})
    void aRecordBuiltInJavaIsCheckedTheSameWay(int bad) {
      assertThatThrownBy(() -> ChannelOptions.defaults().withHistoryLimit(bad)).hasMessageStartingWith("history_limit");
      assertThatThrownBy(() -> ChannelOptions.defaults().withMaxBodyLength(bad)).hasMessageStartingWith("max_body_length");
      assertThatThrownBy(() -> ChannelOptions.defaults().withIdleStop(Duration.ofMillis(bad))).hasMessageStartingWith("idle_stop_ms");
      assertThatThrownBy(() -> ChannelOptions.defaults().withInfosysTimeout(Duration.ofMillis(bad)))
        .hasMessageStartingWith("infosys_timeout_ms");
    }

    @Test
    void nullDurationsAreRefusedNamingTheKey() {
      assertThatThrownBy(() -> new ChannelOptions(null, 1, 1, Duration.ofSeconds(1))).hasMessage("idle_stop_ms");
      assertThatThrownBy(() -> new ChannelOptions(Duration.ofSeconds(1), 1, 1, null)).hasMessage("infosys_timeout_ms");
    }
  }
}
