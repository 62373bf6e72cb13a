package dev.otpx.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otpx.store.StoreOptions;
import dev.otpx.store.TestDatabase;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jar as an operator runs it, with its data: on the embedded default and on PostgreSQL
 * (a database created for the run and dropped after it), accounts and videos survive a restart;
 * a database that cannot be reached stops start-up with one line. Waits on the service's log lines,
 * never on time.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class StoreJarIT {

  private static final String PASSWORD = "correct horse battery";

  @TempDir
  Path dataDir;
  private final HttpClient http = HttpClient.newHttpClient();
  private ServiceJar service;
  private int port;

  @AfterEach
  void stopTheService() throws InterruptedException {
    if (service != null) {
      service.close();
    }
  }

  /** Starts the jar and reads its log until it listens, or until it ends. */
  private boolean start(Map<String, String> env) throws IOException {
    port = ServiceJar.freePort();
    service = ServiceJar.launch(dataDir, port, env);
    return service.listens();
  }

  /** @return the log of the service started last */
  private List<String> log() {
    return service.log();
  }

  /** SIGTERM, and wait for the JVM to end. */
  private void stop() throws InterruptedException {
    service.stop();
  }

  private HttpResponse<String> send(String method, String path, JsonObject body, String token) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
      .header("content-type", "application/json")
      .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body.encode()));
    if (token != null) {
      request.header("authorization", "Bearer " + token);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Registers, adds a video, restarts, signs in again and finds the video and the epoch unchanged. */
  private void survivesARestart(Map<String, String> env) throws Exception {
    assertThat(start(env)).as(String.join("\n", log())).isTrue();
    String epoch = epochLine();
    HttpResponse<String> registered = send("POST", "/api/users", credentials(), null);
    assertThat(registered.statusCode()).as(registered.body()).isEqualTo(201);
    String token = new JsonObject(registered.body()).getString("token");
    HttpResponse<String> added = send("POST", "/api/videos",
      new JsonObject().put("title", "The making of Rumbl").put("url", "https://videos.example/rumbl"), token);
    assertThat(added.statusCode()).as(added.body()).isEqualTo(201);
    stop();

    assertThat(start(env)).as(String.join("\n", log())).isTrue();
    assertThat(epochLine()).isEqualTo(epoch);
    HttpResponse<String> signedIn = send("POST", "/api/sessions", credentials(), null);
    assertThat(signedIn.statusCode()).as(signedIn.body()).isEqualTo(201);
    HttpResponse<String> again = send("POST", "/api/users", credentials(), null);
    assertThat(again.statusCode()).as(again.body()).isEqualTo(409);
    HttpResponse<String> videos = send("GET", "/api/videos", null, null);
    assertThat(new JsonObject(videos.body()).getJsonArray("videos").getJsonObject(0))
      .isEqualTo(new JsonObject(added.body()));
    // The token from before the restart still adds videos (its user is still there).
    assertThat(send("POST", "/api/videos", new JsonObject().put("title", "Two").put("url", "https://videos.example/2"), token)
      .statusCode()).isEqualTo(201);
  }

  private static JsonObject credentials() {
    return new JsonObject().put("username", "Alice").put("password", PASSWORD);
  }

  /** The epoch from the store's ready line. */
  private String epochLine() {
    return log().stream().filter(line -> line.contains("store: database") && line.contains("ready"))
      .map(line -> line.substring(line.indexOf("epoch ") + "epoch ".length()).strip())
      .findFirst().orElseThrow(() -> new AssertionError("no ready line:\n" + String.join("\n", log())));
  }

  @Test
  void onTheEmbeddedDefaultAccountsAndVideosSurviveARestart() throws Exception {
    survivesARestart(Map.of());
    assertThat(dataDir.resolve("otpx.mv.db")).isRegularFile();
    assertThat(log()).anyMatch(line -> line.contains("store: database h2:" + dataDir.resolve("otpx.mv.db")));
  }

  @Test
  void onPostgresqlAccountsAndVideosSurviveARestart() throws Exception {
    // A database of the run's own, dropped afterwards: the jar migrates the default schema of it.
    String database = "otpx_it_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    URI server = URI.create(TestDatabase.postgresUrl());
    String url = server.getScheme() + "://" + server.getRawUserInfo() + "@" + server.getHost()
      + (server.getPort() < 0 ? "" : ":" + server.getPort()) + "/" + database;
    admin(server, "CREATE DATABASE " + database);
    try {
      survivesARestart(Map.of(StoreOptions.DATABASE_URL_ENV, url));
      assertThat(log()).anyMatch(line -> line.contains("store: database postgresql://"));
      stop();
    } finally {
      admin(server, "DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
    }
  }

  @Test
  void anUnreachableDatabaseStopsStartUpWithOneLineNamingItWithoutThePassword() throws Exception {
    int closed = ServiceJar.freePort();
    assertThat(start(Map.of(StoreOptions.DATABASE_URL_ENV, "postgresql://otpx:s3cr3t-pw@127.0.0.1:" + closed + "/otpx")))
      .isFalse();
    assertThat(service.awaitExit()).isEqualTo(1);
    // Exactly one line speaks of the database, and it says where, without the password.
    assertThat(log().stream().filter(line -> line.contains(":" + closed)).toList()).singleElement().asString()
      .contains("ERROR")
      .contains("start-up failed: unavailable: database postgresql://otpx@127.0.0.1:" + closed + "/otpx is unavailable");
    assertThat(String.join("\n", log())).doesNotContain("s3cr3t");
  }

  private static void admin(URI server, String sql) throws Exception {
    String user = server.getUserInfo().split(":")[0];
    String password = server.getUserInfo().contains(":") ? server.getUserInfo().split(":", 2)[1] : "";
    String jdbc = "jdbc:postgresql://" + server.getHost() + ":" + (server.getPort() < 0 ? 5432 : server.getPort()) + "/postgres";
    try (Connection connection = DriverManager.getConnection(jdbc, user, password);
         Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }
}
