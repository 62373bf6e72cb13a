package dev.otpx.process;

import java.util.Objects;

/**
 * What {@link GenServer#init} decides: start with a state, stop with a reason (the start fails with
 * {@link OtpException.Failure#EXIT}), or ignore (the start fails with {@link OtpException.Failure#IGNORE},
 * which a supervisor treats as "keep the spec, no process").
 *
 * @param <S> the server's state type
 */
public sealed interface InitResult<S> {

  /** @param state the initial state */
  record Ok<S>(S state) implements InitResult<S> { }

  /** @param reason why the server will not start */
  record Stop<S>(ExitReason reason) implements InitResult<S> {
    public Stop {
      Objects.requireNonNull(reason, "reason");
    }
  }

  /** Do not start, and do not call it an error. */
  record Ignore<S>() implements InitResult<S> { }

  /**
   * @param state the initial state
   * @param <S> the state type
   * @return start with this state
   */
  static <S> InitResult<S> ok(S state) {
    return new Ok<>(state);
  }

  /**
   * For a server that keeps its state in its own fields: start, with no state to thread.
   *
   * @param <S> the state type
   * @return start with a null state
   */
  static <S> InitResult<S> ok() {
    return new Ok<>(null);
  }

  /**
   * @param reason why not
   * @param <S> the state type
   * @return refuse to start
   */
  static <S> InitResult<S> stop(ExitReason reason) {
    return new Stop<>(reason);
  }

  /**
   * @param <S> the state type
   * @return start nothing
   */
  static <S> InitResult<S> ignore() {
    return new Ignore<>();
  }
}
