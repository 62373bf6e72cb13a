package dev.otpx.store;

import io.vertx.pgclient.PgConnectOptions;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Where the {@link Store} keeps its data and how long it waits for it.
 *
 * <p>With a {@code databaseUrl} the store is PostgreSQL at that URL, the production setting that
 * every node of a cluster shares; without one it is an embedded H2 database in the file
 * {@code <dataDir>/otpx.mv.db}, which needs nothing installed and keeps its data across restarts.
 *
 * <p>The URL may carry a password, so it comes from the environment ({@value #DATABASE_URL_ENV}),
 * and nothing here ever prints it: {@link #toString()} and {@link #redactedUrl()} leave it out, and
 * an unparsable URL is refused without being echoed.
 *
 * @param databaseUrl {@code postgresql://user[:password]@host[:port]/database[?sslmode=...]}, or
 *     null for the embedded database
 * @param dataDir the embedded database's directory, created when missing; relative paths are
 *     resolved against the working directory
 * @param schema PostgreSQL only: the schema to create and use instead of the user's default
 *     ({@code search_path}); null for the default. Tests give each run its own.
 * @param poolSize the most connections the store opens, 1 to 100
 * @param timeout the bound on every wait: opening a connection, waiting for a free one, and each
 *     statement; a call that exceeds it fails with {@link StoreException.Failure#UNAVAILABLE}
 */
public record StoreOptions(String databaseUrl, Path dataDir, String schema, int poolSize, Duration timeout) {

  /** The environment variable that names the PostgreSQL database. */
  public static final String DATABASE_URL_ENV = "OTPX_DATABASE_URL";
  /** The embedded database's default directory, relative to the working directory. */
  public static final Path DEFAULT_DATA_DIR = Path.of("data");
  /** Default most connections. */
  public static final int DEFAULT_POOL_SIZE = 8;
  /** Default bound on every wait. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
  /** Largest pool. */
  public static final int MAX_POOL_SIZE = 100;

  private static final Pattern SCHEMA = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
  private static final String URL_SHAPE = "postgresql://user[:password]@host[:port]/database";

  /** Checks every field; the error names the field and never repeats the URL. */
  public StoreOptions {
    Objects.requireNonNull(dataDir, "dataDir");
    Objects.requireNonNull(timeout, "timeout");
    if (databaseUrl != null) {
      postgres(databaseUrl, null);
    }
    if (schema != null) {
      if (databaseUrl == null) {
        throw new IllegalArgumentException("schema applies to PostgreSQL only; the embedded database has its own file");
      }
      if (!SCHEMA.matcher(schema).matches()) {
        throw new IllegalArgumentException("schema must be 1 to 63 characters of a-z, 0-9 and _, not starting with a digit, got '"
          + schema + "'");
      }
    }
    if (poolSize < 1 || poolSize > MAX_POOL_SIZE) {
      throw new IllegalArgumentException("poolSize must be between 1 and " + MAX_POOL_SIZE + ", got " + poolSize);
    }
    if (timeout.toMillis() < 1) {
      throw new IllegalArgumentException("timeout must be at least 1 ms, got " + timeout);
    }
  }

  /**
   * The embedded database in a directory, with the default pool and timeout.
   *
   * @param dataDir where its file lives
   * @return the options
   */
  public static StoreOptions embedded(Path dataDir) {
    return new StoreOptions(null, dataDir, null, DEFAULT_POOL_SIZE, DEFAULT_TIMEOUT);
  }

  /**
   * A PostgreSQL database, with the default pool and timeout.
   *
   * @param databaseUrl {@code postgresql://user[:password]@host[:port]/database}
   * @return the options
   * @throws IllegalArgumentException when the URL is not of that shape (the message does not repeat it)
   */
  public static StoreOptions postgres(String databaseUrl) {
    return new StoreOptions(Objects.requireNonNull(databaseUrl, "databaseUrl"), DEFAULT_DATA_DIR, null, DEFAULT_POOL_SIZE,
      DEFAULT_TIMEOUT);
  }

  /**
   * PostgreSQL when {@value #DATABASE_URL_ENV} is set (and not blank), else the embedded database in
   * {@code dataDir}.
   *
   * @param env the environment, usually {@code System.getenv()}
   * @param dataDir the embedded database's directory
   * @return the options, with the default pool and timeout
   * @throws IllegalArgumentException naming {@value #DATABASE_URL_ENV} when its value is not a
   *     PostgreSQL URL
   */
  public static StoreOptions fromEnvironment(Map<String, String> env, Path dataDir) {
    String url = env.get(DATABASE_URL_ENV);
    return url == null || url.isBlank() ? embedded(dataDir) : postgres(url.strip()).withDataDir(dataDir);
  }

  /** @return true for PostgreSQL, false for the embedded database */
  public boolean isPostgres() {
    return databaseUrl != null;
  }

  /**
   * What the store connects to, safe to log: {@code postgresql://user@host:port/database} (with
   * {@code ?schema=} when one is set) or {@code h2:<absolute path of the database file>}.
   *
   * @return the URL without its password
   */
  public String redactedUrl() {
    if (databaseUrl == null) {
      return "h2:" + h2File().toAbsolutePath().normalize() + ".mv.db";
    }
    PgConnectOptions pg = pgConnectOptions();
    String host = pg.getHost().contains(":") ? "[" + pg.getHost() + "]" : pg.getHost();
    return "postgresql://" + pg.getUser() + "@" + host + ":" + pg.getPort() + "/" + pg.getDatabase()
      + (schema == null ? "" : "?schema=" + schema);
  }

  /** @return the options without the password, for logs */
  @Override
  public String toString() {
    return "StoreOptions[" + redactedUrl() + ", poolSize=" + poolSize + ", timeout=" + timeout.toMillis() + "ms]";
  }

  /** @param value the URL, or null for the embedded database @return a copy with it */
  public StoreOptions withDatabaseUrl(String value) {
    return new StoreOptions(value, dataDir, value == null ? null : schema, poolSize, timeout);
  }

  /** @param value the embedded database's directory @return a copy with it */
  public StoreOptions withDataDir(Path value) {
    return new StoreOptions(databaseUrl, value, schema, poolSize, timeout);
  }

  /** @param value the PostgreSQL schema, or null for the default @return a copy with it */
  public StoreOptions withSchema(String value) {
    return new StoreOptions(databaseUrl, dataDir, value, poolSize, timeout);
  }

  /** @param value the most connections @return a copy with it */
  public StoreOptions withPoolSize(int value) {
    return new StoreOptions(databaseUrl, dataDir, schema, value, timeout);
  }

  /** @param value the bound on every wait @return a copy with it */
  public StoreOptions withTimeout(Duration value) {
    return new StoreOptions(databaseUrl, dataDir, schema, poolSize, value);
  }

  /** The connect options of the PostgreSQL URL; only for a PostgreSQL store. */
  PgConnectOptions pgConnectOptions() {
    return postgres(Objects.requireNonNull(databaseUrl, "databaseUrl"), schema);
  }

  /** The embedded database's file name, without H2's {@code .mv.db} suffix. */
  Path h2File() {
    return dataDir.resolve("otpx");
  }

  /**
   * Parses and checks a PostgreSQL URL. Every error names the expected shape and never the URL,
   * which may hold a password.
   */
  private static PgConnectOptions postgres(String url, String schema) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw badUrl("is not a URL");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("postgresql") && !scheme.equals("postgres")) {
      throw badUrl("must start with postgresql://");
    }
    if (uri.getRawUserInfo() == null || uri.getRawUserInfo().isEmpty() || uri.getRawUserInfo().startsWith(":")) {
      throw badUrl("must name a user");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw badUrl("must name a host (a Unix socket is not supported)");
    }
    String path = uri.getRawPath();
    if (path == null || path.length() < 2) {
      throw badUrl("must name a database");
    }
    PgConnectOptions options;
    try {
      options = PgConnectOptions.fromUri(url);
    } catch (IllegalArgumentException e) {
      // Its message repeats the URL, password and all.
      throw badUrl("cannot be parsed");
    }
    if (!uri.getRawUserInfo().contains(":")) {
      // fromUri fills in a made-up password; with none given, send none.
      options.setPassword("");
    }
    options.addProperty("application_name", "otpx");
    if (schema != null) {
      options.addProperty("search_path", schema);
    }
    return options;
  }

  private static IllegalArgumentException badUrl(String problem) {
    return new IllegalArgumentException(DATABASE_URL_ENV + " " + problem + ": expected " + URL_SHAPE);
  }
}
