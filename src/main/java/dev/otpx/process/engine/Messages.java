package dev.otpx.process.engine;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;

/** Message hygiene shared by every delivery path. */
final class Messages {

  private Messages() {
  }

  /**
   * Copies the mutable JSON and buffer types, as the event bus does for local delivery, so that a
   * sender that changes its object afterwards cannot change what the receiver sees. Records and
   * other immutable values pass as they are.
   *
   * @param message the message
   * @return a value the receiver owns
   */
  public static Object isolate(Object message) {
    if (message instanceof JsonObject json) {
      return json.copy();
    } else if (message instanceof JsonArray json) {
      return json.copy();
    } else if (message instanceof Buffer buffer) {
      return buffer.copy();
    }
    return message;
  }
}
