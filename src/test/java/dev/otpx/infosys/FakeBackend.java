package dev.otpx.infosys;

import dev.otpx.process.Clock;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * A backend for tests whose queries exercise every InfoSys branch. What it does depends on the
 * query, or on its config {@code mode} when set (so that one backend misbehaves while its siblings
 * answer the same query):
 *
 * <ul>
 *   <li>{@code result} (and any query it does not know): {@code results} results (default 1), the
 *       first {@code "result from <name>"}, the next {@code "result 2 from <name>"} and so on, all
 *       with score {@code score} (default 50); after {@code delay_ms} when set, and then a
 *       cancellation before that clears the timer and is counted like a {@code timeout}'s;
 *   <li>{@code none}: no results;
 *   <li>{@code timeout}: never answers; its cancellation is counted ({@link #cancellations}) and
 *       published on {@link #cancelledAddress};
 *   <li>{@code boom}: throws from compute;
 *   <li>{@code fail}: a failed future;
 *   <li>{@code busy}: a failed future with {@link BackendBusyException}, as a full backend gives;
 *   <li>{@code null}: compute returns null;
 *   <li>{@code echo}: one result whose text tells the options it got, e.g.
 *       {@code "limit 10 timeout_ms 10000 cancelled false"};
 *   <li>{@code crash}: never answers and crashes its process a moment later (a throwing timer).
 * </ul>
 *
 * <p>Every call, whatever the query, is counted per (name, query) in a Vert.x local map
 * ({@link #calls}), so each test's Vert.x instance has its own counts (single flight, cache hits and
 * open circuits are checked with them), and published on {@link #calledAddress}. Config
 * {@code open}: {@code "unavailable"} makes {@link #open} fail with
 * {@link BackendUnavailableException}, {@code "fail"} with another exception.
 */
public final class FakeBackend implements Backend {

  private static final String CALLS = "fake.backend.calls";
  private static final String CANCELLATIONS = "fake.backend.cancellations";

  private Vertx vertx;
  private String name = "fake";
  private double score = 50;
  private int results = 1;
  private long delayMs;
  private String mode;

  @Override
  public String name() {
    return name;
  }

  @Override
  public Future<Void> open(Vertx vertx, JsonObject config) {
    this.vertx = vertx;
    name = config.getString("name", "fake");
    score = config.getDouble("score", 50.0);
    results = config.getInteger("results", 1);
    delayMs = config.getLong("delay_ms", 0L);
    mode = config.getString("mode");
    String open = config.getString("open", "ok");
    return switch (open) {
      case "unavailable" -> Future.failedFuture(new BackendUnavailableException("no key for " + name));
      case "fail" -> Future.failedFuture(new IllegalStateException("cannot open " + name));
      default -> Future.succeededFuture();
    };
  }

  @Override
  public Future<List<Result>> compute(String query, ComputeOptions options) {
    vertx.sharedData().<String, Integer>getLocalMap(CALLS).merge(key(name, query), 1, Integer::sum);
    vertx.eventBus().publish(calledAddress(name), query);
    String behaviour = mode != null ? mode : query;
    switch (behaviour) {
      case "none":
        return Future.succeededFuture(List.of());
      case "timeout":
        options.cancellation().onCancel(() -> cancelled(query));
        return Promise.<List<Result>>promise().future();
      case "boom":
        throw new IllegalStateException("boom from " + name);
      case "fail":
        return Future.failedFuture(new IllegalStateException("fail from " + name));
      case "busy":
        return Future.failedFuture(new BackendBusyException(name + " is full"));
      case "null":
        return null;
      case "echo":
        return Future.succeededFuture(List.of(new Result(name,
          "limit " + options.limit() + " timeout_ms " + options.timeout().toMillis() + " cancelled " + options.cancellation().cancelled(),
          score)));
      case "crash":
        vertx.setTimer(1, id -> {
          throw new IllegalStateException("crash of " + name);
        });
        return Promise.<List<Result>>promise().future();
      default:
        List<Result> list = new ArrayList<>();
        for (int i = 1; i <= results; i++) {
          list.add(new Result(name, i == 1 ? "result from " + name : "result " + i + " from " + name, score));
        }
        if (delayMs <= 0) {
          return Future.succeededFuture(list);
        }
        Promise<List<Result>> later = Promise.promise();
        // On the node's clock, so a test in virtual time decides when the answer comes.
        Clock clock = Clock.of(vertx);
        long timer = clock.setTimer(vertx.getOrCreateContext(), delayMs, id -> later.tryComplete(list));
        options.cancellation().onCancel(() -> {
          clock.cancelTimer(timer);
          cancelled(query);
        });
        // Armed: a test may move the clock from now on.
        vertx.eventBus().publish(delayedAddress(name), query);
        return later.future();
    }
  }

  private void cancelled(String query) {
    vertx.sharedData().<String, Integer>getLocalMap(CANCELLATIONS).merge(name, 1, Integer::sum);
    vertx.eventBus().publish(cancelledAddress(name), query);
  }

  /**
   * @param vertx the test's Vert.x instance
   * @param name a backend's name
   * @param query a query
   * @return how many times that backend was asked that query
   */
  public static int calls(Vertx vertx, String name, String query) {
    return vertx.sharedData().<String, Integer>getLocalMap(CALLS).getOrDefault(key(name, query), 0);
  }

  /**
   * @param vertx the test's Vert.x instance
   * @param name a backend's name
   * @return how many times that backend's work was cancelled
   */
  public static int cancellations(Vertx vertx, String name) {
    return vertx.sharedData().<String, Integer>getLocalMap(CANCELLATIONS).getOrDefault(name, 0);
  }

  /**
   * @param name a backend's name
   * @return the address on which the query is published when that backend's work is cancelled
   */
  public static String cancelledAddress(String name) {
    return "fake.backend.cancelled." + name;
  }

  /**
   * @param name a backend's name
   * @return the address on which the query is published each time that backend is asked
   */
  public static String calledAddress(String name) {
    return "fake.backend.called." + name;
  }

  /**
   * @param name a backend's name
   * @return the address on which the query is published once that backend's {@code delay_ms} timer
   *     is set (on the node's clock) and its cancellation armed
   */
  public static String delayedAddress(String name) {
    return "fake.backend.delayed." + name;
  }

  private static String key(String name, String query) {
    return name + '\0' + query;
  }

  /**
   * @param name the backend's name
   * @return the args of a {@link BackendServer} running a FakeBackend of that name
   */
  public static JsonObject config(String name) {
    return new JsonObject().put("backend", FakeBackend.class.getName()).put("name", name);
  }
}
