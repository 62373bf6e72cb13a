package dev.otpx.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/** What the jar tests read out of the bridge's frames, the same way in each. */
final class BridgeFrames {

  private BridgeFrames() {
  }

  /** The body of a reply frame; fails the test, showing the frame, when it is a refusal. */
  static JsonObject reply(JsonObject frame) {
    assertThat(frame.getString("type")).as(frame.encode()).isEqualTo("rec");
    return frame.getJsonObject("body");
  }

  /** The ids of a list of annotations, in its order. */
  static List<Long> ids(JsonArray annotations) {
    List<Long> ids = new ArrayList<>();
    annotations.forEach(a -> ids.add(((JsonObject) a).getLong("id")));
    return ids;
  }
}
