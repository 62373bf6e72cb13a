package dev.otpx.process;

import java.util.Objects;

/**
 * What {@link GenServer#handleCall} decides: reply now, reply later through {@link From}, or stop
 * (optionally replying first).
 *
 * @param <S> the server's state type
 */
public sealed interface CallResult<S> {

  /**
   * Reply now and go on with the new state.
   *
   * @param reply the reply: JSON types when the caller may be on the event bus
   * @param state the new state
   */
  record Reply<S>(Object reply, S state) implements CallResult<S> { }

  /**
   * Do not reply yet: the server keeps the {@link From} and replies later (or the caller times out).
   *
   * @param state the new state
   */
  record NoReply<S>(S state) implements CallResult<S> { }

  /**
   * Reply with an application error (the caller's future fails with {@link OtpException.Failure#ERROR}).
   *
   * @param code snake_case error code
   * @param message explanation for people
   * @param state the new state
   */
  record Error<S>(String code, String message, S state) implements CallResult<S> {
    public Error {
      Objects.requireNonNull(code, "code");
      Objects.requireNonNull(message, "message");
    }
  }

  /**
   * Stop with a reason; when {@code replies} is true the caller gets {@code reply} before the
   * server exits, else the caller's call fails with the exit.
   *
   * @param reason the exit reason
   * @param reply the reply, when replies
   * @param replies whether to reply
   * @param state the final state handed to terminate
   */
  record Stop<S>(ExitReason reason, Object reply, boolean replies, S state) implements CallResult<S> {
    public Stop {
      Objects.requireNonNull(reason, "reason");
    }
  }

  /**
   * Finish handling the call when {@code next} completes. Until then the server takes no other
   * message (they wait in its mailbox, as behind a blocking callback in Erlang), but it can still
   * be killed. A failed {@code next} crashes the server.
   *
   * @param next the decision, once known
   */
  record Await<S>(io.vertx.core.Future<CallResult<S>> next) implements CallResult<S> {
    public Await {
      Objects.requireNonNull(next, "next");
    }
  }

  /**
   * @param next the decision, once known
   * @param <S> the state type
   * @return handle the call asynchronously, holding the mailbox meanwhile
   */
  static <S> CallResult<S> await(io.vertx.core.Future<CallResult<S>> next) {
    return new Await<>(next);
  }

  /**
   * @param reply the reply
   * @param state the new state
   * @param <S> the state type
   * @return reply now
   */
  static <S> CallResult<S> reply(Object reply, S state) {
    return new Reply<>(reply, state);
  }

  /**
   * @param state the new state
   * @param <S> the state type
   * @return reply later
   */
  static <S> CallResult<S> noReply(S state) {
    return new NoReply<>(state);
  }

  /**
   * @param code snake_case error code
   * @param message the explanation
   * @param state the new state
   * @param <S> the state type
   * @return reply with an error
   */
  static <S> CallResult<S> error(String code, String message, S state) {
    return new Error<>(code, message, state);
  }

  /**
   * @param reason the exit reason
   * @param reply the reply sent before exiting
   * @param state the final state
   * @param <S> the state type
   * @return reply, then stop
   */
  static <S> CallResult<S> stop(ExitReason reason, Object reply, S state) {
    return new Stop<>(reason, reply, true, state);
  }

  /**
   * @param reason the exit reason
   * @param state the final state
   * @param <S> the state type
   * @return stop without replying: the caller gets {@link OtpException.Failure#EXIT}
   */
  static <S> CallResult<S> stop(ExitReason reason, S state) {
    return new Stop<>(reason, null, false, state);
  }
}
