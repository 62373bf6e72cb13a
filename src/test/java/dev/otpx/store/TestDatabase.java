package dev.otpx.store;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * A database of its own for one test: a PostgreSQL schema with a unique name on the machine's
 * server, or an embedded database in a new temporary directory. {@link #close()} drops it, so runs
 * (and tests) never see each other's data. Nothing is mocked: both are the real thing.
 *
 * <p>The PostgreSQL server is {@value #POSTGRES_URL_ENV}, by default {@value #DEFAULT_POSTGRES_URL}
 * (this machine's, trust authentication; {@code .ci/run} makes sure it runs). A test that needs it
 * fails when it is down, it is never skipped.
 */
public abstract class TestDatabase implements AutoCloseable {

  /** Overrides the PostgreSQL server the tests use. */
  public static final String POSTGRES_URL_ENV = "OTPX_TEST_DATABASE_URL";
  /** The machine's PostgreSQL. */
  public static final String DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test";

  /** @return the options of a store on this database */
  public abstract StoreOptions options();

  /** @return a short name for test names and messages: {@code postgresql} or {@code embedded} */
  public abstract String kind();

  /** Drops the database. */
  @Override
  public abstract void close();

  /**
   * Runs SQL on the database outside any store (for what the store offers no way to do, such as
   * adding a backend user).
   *
   * @param sql the statement
   * @throws SQLException when it fails
   */
  public abstract void execute(String sql) throws SQLException;

  /**
   * Everything the database holds, as text, to search for what must not be there: every row of
   * every table of the schema (PostgreSQL), or the bytes of the database file (embedded).
   *
   * @return the text
   * @throws Exception when it cannot be read
   */
  public abstract String dump() throws Exception;

  /** @return the PostgreSQL server's URL */
  public static String postgresUrl() {
    String url = System.getenv(POSTGRES_URL_ENV);
    return url == null || url.isBlank() ? DEFAULT_POSTGRES_URL : url;
  }

  /** @return a new, uniquely named schema on the test PostgreSQL (created by the store's migration) */
  public static TestDatabase postgres() {
    return new Postgres("otpx_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16));
  }

  /** @return a new embedded database in a temporary directory */
  public static TestDatabase embedded() {
    try {
      return new Embedded(Files.createTempDirectory("otpx-store-test-"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A whole new database on the test PostgreSQL server, for a service that uses its default schema
   * (the jar, started as an operator starts it). {@link #close()} drops it, whoever is connected.
   *
   * @return the database, created
   * @throws SQLException when it cannot be created
   */
  public static ServerDatabase postgresDatabase() throws SQLException {
    ServerDatabase created = new ServerDatabase("otpx_it_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16));
    created.admin("CREATE DATABASE " + created.name);
    return created;
  }

  /** A database of its own on the test PostgreSQL server; see {@link #postgresDatabase()}. */
  public static final class ServerDatabase implements AutoCloseable {

    private final String name;

    private ServerDatabase(String name) {
      this.name = name;
    }

    /** @return its URL, as {@code OTPX_DATABASE_URL} takes it */
    public String url() {
      java.net.URI server = java.net.URI.create(postgresUrl());
      return via(server.getHost(), server.getPort() < 0 ? 5432 : server.getPort());
    }

    /**
     * @param host another way to the same server, e.g. a proxy's
     * @param port its port
     * @return the URL of this database through it
     */
    public String via(String host, int port) {
      java.net.URI server = java.net.URI.create(postgresUrl());
      return server.getScheme() + "://" + server.getRawUserInfo() + "@" + host + ":" + port + "/" + name;
    }

    private void admin(String sql) throws SQLException {
      var pg = StoreOptions.postgres(postgresUrl()).pgConnectOptions();
      String url = "jdbc:postgresql://" + pg.getHost() + ":" + pg.getPort() + "/postgres";
      try (Connection connection = DriverManager.getConnection(url, pg.getUser(), pg.getPassword());
           Statement statement = connection.createStatement()) {
        statement.execute(sql);
      }
    }

    @Override
    public void close() throws SQLException {
      admin("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    }
  }

  /** A schema of its own in the test PostgreSQL. */
  public static final class Postgres extends TestDatabase {

    private final String schema;

    Postgres(String schema) {
      this.schema = schema;
    }

    /** @return the schema's name */
    public String schema() {
      return schema;
    }

    @Override
    public StoreOptions options() {
      return StoreOptions.postgres(postgresUrl()).withSchema(schema);
    }

    @Override
    public String kind() {
      return "postgresql";
    }

    private Connection connect() throws SQLException {
      var pg = StoreOptions.postgres(postgresUrl()).pgConnectOptions();
      String url = "jdbc:postgresql://" + pg.getHost() + ":" + pg.getPort() + "/" + pg.getDatabase()
        + "?currentSchema=" + schema;
      return DriverManager.getConnection(url, pg.getUser(), pg.getPassword());
    }

    @Override
    public void execute(String sql) throws SQLException {
      try (Connection connection = connect(); Statement statement = connection.createStatement()) {
        statement.execute(sql);
      }
    }

    @Override
    public String dump() throws SQLException {
      StringBuilder text = new StringBuilder();
      try (Connection connection = connect(); Statement statement = connection.createStatement()) {
        List<String> tables = new ArrayList<>();
        try (ResultSet names = statement.executeQuery(
          "SELECT table_name FROM information_schema.tables WHERE table_schema = '" + schema + "'")) {
          while (names.next()) {
            tables.add(names.getString(1));
          }
        }
        for (String table : tables) {
          try (ResultSet rows = statement.executeQuery("SELECT CAST(t AS TEXT) FROM " + schema + ".\"" + table + "\" t")) {
            while (rows.next()) {
              text.append(table).append(": ").append(rows.getString(1)).append('\n');
            }
          }
        }
      }
      return text.toString();
    }

    @Override
    public void close() {
      try {
        execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
      } catch (SQLException e) {
        throw new IllegalStateException("cannot drop test schema " + schema + ": " + e.getMessage(), e);
      }
    }
  }

  /** An embedded database in a temporary directory of its own. */
  public static final class Embedded extends TestDatabase {

    private final Path dir;

    Embedded(Path dir) {
      this.dir = dir;
    }

    /** @return the data directory */
    public Path dir() {
      return dir;
    }

    @Override
    public StoreOptions options() {
      return StoreOptions.embedded(dir);
    }

    @Override
    public String kind() {
      return "embedded";
    }

    @Override
    public void execute(String sql) throws SQLException {
      try (Connection connection = DriverManager.getConnection(Database.h2Url(options()), "sa", "");
           Statement statement = connection.createStatement()) {
        statement.execute(sql);
      }
    }

    @Override
    public String dump() throws IOException {
      return new String(Files.readAllBytes(options().h2File().resolveSibling("otpx.mv.db")), StandardCharsets.ISO_8859_1);
    }

    @Override
    public void close() {
      try (Stream<Path> files = Files.walk(dir)) {
        files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
