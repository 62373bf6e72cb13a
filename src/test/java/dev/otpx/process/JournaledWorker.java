package dev.otpx.process;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntPredicate;

/**
 * A supervised worker for tests: writes "start:&lt;name&gt;" when its init runs and
 * "stop:&lt;name&gt;:&lt;reason&gt;" when terminate runs; exits as told by casts ("crash", "normal",
 * "shutdown", "shutdown:term"); answers "ping" with its name. The start behaviour comes from the
 * factory: {@link #failOnStart} decides, from the count of starts so far (1 for the first), whether
 * init fails; {@code ignore} makes init ignore; a terminate gate holds terminate open.
 */
final class JournaledWorker extends GenServer<String> {

  private final String name;
  private final Journal journal;
  private final int start;
  private final boolean failInit;
  private final boolean ignore;
  private final Promise<Void> terminateGate;

  private JournaledWorker(String name, Journal journal, int start, boolean failInit, boolean ignore, Promise<Void> terminateGate) {
    this.name = name;
    this.journal = journal;
    this.start = start;
    this.failInit = failInit;
    this.ignore = ignore;
    this.terminateGate = terminateGate;
  }

  /** A plain worker spec. */
  static ChildSpec spec(String name, Journal journal) {
    return factory(name, journal, n -> false, false, null);
  }

  /** A worker whose n-th start (from 1) fails when {@code failOnStart} says so. */
  static ChildSpec failOnStart(String name, Journal journal, IntPredicate failOnStart) {
    return factory(name, journal, failOnStart, false, null);
  }

  /** A worker whose init ignores. */
  static ChildSpec ignoring(String name, Journal journal) {
    return factory(name, journal, n -> false, true, null);
  }

  /** A worker whose terminate completes only when the gate does (never, if never completed). */
  static ChildSpec slowToStop(String name, Journal journal, Promise<Void> gate) {
    return factory(name, journal, n -> false, false, gate);
  }

  private static ChildSpec factory(String name, Journal journal, IntPredicate failOnStart, boolean ignore, Promise<Void> gate) {
    AtomicInteger starts = new AtomicInteger();
    return ChildSpec.worker(name, () -> {
      int n = starts.incrementAndGet();
      return new JournaledWorker(name, journal, n, failOnStart.test(n), ignore, gate);
    }).withName("worker." + name);
  }

  @Override
  protected Future<InitResult<String>> init(JsonObject args) {
    if (failInit) {
      journal.add("failed:" + name);
      return Future.failedFuture(new IllegalStateException("start " + start + " of " + name + " failed"));
    }
    if (ignore) {
      journal.add("ignored:" + name);
      return Future.succeededFuture(InitResult.ignore());
    }
    journal.add("start:" + name);
    return Future.succeededFuture(InitResult.ok(name));
  }

  @Override
  protected CallResult<String> handleCall(Object request, From from, String state) {
    return CallResult.reply("pong:" + name, state);
  }

  @Override
  protected CastResult<String> handleCast(Object message, String state) {
    String text = String.valueOf(message);
    return switch (text) {
      case "crash" -> throw new IllegalStateException(name + " crashed");
      case "normal" -> CastResult.stop(ExitReason.NORMAL, state);
      case "shutdown" -> CastResult.stop(ExitReason.SHUTDOWN, state);
      case "kill-self" -> CastResult.stop(ExitReason.KILL, state);
      default -> text.startsWith("shutdown:")
        ? CastResult.stop(ExitReason.shutdown(text.substring("shutdown:".length())), state)
        : CastResult.noReply(state);
    };
  }

  @Override
  protected Future<Void> terminate(ExitReason reason, String state) {
    journal.add("stop:" + name + ":" + reason);
    return terminateGate == null ? Future.succeededFuture() : terminateGate.future();
  }
}
