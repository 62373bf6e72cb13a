package dev.otpx.store;

import io.vertx.core.json.JsonObject;
import java.util.Objects;

/**
 * A user as the rest of otpx sees it: never with its password hash.
 *
 * @param id its id
 * @param username its name, in normal (lower-case) form
 * @param kind a person or an InfoSys backend
 */
public record User(long id, String username, Kind kind) {

  /** Who a user is. */
  public enum Kind {
    /** Someone who signs in with a password. */
    PERSON,
    /** An InfoSys backend, whose answers are annotations by it; it has no password and cannot sign in. */
    BACKEND
  }

  /** Checks every field. */
  public User {
    Objects.requireNonNull(username, "username");
    Objects.requireNonNull(kind, "kind");
  }

  /** @return {@code {"id", "username"}} */
  public JsonObject toJson() {
    return new JsonObject().put("id", id).put("username", username);
  }
}
