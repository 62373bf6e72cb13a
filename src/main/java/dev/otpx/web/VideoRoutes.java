package dev.otpx.web;

import dev.otpx.channels.auth.InvalidTokenException;
import dev.otpx.channels.auth.Tokens;
import dev.otpx.store.StoreException;
import dev.otpx.store.Video;
import dev.otpx.store.Videos;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.Objects;

/**
 * The videos people annotate.
 *
 * <ul>
 *   <li>{@code POST /api/videos}, for a signed-in user ({@code Authorization: Bearer <token>} from
 *       {@code POST /api/sessions}), with {@code {"title", "url"}}: 201 with the video
 *       {@code {"id", "title", "url", "user": {"username"}}} and {@code Location}. 401
 *       {@code unauthorized} (with {@code WWW-Authenticate: Bearer}) without a valid token or for a
 *       user who no longer exists; 400 {@code bad_request} naming the field (title: 1 to 200
 *       characters; url: an {@code http} or {@code https} URL with a host, at most 2048
 *       characters).</li>
 *   <li>{@code GET /api/videos?limit=&before_id=}, for anyone: 200 {@code {"videos": [...]}}, newest
 *       first, {@code limit} (1 to {@value #MAX_LIMIT}, default {@value #DEFAULT_LIMIT}) at a time;
 *       the next page is {@code before_id=<the last id>}.</li>
 *   <li>{@code GET /api/videos/<id>}, for anyone: 200 with the video, or 404 {@code not_found}.</li>
 * </ul>
 *
 * <p>503 {@code unavailable} with {@code Retry-After} while the database does not answer.
 */
public final class VideoRoutes {

  /** The path of the collection. */
  public static final String PATH = "/api/videos";
  /** The largest request body accepted. */
  public static final int MAX_BODY_BYTES = 8192;
  /** Videos per page unless {@code limit} says otherwise. */
  public static final int DEFAULT_LIMIT = 50;
  /** The most videos per page. */
  public static final int MAX_LIMIT = 100;

  private static final String SHAPE = "{\"title\": \"...\", \"url\": \"https://...\"}";

  private VideoRoutes() {
  }

  /**
   * Adds the three routes to a router.
   *
   * @param router the HTTP front's router
   * @param videos where videos are stored
   * @param tokens verifies the signed-in user's token
   */
  public static void mount(Router router, Videos videos, Tokens tokens) {
    Objects.requireNonNull(router, "router");
    Objects.requireNonNull(videos, "videos");
    Objects.requireNonNull(tokens, "tokens");
    router.post(PATH)
      .handler(BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES))
      .handler(ctx -> add(ctx, videos, tokens))
      .failureHandler(Replies.tooLarge(MAX_BODY_BYTES));
    router.get(PATH).handler(ctx -> list(ctx, videos));
    router.get(PATH + "/:id").handler(ctx -> find(ctx, videos));
  }

  private static void add(RoutingContext ctx, Videos videos, Tokens tokens) {
    String username;
    try {
      username = signedIn(ctx, tokens);
    } catch (InvalidTokenException refused) {
      unauthorized(ctx, refused);
      return;
    }
    String title;
    String url;
    try {
      JsonObject body = Replies.body(ctx, SHAPE);
      title = Videos.checkTitle(Replies.text(body, "title"));
      url = Videos.checkUrl(Replies.text(body, "url"));
    } catch (IllegalArgumentException bad) {
      Replies.failure(ctx, bad);
      return;
    }
    videos.add(username, title, url)
      .onSuccess(video -> {
        ctx.response().putHeader(HttpHeaders.LOCATION, PATH + "/" + video.id());
        Replies.send(ctx, 201, video.toJson());
      })
      .onFailure(err -> {
        if (err instanceof StoreException store && store.failure() == StoreException.Failure.NOT_FOUND) {
          // A valid token for a user the database does not have (it was reset, or the user removed).
          unauthorized(ctx, new InvalidTokenException(InvalidTokenException.Reason.MALFORMED,
            "user " + username + " does not exist"));
        } else {
          Replies.failure(ctx, err);
        }
      });
  }

  private static void list(RoutingContext ctx, Videos videos) {
    int limit;
    long beforeId;
    try {
      limit = (int) whole(ctx, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
      beforeId = whole(ctx, "before_id", Long.MAX_VALUE, 1, Long.MAX_VALUE);
    } catch (IllegalArgumentException bad) {
      Replies.failure(ctx, bad);
      return;
    }
    videos.list(beforeId, limit)
      .onSuccess(page -> {
        JsonArray list = new JsonArray();
        page.forEach(video -> list.add(video.toJson()));
        Replies.send(ctx, 200, new JsonObject().put("videos", list));
      })
      .onFailure(err -> Replies.failure(ctx, err));
  }

  private static void find(RoutingContext ctx, Videos videos) {
    String raw = ctx.pathParam("id");
    long id;
    try {
      id = parse("id", raw, 1, Long.MAX_VALUE);
    } catch (IllegalArgumentException bad) {
      Replies.failure(ctx, bad);
      return;
    }
    videos.find(id)
      .onSuccess(found -> found.map(Video::toJson).ifPresentOrElse(video -> Replies.send(ctx, 200, video),
        () -> Replies.send(ctx, 404, Replies.error("not_found", "no video has id " + id))))
      .onFailure(err -> Replies.failure(ctx, err));
  }

  /** The username of a valid {@code Authorization: Bearer} token. */
  private static String signedIn(RoutingContext ctx, Tokens tokens) {
    if (!Bearer.attempted(ctx.request())) {
      throw new InvalidTokenException(InvalidTokenException.Reason.MISSING,
        "sign in first and send Authorization: Bearer <token from POST /api/sessions>");
    }
    return tokens.verify(Bearer.token(ctx.request()).orElseThrow(() -> new InvalidTokenException(
      InvalidTokenException.Reason.MALFORMED, "the Authorization header must be Bearer <token>")));
  }

  /** 401 with the RFC 6750 challenge. */
  private static void unauthorized(RoutingContext ctx, InvalidTokenException refused) {
    Bearer.refuse(ctx, refused.reason() != InvalidTokenException.Reason.MISSING, "unauthorized", refused.getMessage());
  }

  private static long whole(RoutingContext ctx, String name, long fallback, long min, long max) {
    String raw = ctx.request().getParam(name);
    return raw == null ? fallback : parse(name, raw, min, max);
  }

  private static long parse(String name, String raw, long min, long max) {
    long value;
    try {
      value = Long.parseLong(raw.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a whole number, got '" + abbreviated(raw) + "'");
    }
    if (value < min || value > max) {
      throw new IllegalArgumentException(name + " must be between " + min + " and " + max + ", got " + value);
    }
    return value;
  }

  private static String abbreviated(String raw) {
    return raw.length() <= 40 ? raw : raw.substring(0, 40) + "...";
  }
}
