package dev.otpx.channels;

import dev.otpx.channels.auth.Tokens;
import dev.otpx.infosys.BackendServer;
import dev.otpx.infosys.FakeBackend;
import dev.otpx.infosys.InfoSysServer;
import dev.otpx.process.DynamicSupervisor;
import dev.otpx.process.GenServer;
import dev.otpx.process.Pid;
import dev.otpx.process.Supervisor;
import dev.otpx.process.SupervisorSpec;
import dev.otpx.store.Annotation;
import dev.otpx.store.Store;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Predicate;

/**
 * Starting the channel processes the way the application does, speaking to them the way the
 * bridge's hook does (with {@code user} and {@code socket_id} in every body), and watching a topic's
 * broadcasts without sleeping.
 */
final class ChannelFixtures {

  static final String TOPIC = "videos:1";

  private ChannelFixtures() {
  }

  /** The topics' dynamic supervisor, registered as {@code channels.topics}. */
  static Future<Pid> startTopics(Vertx vertx) {
    return Supervisor.start(vertx, SupervisorSpec.dynamic(3, 5, DynamicSupervisor.UNLIMITED), ChannelAddresses.TOPICS);
  }

  /** The topics' supervisor and the router, as the application's tree starts them. */
  static Future<Pid> startChannels(Vertx vertx, ChannelOptions options) {
    return startTopics(vertx).compose(sup -> GenServer.start(vertx, new ChannelRouter(),
      new DeploymentOptions().setConfig(options.toJson()), ChannelAddresses.JOIN));
  }

  /**
   * InfoSys and the channels behind the real bridge, on an HTTP server at a free port: what a
   * browser reaches. The node's store must be shared first.
   *
   * @return the server's port
   */
  static Future<Integer> serveBridge(Vertx vertx, Tokens tokens, ChannelOptions options) {
    Router router = Router.router(vertx);
    ChannelsBridge.mount(router, vertx, tokens, BridgeLimits.DEFAULTS, ChannelsBridge.COUNTER);
    return startInfoSys(vertx, new JsonObject())
      .compose(pid -> startChannels(vertx, options))
      .compose(pid -> vertx.createHttpServer(ChannelsBridge.serverOptions(BridgeLimits.DEFAULTS, new HttpServerOptions()))
        .requestHandler(router).listen(0))
      .map(HttpServer::actualPort);
  }

  /** InfoSys with one fake backend named calculator; {@code extra} goes to the backend's config. */
  static Future<Pid> startInfoSys(Vertx vertx, JsonObject extra) {
    return GenServer.start(vertx, new BackendServer(), new DeploymentOptions().setConfig(FakeBackend.config("calculator").mergeIn(extra)), null)
      .compose(backend -> GenServer.start(vertx, new InfoSysServer(), new DeploymentOptions(), InfoSysServer.NAME));
  }

  /** The two fields the bridge's hook sets. */
  static JsonObject as(String username, String socketId) {
    return new JsonObject().put("user", new JsonObject().put("username", username)).put("socket_id", socketId);
  }

  static JsonObject join(String username, String socketId, String topic, long lastSeenId) {
    return as(username, socketId).put("topic", topic).put("last_seen_id", lastSeenId);
  }

  static JsonObject push(String username, String socketId, String topic, Object body, Object at) {
    return as(username, socketId).put("topic", topic).put("event", "new_annotation")
      .put("payload", new JsonObject().put("body", body).put("at", at));
  }

  static JsonObject leave(String username, String socketId, String topic) {
    return as(username, socketId).put("topic", topic);
  }

  /** A request over the event bus, as a browser's comes through the bridge. */
  static Future<JsonObject> request(Vertx vertx, String address, JsonObject body) {
    return vertx.eventBus().<JsonObject>request(address, body).map(Message::body);
  }

  /** Completes after a delay: only where time passing (an idle period) is the point. */
  static Future<Void> after(Vertx vertx, long millis) {
    Promise<Void> promise = Promise.promise();
    vertx.setTimer(millis, id -> promise.complete());
    return promise.future();
  }

  /** Video 1's annotations in the node's store, as a join sends them. */
  static Future<JsonArray> history(Vertx vertx) {
    return Store.shared(vertx).annotations().after(1, 0, 1000).map(Annotation::toJson);
  }

  /** Stores an annotation on video 1 directly, as an earlier post would have. */
  static Future<Annotation> annotate(Vertx vertx, String username, String body, long at) {
    return Store.shared(vertx).annotations().add(1, username, body, at);
  }

  static List<String> bodies(JsonArray annotations) {
    return annotations.stream().map(a -> ((JsonObject) a).getString("body")).toList();
  }

  static List<Long> ids(JsonArray annotations) {
    return annotations.stream().map(a -> ((JsonObject) a).getLong("id")).toList();
  }

  /** A browser registered on a topic's address: keeps every event and lets tests wait for some. */
  static final class Listener {

    private final List<JsonObject> events = new ArrayList<>();
    private final List<Waiter> waiters = new ArrayList<>();
    private MessageConsumer<JsonObject> consumer;

    private record Waiter(Predicate<JsonObject> which, int count, Promise<List<JsonObject>> done) { }

    /** Registers on {@code channels.topic.<topic>}; completes once registered. */
    static Future<Listener> listen(Vertx vertx, String topic) {
      Listener listener = new Listener();
      listener.consumer = vertx.eventBus().consumer(ChannelAddresses.topicAddress(topic), message -> listener.received(message.body()));
      return listener.consumer.completion().map(v -> listener);
    }

    private synchronized void received(JsonObject event) {
      events.add(event);
      for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
        Waiter waiter = it.next();
        List<JsonObject> matching = matching(waiter.which());
        if (matching.size() >= waiter.count()) {
          it.remove();
          waiter.done().complete(matching);
        }
      }
    }

    /** Every event of that kind so far (new_annotation, presence_diff). */
    synchronized List<JsonObject> events(String event) {
      return matching(e -> event.equals(e.getString("event")));
    }

    /** The payloads of every event of that kind so far. */
    synchronized List<JsonObject> payloads(String event) {
      return events(event).stream().map(e -> e.getJsonObject("payload")).toList();
    }

    /** Completes with all the events of that kind once there are at least {@code count}. */
    Future<List<JsonObject>> await(String event, int count) {
      return await(e -> event.equals(e.getString("event")), count);
    }

    /** Completes with all the matching events once there are at least {@code count}. */
    synchronized Future<List<JsonObject>> await(Predicate<JsonObject> which, int count) {
      List<JsonObject> matching = matching(which);
      if (matching.size() >= count) {
        return Future.succeededFuture(matching);
      }
      Promise<List<JsonObject>> done = Promise.promise();
      waiters.add(new Waiter(which, count, done));
      return done.future();
    }

    /** Completes with the payload of the first new_annotation whose body is {@code body}. */
    Future<JsonObject> annotation(String body) {
      return await(e -> "new_annotation".equals(e.getString("event")) && body.equals(e.getJsonObject("payload").getString("body")), 1)
        .map(list -> list.get(0).getJsonObject("payload"));
    }

    private List<JsonObject> matching(Predicate<JsonObject> which) {
      return events.stream().filter(which).toList();
    }
  }
}
