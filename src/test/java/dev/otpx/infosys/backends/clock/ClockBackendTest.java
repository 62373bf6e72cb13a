package dev.otpx.infosys.backends.clock;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otpx.infosys.Backend;
import dev.otpx.infosys.Cancellation;
import dev.otpx.infosys.ComputeOptions;
import dev.otpx.infosys.Result;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

@ExtendWith(VertxExtension.class)
class ClockBackendTest {

  /** A query that nobody cancels. */
  private static final Cancellation NEVER = new Cancellation() {
    @Override
    public void onCancel(Runnable action) {
    }

    @Override
    public boolean cancelled() {
      return false;
    }
  };

  private static final ComputeOptions OPTIONS = new ComputeOptions(10, Duration.ofSeconds(10), NEVER);

  /** Monday 23 November 2026, 05:05 UTC: winter in the north, summer time in Sydney. */
  private static final Instant NOVEMBER = Instant.parse("2026-11-23T05:05:00Z");

  /** Wednesday 1 July 2026, 12:00 UTC: summer time in New York, Paris and London. */
  private static final Instant JULY = Instant.parse("2026-07-01T12:00:00Z");

  // The clock's own zone is deliberately not UTC: only its instant may count.
  private final ClockBackend clock = at(NOVEMBER);

  private static ClockBackend at(Instant instant) {
    return new ClockBackend(Clock.fixed(instant, ZoneId.of("Pacific/Kiritimati")));
  }

  /** The backend answers at once; bad input is no result, never a failure. */
  private static List<Result> ask(ClockBackend backend, String query) {
    Future<List<Result>> answer = backend.compute(query, OPTIONS);
    assertThat(answer.succeeded()).as("compute(%s) succeeded at once", query).isTrue();
    return answer.result();
  }

  private List<Result> ask(String query) {
    return ask(clock, query);
  }

  private String textOf(String query) {
    List<Result> results = ask(query);
    assertThat(results).as("results for %s", query).hasSize(1);
    return results.get(0).text();
  }

  @Nested
  class Contract {

    @Test
    void isABackendNamedClock() {
      Backend backend = new ClockBackend();
      assertThat(backend.name()).isEqualTo("clock");
    }

    @Test
    void theNoArgumentConstructorReadsTheSystemClock() {
      List<Result> results = ask(new ClockBackend(), "time in UTC");
      assertThat(results).singleElement().satisfies(result -> {
        assertThat(result.backend()).isEqualTo("clock");
        assertThat(result.text()).endsWith(" in UTC (UTC+00:00)");
        assertThat(result.score()).isEqualTo(80);
      });
    }

    @Test
    void answersOnAVertxContext(Vertx vertx, VertxTestContext ctx) {
      vertx.getOrCreateContext().runOnContext(v -> clock.compute("what time is it in Tokyo", OPTIONS)
        .onComplete(ctx.succeeding(results -> ctx.verify(() -> {
          assertThat(results).extracting(Result::backend).containsExactly("clock");
          ctx.completeNow();
        }))));
    }

    @Test
    void aQueryAlreadyCancelledGetsNoResult() {
      Cancellation cancelled = new Cancellation() {
        @Override
        public void onCancel(Runnable action) {
          action.run();
        }

        @Override
        public boolean cancelled() {
          return true;
        }
      };
      Future<List<Result>> answer = clock.compute("time in Tokyo", new ComputeOptions(1, Duration.ZERO, cancelled));
      assertThat(answer.result()).isEmpty();
    }

    @Test
    void aNullQueryFailsTheFutureInsteadOfThrowing() {
      Future<List<Result>> answer = clock.compute(null, OPTIONS);
      assertThat(answer.failed()).isTrue();
      assertThat(answer.cause()).isInstanceOf(NullPointerException.class).hasMessage("query");
    }
  }

  @Nested
  class NamedPlaces {

    @Test
    void tellsTheTimeInTokyoScoredEighty() {
      assertThat(ask("what time is it in Tokyo")).containsExactly(
        new Result("clock", "14:05 (Monday 23 November 2026) in Tokyo, Asia/Tokyo (UTC+09:00)", 80));
    }

    @Test
    void tellsTheTimeInNewYorkOnTheDayBefore() {
      assertThat(textOf("what time is it in New York"))
        .isEqualTo("00:05 (Monday 23 November 2026) in New York, America/New_York (UTC-05:00)");
      assertThat(ask(at(Instant.parse("2026-11-23T03:00:00Z")), "time in new york"))
        .extracting(Result::text)
        .containsExactly("22:00 (Sunday 22 November 2026) in New York, America/New_York (UTC-05:00)");
    }

    @Test
    void tellsTheTimeInAZoneIdGivenInFull() {
      assertThat(textOf("time in Europe/Paris"))
        .isEqualTo("06:05 (Monday 23 November 2026) in Paris, Europe/Paris (UTC+01:00)");
      assertThat(textOf("time in america/new_york"))
        .isEqualTo("00:05 (Monday 23 November 2026) in New York, America/New_York (UTC-05:00)");
    }

    @Test
    void tellsTheTimeInUtc() {
      assertThat(ask("time in UTC")).containsExactly(
        new Result("clock", "05:05 (Monday 23 November 2026) in UTC (UTC+00:00)", 80));
    }

    @Test
    void followsSummerTime() {
      ClockBackend july = at(JULY);
      assertThat(ask(july, "what time is it in New York")).extracting(Result::text)
        .containsExactly("08:00 (Wednesday 1 July 2026) in New York, America/New_York (UTC-04:00)");
      assertThat(ask(july, "time in Paris")).extracting(Result::text)
        .containsExactly("14:00 (Wednesday 1 July 2026) in Paris, Europe/Paris (UTC+02:00)");
      assertThat(textOf("time in Sydney"))
        .isEqualTo("16:05 (Monday 23 November 2026) in Sydney, Australia/Sydney (UTC+11:00)");
    }

    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource(delimiter = '|', value = {
      "time in Los Angeles|21:05 (Sunday 22 November 2026) in Los Angeles, America/Los_Angeles (UTC-08:00)",
      "time in los_angeles|21:05 (Sunday 22 November 2026) in Los Angeles, America/Los_Angeles (UTC-08:00)",
      "time in Kolkata|10:35 (Monday 23 November 2026) in Kolkata, Asia/Kolkata (UTC+05:30)",
      "time in Hong Kong|13:05 (Monday 23 November 2026) in Hong Kong, Asia/Hong_Kong (UTC+08:00)",
      "time in Singapore|13:05 (Monday 23 November 2026) in Singapore, Asia/Singapore (UTC+08:00)",
      "time in Pacific|21:05 (Sunday 22 November 2026) in Pacific, US/Pacific (UTC-08:00)",
      "time in Japan|14:05 (Monday 23 November 2026) in Japan (UTC+09:00)",
    })
    void findsACityByTheLastPartOfItsZoneId(String query, String text) {
      assertThat(textOf(query)).isEqualTo(text);
    }

    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource(delimiter = '|', value = {
      "time in San Francisco|21:05 (Sunday 22 November 2026) in San Francisco, America/Los_Angeles (UTC-08:00)",
      "time in beijing|13:05 (Monday 23 November 2026) in Beijing, Asia/Shanghai (UTC+08:00)",
      "time in New Delhi|10:35 (Monday 23 November 2026) in New Delhi, Asia/Kolkata (UTC+05:30)",
      "time in Delhi|10:35 (Monday 23 November 2026) in Delhi, Asia/Kolkata (UTC+05:30)",
      "time in Mumbai|10:35 (Monday 23 November 2026) in Mumbai, Asia/Kolkata (UTC+05:30)",
      "time in Washington|00:05 (Monday 23 November 2026) in Washington, America/New_York (UTC-05:00)",
      "time in Washington D.C.|00:05 (Monday 23 November 2026) in Washington DC, America/New_York (UTC-05:00)",
      "time in St. Petersburg|08:05 (Monday 23 November 2026) in St Petersburg, Europe/Moscow (UTC+03:00)",
    })
    void findsCommonCitiesThatAreNotZoneIds(String query, String text) {
      assertThat(textOf(query)).isEqualTo(text);
    }

    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource(delimiter = '|', value = {
      "time in UTC+5|10:05 (Monday 23 November 2026) in UTC+05:00",
      "time in gmt-3:30|01:35 (Monday 23 November 2026) in UTC-03:30",
      "time in GMT|05:05 (Monday 23 November 2026) in GMT (UTC+00:00)",
    })
    void readsFixedOffsets(String query, String text) {
      assertThat(textOf(query)).isEqualTo(text);
    }

    @Test
    void dropsWhatFollowsACommaWhenTheWholeIsUnknown() {
      assertThat(textOf("what time is it in Tokyo, Japan"))
        .isEqualTo("14:05 (Monday 23 November 2026) in Tokyo, Asia/Tokyo (UTC+09:00)");
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"what time is it in Atlantis", "time in Middle Earth", "time in utc+19", "time in the office"})
    void answersNothingForAnUnknownPlace(String query) {
      assertThat(ask(query)).isEmpty();
    }
  }

  @Nested
  class NoPlace {

    @Test
    void answersInUtcScoredFortyAsAGuess() {
      assertThat(ask("what time is it")).containsExactly(
        new Result("clock", "05:05 (Monday 23 November 2026) in UTC (UTC+00:00)", 40));
    }

    @Test
    void scoresBelowANamedPlace() {
      assertThat(ClockBackend.UTC_SCORE).isLessThan(ClockBackend.PLACE_SCORE);
    }

    @Test
    void leadsWithTheDateWhenAskedForTheDate() {
      assertThat(ask("what is today's date")).containsExactly(
        new Result("clock", "Monday 23 November 2026 (05:05) in UTC (UTC+00:00)", 40));
    }
  }

  @Nested
  class Questions {

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {
      "what time is it in Tokyo", "What time is it in Tokyo?", "what's the time in Tokyo",
      "what’s the time in tokyo right now", "what time is it now in Tokyo", "what is the current time in Tokyo",
      "time in Tokyo", "current time in Tokyo", "local time in Tokyo", "tell me the time in Tokyo",
      "clock in Tokyo", "time in Asia/Tokyo", "what time is it in tokyo now",
    })
    void understandsManyWaysToAskTheTime(String query) {
      assertThat(textOf(query)).isEqualTo("14:05 (Monday 23 November 2026) in Tokyo, Asia/Tokyo (UTC+09:00)");
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {
      "what's the date in New York", "what is the date in new york", "what day is it in New York",
      "what is the date today in New York", "date in New York",
    })
    void leadsWithTheDateForDateQuestions(String query) {
      assertThat(textOf(query))
        .isEqualTo("Monday 23 November 2026 (00:05) in New York, America/New_York (UTC-05:00)");
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {
      "what is 2+2", "what is the capital of France", "hello", "what is time",
      "how much time does it take to boil an egg", "what is the time complexity of quicksort",
      "tokyo", "timer in Tokyo", "", "   ",
    })
    void answersNothingThatIsNotATimeQuestion(String query) {
      assertThat(ask(query)).isEmpty();
    }

    @Test
    void answersNothingForAQueryLongerThanTheCap() {
      String query = "what time is it in " + "x".repeat(ClockBackend.MAX_QUERY_LENGTH);
      assertThat(ask(query)).isEmpty();
    }
  }
}
