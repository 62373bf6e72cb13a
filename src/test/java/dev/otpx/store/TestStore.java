package dev.otpx.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;

/**
 * A store on a database of the test's own, shared as the node's store ({@link Store#share()}), for
 * the tests of what uses the store (the channels): with the people those tests post as and two
 * videos, ids 1 and 2 (topics {@code videos:1} and {@code videos:2}). {@link #close()} closes the store and drops the database.
 *
 * <p>PostgreSQL, the production setting, unless the system property {@value #KIND_PROPERTY} says
 * {@code embedded}.
 */
public final class TestStore {

  /** {@code postgresql} (the default) or {@code embedded}. */
  public static final String KIND_PROPERTY = "otpx.test.store";
  /** The people the channel tests sign in as. */
  public static final List<String> PEOPLE = List.of("alice", "bob", "carol", "dave", "mallory");
  /** A stand-in for a password hash: the store keeps whatever it is handed. */
  public static final String SOME_HASH = StoreContract.SOME_HASH;

  private final Vertx vertx;
  private final TestDatabase database;
  private Store store;

  private TestStore(Vertx vertx, TestDatabase database) {
    this.vertx = vertx;
    this.database = database;
  }

  /**
   * Opens it: a new database, migrated, with {@link #PEOPLE} and videos 1 and 2 (added by alice).
   *
   * @param vertx the test's Vert.x instance
   * @return the fixture, its store shared on {@code vertx}
   */
  public static Future<TestStore> open(Vertx vertx) {
    TestDatabase database = "embedded".equals(System.getProperty(KIND_PROPERTY)) ? TestDatabase.embedded() : TestDatabase.postgres();
    TestStore fixture = new TestStore(vertx, database);
    return Store.open(vertx, database.options()).compose(store -> {
      fixture.store = store.share();
      Future<?> people = Future.succeededFuture();
      for (String name : PEOPLE) {
        people = people.compose(v -> store.users().create(name, SOME_HASH));
      }
      return people.compose(v -> store.videos().add("alice", "The making of Rumbl", "https://videos.example/rumbl"))
        .compose(v -> store.videos().add("alice", "Rumbl, the sequel", "https://videos.example/sequel"))
        .map(video -> fixture);
    }).recover(err -> fixture.close().transform(closed -> Future.failedFuture(err)));
  }

  /** @return the store */
  public Store store() {
    return store;
  }

  /** @return the database under it */
  public TestDatabase database() {
    return database;
  }

  /**
   * Adds a video by alice.
   *
   * @return its id
   */
  public Future<Long> addVideo() {
    return store.videos().add("alice", "Another video", "https://videos.example/another").map(Video::id);
  }

  /** @return completes once the store is closed and its database dropped */
  public Future<Void> close() {
    Future<Void> closed = store == null ? Future.succeededFuture() : store.close();
    return closed.transform(done -> vertx.executeBlocking(() -> {
      database.close();
      return null;
    }));
  }
}
