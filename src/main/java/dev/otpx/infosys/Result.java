package dev.otpx.infosys;

import io.vertx.core.json.JsonObject;
import java.util.Objects;

/**
 * One answer from one backend. Scores run from 0 to 100: a confident, exact answer (a computed sum,
 * WolframAlpha's result pod) scores high; a guess scores low; results are shown highest first.
 *
 * @param backend the name of the backend that produced it
 * @param text the answer, for people
 * @param score how confident the backend is, 0 to 100
 */
public record Result(String backend, String text, double score) {

  /** The highest score. */
  public static final double MAX_SCORE = 100;

  public Result {
    if (backend == null || backend.isBlank()) {
      throw new IllegalArgumentException("result 'backend' must be a non-blank string");
    }
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("result 'text' must be a non-blank string");
    }
    if (!(score >= 0 && score <= MAX_SCORE)) {
      throw new IllegalArgumentException("result 'score' must be between 0 and 100, got " + score);
    }
  }

  /** @return {@code {"backend", "text", "score"}} */
  public JsonObject toJson() {
    return new JsonObject().put("backend", backend).put("text", text).put("score", score);
  }

  /**
   * Reads a result from the wire, refusing garbage.
   *
   * @param json the JSON form
   * @return the result
   * @throws IllegalArgumentException naming the field that is missing or wrong
   */
  public static Result fromJson(Object json) {
    if (!(json instanceof JsonObject object)) {
      throw new IllegalArgumentException("a result must be a JSON object, got " + json);
    }
    Object backend = object.getValue("backend");
    Object text = object.getValue("text");
    Object score = object.getValue("score");
    if (!(backend instanceof String) || !(text instanceof String) || !(score instanceof Number)) {
      throw new IllegalArgumentException("a result needs string 'backend' and 'text' and a numeric 'score', got " + object.encode());
    }
    return new Result((String) backend, (String) text, ((Number) score).doubleValue());
  }

  /**
   * @param backend the backend
   * @param text the answer
   * @param score the score
   * @return the result
   */
  public static Result of(String backend, String text, double score) {
    return new Result(Objects.requireNonNull(backend), text, score);
  }
}
