package dev.otpx.channels.auth;

import dev.otpx.channels.auth.InvalidTokenException.Reason;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Signed, expiring session tokens: what {@code POST /api/sessions} hands out and what the bridge
 * hook checks on every message from a browser.
 *
 * <p>A token is {@code base64url(payload) + "." + base64url(HMAC-SHA256(secret, base64url(payload)))},
 * unpadded, with the payload {@code {"u": username, "iat": epochSeconds}}. It is valid while its
 * age is at most the maximum age; nothing is stored on the server, so a token cannot be revoked
 * before it expires, and tokens signed with a random secret die with the process.
 *
 * <p>Instances are immutable and safe to share between event loops.
 */
public final class Tokens {

  /** The environment variable holding the signing secret. */
  public static final String SECRET_ENV = "OTPX_TOKEN_SECRET";
  /** The shortest secret accepted, in bytes: the HMAC-SHA256 output size. */
  public static final int MIN_SECRET_BYTES = 32;

  private static final Logger log = LoggerFactory.getLogger(Tokens.class);
  private static final String ALGORITHM = "HmacSHA256";
  private static final int MAC_BYTES = 32;
  // A real token is under 100 characters: refuse long junk before decoding it.
  private static final int MAX_TOKEN_LENGTH = 512;
  private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

  private final SecretKeySpec key;
  private final Duration maxAge;
  private final Clock clock;

  /**
   * @param secret the signing key, at least {@value #MIN_SECRET_BYTES} bytes (copied)
   * @param maxAge how long a token stays valid, at least one second
   * @param clock the time source for signing and expiry
   * @throws IllegalArgumentException for a short secret or a max age under one second
   */
  public Tokens(byte[] secret, Duration maxAge, Clock clock) {
    Objects.requireNonNull(secret, "secret");
    this.maxAge = Objects.requireNonNull(maxAge, "maxAge");
    this.clock = Objects.requireNonNull(clock, "clock");
    if (secret.length < MIN_SECRET_BYTES) {
      throw new IllegalArgumentException("token secret must be at least " + MIN_SECRET_BYTES
        + " bytes, got " + secret.length);
    }
    if (maxAge.getSeconds() < 1) {
      throw new IllegalArgumentException("token maxAge must be at least 1 s, got " + maxAge);
    }
    this.key = new SecretKeySpec(secret.clone(), ALGORITHM);
    mac(new byte[0]); // fail now, not on the first sign, if the JVM lacks HmacSHA256
  }

  /**
   * Tokens signed with the secret in {@value #SECRET_ENV} (its UTF-8 bytes), on the system clock.
   * Without that variable, a random secret is generated and one WARN line says that tokens will
   * not survive a restart (nor be accepted by another node of a cluster).
   *
   * @param env the environment, usually {@code System.getenv()}
   * @param maxAge how long a token stays valid
   * @return the tokens
   * @throws IllegalArgumentException naming {@value #SECRET_ENV} when it is shorter than
   *     {@value #MIN_SECRET_BYTES} bytes
   */
  public static Tokens fromEnvironment(Map<String, String> env, Duration maxAge) {
    Objects.requireNonNull(env, "env");
    String configured = env.get(SECRET_ENV);
    byte[] secret;
    if (configured == null) {
      secret = new byte[MIN_SECRET_BYTES];
      new SecureRandom().nextBytes(secret);
      log.warn("{} is not set: session tokens are signed with a random secret and will not survive"
        + " a restart", SECRET_ENV);
    } else {
      secret = configured.getBytes(StandardCharsets.UTF_8);
      if (secret.length < MIN_SECRET_BYTES) {
        throw new IllegalArgumentException(SECRET_ENV + " must be at least " + MIN_SECRET_BYTES
          + " bytes, got " + secret.length);
      }
    }
    return new Tokens(secret, maxAge, Clock.systemUTC());
  }

  /**
   * @return how long a token stays valid
   */
  public Duration maxAge() {
    return maxAge;
  }

  /**
   * Signs a token for a username, issued now.
   *
   * @param username a valid username in normal form (as {@link Usernames#validate} returns it)
   * @return the token
   * @throws IllegalArgumentException when the username is invalid, reserved or not lower case
   */
  public String sign(String username) {
    String normal = Usernames.validate(username);
    if (!normal.equals(username)) {
      throw new IllegalArgumentException("username must be in normal form '" + normal + "', got '"
        + username + "'");
    }
    JsonObject payload = new JsonObject().put("u", username).put("iat", clock.instant().getEpochSecond());
    String body = ENCODER.encodeToString(payload.encode().getBytes(StandardCharsets.UTF_8));
    return body + "." + ENCODER.encodeToString(mac(body.getBytes(StandardCharsets.US_ASCII)));
  }

  /**
   * A verified token: who it names and until when it is valid.
   *
   * <p>The expiry is kept in whole seconds, as tokens carry their issue time: every registration of
   * every socket holds a session, and an {@link Instant} would add 24 bytes to each.
   *
   * @param username the username it was signed for
   * @param expiresAtSecond the last second it is valid, since the epoch (its issue time plus the
   *     maximum age)
   */
  public record Session(String username, long expiresAtSecond) {

    /**
     * @param username the username it was signed for
     * @param expiresAt the last instant it is valid
     */
    public Session(String username, Instant expiresAt) {
      this(username, expiresAt.getEpochSecond());
    }

    /** @return the last instant it is valid */
    public Instant expiresAt() {
      return Instant.ofEpochSecond(expiresAtSecond);
    }
  }

  /**
   * Checks a token: its shape, then its signature (compared in constant time), then its age.
   *
   * @param token the token a client presented, possibly null
   * @return the username it was signed for
   * @throws InvalidTokenException {@code missing}, {@code malformed}, {@code forged} or
   *     {@code expired}
   */
  public String verify(String token) {
    return verifySession(token).username();
  }

  /**
   * Whether a session verified earlier has expired by now, on this instance's clock: what keeps a
   * registration made with a token from outliving it.
   *
   * @param session a session from {@link #verifySession}
   * @return true once its token would be refused as expired
   */
  public boolean expired(Session session) {
    return expired(session.expiresAtSecond());
  }

  /**
   * Whether a session that expires at the given second has expired by now, on this instance's
   * clock: for a holder that keeps only the expiry of a session.
   *
   * @param expiresAtSecond a session's {@link Session#expiresAtSecond}
   * @return true once its token would be refused as expired
   */
  public boolean expired(long expiresAtSecond) {
    return clock.instant().getEpochSecond() > expiresAtSecond;
  }

  /**
   * Checks a token as {@link #verify} does, and says until when it is valid.
   *
   * @param token the token a client presented, possibly null
   * @return the session
   * @throws InvalidTokenException {@code missing}, {@code malformed}, {@code forged} or
   *     {@code expired}
   */
  public Session verifySession(String token) {
    if (token == null || token.isBlank()) {
      throw new InvalidTokenException(Reason.MISSING, "no token");
    }
    if (token.length() > MAX_TOKEN_LENGTH) {
      throw new InvalidTokenException(Reason.MALFORMED, "token is longer than " + MAX_TOKEN_LENGTH
        + " characters");
    }
    int dot = token.indexOf('.');
    if (dot <= 0 || dot == token.length() - 1 || token.indexOf('.', dot + 1) >= 0) {
      throw new InvalidTokenException(Reason.MALFORMED, "token is not two base64url parts joined by '.'");
    }
    String body = token.substring(0, dot);
    byte[] payloadBytes;
    byte[] signature;
    try {
      payloadBytes = DECODER.decode(body);
      signature = DECODER.decode(token.substring(dot + 1));
    } catch (IllegalArgumentException e) {
      throw new InvalidTokenException(Reason.MALFORMED, "token is not base64url");
    }
    if (signature.length != MAC_BYTES) {
      throw new InvalidTokenException(Reason.MALFORMED, "token signature is not " + MAC_BYTES + " bytes");
    }
    if (!MessageDigest.isEqual(signature, mac(body.getBytes(StandardCharsets.US_ASCII)))) {
      throw new InvalidTokenException(Reason.FORGED, "token signature does not match");
    }
    // Only a payload signed with our secret is parsed.
    String username;
    long issuedAt;
    try {
      JsonObject payload = new JsonObject(new String(payloadBytes, StandardCharsets.UTF_8));
      if (!(payload.getValue("u") instanceof String name)
        || !(payload.getValue("iat") instanceof Number iat)
        || iat.longValue() != iat.doubleValue()) {
        throw new InvalidTokenException(Reason.MALFORMED, "token payload lacks u or iat");
      }
      username = name;
      issuedAt = iat.longValue();
    } catch (DecodeException | ClassCastException e) {
      throw new InvalidTokenException(Reason.MALFORMED, "token payload is not a JSON object");
    }
    long age = clock.instant().getEpochSecond() - issuedAt;
    if (age > maxAge.getSeconds()) {
      throw new InvalidTokenException(Reason.EXPIRED, "token expired " + (age - maxAge.getSeconds())
        + " s ago");
    }
    return new Session(username, Instant.ofEpochSecond(issuedAt).plus(maxAge));
  }

  private byte[] mac(byte[] data) {
    try {
      // A Mac is not thread-safe, and a fresh one is cheap next to a network round trip.
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(key);
      return mac.doFinal(data);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(ALGORITHM + " is not available", e);
    }
  }
}
