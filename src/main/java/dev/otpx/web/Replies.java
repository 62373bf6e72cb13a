package dev.otpx.web;

import dev.otpx.accounts.AccountException;
import dev.otpx.logging.LogText;
import dev.otpx.process.OtpException;
import dev.otpx.store.StoreException;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP front's one way to answer in JSON, shared by every route and by the router's and the
 * server's own error answers: reading a request body, writing a body with its status, and turning
 * each failure into its status and {@code {"error": code, "message": text}}.
 */
final class Replies {

  /** The content type of every answer of the API. */
  static final String JSON = "application/json";

  private static final Logger log = LoggerFactory.getLogger(Replies.class);

  private Replies() {
  }

  /**
   * The request's body as a JSON object.
   *
   * @param ctx the request, its body read by a {@code BodyHandler}
   * @param shape what the body should look like, for the error
   * @return the object
   * @throws IllegalArgumentException when the body is empty, not JSON, or not an object
   */
  static JsonObject body(RoutingContext ctx, String shape) {
    Buffer body = ctx.body().buffer();
    Object json;
    try {
      json = body == null || body.length() == 0 ? null : Json.decodeValue(body);
    } catch (DecodeException e) {
      json = null;
    }
    if (!(json instanceof JsonObject object)) {
      throw new IllegalArgumentException("body must be a JSON object " + shape);
    }
    return object;
  }

  /**
   * A field that must be a string when present.
   *
   * @return the string, or null when the field is absent or null
   * @throws IllegalArgumentException naming the field when it is not a string
   */
  static String text(JsonObject body, String field) {
    Object value = body.getValue(field);
    if (value != null && !(value instanceof String)) {
      throw new IllegalArgumentException(field + " must be a string");
    }
    return (String) value;
  }

  /**
   * @param code the snake_case error code
   * @param message what happened, for a person
   * @return {@code {"error": code, "message": message}}
   */
  static JsonObject error(String code, String message) {
    return new JsonObject().put("error", code).put("message", message);
  }

  /** Writes a JSON answer, unless the request was answered already (one refusal, one answer). */
  static void send(RoutingContext ctx, int status, JsonObject body) {
    if (ctx.response().ended()) {
      return;
    }
    ctx.response()
      .setStatusCode(status)
      .putHeader(HttpHeaders.CONTENT_TYPE, JSON)
      .end(body.encode());
  }

  /** A {@code Cache-Control: no-store} answer, for anything carrying a token. */
  static void sendPrivate(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().putHeader(HttpHeaders.CACHE_CONTROL, "no-store");
    send(ctx, status, body);
  }

  /**
   * Answers a failure: 400 {@code bad_request} for a rule a field breaks; 401, 409, 429 (with
   * {@code Retry-After}) or 503 for an account's refusal; 503 {@code unavailable} (with
   * {@code Retry-After}) while the database does not answer; 404 {@code not_found}; for a process's
   * failure 503 ({@code noproc}, {@code exit}), 504 ({@code timeout}) or 502 (any other code of the
   * runtime); 504 {@code timeout} for a wait that ran out; 500 {@code internal} for anything else,
   * logged at ERROR. The database's name never reaches the client.
   */
  static void failure(RoutingContext ctx, Throwable err) {
    if (err instanceof IllegalArgumentException bad) {
      send(ctx, 400, error("bad_request", bad.getMessage()));
    } else if (err instanceof AccountException refused) {
      int status = switch (refused.failure()) {
        case INVALID_CREDENTIALS -> 401;
        case USERNAME_TAKEN -> 409;
        case TOO_MANY_ATTEMPTS -> 429;
        case BUSY -> 503;
      };
      retryAfter(ctx, refused.retryAfter());
      send(ctx, status, error(refused.failure().code(), message(refused)));
    } else if (err instanceof StoreException store && store.isUnavailable()) {
      retryAfter(ctx, Duration.ofSeconds(5));
      send(ctx, 503, error("unavailable", "the database is not answering; try again shortly"));
    } else if (err instanceof StoreException store && store.failure() == StoreException.Failure.NOT_FOUND) {
      send(ctx, 404, error("not_found", "not found"));
    } else if (err instanceof OtpException otp) {
      int status = switch (otp.failure()) {
        case NOPROC, EXIT -> 503;
        case TIMEOUT -> 504;
        default -> 502;
      };
      send(ctx, status, error(otp.code(), otp.getMessage()));
    } else if (err instanceof TimeoutException) {
      send(ctx, 504, error("timeout", err.getMessage()));
    } else {
      log.error("http {} {} failed", ctx.request().method(), LogText.quote(ctx.request().path()), err);
      send(ctx, 500, error("internal", "internal error"));
    }
  }

  /** The failure handler of a route with a body limit: 413 {@code payload_too_large}, else on. */
  static Handler<RoutingContext> tooLarge(int maxBytes) {
    return ctx -> {
      if (ctx.statusCode() == 413) {
        send(ctx, 413, error("payload_too_large", "body must be at most " + maxBytes + " bytes"));
      } else {
        ctx.next();
      }
    };
  }

  private static void retryAfter(RoutingContext ctx, Duration wait) {
    if (!wait.isZero() && !wait.isNegative()) {
      ctx.response().putHeader(HttpHeaders.RETRY_AFTER, String.valueOf(Math.max(1, (wait.toMillis() + 999) / 1000)));
    }
  }

  /** The message without the code the exception's own message starts with. */
  private static String message(AccountException refused) {
    String text = refused.getMessage();
    String prefix = refused.failure().code() + ": ";
    return text.startsWith(prefix) ? text.substring(prefix.length()) : text;
  }
}
