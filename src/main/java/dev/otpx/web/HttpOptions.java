package dev.otpx.web;

import java.time.Duration;
import java.util.Objects;

/**
 * What {@link HttpVerticle} needs to know: where to listen, which counters to front and how long
 * to wait for them.
 *
 * @param host the interface to bind, e.g. {@code 0.0.0.0}
 * @param port the port; 0 picks a free one (tests), see {@link HttpVerticle#actualPort()}
 * @param counter the GenServer counter's registered name
 * @param rawCounter the raw counter's event-bus address
 * @param callTimeout how long a request waits for a counter's value before answering 504
 */
public record HttpOptions(String host, int port, String counter, String rawCounter, Duration callTimeout) {

  /** Checks every field; the error names the field at fault. */
  public HttpOptions {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(counter, "counter");
    Objects.requireNonNull(rawCounter, "rawCounter");
    Objects.requireNonNull(callTimeout, "callTimeout");
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port must be between 0 and 65535, got " + port);
    }
    if (callTimeout.isNegative() || callTimeout.isZero()) {
      throw new IllegalArgumentException("callTimeout must be positive, got " + callTimeout);
    }
  }
}
