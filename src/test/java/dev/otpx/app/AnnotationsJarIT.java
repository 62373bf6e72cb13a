package dev.otpx.app;

import static dev.otpx.app.BridgeFrames.ids;
import static dev.otpx.app.BridgeFrames.reply;
import static org.assertj.core.api.Assertions.assertThat;

import dev.otpx.channels.BridgeTestClient;
import dev.otpx.store.StoreOptions;
import dev.otpx.store.TcpProxy;
import dev.otpx.store.TestDatabase;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Annotations in the jar as an operator runs it, through the real bridge: with the embedded
 * default and with PostgreSQL, a restart (SIGTERM) and a {@code kill -9} right after a post is
 * acknowledged lose nothing, ids go on growing, and a client that rejoins with the largest id it has
 * gets only what is newer, under the same epoch. With PostgreSQL behind a TCP proxy the test
 * controls, a database that goes away makes posts fail {@code unavailable} (quickly, never a hang)
 * and the service posts again by itself once it is back. Waits on the service's log and on answers,
 * never on time.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class AnnotationsJarIT {

  private static final String TOPIC_PREFIX = "videos:";
  /** The store's bound on every wait in the outage test: an outage shows within it. */
  private static final Duration STORE_TIMEOUT = Duration.ofMillis(3000);

  @TempDir
  Path dataDir;
  private final HttpClient http = HttpClient.newHttpClient();
  private Vertx vertx;
  private ServiceJar service;
  private int port;
  private TestDatabase.ServerDatabase database;
  private TcpProxy proxy;

  @BeforeEach
  void aVertxForTheClients() {
    vertx = Vertx.vertx();
  }

  @AfterEach
  void stopEverything() throws Exception {
    try {
      if (service != null) {
        service.close();
      }
      if (proxy != null) {
        get(proxy.close());
      }
      get(vertx.close());
    } finally {
      if (database != null) {
        database.close();
      }
    }
  }

  private static <T> T get(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  private void start(Map<String, String> env) throws Exception {
    if (port == 0) {
      port = ServiceJar.freePort();
    }
    service = ServiceJar.start(dataDir, port, env);
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

  /** Signs up (or, after a restart, in) and returns the token. */
  private String session(String username) throws Exception {
    JsonObject credentials = new JsonObject().put("username", username).put("password", "password of " + username);
    HttpResponse<String> registered = send("POST", "/api/users", credentials, null);
    if (registered.statusCode() == 201) {
      return new JsonObject(registered.body()).getString("token");
    }
    HttpResponse<String> signedIn = send("POST", "/api/sessions", credentials, null);
    assertThat(signedIn.statusCode()).as(signedIn.body()).isEqualTo(201);
    return new JsonObject(signedIn.body()).getString("token");
  }

  private long addVideo(String token) throws Exception {
    HttpResponse<String> added = send("POST", "/api/videos",
      new JsonObject().put("title", "The making of Rumbl").put("url", "https://videos.example/rumbl"), token);
    assertThat(added.statusCode()).as(added.body()).isEqualTo(201);
    return new JsonObject(added.body()).getLong("id");
  }

  /** A browser's socket that has joined the video's topic; the reply is kept. */
  private final class Browser {
    final BridgeTestClient client;
    final String token;
    final String topic;
    JsonObject joinReply;

    Browser(String token, long video, long lastSeenId) throws Exception {
      this.client = get(BridgeTestClient.connect(vertx, port));
      this.token = token;
      this.topic = TOPIC_PREFIX + video;
      this.joinReply = reply(get(client.request("channels.join",
        new JsonObject().put("topic", topic).put("last_seen_id", lastSeenId), token)));
    }

    /** Posts; the reply frame ({@code rec} with {@code {"status", "id"}} or {@code err}). */
    JsonObject post(String body, long at) throws Exception {
      return get(client.request("channels.push", new JsonObject().put("topic", topic).put("event", "new_annotation")
        .put("payload", new JsonObject().put("body", body).put("at", at)), token));
    }

    long postOk(String body, long at) throws Exception {
      return reply(post(body, at)).getLong("id");
    }

    JsonArray annotations() {
      return joinReply.getJsonArray("annotations");
    }
  }


  private static List<String> bodies(JsonArray annotations) {
    List<String> bodies = new ArrayList<>();
    annotations.forEach(a -> bodies.add(((JsonObject) a).getString("body")));
    return bodies;
  }

  /**
   * Posts, restarts (gracefully, or with kill -9 right after the last acknowledged post), then finds
   * everything there, ids continuing and the last_seen_id rule holding across the restart.
   */
  private void nothingIsLostAcrossARestart(Map<String, String> env, boolean kill) throws Exception {
    start(env);
    String alice = session("alice");
    long video = addVideo(alice);
    Browser before = new Browser(alice, video, 0);
    String epoch = before.joinReply.getString("epoch");
    List<Long> acked = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      acked.add(before.postOk("before " + i, 1000L * i));
    }
    if (kill) {
      service.kill();
    } else {
      assertThat(service.stop()).isZero();
    }

    start(env);
    Browser after = new Browser(session("alice"), video, 0);
    assertThat(ids(after.annotations())).containsExactlyElementsOf(acked);
    assertThat(bodies(after.annotations())).containsExactly("before 0", "before 1", "before 2");
    assertThat(after.joinReply.getString("epoch")).as("the same database, the same epoch").isEqualTo(epoch);
    long next = after.postOk("after", 500);
    assertThat(next).as("ids go on growing").isGreaterThan(acked.get(2));

    // A page that had everything before the restart rejoins with its last id: it gets the new post only.
    Browser rejoined = new Browser(after.token, video, acked.get(2));
    assertThat(bodies(rejoined.annotations())).containsExactly("after");
    assertThat(rejoined.joinReply.getString("epoch")).isEqualTo(epoch);
  }

  @Test
  void onTheEmbeddedDefaultARestartKeepsEveryAnnotationAndIdsGoOn() throws Exception {
    nothingIsLostAcrossARestart(Map.of(), false);
  }

  @Test
  void onTheEmbeddedDefaultKill9RightAfterAnAcknowledgedPostLosesNothing() throws Exception {
    nothingIsLostAcrossARestart(Map.of(), true);
  }

  @Test
  void onPostgresqlARestartKeepsEveryAnnotationAndIdsGoOn() throws Exception {
    database = TestDatabase.postgresDatabase();
    nothingIsLostAcrossARestart(Map.of(StoreOptions.DATABASE_URL_ENV, database.url()), false);
  }

  @Test
  void onPostgresqlKill9RightAfterAnAcknowledgedPostLosesNothing() throws Exception {
    database = TestDatabase.postgresDatabase();
    nothingIsLostAcrossARestart(Map.of(StoreOptions.DATABASE_URL_ENV, database.url()), true);
  }

  @Test
  void aDatabaseOutageFailsPostsAsUnavailableQuicklyAndTheServiceRecoversByItself() throws Exception {
    database = TestDatabase.postgresDatabase();
    URI server = URI.create(TestDatabase.postgresUrl());
    proxy = get(TcpProxy.start(vertx, server.getHost(), server.getPort() < 0 ? 5432 : server.getPort()));
    Map<String, String> env = new HashMap<>();
    env.put(StoreOptions.DATABASE_URL_ENV, database.via("127.0.0.1", proxy.port()));
    env.put("STORE_TIMEOUT_MS", String.valueOf(STORE_TIMEOUT.toMillis()));
    start(env);
    String alice = session("alice");
    long video = addVideo(alice);
    Browser browser = new Browser(alice, video, 0);
    long first = browser.postOk("before the outage", 1);

    proxy.down();
    long began = System.nanoTime();
    JsonObject refused = browser.post("during the outage", 2);
    assertThat(Duration.ofNanos(System.nanoTime() - began)).isLessThan(STORE_TIMEOUT.multipliedBy(3));
    assertThat(refused.getString("type")).as(refused.encode()).isEqualTo("err");
    assertThat(refused.getString("message")).startsWith("unavailable: ").doesNotContain("postgresql://");
    service.awaitLine(line -> line.contains("WARN") && line.contains("store: database") && line.contains("is unavailable"));
    // An orchestrator stops sending traffic: readiness names the store as down (liveness stays up).
    HttpResponse<String> notReady = send("GET", "/health/ready", null, null);
    assertThat(notReady.statusCode()).as(notReady.body()).isEqualTo(503);
    assertThat(notReady.body()).contains("\"store\"").contains("DOWN");
    assertThat(send("GET", "/health/live", null, null).statusCode()).isEqualTo(200);

    proxy.up();
    // The service reconnects by itself: posts succeed again without a restart. Each try is an answer.
    JsonObject answer = browser.post("after the outage", 3);
    for (int tries = 1; !"rec".equals(answer.getString("type")) && tries < 50; tries++) {
      answer = browser.post("after the outage", 3);
    }
    long last = reply(answer).getLong("id");
    assertThat(last).isGreaterThan(first);
    service.awaitLine(line -> line.contains("store: database") && line.contains("is available again"));
    HttpResponse<String> ready = send("GET", "/health/ready", null, null);
    assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
    Browser rejoined = new Browser(alice, video, 0);
    // The refused post is not there; the others are, once each.
    assertThat(bodies(rejoined.annotations())).containsExactly("before the outage", "after the outage");
  }
}
