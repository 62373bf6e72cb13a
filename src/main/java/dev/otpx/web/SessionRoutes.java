package dev.otpx.web;

import dev.otpx.accounts.Accounts;
import dev.otpx.channels.auth.Tokens;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.Objects;

/**
 * The sign-in endpoint, for anyone: {@code POST /api/sessions} with
 * {@code {"username": "alice", "password": "..."}} answers 201 {@code {"token": "...", "username":
 * "alice"}}, a signed session token ({@link Tokens}) for the normalized name, only when the password
 * is right.
 *
 * <p>Failures are JSON {@code {"error": code, "message": text}}: 400 {@code bad_request} naming the
 * problem (a body that is not a JSON object, a missing, non-string, invalid or reserved username, a
 * missing password); 401 {@code invalid_credentials} {@code "username or password is wrong"},
 * the same answer, after the same work, for a wrong password, an unknown user and an InfoSys
 * backend; 429 {@code too_many_attempts} with {@code Retry-After} after repeated failures for that
 * username or from that address ({@link dev.otpx.accounts.LoginThrottle}); 503 {@code busy} or
 * {@code unavailable} with {@code Retry-After}; 413 {@code payload_too_large} for a body over
 * {@value #MAX_BODY_BYTES} bytes.
 *
 * <p>The client's address for the throttle is the connection's peer: a forwarding header is not
 * trusted, since any client could set it.
 */
public final class SessionRoutes {

  /** The path of the endpoint. */
  public static final String PATH = "/api/sessions";
  /** The largest request body accepted: a username and a password need a few hundred bytes. */
  public static final int MAX_BODY_BYTES = 4096;

  private SessionRoutes() {
  }

  /**
   * Adds {@code POST /api/sessions} (with its own body handler) to a router.
   *
   * @param router the HTTP front's router
   * @param accounts checks the passwords
   * @param tokens signs the tokens
   */
  public static void mount(Router router, Accounts accounts, Tokens tokens) {
    Objects.requireNonNull(router, "router");
    Objects.requireNonNull(accounts, "accounts");
    Objects.requireNonNull(tokens, "tokens");
    router.post(PATH)
      .handler(BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES))
      .handler(ctx -> create(ctx, accounts, tokens))
      .failureHandler(Replies.tooLarge(MAX_BODY_BYTES));
  }

  private static void create(RoutingContext ctx, Accounts accounts, Tokens tokens) {
    Credentials credentials;
    try {
      credentials = Credentials.read(ctx);
    } catch (IllegalArgumentException bad) {
      Replies.failure(ctx, bad);
      return;
    }
    accounts.signIn(credentials.username(), credentials.password(), ctx.request().remoteAddress().host())
      .onSuccess(user -> Replies.sendPrivate(ctx, 201, new JsonObject()
        .put("token", tokens.sign(user.username())).put("username", user.username())))
      .onFailure(err -> Replies.failure(ctx, err));
  }
}
