package dev.otpx.process;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A GenServer whose every behaviour is chosen by the message it gets, so one class can exercise each
 * callback's return shapes. The state is a list of what it handled; terminate calls are recorded in
 * {@link #terminated} for the test to read.
 *
 * <p>init args: {@code {"init": "ok"|"stop"|"ignore"|"throw"|"fail"|"later"}}; with "later", init
 * completes when {@link #finishInit} is called.
 */
class ScriptedServer extends GenServer<List<Object>> {

  final List<ExitReason> terminated = new CopyOnWriteArrayList<>();
  final Promise<Void> initGate = Promise.promise();
  /** Completed with the pid when init begins: a safe way for another thread to learn it. */
  final Promise<Pid> initBegan = Promise.promise();
  volatile From kept;
  volatile boolean initRan;
  volatile String terminateMode = "ok";
  volatile Promise<Void> terminateGate;
  volatile Down lastDown;
  final List<Down> downs = new CopyOnWriteArrayList<>();
  volatile long monitorRef;
  volatile Promise<String> awaitGate = Promise.promise();
  /** Completed when a handler begins to wait for {@link #awaitGate}: the process is then suspended. */
  final Promise<Void> awaitBegan = Promise.promise();
  /** Completed when terminate begins. */
  final Promise<ExitReason> terminateBegan = Promise.promise();
  /** Completed with the first DOWN handleInfo gets. */
  final Promise<Down> downSeen = Promise.promise();

  void finishInit() {
    initGate.tryComplete();
  }

  @Override
  protected Future<InitResult<List<Object>>> init(JsonObject args) {
    initRan = true;
    initBegan.tryComplete(self());
    String mode = args.getString("init", "ok");
    return switch (mode) {
      case "ok" -> Future.succeededFuture(InitResult.ok(new ArrayList<>()));
      case "stop" -> Future.succeededFuture(InitResult.stop(ExitReason.shutdown("refused")));
      case "ignore" -> Future.succeededFuture(InitResult.ignore());
      case "throw" -> throw new IllegalStateException("init blew up");
      case "fail" -> Future.failedFuture(new IllegalArgumentException("init failed"));
      case "later" -> initGate.future().map(v -> InitResult.ok(new ArrayList<>()));
      default -> throw new IllegalArgumentException(mode);
    };
  }

  @Override
  protected CallResult<List<Object>> handleCall(Object request, From from, List<Object> state) {
    state.add(request);
    if (request instanceof JsonObject json) {
      return CallResult.reply(json.put("seen", true), state);
    }
    return switch (String.valueOf(request)) {
      case "ping" -> CallResult.reply("pong", state);
      case "state" -> CallResult.reply(List.copyOf(state), state);
      case "keep" -> {
        kept = from;
        yield CallResult.noReply(state);
      }
      case "error" -> CallResult.error("bad_thing", "you asked for an error", state);
      case "await" -> CallResult.deferred(began(awaitGate.future()).map(word -> {
        state.add("resumed");
        return CallResult.reply(word, state);
      }));
      case "stop-reply" -> CallResult.stop(ExitReason.NORMAL, "bye", state);
      case "stop-noreply" -> CallResult.stop(ExitReason.shutdown("done"), state);
      case "throw" -> throw new IllegalStateException("call blew up");
      case "null" -> null;
      case "call-self" -> {
        kept = from;
        GenServer.<String>call(vertx, self(), "ping").onComplete(ar ->
          from.reply(ar.failed() ? ((OtpException) ar.cause()).code() : ar.result()));
        yield CallResult.noReply(state);
      }
      case "timer-throws" -> {
        // An exception outside any callback, in the process's own context: must crash it.
        vertx.setTimer(1, id -> {
          throw new IllegalStateException("timer blew up");
        });
        yield CallResult.reply("armed", state);
      }
      case "send-after" -> {
        sendAfter("tick", Duration.ofMillis(10));
        yield CallResult.reply("scheduled", state);
      }
      case "cancel-timer" -> {
        long ref = sendAfter("never", Duration.ofMillis(30));
        yield CallResult.reply(cancelTimer(ref), state);
      }
      default -> CallResult.reply("unknown", state);
    };
  }

  @Override
  protected CastResult<List<Object>> handleCast(Object message, List<Object> state) {
    state.add(message);
    if (message instanceof JsonObject json) {
      return CastResult.noReply(state);
    }
    return switch (String.valueOf(message)) {
      case "throw" -> throw new IllegalStateException("cast blew up");
      case "stop" -> CastResult.stop(ExitReason.shutdown("cast"), state);
      case "release" -> {
        kept.reply("released");
        yield CastResult.noReply(state);
      }
      case "await" -> CastResult.deferred(began(awaitGate.future()).map(word -> {
        state.add("resumed:" + word);
        return CastResult.noReply(state);
      }));
      case "release-late" -> {
        kept.reply("too late");
        yield CastResult.noReply(state);
      }
      default -> CastResult.noReply(state);
    };
  }

  @Override
  protected CastResult<List<Object>> handleInfo(Object message, List<Object> state) {
    if (message instanceof Down down) {
      lastDown = down;
      downs.add(down);
      downSeen.tryComplete(down);
      state.add("down:" + down.reason());
      return CastResult.noReply(state);
    }
    if (message instanceof MonitorRequest request) {
      monitorRef = monitor(request.pid());
      if (request.thenDemonitor()) {
        state.add("demonitor:" + demonitor(monitorRef));
      }
      return CastResult.noReply(state);
    }
    state.add("info:" + message);
    return switch (String.valueOf(message)) {
      case "throw" -> throw new IllegalStateException("info blew up");
      case "stop" -> CastResult.stop(ExitReason.NORMAL, state);
      default -> CastResult.noReply(state);
    };
  }

  @Override
  protected Future<Void> terminate(ExitReason reason, List<Object> state) {
    terminated.add(reason);
    terminateBegan.tryComplete(reason);
    return switch (terminateMode) {
      case "throw" -> throw new IllegalStateException("terminate blew up");
      case "wait" -> terminateGate.future();
      default -> Future.succeededFuture();
    };
  }

  private <T> Future<T> began(Future<T> gate) {
    awaitBegan.tryComplete();
    return gate;
  }

  /** Asks the server to monitor a pid (and maybe demonitor at once). */
  record MonitorRequest(Pid pid, boolean thenDemonitor) { }
}
