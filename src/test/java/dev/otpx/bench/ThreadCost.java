package dev.otpx.bench;

import java.lang.management.ManagementFactory;

/**
 * What the calling thread spends from now on: wall time, CPU time and bytes allocated (the
 * thread's MXBean). Read on the event loop that does all the work, CPU time and bytes per
 * operation stay readable on a loaded machine, where wall time does not.
 */
final class ThreadCost {

  private static final com.sun.management.ThreadMXBean THREADS = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

  private final long thread;
  private final long wall;
  private final long cpu;
  private final long bytes;

  private ThreadCost() {
    thread = Thread.currentThread().getId();
    wall = System.nanoTime();
    cpu = THREADS.getThreadCpuTime(thread);
    bytes = THREADS.getThreadAllocatedBytes(thread);
  }

  /** @return the thread's costs counted from now */
  static ThreadCost start() {
    return new ThreadCost();
  }

  /**
   * @param operations how many operations ran since {@link #start}
   * @return operations per second (wall time), CPU µs per operation, KB allocated per operation
   */
  double[] perOperation(int operations) {
    double w = System.nanoTime() - wall;
    double c = THREADS.getThreadCpuTime(thread) - cpu;
    double b = THREADS.getThreadAllocatedBytes(thread) - bytes;
    return new double[] {operations * 1e9 / w, c / 1e3 / operations, b / 1024 / operations};
  }
}
