package dev.otpx.web;

import dev.otpx.logging.LogText;
import io.vertx.core.Handler;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's credential in front of an endpoint that controls processes: put it first on the
 * route ({@code router.post("/api/counter/kill").handler(operator).handler(...)}); it calls the
 * next handler only for {@code Authorization: Bearer <token>} with the token from the environment
 * variable {@value #ENV}.
 *
 * <p>Answers, each one JSON {@code {"error", "message"}}: 403 {@code operator_disabled} when
 * {@value #ENV} is not set (the endpoints are off, and the message says how to turn them on); 401
 * {@code unauthorized} with {@code WWW-Authenticate: Bearer} when the request has no bearer
 * credential, and 401 {@code invalid_token} when it is not the operator's (RFC 6750's codes).
 *
 * <p>The token is read from the environment only, never logged, and compared in constant time: both
 * sides are hashed with SHA-256 first, so that neither the comparison's time nor its length check
 * says anything about the secret. Refusals are logged at DEBUG only: they are a client's doing.
 */
public final class OperatorAuth implements Handler<RoutingContext> {

  /** The environment variable holding the operator's token. */
  public static final String ENV = "OTPX_ADMIN_TOKEN";
  /** The shortest token accepted. */
  public static final int MIN_TOKEN_LENGTH = 16;

  private static final Logger log = LoggerFactory.getLogger(OperatorAuth.class);

  /** SHA-256 of the token, or null when operator endpoints are disabled. */
  private final byte[] expected;

  private OperatorAuth(byte[] expected) {
    this.expected = expected;
  }

  /**
   * The credential configured by {@value #ENV}; without it (or with it empty) operator endpoints
   * answer 403.
   *
   * @param env the environment, usually {@code System.getenv()}
   * @return the handler
   * @throws IllegalArgumentException naming {@value #ENV} when the token is shorter than
   *     {@value #MIN_TOKEN_LENGTH} characters (the message never contains the token)
   */
  public static OperatorAuth fromEnvironment(Map<String, String> env) {
    String token = env.get(ENV);
    if (token == null || token.isEmpty()) {
      return disabled();
    }
    if (token.length() < MIN_TOKEN_LENGTH) {
      throw new IllegalArgumentException(ENV + " must be at least " + MIN_TOKEN_LENGTH + " characters, got "
        + token.length());
    }
    return new OperatorAuth(sha256(token));
  }

  /** @return a handler that refuses every request with 403: no operator is configured */
  public static OperatorAuth disabled() {
    return new OperatorAuth(null);
  }

  /** @return whether an operator token is configured */
  public boolean enabled() {
    return expected != null;
  }

  /**
   * The same decision for a token presented elsewhere than in an HTTP request (the bridge's
   * operator feed, {@code dev.otpx.channels.OperatorFeed.Credential}), compared in constant time.
   *
   * @param token the bearer token presented, or null
   * @return empty when it is the operator's, else {@code "<code>: <detail>"} with the codes of
   *     {@link #handle} ({@code operator_disabled} saying how to enable it)
   */
  public Optional<String> refusal(String token) {
    if (expected == null) {
      return Optional.of("operator_disabled: " + DISABLED);
    }
    if (token == null || token.isEmpty()) {
      return Optional.of("unauthorized: send authorization: Bearer <" + ENV + ">");
    }
    return MessageDigest.isEqual(expected, sha256(token)) ? Optional.empty()
      : Optional.of("invalid_token: the bearer token is not the operator's");
  }

  private static final String DISABLED = "operator endpoints are disabled: start the service with "
    + ENV + " set (at least " + MIN_TOKEN_LENGTH + " characters) and send Authorization: Bearer <that token>";

  @Override
  public void handle(RoutingContext ctx) {
    if (expected == null) {
      logRefusal(ctx, "operator_disabled");
      Replies.sendPrivate(ctx, 403, Replies.error("operator_disabled", DISABLED));
      return;
    }
    Optional<String> presented = Bearer.token(ctx.request());
    if (presented.isEmpty()) {
      logRefusal(ctx, "unauthorized");
      Bearer.refuse(ctx, false, "unauthorized", "this endpoint is the operator's: send Authorization: Bearer <" + ENV + ">");
      return;
    }
    if (!MessageDigest.isEqual(expected, sha256(presented.get()))) {
      logRefusal(ctx, "invalid_token");
      Bearer.refuse(ctx, true, "invalid_token", "the bearer token is not the operator's");
      return;
    }
    ctx.next();
  }

  private static void logRefusal(RoutingContext ctx, String code) {
    log.debug("operator endpoint {} {} refused: {}", ctx.request().method(), LogText.quote(ctx.request().path()), code);
  }

  private static byte[] sha256(String text) {
    Objects.requireNonNull(text, "text");
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no SHA-256", e);
    }
  }
}
