package dev.otpx.counter;

import dev.otpx.process.CallResult;
import dev.otpx.process.CastResult;
import dev.otpx.process.From;
import dev.otpx.process.GenServer;
import dev.otpx.process.InitResult;
import dev.otpx.process.Pid;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The seed's GenServer counter: {@code inc}/{@code dec} are casts, {@code val} is a call, and a
 * periodic tick counts the value down and crashes the process with "boom" once it is at 0 or below
 * — the demo that a supervisor restarts at the initial value.
 *
 * <p>Args (the deployment config, read as {@link CounterOptions}): {@code initial} (default 0) and
 * {@code tick_ms} (default 1000; 0 turns the tick off). An unknown action gets an {@code unknown_action} error reply when it is a
 * call and a WARN line when it is a cast; the counter keeps counting either way.
 */
public final class CounterServer extends GenServer<Integer> {

  private static final Logger log = LoggerFactory.getLogger(CounterServer.class);

  /** The tick, a message only the counter sends itself. */
  private record Tick() { }

  private Duration tick;

  /**
   * The args for a counter.
   *
   * @param initial the start value
   * @param tick the tick interval; zero for none
   * @return the deployment config
   */
  public static JsonObject args(int initial, Duration tick) {
    return new CounterOptions(initial, tick).toJson();
  }

  /**
   * Starts a counter registered under a name.
   *
   * @param vertx the Vert.x instance
   * @param name the name, also its event-bus address
   * @param initial the start value
   * @param tick the tick interval; zero for none
   * @return the pid
   */
  public static Future<Pid> start(Vertx vertx, String name, int initial, Duration tick) {
    return GenServer.start(vertx, new CounterServer(), new DeploymentOptions().setConfig(args(initial, tick)), name);
  }

  @Override
  protected Future<InitResult<Integer>> init(JsonObject args) {
    CounterOptions options = CounterOptions.fromJson(args);
    tick = options.tick();
    scheduleTick();
    return Future.succeededFuture(InitResult.ok(options.initial()));
  }

  @Override
  protected CallResult<Integer> handleCall(Object request, From from, Integer value) {
    CounterMsg msg;
    try {
      msg = CounterMsg.fromJson(request);
    } catch (IllegalArgumentException bad) {
      return CallResult.error("unknown_action", bad.getMessage(), value);
    }
    int next = apply(msg, value);
    return CallResult.reply(CounterMsg.valueReply(next), next);
  }

  @Override
  protected CastResult<Integer> handleCast(Object message, Integer value) {
    try {
      return CastResult.noReply(apply(CounterMsg.fromJson(message), value));
    } catch (IllegalArgumentException bad) {
      // DEBUG: browsers reach the counter, and one log line per bad message would let them flood the log.
      log.debug("counter {} ignored a cast: {}", self(), bad.getMessage());
      return CastResult.noReply(value);
    }
  }

  @Override
  protected CastResult<Integer> handleInfo(Object message, Integer value) {
    if (!(message instanceof Tick)) {
      return super.handleInfo(message, value);
    }
    if (value <= 0) {
      throw new IllegalStateException("boom");
    }
    // DEBUG: four counters tick every second for ever; a healthy service's log stays quiet.
    log.debug("counter {} tick {}", self(), value);
    scheduleTick();
    return CastResult.noReply(value - 1);
  }

  private static int apply(CounterMsg msg, int value) {
    if (msg instanceof CounterMsg.Increment) {
      return value + 1;
    } else if (msg instanceof CounterMsg.Decrement) {
      return value - 1;
    }
    return value;
  }

  private void scheduleTick() {
    if (!tick.isZero()) {
      sendAfter(new Tick(), tick);
    }
  }
}
