package dev.otpx.infosys.backends.calculator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otpx.infosys.Backend;
import dev.otpx.infosys.Cancellation;
import dev.otpx.infosys.ComputeOptions;
import dev.otpx.infosys.Result;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

@ExtendWith(VertxExtension.class)
class CalculatorBackendTest {

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

  private final CalculatorBackend calculator = new CalculatorBackend();

  /** The backend answers at once; bad input is no result, never a failure. */
  private List<Result> ask(String query) {
    Future<List<Result>> answer = calculator.compute(query, OPTIONS);
    assertThat(answer.succeeded()).as("compute(%s) succeeded at once", query).isTrue();
    return answer.result();
  }

  private String valueOf(String query) {
    List<Result> results = ask(query);
    assertThat(results).as("results for %s", query).hasSize(1);
    return results.get(0).text();
  }

  @Nested
  class Contract {

    @Test
    void isABackendNamedCalculator() {
      Backend backend = new CalculatorBackend();
      assertThat(backend.name()).isEqualTo("calculator");
    }

    @Test
    void whatIsTwoPlusTwoIsExactlyOneResultFourScoredNinety() {
      assertThat(ask("what is 2 + 2")).containsExactly(new Result("calculator", "4", 90));
    }

    @Test
    void scoresBelowWolframAlphaSoThatWolframWinsWhenBothAnswer() {
      assertThat(CalculatorBackend.SCORE).isEqualTo(90).isLessThan(95);
    }

    @Test
    void answersOnAVertxContext(Vertx vertx, VertxTestContext ctx) {
      vertx.getOrCreateContext().runOnContext(v -> calculator.compute("what's 10 / 4", OPTIONS)
        .onComplete(ctx.succeeding(results -> ctx.verify(() -> {
          assertThat(results).containsExactly(Result.of("calculator", "2.5", 90));
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
      Future<List<Result>> answer = calculator.compute("2+2", new ComputeOptions(1, Duration.ZERO, cancelled));
      assertThat(answer.result()).isEmpty();
    }

    @Test
    void aNullQueryFailsTheFutureInsteadOfThrowing() {
      Future<List<Result>> answer = calculator.compute(null, OPTIONS);
      assertThat(answer.failed()).isTrue();
      assertThat(answer.cause()).isInstanceOf(NullPointerException.class).hasMessage("query");
    }
  }

  @Nested
  class FindingTheExpression {

    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource(delimiter = '|', value = {
      "what is 2 + 2|4",
      "What is 2+2?|4",
      "2+2|4",
      "2 + 2 =|4",
      "calculate sqrt(16) * 3|12",
      "what's 10 / 4|2.5",
      "whats 10/4|2.5",
      "how much is 6 / 4|1.5",
      "compute (1+2)^3|27",
      "evaluate sin(pi/2)|1",
      "please calculate 2 * 21|42",
      "what is the value of 2^10|1024",
    })
    void readsTheArithmeticInANaturalQuestion(String query, String value) {
      assertThat(valueOf(query)).isEqualTo(value);
    }

    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource(delimiter = '|', value = {
      "what is 7 times 6|42",
      "7 x 6|42",
      "7x6|42",
      "3 × 4|12",
      "12 multiplied by 3|36",
      "what is 1 divided by 4|0.25",
      "8 ÷ 2|4",
      "what is 10 minus 3 plus 2|9",
      "2 to the power of 10|1024",
      "2 raised to 3|8",
      "2 ** 5|32",
      "5 squared|25",
      "2 cubed|8",
      "10 mod 3|1",
      "what is the square root of 16|4",
      "cube root of 27|3",
      "what is 15% of 80|12",
      "15 percent of 80|12",
      "1,000,000 + 1|1000001",
    })
    void readsWordOperators(String query, String value) {
      assertThat(valueOf(query)).isEqualTo(value);
    }

    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource(delimiter = '|', value = {
      "log10(1000)|3",
      "abs(-3) + floor(2.7)|5",
      "-2^2|-4",
      "2^3^2|512",
      "2pi|6.283185307",
      "what is pi|3.141592654",
      "e^2|7.389056099",
      "1e3 + 1|1001",
    })
    void leavesFunctionsPrecedenceAndConstantsToExp4j(String query, String value) {
      assertThat(valueOf(query)).isEqualTo(value);
    }
  }

  @Nested
  class FormattingTheValue {

    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource(delimiter = '|', value = {
      "2.5 * 4|10",
      "123456789012 * 1|123456789012",
      "10 - 12|-2",
      "0 * -1|0",
    })
    void writesIntegersWithoutAFraction(String query, String value) {
      assertThat(valueOf(query)).isEqualTo(value);
    }

    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource(delimiter = '|', value = {
      "1/3|0.3333333333",
      "2/3|0.6666666667",
      "0.1 + 0.2|0.3",
      "1/8|0.125",
      "22/7 * 1000|3142.857143",
      "1/1024|0.0009765625",
    })
    void roundsOtherValuesToTenSignificantDigitsWithoutAnExponent(String query, String value) {
      assertThat(valueOf(query)).isEqualTo(value);
    }

    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource(delimiter = '|', value = {
      "10^20|1E+20",
      "2^60|1.152921505E+18",
      "1/10^7|1E-7",
    })
    void usesAnExponentOnlyForVeryLargeOrSmallValues(String query, String value) {
      assertThat(valueOf(query)).isEqualTo(value);
    }

    @Test
    void showsTheRoundingResidueOfFunctionsAsZero() {
      assertThat(valueOf("sin(pi)")).isEqualTo("0");
      assertThat(valueOf("cos(pi/2)")).isEqualTo("0");
    }
  }

  @Nested
  class NoResult {

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {
      "what is the capital of France", "hello", "what time is it", "what is love", "what is pie",
      "who is 2 + 2", "2 + 2 please", "what is 'a' + 1", "", "   ", "?",
    })
    void whenTheQueryIsNotArithmetic(String query) {
      assertThat(ask(query)).isEmpty();
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"42", "what is 42", "-5", "3.14", "1e3"})
    void whenTheQueryIsABareNumber(String query) {
      assertThat(ask(query)).isEmpty();
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"1/0", "what is 1 divided by 0", "10 % 0", "10 mod 0"})
    void onDivisionByZero(String query) {
      assertThat(ask(query)).isEmpty();
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"0/0 * 1", "sqrt(-1)", "9^9^9", "10^300 * 10^300", "log(0)", "0^-1"})
    void whenTheValueIsNaNOrInfinite(String query) {
      assertThat(ask(query)).isEmpty();
    }

    @ParameterizedTest(name = "\"{0}\"")
    @ValueSource(strings = {"2 +", "(2", "()", "2 3", "sqrt", "1,5", "* 2"})
    void whenTheExpressionIsMalformed(String query) {
      assertThat(ask(query)).isEmpty();
    }

    @Test
    void whenTheExpressionIsLongerThanTheCap() {
      String longest = "1" + "+1".repeat((CalculatorBackend.MAX_EXPRESSION_LENGTH - 1) / 2);
      assertThat(longest).hasSizeLessThanOrEqualTo(CalculatorBackend.MAX_EXPRESSION_LENGTH);
      assertThat(valueOf(longest)).isEqualTo(String.valueOf(1 + (CalculatorBackend.MAX_EXPRESSION_LENGTH - 1) / 2));
      assertThat(ask(longest + "+1")).isEmpty();
    }

    @Test
    void whenTheQueryIsHugeWithoutReadingIt() {
      assertThat(ask("what is " + "(".repeat(100_000) + "1" + ")".repeat(100_000))).isEmpty();
      assertThat(ask("1+".repeat(CalculatorBackend.MAX_QUERY_LENGTH) + "1")).isEmpty();
    }
  }
}
