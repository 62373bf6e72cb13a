package dev.otpx.store;

import dev.otpx.store.StoreException.Failure;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.shareddata.Shareable;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * otpx's durable data: users, videos and annotations in a SQL database, reached through the Vert.x
 * SQL client so that no call ever blocks an event loop. PostgreSQL when the options name one, an
 * embedded H2 file otherwise (see {@link StoreOptions}); the same statements serve both.
 *
 * <pre>{@code
 * Store.open(vertx, StoreOptions.embedded(Path.of("data")))
 *   .compose(store -> store.annotations().add(videoId, "alice", "nice", 1200));
 * }</pre>
 *
 * <p>{@link #open} migrates the schema (Flyway, the files under {@code db/migration}) before it
 * answers, and fails with one line naming the database, without its password, when the database
 * cannot be reached. Afterwards every call is bounded by the options' timeout: when the database
 * goes away, calls fail quickly with {@link Failure#UNAVAILABLE}, and they work again once it is
 * back, without a restart. {@link #ping()} is the readiness probe.
 *
 * <p>Safe to share between verticles and event loops; futures complete on the caller's context.
 */
public final class Store implements Shareable {

  private static final Logger log = LoggerFactory.getLogger(Store.class);
  /** The local map that holds the node's store, under {@link #SHARED_KEY}. */
  private static final String SHARED_MAP = "otpx.store";
  private static final String SHARED_KEY = "store";

  private final Vertx vertx;
  private final Database db;
  private final String epoch;
  private final String schemaVersion;
  private final Annotations annotations;
  private final Users users;
  private final Videos videos;

  private Store(Vertx vertx, Database db, String epoch, String schemaVersion) {
    this.vertx = vertx;
    this.db = db;
    this.epoch = epoch;
    this.schemaVersion = schemaVersion;
    this.annotations = new Annotations(db);
    this.users = new Users(db);
    this.videos = new Videos(db);
  }

  /**
   * Connects, migrates the schema to the newest version and reads the store's epoch.
   *
   * @param vertx the Vert.x instance; opened from a verticle, the store is closed with it
   * @param options where the data is
   * @return the open store; fails with a {@link StoreException} whose message is one line naming
   *     the database without its password: {@code unavailable} when it cannot be reached (or, for the
   *     embedded database, its directory cannot be made or another process has its file open), or
   *     {@code internal} when migrating fails
   */
  public static Future<Store> open(Vertx vertx, StoreOptions options) {
    Objects.requireNonNull(vertx, "vertx");
    Objects.requireNonNull(options, "options");
    String name = options.redactedUrl();
    Future<Void> ready = options.isPostgres() ? Future.succeededFuture() : vertx.executeBlocking(() -> {
      try {
        Files.createDirectories(options.dataDir());
      } catch (IOException e) {
        throw new StoreException(Failure.UNAVAILABLE, "database " + name + " cannot be created: the data directory "
          + options.dataDir().toAbsolutePath() + " cannot be made (" + Database.reason(e) + ")", e);
      }
      return null;
    }, false);
    return ready.compose(v -> {
      Database db = Database.create(vertx, options);
      return db.query("SELECT 1")
        .compose(answered -> vertx.executeBlocking(() -> Migrations.migrate(options), false)
          .recover(err -> Future.failedFuture(new StoreException(Failure.INTERNAL, "migrating database " + name
            + " failed: " + Database.abbreviate(Database.reason(err)), err))))
        .compose(version -> db.first("SELECT CAST(epoch AS VARCHAR(36)) FROM store_identity")
          .map(row -> new Store(vertx, db, row.orElseThrow(() -> new StoreException(Failure.INTERNAL,
            "database " + name + " has no store_identity row", null)).getString(0), version)))
        .onSuccess(store -> {
          db.opened();
          log.info("store: database {} ready at schema version {}, epoch {}", name, store.schemaVersion, store.epoch);
        })
        .recover(err -> db.close().transform(closed -> Future.failedFuture(err)));
    });
  }

  /**
   * Makes this the node's store, the one its processes find with {@link #shared}: a channel process
   * is started from a child spec, which carries JSON, not objects. {@link #close()} takes it back.
   *
   * @return this store
   */
  public Store share() {
    vertx.sharedData().<String, Store>getLocalMap(SHARED_MAP).put(SHARED_KEY, this);
    return this;
  }

  /**
   * The node's store, as {@link #share()} made it.
   *
   * @param vertx the node's Vert.x instance
   * @return the store
   * @throws IllegalStateException when no store is shared on this node (it was not opened, or is closed)
   */
  public static Store shared(Vertx vertx) {
    Store store = vertx.sharedData().<String, Store>getLocalMap(SHARED_MAP).get(SHARED_KEY);
    if (store == null) {
      throw new IllegalStateException("no store is shared on this node: open one with Store.open and call share()");
    }
    return store;
  }

  /** The store is safe to use from any thread: it is shared as it is, never copied. */
  @Override
  public Shareable copy() {
    return this;
  }

  /**
   * The store's identity: a UUID made when the database's schema was first created, the same on
   * every node and after every restart, and a different one only for a new (or reset) database. A
   * client that sees it change knows that the annotation ids it remembers mean nothing here.
   *
   * @return the epoch, e.g. {@code 2f1c...-...}
   */
  public String epoch() {
    return epoch;
  }

  /** @return the schema version the database is at, e.g. {@code 1} */
  public String schemaVersion() {
    return schemaVersion;
  }

  /** @return the database, without its password, safe to log */
  public String description() {
    return db.description();
  }

  /**
   * The readiness probe: asks the database a trivial question.
   *
   * @return succeeds when the database answered within the timeout; fails with {@code unavailable}
   *     otherwise
   */
  public Future<Void> ping() {
    return db.query("SELECT 1").mapEmpty();
  }

  /** @return the annotations */
  public Annotations annotations() {
    return annotations;
  }

  /** @return the users */
  public Users users() {
    return users;
  }

  /** @return the videos */
  public Videos videos() {
    return videos;
  }

  /**
   * Closes the connections (and shuts the embedded database down, so its file is closed too). Calls
   * made afterwards fail with {@code unavailable}.
   *
   * @return completes once they are closed
   */
  public Future<Void> close() {
    vertx.sharedData().<String, Store>getLocalMap(SHARED_MAP).removeIfPresent(SHARED_KEY, this);
    return db.close();
  }
}
