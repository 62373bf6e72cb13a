package dev.otpx.process.testing;

import dev.otpx.process.CallResult;
import dev.otpx.process.CastResult;
import dev.otpx.process.ExitReason;
import dev.otpx.process.From;
import dev.otpx.process.GenServer;
import dev.otpx.process.InitResult;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A small GenServer for tests of the code around GenServer (registry, monitors, kills): it answers
 * {@code "ping"} with {@code "pong"}, echoes a JSON call with {@code "echo": true}, keeps a call
 * named {@code "hold"} unanswered, answers {@code "infos"} with what {@code handleInfo} received,
 * and crashes on the cast {@code "crash"}. What init and terminate saw is recorded for the test.
 */
public final class EchoServer extends GenServer<List<Object>> {

  /** The message of the exception thrown by the cast {@code "crash"}. */
  public static final String CRASH_MESSAGE = "crash on purpose";

  /** Whether init ran. */
  public volatile boolean initRan;

  /** The reasons terminate ran with, in order. */
  public final List<ExitReason> terminated = new CopyOnWriteArrayList<>();

  @Override
  protected Future<InitResult<List<Object>>> init(JsonObject args) {
    initRan = true;
    return Future.succeededFuture(InitResult.ok(new ArrayList<>()));
  }

  @Override
  protected CallResult<List<Object>> handleCall(Object request, From from, List<Object> infos) {
    if (request instanceof JsonObject json) {
      return CallResult.reply(json.copy().put("echo", true), infos);
    }
    return switch (String.valueOf(request)) {
      case "ping" -> CallResult.reply("pong", infos);
      case "infos" -> CallResult.reply(List.copyOf(infos), infos);
      case "hold" -> CallResult.noReply(infos);
      default -> CallResult.error("unknown_request", String.valueOf(request), infos);
    };
  }

  @Override
  protected CastResult<List<Object>> handleCast(Object message, List<Object> infos) {
    if ("crash".equals(message)) {
      throw new IllegalStateException(CRASH_MESSAGE);
    }
    return CastResult.noReply(infos);
  }

  @Override
  protected CastResult<List<Object>> handleInfo(Object message, List<Object> infos) {
    infos.add(message);
    return CastResult.noReply(infos);
  }

  @Override
  protected Future<Void> terminate(ExitReason reason, List<Object> infos) {
    terminated.add(reason);
    return Future.succeededFuture();
  }
}
