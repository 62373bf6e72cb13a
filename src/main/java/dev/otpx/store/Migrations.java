package dev.otpx.store;

import io.vertx.pgclient.PgConnectOptions;
import java.nio.charset.StandardCharsets;
import java.net.URLEncoder;
import java.util.Locale;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.configuration.FluentConfiguration;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * Brings the schema to the newest version with Flyway, from the versioned SQL files in
 * {@code src/main/resources/db/migration} ({@value #LOCATION} in the jar). Flyway talks JDBC, so this
 * blocks: it runs on a worker thread, once, before the store serves.
 *
 * <p>Several nodes starting at once against one PostgreSQL are safe: Flyway takes a database lock,
 * and the others find the work done.
 */
final class Migrations {

  /** Where the migrations are on the classpath. */
  static final String LOCATION = "classpath:db/migration";
  /** The longest any one migration statement may take. */
  private static final int STATEMENT_TIMEOUT_SECONDS = 300;

  private Migrations() {
  }

  /**
   * Migrates the database to the newest version.
   *
   * @param options the store's options
   * @return the schema version after migrating, e.g. {@code 1}
   * @throws org.flywaydb.core.api.FlywayException when it cannot connect, a migration fails, or the
   *     database was migrated by a newer build (a version this one does not know)
   */
  static String migrate(StoreOptions options) {
    FluentConfiguration config = Flyway.configure(Migrations.class.getClassLoader())
      .locations(LOCATION)
      // A jar packed without its migrations must fail, not start on an empty schema.
      .failOnMissingLocations(true)
      .validateMigrationNaming(true)
      .connectRetries(0);
    if (options.isPostgres()) {
      PgConnectOptions pg = options.pgConnectOptions();
      config.dataSource(jdbcUrl(pg, options), pg.getUser(), pg.getPassword());
      if (options.schema() != null) {
        config.schemas(options.schema()).defaultSchema(options.schema()).createSchemas(true);
      }
    } else {
      config.dataSource(Database.h2Url(options), "sa", "");
    }
    MigrateResult result = config.load().migrate();
    return result.targetSchemaVersion != null ? result.targetSchemaVersion : result.initialSchemaVersion;
  }

  /** PostgreSQL's JDBC URL for the same database, with the store's connect timeout. */
  private static String jdbcUrl(PgConnectOptions pg, StoreOptions options) {
    String host = pg.getHost().contains(":") ? "[" + pg.getHost() + "]" : pg.getHost();
    long connectSeconds = Math.max(1, (options.timeout().toMillis() + 999) / 1000);
    return "jdbc:postgresql://" + host + ":" + pg.getPort() + "/" + URLEncoder.encode(pg.getDatabase(), StandardCharsets.UTF_8)
      + "?ApplicationName=otpx&connectTimeout=" + connectSeconds + "&socketTimeout=" + STATEMENT_TIMEOUT_SECONDS
      + "&sslmode=" + pg.getSslMode().name().toLowerCase(Locale.ROOT).replace('_', '-');
  }
}
