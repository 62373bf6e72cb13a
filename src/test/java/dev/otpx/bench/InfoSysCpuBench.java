package dev.otpx.bench;

import static dev.otpx.bench.BenchMain.await;

import dev.otpx.infosys.BackendServer;
import dev.otpx.infosys.InfoSys;
import dev.otpx.infosys.InfoSysServer;
import dev.otpx.infosys.QueryOptions;
import dev.otpx.process.CallResult;
import dev.otpx.process.ChildSpec;
import dev.otpx.process.ExitReason;
import dev.otpx.process.From;
import dev.otpx.process.GenServer;
import dev.otpx.process.InitResult;
import dev.otpx.process.Pid;
import dev.otpx.process.Strategy;
import dev.otpx.process.Supervisor;
import dev.otpx.process.SupervisorFlags;
import dev.otpx.process.SupervisorSpec;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * The fan-out of {@link InfoSysBench} (three instant backends in one tree, no cache) measured on the
 * tree's own thread: CPU time and bytes allocated per query (ThreadMXBean), which stay readable on a
 * loaded machine, and queries per second. Every process of the tree runs on that one thread, so its
 * CPU time is the whole of InfoSys's work. Run with the bench classpath:
 * {@code java -cp target/classes:target/test-classes:$(cat cp.txt) dev.otpx.bench.InfoSysCpuBench [rounds] [queries]}.
 */
final class InfoSysCpuBench {

  private InfoSysCpuBench() {
  }

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 14;
    int queries = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
    Vertx vertx = Vertx.vertx();
    Asker asker = new Asker();
    Pid tree = await(Supervisor.start(vertx, SupervisorSpec.of(SupervisorFlags.of(Strategy.ONE_FOR_ONE), List.of(
        backend("fast1"), backend("fast2"), backend("fast3"),
        ChildSpec.worker("server", InfoSysServer::new).withName(InfoSysServer.NAME),
        ChildSpec.worker("asker", () -> asker))), null));
    ThreadCost.printRounds(vertx, asker.self(), rounds, queries, "query");
    await(GenServer.stop(vertx, tree, ExitReason.SHUTDOWN));
    await(vertx.close());
  }

  private static ChildSpec backend(String name) {
    return ChildSpec.of(name, BackendServer.class, new JsonObject()
        .put("backend", InfoSysBench.BenchBackend.class.getName()).put("name", name).put("mode", "instant"));
  }

  /** Asked with a number of queries, runs them one after another: answers [q/s, CPU µs/query, KB/query]. */
  static final class Asker extends GenServer<Void> {
    private long sequence;

    @Override
    protected Future<InitResult<Void>> init(JsonObject args) {
      return Future.succeededFuture(InitResult.ok(null));
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
      InfoSys.compute(vertx, "q" + (++sequence), QueryOptions.defaults()).onComplete(ar -> {
        if (ar.failed() || ar.result().size() != 3) {
          failed.accept(ar.failed() ? ar.cause() : new IllegalStateException("expected 3 results, got " + ar.result()));
        } else if (left > 1) {
          loop(left - 1, finished, failed);
        } else {
          finished.run();
        }
      });
    }
  }
}
