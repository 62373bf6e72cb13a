package dev.otpx.infosys;

import dev.otpx.process.GenServer;
import dev.otpx.process.Pid;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Starting the InfoSys processes the way their supervisor does, and waiting without sleeping. */
final class InfoSysFixtures {

  private InfoSysFixtures() {
  }

  static DeploymentOptions opts(JsonObject config) {
    return new DeploymentOptions().setConfig(config);
  }

  /** Starts a BackendServer running a {@link FakeBackend}; {@code extra} is merged into its config. */
  static Future<Pid> startFake(Vertx vertx, String name, JsonObject extra) {
    return GenServer.start(vertx, new BackendServer(), opts(FakeBackend.config(name).mergeIn(extra)), null);
  }

  static Future<Pid> startFake(Vertx vertx, String name) {
    return startFake(vertx, name, new JsonObject());
  }

  /** Starts FakeBackends one after the other, in the given order. */
  static Future<List<Pid>> startFakes(Vertx vertx, String... names) {
    Future<List<Pid>> all = Future.succeededFuture(new ArrayList<>());
    for (String name : names) {
      all = all.compose(pids -> startFake(vertx, name).map(pid -> {
        pids.add(pid);
        return pids;
      }));
    }
    return all;
  }

  static Future<Pid> startCache(Vertx vertx, JsonObject config) {
    return GenServer.start(vertx, new ResultCache(), opts(config), ResultCache.NAME);
  }

  static Future<Pid> startInfoSys(Vertx vertx, JsonObject config) {
    return GenServer.start(vertx, new InfoSysServer(), opts(config), InfoSysServer.NAME);
  }

  static Future<Pid> startInfoSys(Vertx vertx) {
    return startInfoSys(vertx, new JsonObject());
  }

  /**
   * The first message published on an address from now on (the consumer is in place when this
   * returns: a local consumer is registered at once); the consumer then goes away.
   */
  static Future<String> first(Vertx vertx, String address) {
    Promise<String> first = Promise.promise();
    io.vertx.core.eventbus.MessageConsumer<String> consumer = vertx.eventBus().localConsumer(address);
    consumer.handler(message -> {
      consumer.unregister();
      first.tryComplete(message.body());
    });
    return first.future();
  }

  /** Calls InfoSys over its registered name, as the HTTP route does. */
  static Future<JsonObject> ask(Vertx vertx, JsonObject request) {
    return GenServer.call(vertx, InfoSysServer.NAME, request);
  }

  static long millisSince(long nanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - nanos);
  }
}
