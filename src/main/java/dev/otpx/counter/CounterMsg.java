package dev.otpx.counter;

import io.vertx.core.json.JsonObject;

/**
 * The counter protocol, shared by both counters: {@code {"action":"inc"}} and
 * {@code {"action":"dec"}} sent, {@code {"action":"val"}} requested and answered with
 * {@code {"value": n}}. JSON on the wire because browsers and other nodes speak it over the event
 * bus; these records are its typed form inside the JVM.
 */
public sealed interface CounterMsg {

  /** Add one. */
  record Increment() implements CounterMsg {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("action", "inc");
    }
  }

  /** Take one away. */
  record Decrement() implements CounterMsg {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("action", "dec");
    }
  }

  /** Ask for the value. */
  record Value() implements CounterMsg {
    @Override
    public JsonObject toJson() {
      return new JsonObject().put("action", "val");
    }
  }

  /** @return the message as sent on the wire */
  JsonObject toJson();

  /**
   * Reads a message from the wire.
   *
   * @param body the event-bus body
   * @return the message
   * @throws IllegalArgumentException naming what is wrong: not an object, no action, unknown action
   */
  static CounterMsg fromJson(Object body) {
    if (!(body instanceof JsonObject json)) {
      throw new IllegalArgumentException("expected a JSON object like {\"action\":\"inc\"}, got " + body);
    }
    Object action = json.getValue("action");
    if (action == null) {
      throw new IllegalArgumentException("missing field 'action' (inc, dec or val)");
    }
    return switch (String.valueOf(action)) {
      case "inc" -> new Increment();
      case "dec" -> new Decrement();
      case "val" -> new Value();
      default -> throw new IllegalArgumentException("unknown action '" + action + "' (inc, dec or val)");
    };
  }

  /**
   * The answer to {@link Value}.
   *
   * @param value the counter's value
   * @return {@code {"value": n}}
   */
  static JsonObject valueReply(int value) {
    return new JsonObject().put("value", value);
  }
}
