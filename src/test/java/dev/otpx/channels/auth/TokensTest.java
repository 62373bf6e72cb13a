package dev.otpx.channels.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.otpx.channels.auth.InvalidTokenException.Reason;
import dev.otpx.testing.MutableClock;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class TokensTest {

  private static final byte[] SECRET = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8);
  private static final Duration MAX_AGE = Duration.ofHours(1);
  private static final Instant START = Instant.parse("2026-11-23T12:00:00Z");

  private final MutableClock clock = new MutableClock(START);
  private final Tokens tokens = new Tokens(SECRET, MAX_AGE, clock);

  private static Reason reasonFor(Tokens tokens, String token) {
    try {
      tokens.verify(token);
    } catch (InvalidTokenException e) {
      assertThat(e.getMessage()).startsWith(e.reason().code() + ": ");
      if (token != null && !token.isBlank()) {
        assertThat(e.getMessage()).doesNotContain(token);
      }
      return e.reason();
    }
    throw new AssertionError("token was accepted: " + token);
  }

  private static String b64(String text) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }

  @Nested
  class Signing {

    @Test
    void aSignedTokenVerifiesToItsUsername() {
      assertThat(tokens.verify(tokens.sign("alice"))).isEqualTo("alice");
    }

    @Test
    void aSessionSaysUntilWhenItsTokenIsValidAndExpiresWhenTheTokenWould() {
      String token = tokens.sign("alice");
      Tokens.Session session = tokens.verifySession(token);

      assertThat(session).isEqualTo(new Tokens.Session("alice", START.plus(MAX_AGE)));
      clock.advance(MAX_AGE);
      assertThat(tokens.expired(session)).isFalse();
      assertThat(tokens.verify(token)).isEqualTo("alice");
      clock.advance(Duration.ofSeconds(1));
      assertThat(tokens.expired(session)).isTrue();
      assertThat(reasonFor(tokens, token)).isEqualTo(Reason.EXPIRED);
    }

    @Test
    void aTokenIsTheBase64UrlPayloadDotItsBase64UrlMac() {
      String token = tokens.sign("alice");
      assertThat(token).matches("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]{43}");
      String payload = new String(Base64.getUrlDecoder().decode(token.substring(0, token.indexOf('.'))),
        StandardCharsets.UTF_8);
      assertThat(new JsonObject(payload))
        .isEqualTo(new JsonObject().put("u", "alice").put("iat", START.getEpochSecond()));
    }

    @Test
    void onlyValidNamesInNormalFormAreSigned() {
      assertThatThrownBy(() -> tokens.sign("Alice")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("normal form 'alice'");
      assertThatThrownBy(() -> tokens.sign("wolfram")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("reserved");
      assertThatThrownBy(() -> tokens.sign(null)).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Nested
  class Verifying {

    @Test
    void noTokenIsMissing() {
      assertThat(reasonFor(tokens, null)).isEqualTo(Reason.MISSING);
      assertThat(reasonFor(tokens, "")).isEqualTo(Reason.MISSING);
      assertThat(reasonFor(tokens, "  ")).isEqualTo(Reason.MISSING);
    }

    @Test
    void somethingThatIsNotATokenIsMalformed() {
      String good = tokens.sign("alice");
      assertThat(reasonFor(tokens, "abc")).isEqualTo(Reason.MALFORMED);
      assertThat(reasonFor(tokens, ".abc")).isEqualTo(Reason.MALFORMED);
      assertThat(reasonFor(tokens, "abc.")).isEqualTo(Reason.MALFORMED);
      assertThat(reasonFor(tokens, good + ".x")).isEqualTo(Reason.MALFORMED);
      assertThat(reasonFor(tokens, "a*b.c!d")).isEqualTo(Reason.MALFORMED);
      assertThat(reasonFor(tokens, good.substring(0, good.length() - 4))).isEqualTo(Reason.MALFORMED);
      assertThat(reasonFor(tokens, "a".repeat(600) + "." + "b".repeat(43))).isEqualTo(Reason.MALFORMED);
    }

    @Test
    void aTokenSignedWithAnotherSecretIsForged() {
      byte[] other = "another secret of thirty-two bytes".getBytes(StandardCharsets.UTF_8);
      String foreign = new Tokens(other, MAX_AGE, clock).sign("alice");
      assertThat(reasonFor(tokens, foreign)).isEqualTo(Reason.FORGED);
    }

    @Test
    void aTokenWhosePayloadWasChangedIsForged() {
      String good = tokens.sign("alice");
      String mac = good.substring(good.indexOf('.') + 1);
      String asMallory = b64(new JsonObject().put("u", "mallory").put("iat", START.getEpochSecond()).encode());
      assertThat(reasonFor(tokens, asMallory + "." + mac)).isEqualTo(Reason.FORGED);
      String younger = b64(new JsonObject().put("u", "alice").put("iat", START.getEpochSecond() + 1).encode());
      assertThat(reasonFor(tokens, younger + "." + mac)).isEqualTo(Reason.FORGED);
    }

    @Test
    void aTokenIsValidUpToItsMaxAgeAndExpiredAfter() {
      String token = tokens.sign("alice");
      clock.advance(MAX_AGE);
      assertThat(tokens.verify(token)).isEqualTo("alice");
      clock.advance(Duration.ofSeconds(1));
      assertThat(reasonFor(tokens, token)).isEqualTo(Reason.EXPIRED);
    }

    @Test
    void aShorterMaxAgeExpiresTheSameTokenSooner() {
      String token = tokens.sign("alice");
      clock.advance(Duration.ofMinutes(2));
      Tokens strict = new Tokens(SECRET, Duration.ofMinutes(1), clock);
      assertThat(reasonFor(strict, token)).isEqualTo(Reason.EXPIRED);
    }

    @Test
    void reasonsReadAsSnakeCaseCodes() {
      assertThat(Reason.MISSING.code()).isEqualTo("missing");
      assertThat(Reason.MALFORMED.code()).isEqualTo("malformed");
      assertThat(Reason.FORGED.code()).isEqualTo("forged");
      assertThat(Reason.EXPIRED).hasToString("expired");
    }
  }

  @Nested
  class Construction {

    @Test
    void aSecretShorterThanThirtyTwoBytesIsRefused() {
      assertThatThrownBy(() -> new Tokens(new byte[31], MAX_AGE, clock))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 32 bytes, got 31");
    }

    @Test
    void aMaxAgeUnderOneSecondIsRefused() {
      assertThatThrownBy(() -> new Tokens(SECRET, Duration.ofMillis(999), clock))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxAge");
    }

    @Test
    void theSecretIsCopied() {
      byte[] secret = SECRET.clone();
      Tokens copy = new Tokens(secret, MAX_AGE, clock);
      String token = copy.sign("alice");
      secret[0] ^= 1;
      assertThat(copy.verify(token)).isEqualTo("alice");
    }
  }

  @Nested
  class FromEnvironment {

    @Test
    void theSecretFromTheEnvironmentIsSharedByEveryInstance() {
      Map<String, String> env = Map.of(Tokens.SECRET_ENV, "a secret that is at least 32 bytes long");
      Tokens first = Tokens.fromEnvironment(env, MAX_AGE);
      Tokens second = Tokens.fromEnvironment(env, MAX_AGE);
      assertThat(second.verify(first.sign("alice"))).isEqualTo("alice");
      assertThat(first.maxAge()).isEqualTo(MAX_AGE);
    }

    @Test
    void aShortSecretInTheEnvironmentIsRefusedNamingTheVariable() {
      Map<String, String> env = Map.of(Tokens.SECRET_ENV, "too short");
      assertThatThrownBy(() -> Tokens.fromEnvironment(env, MAX_AGE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("OTPX_TOKEN_SECRET must be at least 32 bytes, got 9");
    }

    @Test
    void withoutASecretEachInstanceMakesItsOwnAndWarnsOnce() {
      Logger logger = (Logger) LoggerFactory.getLogger(Tokens.class);
      ListAppender<ILoggingEvent> appender = new ListAppender<>();
      appender.start();
      logger.addAppender(appender);
      try {
        Tokens first = Tokens.fromEnvironment(Map.of(), MAX_AGE);
        assertThat(appender.list).singleElement().satisfies(event -> {
          assertThat(event.getLevel()).isEqualTo(Level.WARN);
          assertThat(event.getFormattedMessage()).contains("OTPX_TOKEN_SECRET")
            .contains("will not survive a restart");
        });
        Tokens second = Tokens.fromEnvironment(Map.of(), MAX_AGE);
        assertThat(first.verify(first.sign("alice"))).isEqualTo("alice");
        assertThat(reasonFor(second, first.sign("alice"))).isEqualTo(Reason.FORGED);
      } finally {
        logger.detachAppender(appender);
      }
    }
  }
}
