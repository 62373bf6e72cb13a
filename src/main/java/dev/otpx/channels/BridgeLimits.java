package dev.otpx.channels;

/**
 * The per-socket limits of the event-bus bridge ({@link ChannelsBridge}).
 *
 * @param postsPerSecond how many posts (messages to {@code channels.push}) one socket may make per
 *     second, with bursts up to the same number; the excess is refused with {@code rate_limited}
 * @param maxFrameBytes the largest message a browser may send, as encoded JSON; a larger one is
 *     refused with {@code frame_too_large}
 * @param maxHandlersPerSocket how many handlers (registrations plus requests awaiting a reply)
 *     one socket may hold; the bridge refuses more with {@code max_handlers_reached}
 */
public record BridgeLimits(int postsPerSecond, int maxFrameBytes, int maxHandlersPerSocket) {

  /** Default posts per socket and second. */
  public static final int DEFAULT_POSTS_PER_SECOND = 5;
  /** Default largest frame: 64 KiB. */
  public static final int DEFAULT_MAX_FRAME_BYTES = 65536;
  /** Default handlers per socket. */
  public static final int DEFAULT_MAX_HANDLERS_PER_SOCKET = 20;
  /** The defaults: 5 posts/s, 64 KiB frames, 20 handlers. */
  public static final BridgeLimits DEFAULTS = new BridgeLimits(DEFAULT_POSTS_PER_SECOND,
    DEFAULT_MAX_FRAME_BYTES, DEFAULT_MAX_HANDLERS_PER_SOCKET);

  /**
   * @throws IllegalArgumentException naming a limit that is not positive
   */
  public BridgeLimits {
    positive("postsPerSecond", postsPerSecond);
    positive("maxFrameBytes", maxFrameBytes);
    positive("maxHandlersPerSocket", maxHandlersPerSocket);
  }

  private static void positive(String field, int value) {
    if (value < 1) {
      throw new IllegalArgumentException("bridge limit " + field + " must be at least 1, got " + value);
    }
  }
}
