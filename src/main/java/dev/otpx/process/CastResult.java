package dev.otpx.process;

import io.vertx.core.Future;
import java.util.Objects;

/**
 * What {@link GenServer#handleCast} and {@link GenServer#handleInfo} decide: go on, or stop. As with
 * {@link CallResult}, each decision comes with a new state or without one (the state stays).
 *
 * @param <S> the server's state type
 */
public sealed interface CastResult<S> {

  /**
   * Go on.
   *
   * @param state the new state (null when {@code keepsState})
   * @param keepsState whether the state stays as it was
   */
  record NoReply<S>(S state, boolean keepsState) implements CastResult<S> {
    /** @param state the new state */
    public NoReply(S state) {
      this(state, false);
    }
  }

  /**
   * Stop.
   *
   * @param reason the exit reason
   * @param state the final state handed to terminate (null when {@code keepsState})
   * @param keepsState whether terminate gets the state as it was
   */
  record Stop<S>(ExitReason reason, S state, boolean keepsState) implements CastResult<S> {
    public Stop {
      Objects.requireNonNull(reason, "reason");
    }

    /**
     * @param reason the exit reason
     * @param state the final state
     */
    public Stop(ExitReason reason, S state) {
      this(reason, state, false);
    }
  }

  /**
   * Finish handling the message when {@code next} completes; meanwhile other messages wait in the
   * mailbox. A failed {@code next} crashes the server.
   *
   * @param next the decision, once known
   */
  record Deferred<S>(Future<CastResult<S>> next) implements CastResult<S> {
    public Deferred {
      Objects.requireNonNull(next, "next");
    }
  }

  /**
   * @param next the decision, once known
   * @param <S> the state type
   * @return handle the message asynchronously, holding the mailbox meanwhile
   */
  static <S> CastResult<S> deferred(Future<CastResult<S>> next) {
    return new Deferred<>(next);
  }

  /**
   * @param state the new state
   * @param <S> the state type
   * @return go on
   */
  static <S> CastResult<S> noReply(S state) {
    return new NoReply<>(state, false);
  }

  /**
   * @param <S> the state type
   * @return go on with the state as it is
   */
  @SuppressWarnings("unchecked")
  static <S> CastResult<S> noReply() {
    return (CastResult<S>) Keep.NO_REPLY_CAST;
  }

  /**
   * @param reason the exit reason
   * @param state the final state
   * @param <S> the state type
   * @return stop
   */
  static <S> CastResult<S> stop(ExitReason reason, S state) {
    return new Stop<>(reason, state, false);
  }

  /**
   * @param reason the exit reason
   * @param <S> the state type
   * @return stop with the state as it is
   */
  static <S> CastResult<S> stop(ExitReason reason) {
    return new Stop<>(reason, null, true);
  }
}
