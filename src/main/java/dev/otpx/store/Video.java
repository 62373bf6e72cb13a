package dev.otpx.store;

import io.vertx.core.json.JsonObject;
import java.util.Objects;

/**
 * A video people annotate; its channel topic is {@code videos:<id>}.
 *
 * @param id its id
 * @param username who added it
 * @param title its title
 * @param url where it is watched
 */
public record Video(long id, String username, String title, String url) {

  /** Checks every field. */
  public Video {
    Objects.requireNonNull(username, "username");
    Objects.requireNonNull(title, "title");
    Objects.requireNonNull(url, "url");
  }

  /** @return {@code {"id", "title", "url", "user": {"username"}}} */
  public JsonObject toJson() {
    return new JsonObject()
      .put("id", id)
      .put("title", title)
      .put("url", url)
      .put("user", new JsonObject().put("username", username));
  }
}
