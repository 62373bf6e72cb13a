package dev.otpx.bench;

import static dev.otpx.bench.BenchMain.await;
import static dev.otpx.bench.BenchMain.deploy;
import static dev.otpx.bench.BenchMain.paired;

import dev.otpx.bench.BenchMain.Driver;
import dev.otpx.bench.BenchMain.Result;
import dev.otpx.store.Annotation;
import dev.otpx.store.Store;
import dev.otpx.store.TestDatabase;
import dev.otpx.store.Video;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Issue 11's store, alone: appending an annotation committed to PostgreSQL (the machine's server, a
 * schema of the run's own) and to the embedded H2 file, each against an in-memory map (what the
 * channels kept before the store, the plain alternative), one client at a time and 16 in flight.
 * A store's figure includes the commit: its future completes only once the row is durable.
 */
final class StoreBench {

  private static final int IN_FLIGHT = 16;

  private final BenchMain bench;
  private final Vertx vertx;

  StoreBench(BenchMain bench, Vertx vertx) {
    this.bench = bench;
    this.vertx = vertx;
  }

  void run() throws Exception {
    for (TestDatabase database : List.of(TestDatabase.postgres(), TestDatabase.embedded())) {
      Store store = await(Store.open(vertx, database.options()));
      try {
        appends(database.kind(), store);
      } finally {
        await(store.close());
        database.close();
      }
    }
  }

  private void appends(String kind, Store store) throws Exception {
    await(store.users().create("alice", "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$aGFzaA"));
    Video video = await(store.videos().add("alice", "Bench", "https://videos.example/bench"));
    InMemory memory = new InMemory();
    Driver driver = deploy(vertx, new Driver());
    AtomicLong at = new AtomicLong();
    String name = kind.equals("postgresql") ? "PostgreSQL (local server)" : "the embedded H2 file";

    double[][] sequential = paired(
        () -> driver.sequential(() -> store.annotations().add(video.id(), "alice", "a bench annotation", at.incrementAndGet())),
        () -> driver.sequential(() -> later(memory.add(video.id(), "alice", "a bench annotation", at.incrementAndGet()))));
    bench.add(new Result("annotation append committed to " + name + ", 1 client sequential", "appends/s", true,
        sequential[0], sequential[1], "(issue 11 sets its target on post-to-broadcast latency, phase 2)",
        "Store.annotations().add (lock the video's row, INSERT, commit) vs an in-memory map (+ one event-loop hop)"));

    double[][] concurrent = paired(
        () -> driver.inFlight(IN_FLIGHT, () -> store.annotations().add(video.id(), "alice", "a bench annotation",
            at.incrementAndGet())).thenApply(x -> x[0] * 1e9 / x[1]),
        () -> driver.inFlight(IN_FLIGHT, () -> later(memory.add(video.id() + 1, "alice", "a bench annotation",
            at.incrementAndGet()))).thenApply(x -> x[0] * 1e9 / x[1]));
    bench.add(new Result("annotation append committed to " + name + ", " + IN_FLIGHT + " in flight", "appends/s", true,
        concurrent[0], concurrent[1], "(issue 11 sets its target on post-to-broadcast latency, phase 2)",
        "pool of 8 connections vs the in-memory map; adds to one video commit one after the other either way"));
    await(vertx.undeploy(driver.deploymentID()));
  }

  /** The plain alternative: each video's annotations in a list, ids from a counter. */
  private static final class InMemory {
    private final AtomicLong ids = new AtomicLong();
    private final Map<Long, List<Annotation>> videos = new ConcurrentHashMap<>();

    Future<Annotation> add(long videoId, String username, String body, long at) {
      Annotation annotation = new Annotation(ids.incrementAndGet(), videoId, username, body, at);
      List<Annotation> list = videos.computeIfAbsent(videoId, v -> new ArrayList<>());
      synchronized (list) {
        list.add(annotation);
      }
      return Future.succeededFuture(annotation);
    }
  }

  /**
   * The in-memory map completes at once, on the caller's stack: a driver chaining thousands of
   * them would overflow it. One hop through the event loop, as every database answer takes anyway.
   */
  private <T> Future<T> later(Future<T> result) {
    Context context = vertx.getOrCreateContext();
    Promise<T> hop = Promise.promise();
    result.onComplete(ar -> context.runOnContext(v -> hop.handle(ar)));
    return hop.future();
  }
}
