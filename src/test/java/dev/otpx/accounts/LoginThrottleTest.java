package dev.otpx.accounts;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.otpx.accounts.LoginThrottle.Limit;
import dev.otpx.accounts.LoginThrottle.Options;
import dev.otpx.testing.MutableClock;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class LoginThrottleTest {

  private static final Limit PER_USER = new Limit(3, Duration.ofSeconds(1), Duration.ofSeconds(8), Duration.ofMinutes(1));
  private static final Limit PER_ADDRESS = new Limit(5, Duration.ofSeconds(1), Duration.ofSeconds(8), Duration.ofMinutes(1));

  private final MutableClock clock = new MutableClock();
  private final LoginThrottle throttle = new LoginThrottle(new Options(PER_USER, PER_ADDRESS, 100), clock);

  private void fail(String user, String address, int times) {
    for (int i = 0; i < times; i++) {
      assertThat(throttle.attempt(user, address)).isEmpty();
    }
  }

  @Nested
  class PerUsername {

    @Test
    void theFreeFailuresPassThenEachMoreWaitsTwiceAsLongUpToTheCap() {
      fail("alice", "10.0.0.1", 3);
      assertThat(throttle.attempt("alice", "10.0.0.2")).contains(Duration.ofSeconds(1));
      clock.advance(Duration.ofSeconds(1));
      fail("alice", "10.0.0.3", 1);
      assertThat(throttle.attempt("alice", "10.0.0.4")).contains(Duration.ofSeconds(2));
      clock.advance(Duration.ofSeconds(2));
      fail("alice", "10.0.0.5", 1);
      assertThat(throttle.attempt("alice", "10.0.0.6")).contains(Duration.ofSeconds(4));
      clock.advance(Duration.ofSeconds(4));
      fail("alice", "10.0.0.7", 1);
      clock.advance(Duration.ofSeconds(8));
      fail("alice", "10.0.0.8", 1);
      // Capped at 8 s.
      assertThat(throttle.attempt("alice", "10.0.0.9")).contains(Duration.ofSeconds(8));
    }

    @Test
    void aWaitCountsDownWithTheClock() {
      fail("alice", "10.0.0.1", 3);
      clock.advance(Duration.ofMillis(400));
      assertThat(throttle.attempt("alice", "10.0.0.1")).contains(Duration.ofMillis(600));
    }

    @Test
    void aRefusedAttemptIsNotCounted() {
      fail("alice", "10.0.0.1", 3);
      for (int i = 0; i < 10; i++) {
        assertThat(throttle.attempt("alice", "10.0.0.1")).isPresent();
      }
      clock.advance(Duration.ofSeconds(1));
      assertThat(throttle.attempt("alice", "10.0.0.1")).isEmpty();
    }

    @Test
    void aSuccessClearsTheUsername() {
      fail("alice", "10.0.0.1", 2);
      assertThat(throttle.attempt("alice", "10.0.0.1")).isEmpty();
      throttle.succeeded("alice", "10.0.0.1");
      fail("alice", "10.0.0.1", 3);
    }

    @Test
    void aCancelledAttemptTakesNothingAway() {
      fail("alice", "10.0.0.1", 2);
      assertThat(throttle.attempt("alice", "10.0.0.1")).isEmpty();
      throttle.cancel("alice", "10.0.0.1");
      assertThat(throttle.attempt("alice", "10.0.0.1")).isEmpty();
      assertThat(throttle.attempt("alice", "10.0.0.1")).isPresent();
    }

    @Test
    void countsAreForgottenAfterAQuietSpell() {
      fail("alice", "10.0.0.1", 3);
      clock.advance(Duration.ofMinutes(1).plusMillis(1));
      fail("alice", "10.0.0.1", 3);
    }

    @Test
    void otherUsernamesAreNotAffected() {
      fail("alice", "10.0.0.1", 3);
      assertThat(throttle.attempt("bob", "10.0.0.2")).isEmpty();
    }
  }

  @Nested
  class PerAddress {

    @Test
    void oneAddressTryingManyUsernamesIsSlowedDown() {
      for (int i = 0; i < 5; i++) {
        fail("user" + i, "10.0.0.1", 1);
      }
      assertThat(throttle.attempt("someone-else", "10.0.0.1")).contains(Duration.ofSeconds(1));
      assertThat(throttle.attempt("someone-else", "10.0.0.2")).isEmpty();
    }

    @Test
    void aSuccessTakesOnlyItsOwnAttemptOffTheAddress() {
      for (int i = 0; i < 4; i++) {
        fail("user" + i, "10.0.0.1", 1);
      }
      assertThat(throttle.attempt("alice", "10.0.0.1")).isEmpty();
      throttle.succeeded("alice", "10.0.0.1");
      fail("bob", "10.0.0.1", 1);
      assertThat(throttle.attempt("carol", "10.0.0.1")).isPresent();
    }
  }

  @Test
  void memoryIsBoundedWhateverTheNumberOfNames() {
    for (int i = 0; i < 10_000; i++) {
      throttle.attempt("user" + i, "10.0." + (i / 256) + "." + (i % 256));
    }
    assertThat(throttle.tracked()).isLessThanOrEqualTo(200);
  }

  @Test
  void limitsAreCheckedNamingTheField() {
    assertThatThrownBy(() -> new Limit(-1, Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofSeconds(1)))
      .hasMessageContaining("freeFailures");
    assertThatThrownBy(() -> new Limit(1, Duration.ofSeconds(2), Duration.ofSeconds(1), Duration.ofSeconds(2)))
      .hasMessageContaining("maxDelay");
    assertThatThrownBy(() -> new Limit(1, Duration.ofSeconds(1), Duration.ofSeconds(10), Duration.ofSeconds(5)))
      .hasMessageContaining("forgetAfter");
    assertThatThrownBy(() -> new Options(PER_USER, PER_ADDRESS, 0)).hasMessageContaining("maxTracked");
    assertThat(Optional.of(Options.DEFAULTS.perUser().freeFailures())).contains(5);
  }
}
