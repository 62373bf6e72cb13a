package dev.otpx.infosys.backends.calculator;

import dev.otpx.infosys.Backend;
import dev.otpx.infosys.ComputeOptions;
import dev.otpx.infosys.Result;
import io.vertx.core.Future;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import net.objecthunter.exp4j.ExpressionBuilder;
import net.objecthunter.exp4j.function.Functions;

/**
 * An offline InfoSys backend that answers arithmetic questions, so the application is useful with no
 * internet and no API key: "what is 2 + 2" → {@code 4}, "calculate sqrt(16) * 3" → {@code 12},
 * "what's 10 / 4" → {@code 2.5}, "what is 7 times 6" → {@code 42}, "15% of 80" → {@code 12}.
 *
 * <p>The expression is evaluated by exp4j, not by a parser of our own. Before that, a leading
 * phrase ("what is", "what's", "how much is", "calculate", "compute", "evaluate", "solve") and
 * trailing punctuation or {@code =} are dropped, and a few words become operators: {@code plus},
 * {@code minus}, {@code times}, {@code multiplied by}, {@code x} between numbers, {@code divided
 * by}, {@code to the power of}, {@code squared}, {@code cubed}, {@code mod}, {@code square root of}
 * and {@code N% of M} (or {@code N percent of M}). exp4j supplies {@code + - * / ^ %} (where
 * {@code %} alone is the remainder), its built-in functions ({@code sqrt}, {@code sin},
 * {@code log}, …) and the constants {@code pi} and {@code e}.
 *
 * <p>The answer's text is just the number: integers without {@code .0}, other values rounded to 10
 * significant digits and written without an exponent between 10<sup>-6</sup> and 10<sup>15</sup>
 * (beyond that, as {@code 1E+20}). A result of a function or of {@code pi} whose magnitude is below
 * 10<sup>-12</sup> is shown as {@code 0}, because it is rounding residue: {@code sin(pi)} is
 * 1.2&times;10<sup>-16</sup> in doubles.
 *
 * <p><b>Scoring.</b> An expression that parsed and evaluated to a finite number scores {@value
 * #SCORE}: the arithmetic is exact to the precision shown, so it outranks any guess. It stays just
 * below WolframAlpha's 95 on purpose: when both answer, Wolfram's reply reads the question as a
 * whole (units, precise forms such as fractions and roots) and ours only the arithmetic in it.
 *
 * <p><b>What it does not answer</b> (no result, never a failure): anything that is not wholly an
 * expression once the phrasing above is removed ("what is the capital of France", "hello"); a
 * word that is not one of exp4j's functions or constants ("what is pie" is not pi&times;e); a bare
 * number such as "42", which is not a calculation; division by zero, NaN or infinity (so
 * {@code 9^9^9}, which overflows, gives nothing); queries longer than {@value #MAX_QUERY_LENGTH}
 * characters and expressions longer than {@value #MAX_EXPRESSION_LENGTH}; and queries that arrive
 * already cancelled. Only a bug in this class fails the returned future.
 *
 * <p>{@link #compute} answers synchronously (the work is a few microseconds under the caps above),
 * so it never blocks its context and holds no timers to cancel.
 */
public final class CalculatorBackend implements Backend {

  /** The backend's name, {@value}. */
  public static final String NAME = "calculator";

  /** The score of every answer, {@value}: confident, and below WolframAlpha's 95. */
  public static final double SCORE = 90;

  /** The longest query looked at, {@value}; longer ones get no result without being read. */
  public static final int MAX_QUERY_LENGTH = 1000;

  /** The longest expression evaluated, {@value}, once the phrasing is removed. */
  public static final int MAX_EXPRESSION_LENGTH = 200;

  /** Below this magnitude, a result computed with functions or pi is rounding residue: zero. */
  private static final double RESIDUE = 1e-12;

  private static final MathContext SIGNIFICANT = new MathContext(10, RoundingMode.HALF_UP);

  private static final Pattern LEADING_PHRASE = Pattern.compile(
    "^(?:(?:please|can you|could you)\\s+)?"
      + "(?:what\\s+is|what's|whats|how\\s+much\\s+is|calculate|compute|evaluate|solve|work\\s+out)"
      + "(?:\\s+the(?:\\s+value\\s+of)?)?\\s+");

  private static final Pattern TRAILING_NOISE = Pattern.compile("[\\s?!.=]+$");

  /** Word operators, applied in order: longer phrases before the words inside them. */
  private static final List<Rewrite> REWRITES = List.of(
    new Rewrite("[×·∙]", "*"),
    new Rewrite("÷", "/"),
    new Rewrite("[−–]", "-"),
    new Rewrite("\\*\\*", "^"),
    // A thousands separator: "1,000,000" is one number. Commas between arguments stay.
    new Rewrite("(?<=\\d),(?=\\d{3}(?!\\d))", ""),
    new Rewrite("(\\d+(?:\\.\\d+)?)\\s*(?:%|\\s+percent)\\s+of\\b", "($1/100)*"),
    new Rewrite("\\bsquare\\s+root\\s+of\\b", " sqrt "),
    new Rewrite("\\bcube\\s+root\\s+of\\b", " cbrt "),
    new Rewrite("\\b(?:raised\\s+)?to\\s+the\\s+power\\s+of\\b", "^"),
    new Rewrite("\\braised\\s+to\\b", "^"),
    new Rewrite("\\bmultiplied\\s+by\\b", "*"),
    new Rewrite("\\btimes\\b", "*"),
    new Rewrite("\\bdivided\\s+by\\b", "/"),
    new Rewrite("\\bplus\\b", "+"),
    new Rewrite("\\bminus\\b", "-"),
    new Rewrite("\\bmod(?:ulo)?\\b", "%"),
    new Rewrite("\\bsquared\\b", "^2"),
    new Rewrite("\\bcubed\\b", "^3"),
    new Rewrite("(?<=[\\d)])\\s*x\\s*(?=[\\d(.])", "*"));

  /** What exp4j can read; anything else (quotes, letters of other scripts, &) means not math. */
  private static final Pattern ALLOWED = Pattern.compile("[0-9a-z.+\\-*/^%(),\\sπφ]+");

  private static final Pattern WORD = Pattern.compile("[a-z]+");

  private static final Pattern BARE_NUMBER = Pattern.compile("[+-]?\\s*(?:\\d+\\.?\\d*|\\.\\d+)(?:e[+-]?\\d+)?");

  private record Rewrite(Pattern pattern, String replacement) {
    Rewrite(String regex, String replacement) {
      this(Pattern.compile(regex), replacement);
    }

    String apply(String text) {
      return pattern.matcher(text).replaceAll(replacement);
    }
  }

  /** Creates the backend; it needs no configuration. */
  public CalculatorBackend() {
  }

  @Override
  public String name() {
    return NAME;
  }

  /**
   * Evaluates the arithmetic in a question.
   *
   * @param query the question, e.g. "what is 2 + 2"
   * @param options only the cancellation is read: a query already cancelled gets no result
   * @return one result scored {@value #SCORE} with the value as its text, or none when the query is
   *     not arithmetic or has no finite value; failed only by a bug in this class
   */
  @Override
  public Future<List<Result>> compute(String query, ComputeOptions options) {
    try {
      Objects.requireNonNull(query, "query");
      if (options.cancellation().cancelled()) {
        return Future.succeededFuture(List.of());
      }
      return Future.succeededFuture(answer(query).map(text -> List.of(Result.of(NAME, text, SCORE))).orElse(List.of()));
    } catch (RuntimeException bug) {
      return Future.failedFuture(bug);
    }
  }

  /** The value's text, or empty when the query is not a calculation with a finite value. */
  static Optional<String> answer(String query) {
    return expressionOf(query).flatMap(expression -> evaluate(expression)
      .flatMap(value -> format(value, usesInexactTerms(expression))));
  }

  /** The expression in a question, or empty when what is left is not something exp4j could read. */
  static Optional<String> expressionOf(String query) {
    if (query.length() > MAX_QUERY_LENGTH) {
      return Optional.empty();
    }
    String text = query.toLowerCase(Locale.ROOT).replace('’', '\'').strip();
    text = TRAILING_NOISE.matcher(text).replaceAll("");
    text = LEADING_PHRASE.matcher(text).replaceFirst("");
    for (Rewrite rewrite : REWRITES) {
      text = rewrite.apply(text);
    }
    text = text.strip().replaceAll("\\s+", " ");
    if (text.isEmpty() || text.length() > MAX_EXPRESSION_LENGTH || !ALLOWED.matcher(text).matches()
      || BARE_NUMBER.matcher(text).matches() || !onlyKnownWords(text)) {
      return Optional.empty();
    }
    return Optional.of(text);
  }

  /**
   * Whether every word is one of exp4j's functions or constants. exp4j multiplies adjacent names
   * implicitly, so without this check "pie" would be read as pi&times;e.
   */
  private static boolean onlyKnownWords(String expression) {
    Matcher words = WORD.matcher(expression);
    while (words.find()) {
      String word = words.group();
      if (!word.equals("pi") && !word.equals("e") && Functions.getBuiltinFunction(word) == null) {
        return false;
      }
    }
    return true;
  }

  /** Whether the value went through a function or an irrational constant, so carries rounding residue. */
  private static boolean usesInexactTerms(String expression) {
    Matcher words = WORD.matcher(expression);
    while (words.find()) {
      if (words.group().length() > 1) {
        return true;
      }
    }
    return expression.indexOf('π') >= 0 || expression.indexOf('φ') >= 0;
  }

  /** exp4j's value, or empty when it cannot read the expression or refuses it (division by zero). */
  private static Optional<Double> evaluate(String expression) {
    try {
      return Optional.of(new ExpressionBuilder(expression).build().evaluate());
    } catch (RuntimeException notArithmetic) {
      // exp4j signals bad input with IllegalArgumentException, ArithmeticException and, for
      // inputs such as "()", EmptyStackException: all mean "no answer", none is our bug.
      return Optional.empty();
    }
  }

  /** The value for people, or empty when it is not a finite number. */
  static Optional<String> format(double value, boolean inexactTerms) {
    if (!Double.isFinite(value)) {
      return Optional.empty();
    }
    double magnitude = Math.abs(value);
    if (value == 0 || (inexactTerms && magnitude < RESIDUE)) {
      return Optional.of("0");
    }
    if (value == Math.rint(value) && magnitude < 1e15) {
      return Optional.of(Long.toString((long) value));
    }
    BigDecimal rounded = BigDecimal.valueOf(value).round(SIGNIFICANT).stripTrailingZeros();
    return Optional.of(magnitude >= 1e-6 && magnitude < 1e15 ? rounded.toPlainString() : rounded.toString());
  }
}
