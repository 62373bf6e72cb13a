package dev.otpx.process;

import io.vertx.core.Future;
import java.util.Objects;

/**
 * What {@link GenServer#handleCall} decides: reply now, reply later through {@link From}, or stop
 * (optionally replying first).
 *
 * <p>Each decision comes in two forms: with a new state, for a server that threads its state
 * through the callbacks, and without one ({@code reply(r)}, {@code noReply()}, ...), which keeps
 * the state as it is: the form for a server that keeps its state in its own fields.
 *
 * @param <S> the server's state type
 */
public sealed interface CallResult<S> {

  /**
   * Reply now and go on.
   *
   * @param reply the reply: JSON types when the caller may be on the event bus
   * @param state the new state (null when {@code keepsState})
   * @param keepsState whether the state stays as it was
   */
  record Reply<S>(Object reply, S state, boolean keepsState) implements CallResult<S> {
    /**
     * @param reply the reply
     * @param state the new state
     */
    public Reply(Object reply, S state) {
      this(reply, state, false);
    }
  }

  /**
   * Do not reply yet: the server keeps the {@link From} and replies later (or the caller times out).
   *
   * @param state the new state (null when {@code keepsState})
   * @param keepsState whether the state stays as it was
   */
  record NoReply<S>(S state, boolean keepsState) implements CallResult<S> {
    /** @param state the new state */
    public NoReply(S state) {
      this(state, false);
    }
  }

  /**
   * Reply with an application error (the caller's future fails with {@link OtpException.Failure#ERROR}).
   *
   * @param code snake_case error code
   * @param message explanation for people
   * @param state the new state (null when {@code keepsState})
   * @param keepsState whether the state stays as it was
   */
  record Error<S>(String code, String message, S state, boolean keepsState) implements CallResult<S> {
    public Error {
      Objects.requireNonNull(code, "code");
      Objects.requireNonNull(message, "message");
    }

    /**
     * @param code snake_case error code
     * @param message explanation for people
     * @param state the new state
     */
    public Error(String code, String message, S state) {
      this(code, message, state, false);
    }
  }

  /**
   * Stop with a reason; when {@code replies} is true the caller gets {@code reply} before the
   * server exits, else the caller's call fails with the exit.
   *
   * @param reason the exit reason
   * @param reply the reply, when replies
   * @param replies whether to reply
   * @param state the final state handed to terminate (null when {@code keepsState})
   * @param keepsState whether terminate gets the state as it was
   */
  record Stop<S>(ExitReason reason, Object reply, boolean replies, S state, boolean keepsState) implements CallResult<S> {
    public Stop {
      Objects.requireNonNull(reason, "reason");
    }

    /**
     * @param reason the exit reason
     * @param reply the reply, when replies
     * @param replies whether to reply
     * @param state the final state
     */
    public Stop(ExitReason reason, Object reply, boolean replies, S state) {
      this(reason, reply, replies, state, false);
    }
  }

  /**
   * Finish handling the call when {@code next} completes. Until then the server takes no other
   * message (they wait in its mailbox, as behind a blocking callback in Erlang), but it can still
   * be killed. A failed {@code next} crashes the server.
   *
   * @param next the decision, once known
   */
  record Deferred<S>(Future<CallResult<S>> next) implements CallResult<S> {
    public Deferred {
      Objects.requireNonNull(next, "next");
    }
  }

  /**
   * @param next the decision, once known
   * @param <S> the state type
   * @return handle the call asynchronously, holding the mailbox meanwhile
   */
  static <S> CallResult<S> deferred(Future<CallResult<S>> next) {
    return new Deferred<>(next);
  }

  /**
   * @param reply the reply
   * @param state the new state
   * @param <S> the state type
   * @return reply now
   */
  static <S> CallResult<S> reply(Object reply, S state) {
    return new Reply<>(reply, state, false);
  }

  /**
   * @param reply the reply
   * @param <S> the state type
   * @return reply now, keeping the state
   */
  static <S> CallResult<S> reply(Object reply) {
    return new Reply<>(reply, null, true);
  }

  /**
   * @param state the new state
   * @param <S> the state type
   * @return reply later
   */
  static <S> CallResult<S> noReply(S state) {
    return new NoReply<>(state, false);
  }

  /**
   * @param <S> the state type
   * @return reply later, keeping the state
   */
  @SuppressWarnings("unchecked")
  static <S> CallResult<S> noReply() {
    return (CallResult<S>) Keep.NO_REPLY;
  }

  /**
   * @param code snake_case error code
   * @param message the explanation
   * @param state the new state
   * @param <S> the state type
   * @return reply with an error
   */
  static <S> CallResult<S> error(String code, String message, S state) {
    return new Error<>(code, message, state, false);
  }

  /**
   * @param code snake_case error code
   * @param message the explanation
   * @param <S> the state type
   * @return reply with an error, keeping the state
   */
  static <S> CallResult<S> error(String code, String message) {
    return new Error<>(code, message, null, true);
  }

  /**
   * @param reason the exit reason
   * @param reply the reply sent before exiting
   * @param state the final state
   * @param <S> the state type
   * @return reply, then stop
   */
  static <S> CallResult<S> stop(ExitReason reason, Object reply, S state) {
    return new Stop<>(reason, reply, true, state, false);
  }

  /**
   * @param reason the exit reason
   * @param reply the reply sent before exiting
   * @param <S> the state type
   * @return reply, then stop with the state as it is
   */
  static <S> CallResult<S> replyAndStop(ExitReason reason, Object reply) {
    return new Stop<>(reason, reply, true, null, true);
  }

  /**
   * @param reason the exit reason
   * @param state the final state
   * @param <S> the state type
   * @return stop without replying: the caller gets {@link OtpException.Failure#EXIT}
   */
  static <S> CallResult<S> stop(ExitReason reason, S state) {
    return new Stop<>(reason, null, false, state, false);
  }

  /**
   * @param reason the exit reason
   * @param <S> the state type
   * @return stop without replying, with the state as it is
   */
  static <S> CallResult<S> stop(ExitReason reason) {
    return new Stop<>(reason, null, false, null, true);
  }
}

/** The shared decision that changes nothing: no allocation on a server's busiest path. */
final class Keep {
  static final CallResult<Object> NO_REPLY = new CallResult.NoReply<>(null, true);
  static final CastResult<Object> NO_REPLY_CAST = new CastResult.NoReply<>(null, true);

  private Keep() {
  }
}
