package dev.otpx.infosys;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * InfoSys's answer to one query.
 *
 * @param query the question
 * @param results best first, at most the limit
 * @param tookMs how long the answer took
 * @param cached how many backends were answered from the cache
 */
public record Answer(String query, List<Result> results, long tookMs, int cached) {

  public Answer {
    results = List.copyOf(results);
  }

  /** @return {@code {"query", "results": [...], "took_ms", "cached"}} */
  public JsonObject toJson() {
    JsonArray list = new JsonArray();
    results.forEach(r -> list.add(r.toJson()));
    return new JsonObject().put("query", query).put("results", list).put("took_ms", tookMs).put("cached", cached);
  }

  /**
   * The best results: sorted by score, highest first, stable (equal scores keep the backends'
   * order), then cut to the limit.
   *
   * @param results all results kept, in backend order (sorted in place)
   * @param limit how many to keep
   * @return the best ones
   */
  static List<Result> best(List<Result> results, int limit) {
    results.sort(Comparator.comparingDouble(Result::score).reversed());
    return results.size() > limit ? List.copyOf(results.subList(0, limit)) : results;
  }

  /**
   * @param json the JSON form
   * @return the answer
   */
  public static Answer fromJson(JsonObject json) {
    List<Result> results = new ArrayList<>();
    json.getJsonArray("results").forEach(r -> results.add(Result.fromJson(r)));
    return new Answer(json.getString("query"), results, json.getLong("took_ms"), json.getInteger("cached"));
  }
}
