package dev.otpx.infosys;

import java.time.Duration;
import java.util.Objects;

/**
 * What a backend gets with a query.
 *
 * @param limit the most results the caller will keep (a backend may return fewer, or more)
 * @param timeout the time left until the query's deadline
 * @param cancellation fired at the deadline
 */
public record ComputeOptions(int limit, Duration timeout, Cancellation cancellation) {

  public ComputeOptions {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be >= 1, got " + limit);
    }
    Objects.requireNonNull(timeout, "timeout");
    Objects.requireNonNull(cancellation, "cancellation");
  }
}
