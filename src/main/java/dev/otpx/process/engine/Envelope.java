package dev.otpx.process.engine;

import dev.otpx.process.ExitReason;
import dev.otpx.process.From;
import dev.otpx.process.Pid;

/** What sits in a process's mailbox. */
sealed interface Envelope {

  /** A call: the caller waits for an answer through {@code caller}. */
  record Call(Object request, From caller) implements Envelope { }

  /**
   * A cast: no answer.
   *
   * @param message the message
   * @param address the name or pid address it was sent to, for {@code castAddress()}
   */
  record Cast(Object message, String address) implements Envelope { }

  /** An out-of-band message: timers, DOWN notifications, plain sends. */
  record Info(Object message) implements Envelope { }

  /**
   * An orderly stop the runtime asks for (a static stop, a node shutdown, an undeploy): terminate
   * runs with the reason whether or not the process traps exits, as a system stop does in OTP.
   */
  record Stop(ExitReason reason) implements Envelope { }

  /**
   * An exit signal (never {@code kill}, which {@link ProcessCell#kill} delivers at once): from a
   * linked process that ended ({@code viaLink}) or from {@code exit/2}. Read when the process takes
   * it from its mailbox: a process that traps exits gets an {@code Exit} message, except from its
   * parent, which stops it as a parent's exit stops a gen_server; a normal reason stops nobody.
   *
   * @param from the sender, or null from outside any process
   * @param reason the reason
   * @param viaLink whether a link carried it: dropped if the receiver unlinked the sender meanwhile
   */
  record Signal(Pid from, ExitReason reason, boolean viaLink) implements Envelope { }
}
