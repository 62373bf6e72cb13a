package dev.otpx.bench;

import static dev.otpx.bench.BenchMain.await;

import dev.otpx.process.CallResult;
import dev.otpx.process.ExitReason;
import dev.otpx.process.From;
import dev.otpx.process.GenServer;
import dev.otpx.process.InitResult;
import dev.otpx.process.Pid;
import dev.otpx.process.Shutdown;
import dev.otpx.process.Task;
import dev.otpx.process.TaskSupervisor;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;

/**
 * A task's whole life, measured on its thread: a process starts three tasks under a task supervisor
 * (linked to it, so on its thread), each answering at once, and waits for them with
 * {@code yieldMany(..., BRUTAL_KILL)}, over and over. Prints CPU µs and KB allocated per round of
 * three tasks (ThreadMXBean). Run with the bench classpath:
 * {@code java -cp target/classes:target/test-classes:$(cat cp.txt) dev.otpx.bench.TaskCpuBench [rounds] [n]}.
 */
final class TaskCpuBench {

  private TaskCpuBench() {
  }

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 14;
    int n = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
    Vertx vertx = Vertx.vertx();
    Owner owner = new Owner();
    Pid pid = await(GenServer.start(vertx, owner, new io.vertx.core.DeploymentOptions(), null));
    ThreadCost.printRounds(vertx, pid, rounds, n, "3 tasks");
    await(GenServer.stop(vertx, pid, ExitReason.SHUTDOWN));
    await(vertx.close());
  }

  /** Starts a task supervisor linked to itself, then, asked with a count, runs that many fan-outs of three tasks. */
  static final class Owner extends GenServer<Void> {
    private Pid tasks;

    @Override
    protected Future<InitResult<Void>> init(JsonObject args) {
      return TaskSupervisor.start(vertx, null).map(sup -> {
        tasks = sup;
        return InitResult.ok(null);
      });
    }

    @Override
    protected CallResult<Void> handleCall(Object request, From from, Void state) {
      int n = (Integer) request;
      ThreadCost cost = ThreadCost.start();
      Promise<CallResult<Void>> done = Promise.promise();
      loop(n, () -> done.complete(CallResult.reply(cost.perOperation(n), null)), done::fail);
      return CallResult.deferred(done.future());
    }

    private void loop(int left, Runnable finished, java.util.function.Consumer<Throwable> failed) {
      // Tasks that answer at once are known before yieldMany returns: go on in a loop, not by recursion.
      for (int i = left; i > 0; i--) {
        List<Task<Integer>> three = List.of(
            TaskSupervisor.asyncNolink(vertx, tasks, () -> Future.succeededFuture(1), Shutdown.BRUTAL_KILL),
            TaskSupervisor.asyncNolink(vertx, tasks, () -> Future.succeededFuture(2), Shutdown.BRUTAL_KILL),
            TaskSupervisor.asyncNolink(vertx, tasks, () -> Future.succeededFuture(3), Shutdown.BRUTAL_KILL));
        Future<List<Task.Outcome<Integer>>> all = Task.yieldMany(three, Duration.ofSeconds(5), Shutdown.BRUTAL_KILL);
        int rest = i - 1;
        if (!all.isComplete()) {
          all.onComplete(ar -> {
            if (check(ar, failed)) {
              loop(rest, finished, failed);
            }
          });
          return;
        }
        if (!check(all, failed)) {
          return;
        }
      }
      finished.run();
    }

    private static boolean check(io.vertx.core.AsyncResult<List<Task.Outcome<Integer>>> ar, java.util.function.Consumer<Throwable> failed) {
      if (ar.failed() || !(ar.result().get(2) instanceof Task.Outcome.Ok<Integer>)) {
        failed.accept(ar.failed() ? ar.cause() : new IllegalStateException("expected 3 replies, got " + ar.result()));
        return false;
      }
      return true;
    }
  }
}
