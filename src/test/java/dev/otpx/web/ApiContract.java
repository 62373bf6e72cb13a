package dev.otpx.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otpx.accounts.AccountException;
import dev.otpx.accounts.Accounts;
import dev.otpx.accounts.LoginThrottle;
import dev.otpx.accounts.PasswordHashing;
import dev.otpx.channels.auth.Tokens;
import dev.otpx.store.Store;
import dev.otpx.store.TestDatabase;
import dev.otpx.testing.LogCapture;
import dev.otpx.testing.MutableClock;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.client.HttpRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Accounts, sessions and videos over real HTTP, on a real database: each subclass runs all of it on
 * one kind ({@link PostgresApiTest}, {@link EmbeddedApiTest}), each test with a database of its own.
 * The routes are mounted as {@link HttpVerticle} mounts them, with cheap password hashing and a
 * small login throttle on a clock the tests move.
 */
@ExtendWith(VertxExtension.class)
abstract class ApiContract {

  /** Cheap, so that tests hash quickly; the production cost is checked in PasswordHasherTest. */
  static final PasswordHashing CHEAP = new PasswordHashing(1024, 1, 1, 2, 64);
  static final LoginThrottle.Options THROTTLE = new LoginThrottle.Options(
    new LoginThrottle.Limit(3, Duration.ofSeconds(1), Duration.ofSeconds(8), Duration.ofMinutes(1)),
    new LoginThrottle.Limit(6, Duration.ofSeconds(1), Duration.ofSeconds(8), Duration.ofMinutes(1)),
    1000);
  static final Tokens TOKENS = new Tokens("a test secret that is long enough!".getBytes(StandardCharsets.UTF_8),
    Duration.ofHours(1), Clock.systemUTC());
  static final String PASSWORD = "correct horse battery";

  final MutableClock clock = new MutableClock();
  TestDatabase database;
  Store store;
  Accounts accounts;
  WebClient client;
  int port;

  abstract TestDatabase newDatabase();

  @BeforeEach
  void serveTheRoutesOnADatabaseOfTheirOwn(Vertx vertx, VertxTestContext ctx) {
    database = newDatabase();
    client = WebClient.create(vertx);
    Store.open(vertx, database.options()).compose(opened -> {
      store = opened;
      accounts = Accounts.create(vertx, store.users(), new Accounts.Options(CHEAP, THROTTLE), clock);
      Router router = Router.router(vertx);
      SessionRoutes.mount(router, accounts, TOKENS);
      AccountRoutes.mount(router, accounts, TOKENS);
      VideoRoutes.mount(router, store.videos(), TOKENS);
      return vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1");
    }).map(HttpServer::actualPort).onComplete(ctx.succeeding(p -> {
      port = p;
      ctx.completeNow();
    }));
  }

  @AfterEach
  void dropTheDatabase(Vertx vertx, VertxTestContext ctx) {
    accounts.close().eventually(store::close)
      .eventually(() -> vertx.executeBlocking(() -> {
        database.close();
        return null;
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  Future<HttpResponse<Buffer>> post(String path, JsonObject body) {
    return client.post(port, "127.0.0.1", path).sendJsonObject(body);
  }

  Future<HttpResponse<Buffer>> postRaw(String path, String body) {
    return client.post(port, "127.0.0.1", path).putHeader("content-type", "application/json").sendBuffer(Buffer.buffer(body));
  }

  Future<HttpResponse<Buffer>> get(String path) {
    return client.get(port, "127.0.0.1", path).send();
  }

  static JsonObject credentials(String username, String password) {
    return new JsonObject().put("username", username).put("password", password);
  }

  Future<HttpResponse<Buffer>> register(String username, String password) {
    return post(AccountRoutes.PATH, credentials(username, password));
  }

  Future<HttpResponse<Buffer>> signIn(String username, String password) {
    return post(SessionRoutes.PATH, credentials(username, password));
  }

  /** Registers a person and returns their token. */
  Future<String> tokenFor(String username) {
    return register(username, PASSWORD).map(r -> {
      assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(201);
      return r.bodyAsJsonObject().getString("token");
    });
  }

  Future<HttpResponse<Buffer>> addVideo(String token, JsonObject video) {
    HttpRequest<Buffer> request = client.post(port, "127.0.0.1", VideoRoutes.PATH);
    if (token != null) {
      request.putHeader("authorization", "Bearer " + token);
    }
    return request.sendJsonObject(video);
  }

  static JsonObject video(String title, String url) {
    return new JsonObject().put("title", title).put("url", url);
  }

  static void assertError(HttpResponse<Buffer> r, int status, String code) {
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(status);
    assertThat(r.getHeader("content-type")).isEqualTo("application/json");
    assertThat(r.bodyAsJsonObject().getString("error")).as(r.bodyAsString()).isEqualTo(code);
    assertThat(r.bodyAsJsonObject().getString("message")).isNotBlank();
  }

  static void assertBadRequest(HttpResponse<Buffer> r, String message) {
    assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(400);
    assertThat(r.bodyAsJsonObject()).isEqualTo(new JsonObject().put("error", "bad_request").put("message", message));
  }

  /** Runs requests one after the other and collects their responses. */
  static Future<List<HttpResponse<Buffer>>> inTurn(List<java.util.function.Supplier<Future<HttpResponse<Buffer>>>> requests) {
    Future<List<HttpResponse<Buffer>>> chain = Future.succeededFuture(new ArrayList<>());
    for (var request : requests) {
      chain = chain.compose(list -> request.get().map(r -> {
        list.add(r);
        return list;
      }));
    }
    return chain;
  }

  @Nested
  class Registering {

    @Test
    void aNewPersonGetsTheirNormalNameAndATokenAtOnce(VertxTestContext ctx) {
      register("Alice", PASSWORD).onComplete(ctx.succeeding(r -> ctx.verify(() -> {
        assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(201);
        assertThat(r.getHeader("cache-control")).isEqualTo("no-store");
        JsonObject body = r.bodyAsJsonObject();
        assertThat(body.fieldNames()).containsExactlyInAnyOrder("id", "username", "token");
        assertThat(body.getString("username")).isEqualTo("alice");
        assertThat(TOKENS.verify(body.getString("token"))).isEqualTo("alice");
        ctx.completeNow();
      })));
    }

    @Test
    void aNameTakenInAnyCaseIsAConflict(VertxTestContext ctx) {
      register("alice", PASSWORD).compose(first -> register("ALICE", "another good password"))
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertError(r, 409, "username_taken");
          ctx.completeNow();
        })));
    }

    @Test
    void badInputIsABadRequestNamingTheRule(VertxTestContext ctx) {
      inTurn(List.of(
        () -> postRaw(AccountRoutes.PATH, "{\"username\": "),
        () -> post(AccountRoutes.PATH, new JsonObject().put("password", PASSWORD)),
        () -> register("9lives", PASSWORD),
        () -> register("Calculator", PASSWORD),
        () -> register("alice", "short"),
        () -> register("alice", "x".repeat(129)),
        () -> register("alice", " Alice "),
        () -> post(AccountRoutes.PATH, new JsonObject().put("username", "alice").put("password", 12345678))))
        .onComplete(ctx.succeeding(all -> ctx.verify(() -> {
          assertBadRequest(all.get(0), "body must be a JSON object {\"username\": \"...\", \"password\": \"...\"}");
          assertBadRequest(all.get(1), "username is missing");
          assertBadRequest(all.get(2), "username must start with a letter");
          assertBadRequest(all.get(3), "username 'calculator' is reserved");
          assertBadRequest(all.get(4), "password must be 8 to 128 characters long, got 5");
          assertBadRequest(all.get(5), "password must be 8 to 128 characters long, got 129");
          assertBadRequest(all.get(6), "password must be 8 to 128 characters long, got 7");
          assertBadRequest(all.get(7), "password must be a string");
          ctx.completeNow();
        })));
    }

    @Test
    void aPasswordThatIsTheUsernameIsRefused(VertxTestContext ctx) {
      register("alicealice", "AliceAlice").onComplete(ctx.succeeding(r -> ctx.verify(() -> {
        assertBadRequest(r, "password must not be the username");
        ctx.completeNow();
      })));
    }

    @Test
    void anOversizedBodyIsRefused(VertxTestContext ctx) {
      register("alice", "x".repeat(10_000)).onComplete(ctx.succeeding(r -> ctx.verify(() -> {
        assertError(r, 413, "payload_too_large");
        ctx.completeNow();
      })));
    }
  }

  @Nested
  class StoringPasswords {

    /**
     * A password used once to register and once, wrong, to sign in must appear nowhere: not in any
     * row of any table (or anywhere in the embedded database's file), not in the log at any level.
     */
    @Test
    void aPasswordIsKeptOnlyAsAnArgon2idHashAndAppearsInNoRowAndNoLogLine(VertxTestContext ctx) {
      String password = "plain-" + UUID.randomUUID();
      String wrong = "wrong-" + UUID.randomUUID();
      LogCapture log = LogCapture.everything();
      register("alice", password)
        .compose(r -> signIn("alice", wrong))
        .compose(r -> signIn("alice", password))
        .compose(r -> store.users().credentials("alice"))
        .eventually(() -> {
          log.close();
          return Future.succeededFuture();
        })
        .onComplete(ctx.succeeding(found -> ctx.verify(() -> {
          String hash = found.orElseThrow().passwordHash();
          assertThat(hash).startsWith("$argon2id$v=19$m=1024,t=1,p=1$");
          String everything = database.dump();
          assertThat(everything).contains("alice").contains(hash.substring(hash.lastIndexOf('$') + 1));
          assertThat(everything).doesNotContain(password).doesNotContain(wrong);
          assertThat(log.lines()).isNotEmpty();
          assertThat(String.join("\n", log.lines())).doesNotContain(password).doesNotContain(wrong).doesNotContain(hash);
          ctx.completeNow();
        })));
    }
  }

  @Nested
  class SigningIn {

    @Test
    void theRightPasswordGetsATokenForTheNormalNameTypedInAnyCase(VertxTestContext ctx) {
      register("alice", PASSWORD).compose(r -> signIn("ALICE", PASSWORD))
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(201);
          assertThat(r.getHeader("cache-control")).isEqualTo("no-store");
          JsonObject body = r.bodyAsJsonObject();
          assertThat(body.fieldNames()).containsExactlyInAnyOrder("token", "username");
          assertThat(body.getString("username")).isEqualTo("alice");
          assertThat(TOKENS.verify(body.getString("token"))).isEqualTo("alice");
          ctx.completeNow();
        })));
    }

    @Test
    void aWrongPasswordAndAnUnknownUserGetTheSameAnswer(VertxTestContext ctx) {
      register("alice", PASSWORD)
        .compose(r -> Future.all(signIn("alice", "not the password"), signIn("nobody", "not the password")))
        .onComplete(ctx.succeeding(both -> ctx.verify(() -> {
          HttpResponse<Buffer> wrong = both.resultAt(0);
          HttpResponse<Buffer> unknown = both.resultAt(1);
          assertError(wrong, 401, "invalid_credentials");
          assertThat(wrong.bodyAsJsonObject().getString("message")).isEqualTo("username or password is wrong");
          assertThat(unknown.statusCode()).isEqualTo(wrong.statusCode());
          assertThat(unknown.bodyAsString()).isEqualTo(wrong.bodyAsString());
          assertThat(headers(unknown)).isEqualTo(headers(wrong));
          ctx.completeNow();
        })));
    }

    @Test
    void aBackendUserCannotSignInEvenWhenItsNameIsNotReserved(VertxTestContext ctx) throws Exception {
      // A backend the reserved-name rule does not know: only the database says it has no password.
      database.execute("INSERT INTO users (username, kind) VALUES ('weather', 'backend')");
      Future.all(signIn("weather", "any password at all"), signIn("nobody", "any password at all"), signIn("calculator", PASSWORD))
        .onComplete(ctx.succeeding(all -> ctx.verify(() -> {
          HttpResponse<Buffer> backend = all.resultAt(0);
          HttpResponse<Buffer> unknown = all.resultAt(1);
          assertError(backend, 401, "invalid_credentials");
          assertThat(backend.bodyAsString()).isEqualTo(unknown.bodyAsString());
          assertBadRequest(all.resultAt(2), "username 'calculator' is reserved");
          ctx.completeNow();
        })));
    }

    @Test
    void aMissingPasswordIsABadRequest(VertxTestContext ctx) {
      post(SessionRoutes.PATH, new JsonObject().put("username", "alice")).onComplete(ctx.succeeding(r -> ctx.verify(() -> {
        assertBadRequest(r, "password is missing");
        ctx.completeNow();
      })));
    }

    @Test
    void whileTheDatabaseIsUnavailableSignInIsUnavailableAndNotCountedAsAFailure(VertxTestContext ctx) {
      register("alice", PASSWORD).compose(r -> store.close())
        .compose(closed -> inTurn(List.of(
          () -> signIn("alice", PASSWORD), () -> signIn("alice", PASSWORD), () -> signIn("alice", PASSWORD),
          () -> signIn("alice", PASSWORD))))
        .onComplete(ctx.succeeding(all -> ctx.verify(() -> {
          for (HttpResponse<Buffer> r : all) {
            // More than the free failures, yet never too_many_attempts: without a verdict nothing counts.
            assertError(r, 503, "unavailable");
            assertThat(r.getHeader("retry-after")).isEqualTo("5");
            assertThat(r.bodyAsString()).doesNotContain("postgresql").doesNotContain("h2:");
          }
          ctx.completeNow();
        })));
    }

    private Map<String, String> headers(HttpResponse<Buffer> r) {
      Map<String, String> all = new TreeMap<>();
      r.headers().forEach(header -> all.put(header.getKey().toLowerCase(), header.getValue()));
      return all;
    }
  }

  @Nested
  class SlowingDownGuesses {

    @Test
    void afterTheFreeFailuresAUsernameWaitsTwiceAsLongEachTimeEvenForTheRightPassword(VertxTestContext ctx) {
      register("alice", PASSWORD)
        .compose(r -> inTurn(List.of(() -> signIn("alice", "guess one"), () -> signIn("alice", "guess two"),
          () -> signIn("alice", "guess three"), () -> signIn("alice", "guess four"), () -> signIn("alice", PASSWORD))))
        .compose(first -> {
          for (int i = 0; i < 3; i++) {
            assertError(first.get(i), 401, "invalid_credentials");
          }
          assertError(first.get(3), 429, "too_many_attempts");
          assertThat(first.get(3).getHeader("retry-after")).isEqualTo("1");
          // The right password does not get past the wait either.
          assertError(first.get(4), 429, "too_many_attempts");
          clock.advance(Duration.ofSeconds(1));
          return inTurn(List.of(() -> signIn("alice", "guess five"), () -> signIn("alice", PASSWORD)));
        })
        .compose(second -> {
          assertError(second.get(0), 401, "invalid_credentials");
          assertError(second.get(1), 429, "too_many_attempts");
          assertThat(second.get(1).getHeader("retry-after")).isEqualTo("2");
          clock.advance(Duration.ofSeconds(2));
          return inTurn(List.of(() -> signIn("alice", PASSWORD), () -> signIn("alice", "guess six")));
        })
        .onComplete(ctx.succeeding(third -> ctx.verify(() -> {
          assertThat(third.get(0).statusCode()).as(third.get(0).bodyAsString()).isEqualTo(201);
          // Signed in: the count starts again.
          assertError(third.get(1), 401, "invalid_credentials");
          ctx.completeNow();
        })));
    }

    @Test
    void unknownUsernamesAreSlowedDownLikeRealOnes(VertxTestContext ctx) {
      inTurn(List.of(() -> signIn("nobody", "guess one"), () -> signIn("nobody", "guess two"),
        () -> signIn("nobody", "guess three"), () -> signIn("nobody", "guess four")))
        .onComplete(ctx.succeeding(all -> ctx.verify(() -> {
          assertError(all.get(2), 401, "invalid_credentials");
          assertError(all.get(3), 429, "too_many_attempts");
          ctx.completeNow();
        })));
    }

    @Test
    void oneAddressTryingManyUsernamesIsSlowedDown(VertxTestContext ctx) {
      List<java.util.function.Supplier<Future<HttpResponse<Buffer>>>> guesses = new ArrayList<>();
      for (int i = 0; i < 7; i++) {
        String name = "user" + i;
        guesses.add(() -> signIn(name, "a common password"));
      }
      inTurn(guesses).onComplete(ctx.succeeding(all -> ctx.verify(() -> {
        for (int i = 0; i < 6; i++) {
          assertError(all.get(i), 401, "invalid_credentials");
        }
        assertError(all.get(6), 429, "too_many_attempts");
        assertThat(all.get(6).getHeader("retry-after")).isEqualTo("1");
        ctx.completeNow();
      })));
    }
  }

  @Nested
  class EqualWork {

    /**
     * A wrong password and an unknown user each cost one Argon2 check, so they take the same time:
     * timed with a hashing cost large enough (8 MiB, 2 passes) to dwarf a database lookup, in
     * interleaved rounds, comparing medians. Without the stand-in hash for unknown users the ratio
     * would be tens to one.
     */
    @Test
    void aWrongPasswordAndAnUnknownUserTakeAboutTheSameTime(Vertx vertx, VertxTestContext ctx) {
      LoginThrottle.Options lenient = new LoginThrottle.Options(
        new LoginThrottle.Limit(1000, Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1)),
        new LoginThrottle.Limit(1000, Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1)), 100);
      Accounts timed = Accounts.create(vertx, store.users(), new Accounts.Options(new PasswordHashing(8192, 2, 1, 2, 64), lenient), clock);
      List<Long> wrong = new ArrayList<>();
      List<Long> unknown = new ArrayList<>();
      Future<Void> rounds = timed.register("alice", PASSWORD).mapEmpty();
      for (int i = 0; i < 21; i++) {
        rounds = rounds.compose(v -> timeRefusal(timed, "alice", wrong)).compose(v -> timeRefusal(timed, "nobody", unknown));
      }
      rounds.eventually(timed::close).onComplete(ctx.succeeding(v -> ctx.verify(() -> {
        // The first round warms up the code paths; it does not count.
        double ratio = (double) median(unknown.subList(1, unknown.size())) / median(wrong.subList(1, wrong.size()));
        assertThat(ratio).as("unknown/wrong median time, unknown %s, wrong %s", unknown, wrong).isBetween(0.5, 2.0);
        ctx.completeNow();
      })));
    }

    private Future<Void> timeRefusal(Accounts timed, String username, List<Long> times) {
      long began = System.nanoTime();
      return timed.signIn(username, "not the password", "10.0.0.1").transform(ar -> {
        times.add(System.nanoTime() - began);
        assertThat(ar.cause()).isInstanceOf(AccountException.class);
        assertThat(((AccountException) ar.cause()).failure()).isEqualTo(AccountException.Failure.INVALID_CREDENTIALS);
        return Future.<Void>succeededFuture();
      });
    }

    private long median(List<Long> times) {
      List<Long> sorted = new ArrayList<>(times);
      sorted.sort(null);
      return sorted.get(sorted.size() / 2);
    }
  }

  @Nested
  class Rehashing {

    @Test
    void aSignInWithStrongerSettingsStoresAStrongerHashThatStillWorks(Vertx vertx, VertxTestContext ctx) {
      Accounts stronger = Accounts.create(vertx, store.users(),
        new Accounts.Options(new PasswordHashing(2048, 2, 1, 2, 64), THROTTLE), clock);
      register("alice", PASSWORD)
        .compose(r -> stronger.signIn("alice", PASSWORD, "10.0.0.1"))
        .compose(user -> store.users().credentials("alice"))
        .compose(found -> {
          assertThat(found.orElseThrow().passwordHash()).startsWith("$argon2id$v=19$m=2048,t=2,p=1$");
          return signIn("alice", PASSWORD);
        })
        .eventually(stronger::close)
        .onComplete(ctx.succeeding(r -> ctx.verify(() -> {
          assertThat(r.statusCode()).as(r.bodyAsString()).isEqualTo(201);
          ctx.completeNow();
        })));
    }
  }

  @Nested
  class Videos {

    @Test
    void aSignedInPersonAddsAVideoThatAnyoneListsAndFinds(VertxTestContext ctx) {
      tokenFor("alice")
        .compose(token -> addVideo(token, video("  The making of Rumbl ", "https://videos.example/watch?v=1")))
        .compose(added -> {
          assertThat(added.statusCode()).as(added.bodyAsString()).isEqualTo(201);
          JsonObject video = added.bodyAsJsonObject();
          assertThat(video.getString("title")).isEqualTo("The making of Rumbl");
          assertThat(video.getString("url")).isEqualTo("https://videos.example/watch?v=1");
          assertThat(video.getJsonObject("user").getString("username")).isEqualTo("alice");
          assertThat(added.getHeader("location")).isEqualTo("/api/videos/" + video.getLong("id"));
          return Future.all(get(VideoRoutes.PATH), get(added.getHeader("location")), get("/api/videos/" + (video.getLong("id") + 100)))
            .map(all -> {
              HttpResponse<Buffer> list = all.resultAt(0);
              HttpResponse<Buffer> one = all.resultAt(1);
              assertThat(list.statusCode()).isEqualTo(200);
              assertThat(list.bodyAsJsonObject().getJsonArray("videos").getList()).hasSize(1);
              assertThat(list.bodyAsJsonObject().getJsonArray("videos").getJsonObject(0)).isEqualTo(video);
              assertThat(one.bodyAsJsonObject()).isEqualTo(video);
              assertError(all.resultAt(2), 404, "not_found");
              return all;
            });
        })
        .onComplete(ctx.succeedingThenComplete());
    }

    @Test
    void withoutAValidTokenAddingIsUnauthorizedAndStoresNothing(VertxTestContext ctx) {
      JsonObject video = video("Mine", "https://videos.example/m");
      inTurn(List.of(
        () -> addVideo(null, video),
        () -> addVideo("not-a-token", video),
        () -> addVideo(TOKENS.sign("ghost"), video),
        () -> client.post(port, "127.0.0.1", VideoRoutes.PATH).putHeader("authorization", "Basic YWxpY2U6cHc=").sendJsonObject(video),
        () -> get(VideoRoutes.PATH)))
        .onComplete(ctx.succeeding(all -> ctx.verify(() -> {
          assertError(all.get(0), 401, "unauthorized");
          assertThat(all.get(0).getHeader("www-authenticate")).isEqualTo("Bearer realm=\"otpx\"");
          assertError(all.get(1), 401, "unauthorized");
          assertThat(all.get(1).getHeader("www-authenticate")).contains("error=\"invalid_token\"");
          // Signed by us, for a user the database does not have.
          assertError(all.get(2), 401, "unauthorized");
          assertError(all.get(3), 401, "unauthorized");
          assertThat(all.get(4).bodyAsJsonObject().getJsonArray("videos").getList()).isEmpty();
          ctx.completeNow();
        })));
    }

    @Test
    void aBadVideoIsABadRequestNamingTheField(VertxTestContext ctx) {
      tokenFor("alice").compose(token -> inTurn(List.of(
        () -> addVideo(token, new JsonObject().put("url", "https://videos.example/1")),
        () -> addVideo(token, video("x".repeat(201), "https://videos.example/1")),
        () -> addVideo(token, video("Ring\u0007", "https://videos.example/1")),
        () -> addVideo(token, new JsonObject().put("title", "No URL")),
        () -> addVideo(token, video("FTP", "ftp://videos.example/1")),
        () -> addVideo(token, video("Script", "javascript:alert(1)")),
        () -> addVideo(token, video("No host", "https:///path")),
        () -> addVideo(token, video("Credentials", "https://user:secret@videos.example/1")),
        () -> addVideo(token, video("Spaces", "https://videos.example/a b")),
        () -> addVideo(token, video("Long", "https://videos.example/" + "x".repeat(2048))),
        () -> get(VideoRoutes.PATH))))
        .onComplete(ctx.succeeding(all -> ctx.verify(() -> {
          assertBadRequest(all.get(0), "title is missing");
          assertBadRequest(all.get(1), "title must be at most 200 characters, got 201");
          assertBadRequest(all.get(2), "title must not contain control characters");
          assertBadRequest(all.get(3), "url is missing");
          assertBadRequest(all.get(4), "url must start with http:// or https://");
          assertBadRequest(all.get(5), "url must start with http:// or https://");
          assertBadRequest(all.get(6), "url must name a host");
          assertBadRequest(all.get(7), "url must not contain a user name or password");
          assertBadRequest(all.get(8), "url must be a valid URL, e.g. https://www.youtube.com/watch?v=...");
          assertBadRequest(all.get(9), "url must be at most 2048 characters, got 2071");
          assertThat(all.get(10).bodyAsJsonObject().getJsonArray("videos").getList()).isEmpty();
          ctx.completeNow();
        })));
    }

    @Test
    void theListComesNewestFirstAPageAtATime(VertxTestContext ctx) {
      tokenFor("alice").compose(token -> inTurn(List.of(
          () -> addVideo(token, video("One", "https://videos.example/1")),
          () -> addVideo(token, video("Two", "https://videos.example/2")),
          () -> addVideo(token, video("Three", "https://videos.example/3")))))
        .compose(added -> get(VideoRoutes.PATH + "?limit=2").compose(first -> {
          var page = first.bodyAsJsonObject().getJsonArray("videos");
          assertThat(page.stream().map(v -> ((JsonObject) v).getString("title")).toList()).containsExactly("Three", "Two");
          return get(VideoRoutes.PATH + "?limit=2&before_id=" + page.getJsonObject(1).getLong("id"));
        }))
        .compose(second -> {
          var page = second.bodyAsJsonObject().getJsonArray("videos");
          assertThat(page.stream().map(v -> ((JsonObject) v).getString("title")).toList()).containsExactly("One");
          return inTurn(List.of(() -> get(VideoRoutes.PATH + "?limit=0"), () -> get(VideoRoutes.PATH + "?limit=ten"),
            () -> get(VideoRoutes.PATH + "?before_id=-1"), () -> get("/api/videos/abc")));
        })
        .onComplete(ctx.succeeding(bad -> ctx.verify(() -> {
          assertBadRequest(bad.get(0), "limit must be between 1 and 100, got 0");
          assertBadRequest(bad.get(1), "limit must be a whole number, got 'ten'");
          assertBadRequest(bad.get(2), "before_id must be between 1 and 9223372036854775807, got -1");
          assertBadRequest(bad.get(3), "id must be a whole number, got 'abc'");
          ctx.completeNow();
        })));
    }
  }
}
