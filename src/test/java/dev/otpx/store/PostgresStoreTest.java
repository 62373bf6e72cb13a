package dev.otpx.store;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.otpx.store.StoreException.Failure;
import dev.otpx.testing.LogCapture;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxTestContext;
import java.net.URI;
import java.time.Duration;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The store contract on the machine's PostgreSQL, each test in a schema of its own; then what only a
 * networked database can do: go away. The database is taken away through a {@link TcpProxy} the
 * test controls, never by stopping the server.
 */
class PostgresStoreTest extends StoreContract {

  /** Short, so that outages are quick to see; the production default is 5 s. */
  private static final Duration TIMEOUT = Duration.ofMillis(1000);

  @Override
  TestDatabase newDatabase() {
    return TestDatabase.postgres();
  }

  /** Tries a call until it succeeds: each attempt is an event, spaced by a timer, at most 100. */
  static Future<Void> untilItSucceeds(Vertx vertx, Supplier<Future<?>> call) {
    return attempt(vertx, call, 100);
  }

  private static Future<Void> attempt(Vertx vertx, Supplier<Future<?>> call, int left) {
    return call.get().<Void>mapEmpty().recover(err -> left <= 1
      ? Future.failedFuture(new AssertionError("never succeeded: " + err, err))
      : vertx.timer(100).compose(t -> attempt(vertx, call, left - 1)));
  }

  @Nested
  class WhenTheDatabaseGoesAway {

    private TcpProxy proxy;

    @BeforeEach
    void putAProxyInFront(Vertx vertx, VertxTestContext ctx) {
      URI server = URI.create(TestDatabase.postgresUrl());
      TcpProxy.start(vertx, server.getHost(), server.getPort() < 0 ? 5432 : server.getPort())
        .onComplete(ctx.succeeding(started -> {
          proxy = started;
          ctx.completeNow();
        }));
    }

    @AfterEach
    void removeIt(VertxTestContext ctx) {
      proxy.close().onComplete(ctx.succeedingThenComplete());
    }

    /** The test database, reached through the proxy, with a password in the URL. */
    private StoreOptions throughTheProxy(String password) {
      URI server = URI.create(TestDatabase.postgresUrl());
      String user = server.getUserInfo().split(":")[0];
      String url = "postgresql://" + user + (password == null ? "" : ":" + password) + "@127.0.0.1:" + proxy.port()
        + server.getPath();
      return database.options().withDatabaseUrl(url).withSchema(database.options().schema()).withTimeout(TIMEOUT);
    }

    @Test
    void anUnreachableDatabaseFailsTheOpenQuicklyWithOneLineNamingItWithoutThePassword(Vertx vertx, VertxTestContext ctx) {
      proxy.down();
      long began = System.nanoTime();
      open(vertx, throughTheProxy("hunter2-secret")).onComplete(ctx.failing(err -> ctx.verify(() -> {
        assertThat(Duration.ofNanos(System.nanoTime() - began)).isLessThan(TIMEOUT.multipliedBy(3));
        assertThat(err).isInstanceOf(StoreException.class);
        assertThat(((StoreException) err).failure()).isEqualTo(Failure.UNAVAILABLE);
        assertThat(err.getMessage())
          .startsWith("unavailable: database postgresql://postgres@127.0.0.1:" + proxy.port() + "/")
          .doesNotContain("hunter2")
          .doesNotContain("\n");
        ctx.completeNow();
      })));
    }

    @Test
    void callsFailAsUnavailableWhileItIsDownAndWorkAgainOnceItIsBack(Vertx vertx, VertxTestContext ctx) {
      LogCapture log = LogCapture.everything();
      open(vertx, throughTheProxy(null)).compose(store -> store.users().create("alice", SOME_HASH)
        .compose(alice -> store.videos().add("alice", "Video", "https://videos.example/1"))
        .compose(video -> store.annotations().add(video.id(), "alice", "before", 1)
          .compose(before -> {
            proxy.down();
            long began = System.nanoTime();
            return store.annotations().add(video.id(), "alice", "during", 2).transform(during -> {
              assertThat(Duration.ofNanos(System.nanoTime() - began)).isLessThan(TIMEOUT.multipliedBy(3));
              assertThat(((StoreException) during.cause()).failure()).isEqualTo(Failure.UNAVAILABLE);
              return store.ping();
            }).transform(ping -> {
              assertThat(((StoreException) ping.cause()).failure()).isEqualTo(Failure.UNAVAILABLE);
              proxy.up();
              return untilItSucceeds(vertx, store::ping);
            }).compose(back -> store.annotations().add(video.id(), "alice", "after", 3))
              .compose(after -> store.annotations().after(video.id(), 0, 10).map(all -> {
                assertThat(bodies(all)).containsExactly("before", "after");
                assertThat(after.id()).isGreaterThan(before.id());
                return all;
              }));
          })))
        .eventually(() -> {
          log.close();
          return Future.succeededFuture();
        })
        .onComplete(ctx.succeeding(all -> ctx.verify(() -> {
          // One line when the outage starts and one when it ends, however many calls failed.
          assertThat(log.messages(Level.WARN, Store.class.getName())).singleElement().asString()
            .startsWith("store: database postgresql://postgres@127.0.0.1:" + proxy.port());
          assertThat(log.messages(Level.INFO, Store.class.getName()))
            .filteredOn(line -> line.contains("available again")).hasSize(1);
          ctx.completeNow();
        })));
    }

    @Test
    void aSilentNetworkFailsCallsAtTheTimeoutAndTheStoreRecoversWhenItSpeaksAgain(Vertx vertx, VertxTestContext ctx) {
      open(vertx, throughTheProxy(null)).compose(store -> store.ping().compose(answered -> {
        proxy.freeze();
        long began = System.nanoTime();
        return store.users().create("alice", SOME_HASH).transform(frozen -> {
          Duration waited = Duration.ofNanos(System.nanoTime() - began);
          assertThat(waited).isGreaterThanOrEqualTo(TIMEOUT.minusMillis(50)).isLessThan(TIMEOUT.multipliedBy(3));
          assertThat(((StoreException) frozen.cause()).failure()).isEqualTo(Failure.UNAVAILABLE);
          assertThat(frozen.cause().getMessage()).contains("did not answer within " + TIMEOUT.toMillis() + " ms");
          proxy.up();
          return untilItSucceeds(vertx, store::ping);
        }).compose(back -> untilItSucceeds(vertx, () -> store.users().find("bob")))
          .compose(back -> store.videos().list(Long.MAX_VALUE, 10));
      })).onComplete(ctx.succeedingThenComplete());
    }
  }
}
