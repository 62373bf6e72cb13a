package dev.otpx.store;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Objects;

/**
 * One stored annotation: a remark by a user at a moment of a video.
 *
 * @param id its id, given by the database: unique, growing, never reused
 * @param videoId the video it belongs to
 * @param username who wrote it (a person, or an InfoSys backend)
 * @param body the text
 * @param at where in the video, in milliseconds
 */
public record Annotation(long id, long videoId, String username, String body, long at) {

  /** Checks every field. */
  public Annotation {
    Objects.requireNonNull(username, "username");
    Objects.requireNonNull(body, "body");
  }

  /**
   * The annotation as the channels send it to browsers (the shape the in-memory store had).
   *
   * @return {@code {"id", "user": {"username"}, "body", "at"}}
   */
  public JsonObject toJson() {
    return new JsonObject()
      .put("id", id)
      .put("user", new JsonObject().put("username", username))
      .put("body", body)
      .put("at", at);
  }

  /**
   * A list of annotations as JSON, in the same order.
   *
   * @param annotations the annotations
   * @return an array of {@link #toJson()}
   */
  public static JsonArray toJson(List<Annotation> annotations) {
    JsonArray array = new JsonArray();
    annotations.forEach(annotation -> array.add(annotation.toJson()));
    return array;
  }
}
