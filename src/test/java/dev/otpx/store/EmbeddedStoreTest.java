package dev.otpx.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Vertx;
import io.vertx.junit5.VertxTestContext;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The store contract on the embedded default, an H2 file in a directory of its own. */
class EmbeddedStoreTest extends StoreContract {

  @Override
  TestDatabase newDatabase() {
    return TestDatabase.embedded();
  }

  @Nested
  class TheDataDirectory {

    @Test
    void isCreatedWhenMissingAndHoldsTheDatabaseFile(Vertx vertx, VertxTestContext ctx) {
      Path nested = dataDir().resolve("deeper").resolve("data");
      open(vertx, StoreOptions.embedded(nested)).onComplete(ctx.succeeding(store -> ctx.verify(() -> {
        assertThat(nested.resolve("otpx.mv.db")).isRegularFile();
        assertThat(store.description()).isEqualTo("h2:" + nested.toAbsolutePath() + "/otpx.mv.db");
        ctx.completeNow();
      })));
    }

    @Test
    void thatCannotBeMadeFailsTheOpenWithOneLineNamingIt(Vertx vertx, VertxTestContext ctx) throws Exception {
      Path file = Files.writeString(dataDir().resolve("not-a-directory"), "x");
      open(vertx, StoreOptions.embedded(file.resolve("data"))).onComplete(ctx.failing(err -> ctx.verify(() -> {
        assertThat(err).isInstanceOf(StoreException.class);
        assertThat(((StoreException) err).failure()).isEqualTo(StoreException.Failure.UNAVAILABLE);
        assertThat(err.getMessage()).doesNotContain("\n").contains(file.resolve("data").toAbsolutePath().toString());
        ctx.completeNow();
      })));
    }
  }
}
