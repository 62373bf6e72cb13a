package dev.otpx.process;

import java.util.Objects;

/**
 * What {@link GenServer#handleCast} and {@link GenServer#handleInfo} decide: go on with a new state,
 * or stop.
 *
 * @param <S> the server's state type
 */
public sealed interface CastResult<S> {

  /** @param state the new state */
  record NoReply<S>(S state) implements CastResult<S> { }

  /**
   * @param reason the exit reason
   * @param state the final state handed to terminate
   */
  record Stop<S>(ExitReason reason, S state) implements CastResult<S> {
    public Stop {
      Objects.requireNonNull(reason, "reason");
    }
  }

  /**
   * Finish handling the message when {@code next} completes; meanwhile other messages wait in the
   * mailbox. A failed {@code next} crashes the server.
   *
   * @param next the decision, once known
   */
  record Await<S>(io.vertx.core.Future<CastResult<S>> next) implements CastResult<S> {
    public Await {
      Objects.requireNonNull(next, "next");
    }
  }

  /**
   * @param next the decision, once known
   * @param <S> the state type
   * @return handle the message asynchronously, holding the mailbox meanwhile
   */
  static <S> CastResult<S> await(io.vertx.core.Future<CastResult<S>> next) {
    return new Await<>(next);
  }

  /**
   * @param state the new state
   * @param <S> the state type
   * @return go on
   */
  static <S> CastResult<S> noReply(S state) {
    return new NoReply<>(state);
  }

  /**
   * @param reason the exit reason
   * @param state the final state
   * @param <S> the state type
   * @return stop
   */
  static <S> CastResult<S> stop(ExitReason reason, S state) {
    return new Stop<>(reason, state);
  }
}
