package dev.otpx.web;

import dev.otpx.channels.auth.Tokens;
import dev.otpx.channels.auth.Usernames;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sign-in endpoint: {@code POST /api/sessions} with {@code {"username": "alice"}} answers 201
 * {@code {"token": "...", "username": "alice"}}, a signed session token for the normalized name
 * (see {@link Usernames}). There is no password: a session only names who is speaking.
 *
 * <p>Failures are JSON {@code {"error": code, "message": text}}: 400 {@code bad_request} naming
 * the problem (a body that is not a JSON object, a missing, non-string, invalid or reserved
 * username) and 413 {@code payload_too_large} for a body over {@value #MAX_BODY_BYTES} bytes.
 */
public final class SessionRoutes {

  /** The path of the endpoint. */
  public static final String PATH = "/api/sessions";
  /** The largest request body accepted: a username needs a few dozen bytes. */
  public static final int MAX_BODY_BYTES = 1024;

  private static final Logger log = LoggerFactory.getLogger(SessionRoutes.class);
  private static final String JSON = "application/json";

  private SessionRoutes() {
  }

  /**
   * Adds {@code POST /api/sessions} (with its own body handler) to a router.
   *
   * @param router the HTTP front's router
   * @param tokens signs the tokens
   */
  public static void mount(Router router, Tokens tokens) {
    Objects.requireNonNull(router, "router");
    Objects.requireNonNull(tokens, "tokens");
    router.post(PATH)
      .handler(BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES))
      .handler(ctx -> create(ctx, tokens))
      .failureHandler(SessionRoutes::failure);
  }

  private static void create(RoutingContext ctx, Tokens tokens) {
    String username;
    try {
      username = Usernames.validate(requestedName(ctx.body().buffer()));
    } catch (IllegalArgumentException bad) {
      send(ctx, 400, error("bad_request", bad.getMessage()));
      return;
    }
    log.debug("session created for {}", username);
    ctx.response().putHeader(HttpHeaders.CACHE_CONTROL, "no-store");
    send(ctx, 201, new JsonObject().put("token", tokens.sign(username)).put("username", username));
  }

  private static String requestedName(Buffer body) {
    Object json;
    try {
      json = body == null || body.length() == 0 ? null : Json.decodeValue(body);
    } catch (DecodeException e) {
      json = null;
    }
    if (!(json instanceof JsonObject request)) {
      throw new IllegalArgumentException("body must be a JSON object {\"username\": \"...\"}");
    }
    Object username = request.getValue("username");
    if (username != null && !(username instanceof String)) {
      throw new IllegalArgumentException("username must be a string");
    }
    return (String) username;
  }

  private static void failure(RoutingContext ctx) {
    if (ctx.statusCode() == 413) {
      send(ctx, 413, error("payload_too_large", "body must be at most " + MAX_BODY_BYTES + " bytes"));
    } else {
      ctx.next();
    }
  }

  private static JsonObject error(String code, String message) {
    return new JsonObject().put("error", code).put("message", message);
  }

  private static void send(RoutingContext ctx, int status, JsonObject body) {
    if (ctx.response().ended()) {
      return;
    }
    ctx.response()
      .setStatusCode(status)
      .putHeader(HttpHeaders.CONTENT_TYPE, JSON)
      .end(body.encode());
  }
}
