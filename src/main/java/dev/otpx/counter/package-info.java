/**
 * The seed's two counters: the hand-rolled one straight on the event bus, and the GenServer one
 * whose tick crashes it at zero, the supervision demo.
 *
 * <p>Usage: {@code CounterServer.start(vertx, "counter", 5, Duration.ofSeconds(1))}, then {@code Counter.value(vertx, "counter")}.
 */
package dev.otpx.counter;
