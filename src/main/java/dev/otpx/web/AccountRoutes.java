package dev.otpx.web;

import dev.otpx.accounts.Accounts;
import dev.otpx.channels.auth.Tokens;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.Objects;

/**
 * Registration, for anyone: {@code POST /api/users} with {@code {"username": "Alice", "password":
 * "..."}} creates the account and answers 201 {@code {"id", "username": "alice", "token"}}: the
 * normalized name and a session token, so a new person is signed in at once, as in Rumbl.
 *
 * <p>Failures are JSON {@code {"error": code, "message": text}}: 400 {@code bad_request} naming the
 * rule broken (username: 2 to 24 characters of {@code a-z 0-9 _ . -} starting with a letter, not
 * reserved; password: 8 to 128 characters, not the username); 409 {@code username_taken} when the
 * name exists in any case; 503 {@code busy} or {@code unavailable} with {@code Retry-After}; 413
 * {@code payload_too_large} over {@value #MAX_BODY_BYTES} bytes.
 */
public final class AccountRoutes {

  /** The path of the endpoint. */
  public static final String PATH = "/api/users";
  /** The largest request body accepted. */
  public static final int MAX_BODY_BYTES = 4096;

  private AccountRoutes() {
  }

  /**
   * Adds {@code POST /api/users} (with its own body handler) to a router.
   *
   * @param router the HTTP front's router
   * @param accounts registers the person
   * @param tokens signs the new person's token
   */
  public static void mount(Router router, Accounts accounts, Tokens tokens) {
    Objects.requireNonNull(router, "router");
    Objects.requireNonNull(accounts, "accounts");
    Objects.requireNonNull(tokens, "tokens");
    router.post(PATH)
      .handler(BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES))
      .handler(ctx -> register(ctx, accounts, tokens))
      .failureHandler(Replies.tooLarge(MAX_BODY_BYTES));
  }

  private static void register(RoutingContext ctx, Accounts accounts, Tokens tokens) {
    Credentials credentials;
    try {
      credentials = Credentials.read(ctx);
    } catch (IllegalArgumentException bad) {
      Replies.failure(ctx, bad);
      return;
    }
    accounts.register(credentials.username(), credentials.password())
      .onSuccess(user -> Replies.sendPrivate(ctx, 201, user.toJson().put("token", tokens.sign(user.username()))))
      .onFailure(err -> Replies.failure(ctx, err));
  }
}
