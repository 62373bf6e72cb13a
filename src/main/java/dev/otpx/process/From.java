package dev.otpx.process;

/**
 * The caller of a {@link GenServer#handleCall}: keep it to reply later (after returning
 * {@link CallResult#noReply}). Only the first answer counts; an answer after the caller's timeout,
 * or after the caller was failed because the server exited, is dropped.
 *
 * <p>Safe to use from any thread: the answer is delivered on the caller's own context.
 */
public interface From {

  /**
   * Answers the call.
   *
   * @param reply the reply
   */
  void reply(Object reply);

  /**
   * Answers the call with an application error ({@link OtpException.Failure#ERROR}).
   *
   * @param code snake_case error code
   * @param message explanation
   */
  void replyError(String code, String message);

  /**
   * Fails the call with a named failure of the runtime, keeping its kind, reason and pid: for a
   * server that passes on what happened to it, as a supervisor answers {@code start_child} with the
   * child's own start failure or with {@code already_started} naming the running child.
   *
   * @param failure the failure the caller gets
   */
  void fail(OtpException failure);

  /**
   * The address this call was sent to: the registered name the caller used, or the process's
   * mailbox address ({@link Pid#address()}) for a call by pid. A server with several names tells
   * what a request is by it, as a Vert.x consumer reads {@code Message.address()}: a body never
   * decides which action runs.
   *
   * @return the address, never null
   */
  String address();

  /**
   * Whether the call was answered, failed or timed out.
   *
   * @return true once nothing more can be delivered
   */
  boolean isDone();
}
