package dev.otpx.accounts;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class PasswordHasherTest {

  private static final PasswordHashing CHEAP = new PasswordHashing(1024, 1, 1, 2, 64);

  @Test
  void theDefaultsHashWithArgon2idAtOwaspsMinimumCostAndASaltOfItsOwn(Vertx vertx, VertxTestContext ctx) {
    PasswordHasher hasher = new PasswordHasher(vertx, PasswordHashing.DEFAULTS);
    Future.all(hasher.hash("correct horse"), hasher.hash("correct horse"))
      .compose(both -> hasher.verify("correct horse", both.resultAt(0)).map(verdict -> {
        String first = both.resultAt(0);
        String second = both.resultAt(1);
        assertThat(first).startsWith("$argon2id$v=19$m=19456,t=2,p=1$").doesNotContain("correct horse");
        // A fresh salt each time: the same password never gives the same hash.
        assertThat(second).isNotEqualTo(first);
        assertThat(verdict.verified()).isTrue();
        assertThat(verdict.upgradedHash()).isNull();
        return verdict;
      }))
      .eventually(hasher::close)
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aWrongPasswordDoesNotVerifyAndNoHashNeverDoes(Vertx vertx, VertxTestContext ctx) {
    PasswordHasher hasher = new PasswordHasher(vertx, CHEAP);
    hasher.hash("correct horse")
      .compose(hash -> hasher.verify("correct horsE", hash))
      .compose(wrong -> hasher.verify("correct horse", null).map(none -> {
        assertThat(wrong.verified()).isFalse();
        assertThat(none.verified()).isFalse();
        return none;
      }))
      .eventually(hasher::close)
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void aHashMadeWithWeakerSettingsVerifiesAndComesBackStronger(Vertx vertx, VertxTestContext ctx) {
    PasswordHasher weak = new PasswordHasher(vertx, CHEAP);
    PasswordHasher strong = new PasswordHasher(vertx, new PasswordHashing(2048, 2, 1, 2, 64));
    weak.hash("correct horse")
      .compose(old -> strong.verify("correct horse", old))
      .compose(verdict -> {
        assertThat(verdict.verified()).isTrue();
        assertThat(verdict.upgradedHash()).startsWith("$argon2id$v=19$m=2048,t=2,p=1$");
        return strong.verify("correct horse", verdict.upgradedHash());
      })
      .map(again -> {
        assertThat(again.verified()).isTrue();
        assertThat(again.upgradedHash()).isNull();
        return again;
      })
      .eventually(() -> weak.close().compose(v -> strong.close()))
      .onComplete(ctx.succeedingThenComplete());
  }

  @Test
  void beyondMaxPendingAHashIsRefusedAsBusyAtOnce(Vertx vertx, VertxTestContext ctx) {
    PasswordHasher hasher = new PasswordHasher(vertx, new PasswordHashing(1024, 1, 1, 1, 1));
    Future<String> first = hasher.hash("one password");
    Future<String> second = hasher.hash("two password");
    second.onComplete(ctx.failing(err -> ctx.verify(() -> {
      assertThat(err).isInstanceOf(AccountException.class);
      assertThat(((AccountException) err).failure()).isEqualTo(AccountException.Failure.BUSY);
      assertThat(((AccountException) err).retryAfter()).isPositive();
      first.compose(hash -> hasher.hash("three password")).eventually(hasher::close)
        .onComplete(ctx.succeedingThenComplete());
    })));
  }
}
