package dev.otpx.web;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.util.Optional;

/**
 * The one way the HTTP front reads a bearer credential ({@code Authorization: Bearer <token>}, RFC
 * 6750) and refuses a request without a good one: for the operator's token ({@link OperatorAuth})
 * and for a signed-in user's session token ({@link VideoRoutes}) alike.
 */
final class Bearer {

  private static final String SCHEME = "Bearer";

  private Bearer() {
  }

  /**
   * @param request the request
   * @return whether it has an {@code Authorization} header at all (of any scheme)
   */
  static boolean attempted(HttpServerRequest request) {
    String header = request.getHeader(HttpHeaders.AUTHORIZATION);
    return header != null && !header.isBlank();
  }

  /**
   * The token of an {@code Authorization: Bearer <token>} header; the scheme's case does not
   * matter, and spaces around the token are dropped.
   *
   * @param request the request
   * @return the token, or empty when there is no such header, another scheme or no token
   */
  static Optional<String> token(HttpServerRequest request) {
    return token(request.getHeader(HttpHeaders.AUTHORIZATION));
  }

  /**
   * @param header an {@code Authorization} header's value, or null
   * @return its bearer token, or empty
   */
  static Optional<String> token(String header) {
    if (header == null) {
      return Optional.empty();
    }
    String value = header.strip();
    if (value.length() <= SCHEME.length() || !value.regionMatches(true, 0, SCHEME, 0, SCHEME.length())
      || !Character.isWhitespace(value.charAt(SCHEME.length()))) {
      return Optional.empty();
    }
    String token = value.substring(SCHEME.length()).strip();
    return token.isEmpty() ? Optional.empty() : Optional.of(token);
  }

  /**
   * Refuses with 401 and RFC 6750's challenge, {@code Cache-Control: no-store} and the JSON error.
   *
   * @param ctx the request
   * @param invalidToken whether a token was presented and is not good ({@code error="invalid_token"}
   *     in the challenge), rather than missing
   * @param code the body's error code
   * @param message the body's message
   */
  static void refuse(RoutingContext ctx, boolean invalidToken, String code, String message) {
    ctx.response().putHeader("WWW-Authenticate", invalidToken
      ? "Bearer realm=\"otpx\", error=\"invalid_token\""
      : "Bearer realm=\"otpx\"");
    Replies.sendPrivate(ctx, 401, Replies.error(code, message));
  }
}
