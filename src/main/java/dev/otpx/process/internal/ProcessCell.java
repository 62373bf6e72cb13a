package dev.otpx.process.internal;

import dev.otpx.process.ExitReason;
import dev.otpx.process.Pid;
import io.vertx.core.Future;
import io.vertx.core.internal.ContextInternal;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The runtime's handle on one live process: what other threads may touch. Delivery and kill are
 * thread-safe and hop to the process's own context; names and monitors are guarded by the cell so
 * that nothing can be added to a process that has already exited (no name held by a dead pid, no
 * monitor that never fires).
 */
public abstract class ProcessCell {

  private final Pid pid;
  private final Pid parent;
  private final ContextInternal context;
  private final Map<Long, Consumer<ExitReason>> monitors = new LinkedHashMap<>();
  private final List<String> names = new ArrayList<>(1);
  private final Set<ProcessCell> linked = new LinkedHashSet<>();
  private ExitReason exitReason;
  private volatile boolean dying;

  protected ProcessCell(Pid pid, Pid parent, ContextInternal context) {
    this.pid = pid;
    this.parent = parent;
    this.context = context;
  }

  /** @return the process that started this one (its supervisor, usually), or null */
  public final Pid parent() {
    return parent;
  }

  /** @return the process id */
  public final Pid pid() {
    return pid;
  }

  /** @return the process's own (non-duplicated) context */
  public final ContextInternal context() {
    return context;
  }

  /**
   * Puts a message in the process's mailbox; never runs it on the caller's stack.
   *
   * @param envelope the message
   */
  public abstract void deliver(Envelope envelope);

  /** Kills the process at once: no terminate, reason killed. */
  public abstract void kill();

  /**
   * Makes the process listen on an extra event-bus address (its registered name).
   *
   * @param address the address
   * @return completes once the consumer is registered
   */
  public abstract Future<Void> listenOn(String address);

  /**
   * Stops listening on an address at once, from any thread: later sends no longer reach this process.
   *
   * @param address the address
   */
  public abstract void stopListening(String address);

  /**
   * Adds a monitor unless the process has exited.
   *
   * @param ref the monitor reference
   * @param onDown called once, from the exiting process's thread, with the exit reason
   * @return false when the process had already exited
   */
  public synchronized boolean addMonitor(long ref, Consumer<ExitReason> onDown) {
    if (exitReason != null) {
      return false;
    }
    monitors.put(ref, onDown);
    return true;
  }

  /**
   * @param ref the monitor reference
   * @return true when it was active
   */
  public synchronized boolean removeMonitor(long ref) {
    return monitors.remove(ref) != null;
  }

  /** @return whether the process has exited */
  public synchronized boolean exited() {
    return exitReason != null;
  }

  /**
   * Marks the process as dying: it handles nothing more, though its names and monitors are only
   * released once the processes linked to it have stopped.
   */
  public void markDying() {
    dying = true;
  }

  /** @return false from the moment the process starts to die */
  public boolean alive() {
    return !dying && !exited();
  }

  /**
   * Links a process this one started (Erlang's start_link): it is stopped when this one exits
   * abnormally.
   *
   * @param child the new process
   * @return false when this process has already exited: the child is then an orphan
   */
  synchronized boolean adopt(ProcessCell child) {
    if (exitReason != null) {
      return false;
    }
    linked.add(child);
    return true;
  }

  synchronized void disown(ProcessCell child) {
    linked.remove(child);
  }

  /** @return the live processes this one started and is linked to, oldest first */
  public synchronized List<ProcessCell> linked() {
    return List.copyOf(linked);
  }

  synchronized boolean addName(String name) {
    if (exitReason != null) {
      return false;
    }
    names.add(name);
    return true;
  }

  synchronized void removeName(String name) {
    names.remove(name);
  }

  /** @return the names registered for this process now */
  public synchronized List<String> names() {
    return List.copyOf(names);
  }

  /**
   * Marks the cell exited and hands back what must be cleaned up; later adds are refused.
   *
   * @param reason the exit reason
   * @return the names it held and the monitors to notify, or null when already exited
   */
  synchronized Exited markExited(ExitReason reason) {
    if (exitReason != null) {
      return null;
    }
    exitReason = reason;
    Exited exited = new Exited(List.copyOf(names), List.copyOf(monitors.values()), List.copyOf(linked));
    names.clear();
    monitors.clear();
    linked.clear();
    return exited;
  }

  record Exited(List<String> names, List<Consumer<ExitReason>> monitors, List<ProcessCell> linked) { }
}
