package dev.otpx.process.engine;

import dev.otpx.process.CallResult;
import dev.otpx.process.CastResult;
import dev.otpx.process.ExitReason;
import dev.otpx.process.From;
import dev.otpx.process.InitResult;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * The callbacks the engine runs for one process: the contract between the user's code (a
 * {@code GenServer}) and the {@link ProcessCore} that owns the mailbox, replies, timers and exits.
 * Every method runs on the process's own context, one at a time.
 *
 * @param <S> the state type
 */
public interface Behaviour<S> {

  /**
   * Binds the behaviour to the core that runs it; an instance runs once.
   *
   * @param core the core
   * @return false when it was already bound (started before)
   */
  boolean attach(ProcessCore<S> core);

  /**
   * @param args the deployment's config
   * @return the init decision
   */
  Future<InitResult<S>> init(JsonObject args);

  /**
   * @param request the request
   * @param from the caller
   * @param state the state
   * @return the decision
   */
  CallResult<S> handleCall(Object request, From from, S state);

  /**
   * @param message the message
   * @param state the state
   * @return the decision
   */
  CastResult<S> handleCast(Object message, S state);

  /**
   * @param message the message
   * @param state the state
   * @return the decision
   */
  CastResult<S> handleInfo(Object message, S state);

  /**
   * @param reason why the process exits
   * @param state the last state
   * @return completes when done
   */
  Future<Void> terminate(ExitReason reason, S state);

  /** @return what to call the process in logs: its class's simple name */
  String kind();

  /**
   * The summary of the state an observer may see; see {@code GenServer.formatStatus}.
   *
   * @param state the state
   * @return a JSON value or any object (shown as its text, cut)
   */
  default Object formatStatus(S state) {
    return state;
  }

  /**
   * What a trace shows of a message; see {@code GenServer.formatMessage}.
   *
   * @param message the message
   * @return a JSON value or any object (shown as its text, cut)
   */
  default Object formatMessage(Object message) {
    return message;
  }
}
