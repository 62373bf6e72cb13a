package dev.otpx.store;

import dev.otpx.store.StoreException.Failure;
import io.micrometer.core.instrument.Metrics;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClientOptions;
import io.vertx.jdbcclient.JDBCConnectOptions;
import io.vertx.jdbcclient.JDBCPool;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.sqlclient.DatabaseException;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.SqlClient;
import io.vertx.sqlclient.Tuple;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The engine under {@link Store}: one Vert.x SQL {@link Pool} (vertx-pg-client for PostgreSQL,
 * vertx-jdbc-client for H2, whose JDBC calls run on worker threads), the few places where the two
 * dialects differ, the time bound on every call, and the translation of drivers' errors into
 * {@link StoreException}s.
 *
 * <p>Statements are written once, in PostgreSQL's form with {@code $1, $2, ...} parameters; for
 * JDBC they become {@code ?} markers with the arguments in the matching order.
 *
 * <p>Availability is tracked so that an outage is logged once when it starts (WARN) and once when it
 * ends (INFO), however many calls fail in between.
 */
final class Database {

  private static final Logger log = LoggerFactory.getLogger(Store.class);
  /**
   * Statement latency by outcome (ok, error), on Micrometer's global registry that the node's
   * metrics feed ({@code otpx_db_query_seconds}); never labelled by statement.
   */
  private static final Map<Boolean, Timer> QUERY_LATENCY = Map.of(true, queryTimer("ok"), false, queryTimer("error"));
  private static final Pattern PARAMETER = Pattern.compile("\\$(\\d+)");
  /** Callers queued for a connection beyond the pool; past this they fail at once. */
  private static final int MAX_WAITING = 1024;
  /** The longest reason put in a message. */
  private static final int MAX_REASON = 400;

  /** The two databases the store runs on. */
  enum Dialect {
    POSTGRESQL,
    H2;

    /** An INSERT whose result is one row with the new row's {@code id} (none if it inserted none). */
    String returningId(String insert) {
      return this == POSTGRESQL ? insert + " RETURNING id" : "SELECT id FROM FINAL TABLE (" + insert + ")";
    }
  }

  /** A statement as the driver wants it: its text, and which argument goes to each marker. */
  private record Prepared(String sql, int[] order) { }

  private final Pool pool;
  private final Dialect dialect;
  private final String description;
  private final long timeoutMillis;
  private final Map<String, Prepared> prepared = new ConcurrentHashMap<>();
  private final AtomicBoolean available = new AtomicBoolean(true);
  /** Until the store is open, a failure is the open's to report, in its one line. */
  private volatile boolean opening = true;

  private Database(Pool pool, Dialect dialect, String description, long timeoutMillis) {
    this.pool = pool;
    this.dialect = dialect;
    this.description = description;
    this.timeoutMillis = timeoutMillis;
  }

  /** A pool for the options; nothing is connected yet. */
  static Database create(Vertx vertx, StoreOptions options) {
    int timeout = (int) Math.min(Integer.MAX_VALUE, options.timeout().toMillis());
    PoolOptions poolOptions = new PoolOptions()
      .setName("otpx-store")
      .setMaxSize(options.poolSize())
      .setMaxWaitQueueSize(MAX_WAITING)
      .setConnectionTimeout(timeout)
      .setConnectionTimeoutUnit(TimeUnit.MILLISECONDS);
    if (options.isPostgres()) {
      PgConnectOptions connect = options.pgConnectOptions().setReconnectAttempts(0);
      // A connection that carries nothing either way for twice the timeout is closed: an idle one is
      // opened again when needed, and one stuck on a silent network is given back to the pool
      // instead of holding its slot for ever (the caller was already answered at the timeout).
      NetClientOptions net = new NetClientOptions()
        .setConnectTimeout(timeout)
        .setIdleTimeout(2 * timeout)
        .setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
      Pool pool = PgBuilder.pool().with(poolOptions).with(net).connectingTo(connect).using(vertx).build();
      return new Database(pool, Dialect.POSTGRESQL, options.redactedUrl(), timeout);
    }
    JDBCConnectOptions connect = new JDBCConnectOptions()
      .setJdbcUrl(h2Url(options))
      .setUser("sa")
      .setPassword("")
      .setQueryTimeout(Math.max(1, (int) Math.ceil(timeout / 1000.0)));
    return new Database(JDBCPool.pool(vertx, connect, poolOptions), Dialect.H2, options.redactedUrl(), timeout);
  }

  /**
   * The embedded database's JDBC URL. PostgreSQL mode, so the migrations and statements are the same
   * SQL. {@code WRITE_DELAY=0} writes each commit to the file before the commit returns: H2's default
   * (500 ms) loses acknowledged rows, and hands their ids out again, when the process is killed.
   * {@code DB_CLOSE_ON_EXIT=FALSE}: the store closes it, not a JVM hook racing Vert.x's shutdown.
   */
  static String h2Url(StoreOptions options) {
    return "jdbc:h2:file:" + options.h2File().toAbsolutePath().normalize()
      + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;WRITE_DELAY=0;DB_CLOSE_ON_EXIT=FALSE";
  }

  Dialect dialect() {
    return dialect;
  }

  /** The store is open: from now on, outages are logged as they start and end. */
  void opened() {
    available.set(true);
    opening = false;
  }

  /** @return the database's URL without its password */
  String description() {
    return description;
  }

  /**
   * Runs one statement in its own transaction (auto-commit): when the future succeeds, the change is
   * committed.
   *
   * @param sql the statement with {@code $n} parameters
   * @param args the parameters, {@code $1} first
   * @return its rows; a {@link StoreException} on failure or after the timeout
   */
  Future<RowSet<Row>> query(String sql, Object... args) {
    return bounded(run(pool, sql, args));
  }

  /**
   * Runs statements on one connection in one transaction: committed when {@code work}'s future
   * succeeds, rolled back when it fails. The whole transaction is bounded by the timeout.
   *
   * @param work the statements, run through the {@link Statements} it is given
   * @return {@code work}'s result once committed; a {@link StoreException} on failure or after the timeout
   */
  <T> Future<T> transaction(java.util.function.Function<Statements, Future<T>> work) {
    Future<T> done;
    try {
      done = pool.withTransaction(connection -> work.apply((sql, args) -> run(connection, sql, args)));
    } catch (RuntimeException closed) {
      done = Future.failedFuture(closed);
    }
    return bounded(done);
  }

  /** The statements of one transaction, written as for {@link #query}. */
  @FunctionalInterface
  interface Statements {
    /** Runs one statement inside the transaction. */
    Future<RowSet<Row>> query(String sql, Object... args);

    /** The first row of a statement's result, if any. */
    default Future<Optional<Row>> first(String sql, Object... args) {
      return query(sql, args).map(Database::firstRow);
    }
  }

  private static Timer queryTimer(String outcome) {
    return Timer.builder("otpx.db.query").description("time a database statement took").tag("outcome", outcome)
      .publishPercentileHistogram().minimumExpectedValue(java.time.Duration.ofMillis(1))
      .maximumExpectedValue(java.time.Duration.ofSeconds(30)).register(Metrics.globalRegistry);
  }

  private Future<RowSet<Row>> run(SqlClient client, String sql, Object... args) {
    Prepared statement = prepared.computeIfAbsent(sql, this::prepare);
    Tuple tuple = Tuple.tuple();
    for (int index : statement.order()) {
      tuple.addValue(args[index]);
    }
    try {
      long began = System.nanoTime();
      return client.preparedQuery(statement.sql()).execute(tuple)
        .andThen(ar -> QUERY_LATENCY.get(ar.succeeded()).record(System.nanoTime() - began, TimeUnit.NANOSECONDS));
    } catch (RuntimeException closed) {
      return Future.failedFuture(closed);
    }
  }

  private static Optional<Row> firstRow(RowSet<Row> rows) {
    var it = rows.iterator();
    return it.hasNext() ? Optional.of(it.next()) : Optional.empty();
  }

  /** The first row of a statement's result, if any. */
  Future<Optional<Row>> first(String sql, Object... args) {
    return query(sql, args).map(Database::firstRow);
  }

  /** Every row of a statement's result, mapped. */
  <T> Future<List<T>> all(String sql, java.util.function.Function<Row, T> mapper, Object... args) {
    return query(sql, args).map(rows -> {
      List<T> list = new ArrayList<>(rows.size());
      for (Row row : rows) {
        list.add(mapper.apply(row));
      }
      return list;
    });
  }

  /**
   * Runs an INSERT and returns the new row's id, or empty when it inserted nothing (an
   * {@code INSERT ... SELECT} whose SELECT found no row).
   */
  Future<Optional<Long>> insert(String insert, Object... args) {
    return first(dialect.returningId(insert), args).map(row -> row.map(r -> r.getLong(0)));
  }

  /**
   * Closes the pool and its connections. The embedded database is shut down first, so that when the
   * future completes its file is closed: closing the pool alone lets H2 finish closing on a worker
   * thread afterwards.
   */
  Future<Void> close() {
    Future<?> shutdown = dialect == Dialect.H2
      ? pool.query("SHUTDOWN").execute().timeout(timeoutMillis, TimeUnit.MILLISECONDS)
      : Future.succeededFuture();
    // Already closed, or shut down by an earlier close: the pool's close is all that is left.
    return shutdown.transform(done -> pool.close());
  }

  /** Applies the timeout and turns every failure into a {@link StoreException}; tracks availability. */
  private <T> Future<T> bounded(Future<T> call) {
    return call.timeout(timeoutMillis, TimeUnit.MILLISECONDS).transform(ar -> {
      if (ar.succeeded()) {
        if (available.compareAndSet(false, true) && !opening) {
          log.info("store: database {} is available again", description);
        }
        return Future.succeededFuture(ar.result());
      }
      StoreException failure = classify(ar.cause());
      if (failure.isUnavailable() && available.compareAndSet(true, false) && !opening) {
        log.warn("store: database {} is unavailable: {}", description, reason(ar.cause()));
      } else if (failure.failure() == Failure.INTERNAL) {
        log.error("store: database {} refused a statement", description, ar.cause());
      }
      return Future.failedFuture(failure);
    });
  }

  /** What a driver's failure means for the caller. */
  StoreException classify(Throwable err) {
    if (err instanceof StoreException store) {
      return store;
    }
    String state = sqlState(err);
    if (state != null) {
      if (state.equals("23505")) {
        return new StoreException(Failure.DUPLICATE, "a row with that key already exists", err);
      }
      if (state.equals("23503")) {
        return new StoreException(Failure.NOT_FOUND, "a row it refers to does not exist", err);
      }
      // Data, syntax and the remaining integrity errors are about the statement, not the database.
      if (state.startsWith("22") || state.startsWith("23") || state.startsWith("42")) {
        return new StoreException(Failure.INTERNAL, "database " + description + " refused a statement: " + reason(err), err);
      }
    }
    if (err instanceof TimeoutException) {
      return new StoreException(Failure.UNAVAILABLE, "database " + description + " did not answer within "
        + timeoutMillis + " ms", err);
    }
    return new StoreException(Failure.UNAVAILABLE, "database " + description + " is unavailable: " + reason(err), err);
  }

  /** The SQLSTATE of a driver's error, if it has one. */
  private static String sqlState(Throwable err) {
    for (Throwable cause = err; cause != null; cause = cause.getCause()) {
      if (cause instanceof DatabaseException db && db.getSqlState() != null) {
        return db.getSqlState();
      }
      if (cause instanceof SQLException sql && sql.getSQLState() != null) {
        return sql.getSQLState();
      }
    }
    return null;
  }

  /** The deepest message in a failure's causes, on one line. */
  static String reason(Throwable err) {
    String message = null;
    for (Throwable cause = err; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
      if (cause.getMessage() != null && !cause.getMessage().isBlank()) {
        message = cause.getMessage();
      }
    }
    return message == null ? err.getClass().getSimpleName() : message.replaceAll("\\s*[\\r\\n]+\\s*", "; ").strip();
  }

  /** A reason cut to a length a log line can carry (H2 repeats whole scripts in its messages). */
  static String abbreviate(String reason) {
    return reason.length() <= MAX_REASON ? reason : reason.substring(0, MAX_REASON) + "...";
  }

  private Prepared prepare(String sql) {
    Matcher matcher = PARAMETER.matcher(sql);
    List<Integer> markers = new ArrayList<>();
    while (matcher.find()) {
      markers.add(Integer.parseInt(matcher.group(1)) - 1);
    }
    if (dialect == Dialect.POSTGRESQL) {
      // PostgreSQL takes $n as written: the arguments go in their own order.
      return new Prepared(sql, IntStream.range(0, markers.stream().mapToInt(i -> i + 1).max().orElse(0)).toArray());
    }
    return new Prepared(PARAMETER.matcher(sql).replaceAll("?"), markers.stream().mapToInt(Integer::intValue).toArray());
  }
}
