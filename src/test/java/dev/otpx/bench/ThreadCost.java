package dev.otpx.bench;

import static dev.otpx.bench.BenchMain.await;

import dev.otpx.process.GenServer;
import dev.otpx.process.Pid;
import io.vertx.core.Vertx;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Locale;

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

  /**
   * Runs the rounds of a CPU benchmark: each asks the driver process (a call with the number of
   * operations) to run them on its thread and answer with {@link #perOperation}, and prints a line.
   *
   * @param vertx the Vert.x instance
   * @param driver the process that runs the operations
   * @param rounds how many rounds
   * @param operations how many operations per round
   * @param unit what one operation is, as printed ("query", "3 tasks")
   * @throws Exception when a round fails
   */
  static void printRounds(Vertx vertx, Pid driver, int rounds, int operations, String unit) throws Exception {
    for (int i = 1; i <= rounds; i++) {
      double[] r = await(GenServer.<double[]>call(vertx, driver, operations, Duration.ofMinutes(5)));
      System.out.printf(Locale.ROOT, "round %2d: %8.0f /s  %6.2f µs CPU per %s  %6.2f KB per %s%n", i, r[0], r[1], unit, r[2], unit);
    }
  }
}
