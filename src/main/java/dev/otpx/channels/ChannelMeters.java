package dev.otpx.channels;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Metrics;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The bridge's meters, on Micrometer's global registry, into which the node's metrics feed
 * ({@code dev.otpx.system.Metrics}): sockets open, joins and posts accepted, refusals by their code
 * (a handful). No topic, user or socket is ever a label.
 */
final class ChannelMeters {

  private static final MeterRegistry meters = Metrics.globalRegistry;
  private static final AtomicInteger SOCKETS = new AtomicInteger();
  private static final Counter JOINS = Counter.builder("otpx.channels.joins").description("topic joins accepted").register(meters);
  private static final Counter POSTS = Counter.builder("otpx.channels.posts").description("posts accepted into topics")
    .register(meters);

  static {
    Gauge.builder("otpx.channels.sockets", SOCKETS, AtomicInteger::get).description("bridge sockets open").register(meters);
  }

  private ChannelMeters() {
  }

  static void socketOpened() {
    SOCKETS.incrementAndGet();
  }

  static void socketClosed() {
    SOCKETS.decrementAndGet();
  }

  /** A request to the channels succeeded: a join or a post counts. */
  static void accepted(String address) {
    if (address.equals(ChannelAddresses.JOIN)) {
      JOINS.increment();
    } else if (address.equals(ChannelAddresses.PUSH)) {
      POSTS.increment();
    }
  }

  static void refused(String code) {
    Counter.builder("otpx.channels.refusals").description("bridge messages refused, by code").tag("code", code)
      .register(meters).increment();
  }
}
