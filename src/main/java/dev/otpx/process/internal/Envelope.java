package dev.otpx.process.internal;

import dev.otpx.process.ExitReason;

/** What sits in a process's mailbox. */
public sealed interface Envelope {

  /** A call: the caller waits for an answer through {@code caller}. */
  record Call(Object request, Caller caller) implements Envelope { }

  /**
   * A cast: no answer.
   *
   * @param message the message
   * @param address the name or pid address it was sent to
   */
  record Cast(Object message, String address) implements Envelope { }

  /** An out-of-band message: timers, DOWN notifications, plain sends. */
  record Info(Object message) implements Envelope { }

  /** An orderly stop request: terminate runs with the reason. */
  record Stop(ExitReason reason) implements Envelope { }
}
