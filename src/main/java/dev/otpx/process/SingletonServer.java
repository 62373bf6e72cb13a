package dev.otpx.process;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Objects;

/**
 * The child a supervisor runs for a singleton child spec ({@link ChildSpec#asSingleton}): on every
 * node it is the supervised process, and it either runs the real child (the node that holds the
 * global name) or stands by. The running one claims the global name for itself, starts the child
 * linked to it and hands the name over to the child; a standby monitors the holder and claims again
 * when the holder goes (its exit, or {@code noconnection} when its node leaves: the node's names are
 * freed before that DOWN comes). The child's exit ends this process with the same reason, so the
 * supervisor's restart policy applies to the singleton as to any child; a standby that stops (the
 * node's shutdown) simply goes.
 */
final class SingletonServer extends GenServer<SingletonServer.State> {

  /** A standby claims again at most this often while the name still names a holder that is gone. */
  static final Duration RETRY = Duration.ofMillis(50);

  private final String globalName;
  private final ChildSpec.Start child;

  /** What this process is doing: running the child, or watching the holder elsewhere. */
  sealed interface State {
  }

  /** This node runs the singleton: the child's pid. */
  record Running(Pid child) implements State {
  }

  /** Another process holds the name: the holder and this monitor's reference. */
  record Standby(Pid holder, long ref) implements State {
  }

  /** The claim to make again. */
  private record Claim() {
  }

  SingletonServer(String globalName, ChildSpec.Start child) {
    this.globalName = Objects.requireNonNull(globalName, "globalName");
    this.child = Objects.requireNonNull(child, "child");
  }

  @Override
  protected Future<InitResult<State>> init(JsonObject args) {
    trapExits(true);
    return claim(null).map(InitResult::ok);
  }

  /** Takes the name and starts the child, or watches whoever holds it. */
  private Future<State> claim(Pid lastHolder) {
    // The child starts from this process's context, so that this process is its starter and link.
    Future<State> running = onOwnContext(Global.register(vertx, globalName, self()))
      .compose(v -> child.start(vertx).compose(pid -> Global.handOverTo(vertx, globalName, self(), pid).map(moved -> new Running(pid))));
    // Back on this process's context before monitor and sendAfter, which only it may call.
    return onOwnContext(running).recover(err -> {
        if (err instanceof OtpException refused && refused.failure() == OtpException.Failure.ALREADY_STARTED && refused.pid() != null) {
          Pid holder = refused.pid();
          if (holder.equals(lastHolder)) {
            // The holder is gone but its name not yet freed: ask again shortly.
            sendAfter(new Claim(), RETRY);
            return Future.succeededFuture(new Standby(holder, -1));
          }
          return Future.succeededFuture(new Standby(holder, monitor(holder)));
        }
        return Future.failedFuture(err);
      });
  }

  @Override
  protected CastResult<State> handleInfo(Object message, State state) {
    if (message instanceof Exit exit && state instanceof Running running && running.child().equals(exit.pid())) {
      return CastResult.stop(exit.reason(), state);
    }
    if (message instanceof Down down && state instanceof Standby standby && down.ref() == standby.ref()) {
      return CastResult.deferred(claim(standby.holder()).map(CastResult::noReply));
    }
    if (message instanceof Claim && state instanceof Standby standby) {
      return CastResult.deferred(claim(standby.holder()).map(CastResult::noReply));
    }
    if (message instanceof Exit exit) {
      return exit.reason().isNormal() ? CastResult.noReply(state) : CastResult.stop(exit.reason(), state);
    }
    return CastResult.noReply(state);
  }

  @Override
  protected CallResult<State> handleCall(Object request, From from, State state) {
    // Only in the moment between the claim and the hand-over can a call by the name come here.
    return CallResult.error("singleton_starting", "singleton " + globalName + " is starting", state);
  }
}
