package dev.otpx.process.engine;

import dev.otpx.process.ProcessStatus;
import io.vertx.core.Future;

/**
 * What runs a process behind its {@link ProcessCell}: a {@link ProcessCore} (a mailbox and status
 * machine for the callbacks of a GenServer, Agent or supervisor) or a {@link TaskCore} (one job run
 * at once, no mailbox). The cell hands each its messages, signals and kills on the process's own
 * context; names, monitors and links stay the cell's, the same for both.
 */
interface Engine {

  /** Takes a message on the process's own context. */
  void receive(Envelope envelope);

  /** Marks a kill on its way, from any thread: nothing the process does after it counts. */
  void requestKill();

  /** Kills the process now, on its own context: reason killed, no terminate. */
  void killNow();

  /** @return whether the process traps exits now */
  boolean trapsExits();

  /** @return what an observer sees, on the process's own context; null when it is not alive */
  ProcessStatus snapshot();

  /** @return false when the process is gone; see {@link ProcessCell#trace} */
  boolean trace(int messages);

  /** @return completes once the process listens on the address (a registered name) */
  Future<Void> listenOn(String address);

  /** Stops listening on an address at once, from any thread. */
  void stopListening(String address);

  /** @return the node the process runs on */
  ProcessTable table();
}
