package dev.otpx.channels;

/**
 * Why the bridge hook refused a message from a browser: the snake_case code the client sees, the
 * failure code of the error reply, and a human-readable detail. Thrown inside the hook only, and
 * without a stack trace: a hostile client can make many.
 */
final class BridgeRefusal extends RuntimeException {

  private static final long serialVersionUID = 1L;

  private final String code;
  private final int failureCode;

  private BridgeRefusal(String code, int failureCode, String detail) {
    super(detail, null, false, false);
    this.code = code;
    this.failureCode = failureCode;
  }

  /** No, forged or expired token, a publish, an address or topic not permitted: 403. */
  static BridgeRefusal accessDenied(String detail) {
    return new BridgeRefusal("access_denied", 403, detail);
  }

  /** A message of the wrong shape: 400. */
  static BridgeRefusal badRequest(String detail) {
    return new BridgeRefusal("bad_request", 400, detail);
  }

  /** Over the socket's budget of messages, posts or topics: 429. */
  static BridgeRefusal rateLimited(String detail) {
    return new BridgeRefusal("rate_limited", 429, detail);
  }

  /** Too many registrations and requests awaiting replies at once: 429. */
  static BridgeRefusal maxHandlersReached(String detail) {
    return new BridgeRefusal("max_handlers_reached", 429, detail);
  }

  /** A frame over the size limit: 413. */
  static BridgeRefusal frameTooLarge(String detail) {
    return new BridgeRefusal("frame_too_large", 413, detail);
  }

  String code() {
    return code;
  }

  int failureCode() {
    return failureCode;
  }

  /** The text clients see: {@code "<code>: <detail>"}, as in {@code Message.fail}. */
  String text() {
    return code + ": " + getMessage();
  }
}
