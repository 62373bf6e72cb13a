package dev.otpx.bench;

import dev.otpx.channels.auth.InvalidTokenException;
import dev.otpx.channels.auth.Tokens;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.Message;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.bridge.PermittedOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.sockjs.BridgeEvent;
import io.vertx.ext.web.handler.sockjs.SockJSBridgeOptions;
import io.vertx.ext.web.handler.sockjs.SockJSHandler;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The raw baseline of the channels benchmark: the channel protocol (join, push, leave) served by
 * one plain Vert.x verticle through {@code SockJSHandler.bridge} at {@code /eventbus/*}, with no
 * otpx runtime: no processes, no router, no presence. It is what a competent Vert.x user would
 * write for the same wire protocol, so that the benchmark can show what otpx's channels cost.
 *
 * <p>The bridge permits the addresses otpx's does ({@code channels.join/push/leave},
 * {@code counter}, {@code infosys} inbound; {@code channels.topic.videos:<digits>} outbound). The
 * hook verifies the same HMAC token on every SEND and REGISTER, refuses publishes and stamps the
 * verified {@code user} into bodies for {@code channels.*}. Annotations are kept in memory, one
 * list per topic; like otpx, a join answers those newer than {@code last_seen_id} ordered by
 * {@code at} then {@code id}, at most 500. A bad request fails with {@code bad_request: ...}.
 *
 * <p>One instance, like otpx's {@code HttpVerticle}: every socket is served on this verticle's
 * event loop, and so are the channel consumers, whose state only that loop touches.
 */
public final class RawChannelServer extends VerticleBase {

  private static final Pattern TOPIC = Pattern.compile("videos:[0-9]{1,18}");
  private static final String TOPIC_PREFIX = "channels.topic.";
  private static final int HISTORY_LIMIT = 500;
  private static final int MAX_BODY_LENGTH = 1000;
  private static final Comparator<JsonObject> ORDER =
    Comparator.<JsonObject>comparingLong(a -> a.getLong("at")).thenComparingLong(a -> a.getLong("id"));

  private final Tokens tokens;
  private final Map<String, List<JsonObject>> annotations = new HashMap<>();
  private HttpServer server;

  /** @param tokens verifies the session tokens */
  public RawChannelServer(Tokens tokens) {
    this.tokens = Objects.requireNonNull(tokens, "tokens");
  }

  @Override
  public Future<?> start() {
    SockJSBridgeOptions bridge = new SockJSBridgeOptions()
      .addOutboundPermitted(new PermittedOptions().setAddressRegex("channels\\.topic\\.videos:[0-9]{1,18}"));
    for (String address : List.of("channels.join", "channels.push", "channels.leave", "counter", "infosys")) {
      bridge.addInboundPermitted(new PermittedOptions().setAddress(address));
    }
    Router router = Router.router(vertx);
    router.route("/eventbus/*").subRouter(SockJSHandler.create(vertx).bridge(bridge, this::hook));
    Future<?> consumers = Future.all(
      vertx.eventBus().<JsonObject>consumer("channels.join", this::join).completion(),
      vertx.eventBus().<JsonObject>consumer("channels.push", this::push).completion(),
      vertx.eventBus().<JsonObject>consumer("channels.leave", m -> m.reply(new JsonObject().put("status", "ok"))).completion());
    return consumers
      .compose(v -> vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1"))
      .onSuccess(listening -> server = listening);
  }

  /** @return the port the server listens on (a free one on 127.0.0.1) */
  public int actualPort() {
    return server.actualPort();
  }

  private void hook(BridgeEvent event) {
    switch (event.type()) {
      case SEND, REGISTER -> {
        JsonObject raw = event.getRawMessage();
        JsonObject headers = raw.getJsonObject("headers");
        String username;
        try {
          username = tokens.verify(headers == null ? null : headers.getString("token"));
        } catch (InvalidTokenException | ClassCastException e) {
          event.complete(false);
          return;
        }
        headers.remove("token");
        if (raw.getValue("body") instanceof JsonObject body && raw.getString("address", "").startsWith("channels.")) {
          body.put("user", new JsonObject().put("username", username));
        }
        event.complete(true);
      }
      case PUBLISH -> event.complete(false);
      default -> event.complete(true);
    }
  }

  private void join(Message<JsonObject> message) {
    JsonObject body = message.body();
    String topic = body.getString("topic");
    if (topic == null || !TOPIC.matcher(topic).matches() || !(body.getValue("last_seen_id") instanceof Number seen)) {
      message.fail(400, "bad_request: topic and last_seen_id are required");
      return;
    }
    List<JsonObject> newer = new ArrayList<>();
    for (JsonObject annotation : annotations.getOrDefault(topic, List.of())) {
      if (annotation.getLong("id") > seen.longValue()) {
        newer.add(annotation);
      }
    }
    newer.sort(ORDER);
    JsonArray history = new JsonArray(new ArrayList<>(newer.subList(0, Math.min(HISTORY_LIMIT, newer.size()))));
    message.reply(new JsonObject().put("annotations", history));
  }

  private void push(Message<JsonObject> message) {
    JsonObject body = message.body();
    String topic = body.getString("topic");
    JsonObject payload = body.getValue("payload") instanceof JsonObject p ? p : null;
    if (topic == null || !TOPIC.matcher(topic).matches() || !"new_annotation".equals(body.getValue("event"))
      || payload == null || !(payload.getValue("body") instanceof String text) || text.isBlank()
      || text.length() > MAX_BODY_LENGTH || !(payload.getValue("at") instanceof Number at) || at.longValue() < 0) {
      message.fail(400, "bad_request: topic, event new_annotation, payload.body and payload.at are required");
      return;
    }
    List<JsonObject> stored = annotations.computeIfAbsent(topic, t -> new ArrayList<>());
    long id = stored.size() + 1;
    JsonObject annotation = new JsonObject()
      .put("id", id)
      .put("user", body.getJsonObject("user"))
      .put("body", text)
      .put("at", at.longValue());
    stored.add(annotation);
    // The event bus copies a JsonObject per delivery, so the stored one is never shared.
    vertx.eventBus().publish(TOPIC_PREFIX + topic, new JsonObject().put("event", "new_annotation").put("payload", annotation));
    message.reply(new JsonObject().put("status", "ok").put("id", id));
  }
}
