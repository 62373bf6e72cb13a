package dev.otpx.channels;

/**
 * The per-socket limits of the event-bus bridge ({@link ChannelsBridge}): every resource one
 * browser socket can use is bounded by one of these.
 *
 * @param postsPerSecond how many posts (messages to {@code channels.push}) one socket may make per
 *     second, with bursts up to the same number; the excess is refused with {@code rate_limited}
 * @param maxFrameBytes the largest message a browser may send, as encoded JSON; a larger one is
 *     refused with {@code frame_too_large}, and a websocket message over four times this closes the
 *     socket (close code 1009)
 * @param maxHandlersPerSocket how many handlers (registrations plus requests awaiting a reply)
 *     one socket may hold; more is refused with {@code max_handlers_reached}
 * @param messagesPerSecond the socket's budget for everything it sends, whatever the address
 *     (joins, posts, leaves, InfoSys, the counter, registrations), with bursts up to the same
 *     number; the excess is refused with {@code rate_limited}
 * @param maxTopicsPerSocket how many topics one socket may have joined at once (each join may
 *     start a topic's process); one more is refused with {@code rate_limited}
 */
public record BridgeLimits(int postsPerSecond, int maxFrameBytes, int maxHandlersPerSocket, int messagesPerSecond,
                           int maxTopicsPerSocket) {

  /** Default posts per socket and second. */
  public static final int DEFAULT_POSTS_PER_SECOND = 5;
  /** Default largest frame: 64 KiB. */
  public static final int DEFAULT_MAX_FRAME_BYTES = 65536;
  /** Default handlers per socket. */
  public static final int DEFAULT_MAX_HANDLERS_PER_SOCKET = 20;
  /** Default messages per socket and second, all addresses together. */
  public static final int DEFAULT_MESSAGES_PER_SECOND = 20;
  /** Default topics one socket may have joined. */
  public static final int DEFAULT_MAX_TOPICS_PER_SOCKET = 10;
  /** The defaults: 5 posts/s, 64 KiB frames, 20 handlers, 20 messages/s, 10 topics. */
  public static final BridgeLimits DEFAULTS = new BridgeLimits(DEFAULT_POSTS_PER_SECOND, DEFAULT_MAX_FRAME_BYTES,
    DEFAULT_MAX_HANDLERS_PER_SOCKET, DEFAULT_MESSAGES_PER_SECOND, DEFAULT_MAX_TOPICS_PER_SOCKET);

  /**
   * @throws IllegalArgumentException naming a limit that is not positive
   */
  public BridgeLimits {
    positive("postsPerSecond", postsPerSecond);
    positive("maxFrameBytes", maxFrameBytes);
    positive("maxHandlersPerSocket", maxHandlersPerSocket);
    positive("messagesPerSecond", messagesPerSecond);
    positive("maxTopicsPerSocket", maxTopicsPerSocket);
  }

  /**
   * The largest websocket message the HTTP server reads whole: four frames' worth, so that a frame
   * somewhat over {@link #maxFrameBytes} still gets the clear {@code frame_too_large} answer, and
   * anything larger closes the socket with 1009.
   *
   * @return the limit in bytes
   */
  public int maxWebSocketMessageBytes() {
    return (int) Math.min(Integer.MAX_VALUE, 4L * maxFrameBytes);
  }

  /**
   * The largest request body (an xhr transport's batch of frames) and the largest single websocket
   * frame the HTTP server buffers. Larger than {@link #maxWebSocketMessageBytes()} on purpose: a
   * frame between the two is read, found too large as a message and answered with a clean close
   * 1009, while one over this would make Vert.x drop the connection with no close frame at all.
   *
   * @return the limit in bytes
   */
  public int maxBodyBytes() {
    return (int) Math.min(Integer.MAX_VALUE, 16L * maxFrameBytes);
  }

  private static void positive(String field, int value) {
    if (value < 1) {
      throw new IllegalArgumentException("bridge limit " + field + " must be at least 1, got " + value);
    }
  }
}
