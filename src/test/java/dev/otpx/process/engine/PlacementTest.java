package dev.otpx.process.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otpx.process.CallResult;
import dev.otpx.process.ChildSpec;
import dev.otpx.process.ExitReason;
import dev.otpx.process.From;
import dev.otpx.process.GenServer;
import dev.otpx.process.InitResult;
import dev.otpx.process.Pid;
import dev.otpx.process.Processes;
import dev.otpx.process.Restart;
import dev.otpx.process.Strategy;
import dev.otpx.process.Supervisor;
import dev.otpx.process.SupervisorFlags;
import dev.otpx.process.SupervisorSpec;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class PlacementTest {

  static final class Idle extends GenServer<Integer> {
    @Override
    protected Future<InitResult<Integer>> init(JsonObject args) {
      return Future.succeededFuture(InitResult.ok(0));
    }
  }

  /** Answers "thread" with the thread its callbacks run on; reports where terminate ran. */
  static final class Probe extends GenServer<String> {
    static final java.util.Map<String, String> TERMINATED_ON = new java.util.concurrent.ConcurrentHashMap<>();

    @Override
    protected Future<InitResult<String>> init(JsonObject args) {
      return Future.succeededFuture(InitResult.ok(args.getString("tag", "")));
    }

    @Override
    protected CallResult<String> handleCall(Object request, From from, String tag) {
      return CallResult.reply(Thread.currentThread().getName(), tag);
    }

    @Override
    protected Future<Void> terminate(ExitReason reason, String tag) {
      TERMINATED_ON.put(tag, Thread.currentThread().getName());
      return Future.succeededFuture();
    }
  }

  private static Future<List<String>> threadsOf(Vertx vertx, List<Pid> pids) {
    return Future.all(pids.stream().map(pid -> GenServer.<String>call(vertx, pid, "thread")).toList())
      .map(all -> all.<String>list());
  }

  private static SupervisorSpec probes(int n) {
    List<ChildSpec> children = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      children.add(ChildSpec.worker("p" + i, Probe::new));
    }
    return SupervisorSpec.of(SupervisorFlags.of(Strategy.ONE_FOR_ONE), children);
  }

  @Test
  void aSupervisorsChildrenRunOnItsEventLoopAndStayThereAcrossRestarts(Vertx vertx, VertxTestContext ctx) {
    // Vert.x alone would hand six deployments out round robin over its event loops.
    Supervisor.start(vertx, probes(6), null).compose(sup -> Supervisor.whichChildren(vertx, sup)
        .compose(children -> {
          List<Pid> pids = children.stream().map(Supervisor.ChildInfo::pid).toList();
          return threadsOf(vertx, pids).compose(threads -> {
            assertThat(threads).containsOnly(threads.get(0));
            Supervisor.ChildInfo victim = children.get(2);
            Processes.kill(vertx, victim.pid());
            return awaitNewPid(vertx, sup, victim.id(), victim.pid())
              .compose(restarted -> threadsOf(vertx, List.of(restarted)))
              .map(after -> {
                assertThat(after).containsExactly(threads.get(0));
                return null;
              });
          });
        }))
      .onComplete(ctx.succeedingThenComplete());
  }

  private static Future<Pid> awaitNewPid(Vertx vertx, Pid sup, String id, Pid old) {
    return Supervisor.whichChildren(vertx, sup).compose(children -> {
      Pid now = children.stream().filter(c -> c.id().equals(id)).findFirst().orElseThrow().pid();
      if (now != null && !now.equals(old)) {
        return Future.succeededFuture(now);
      }
      Promise<Pid> next = Promise.promise();
      vertx.runOnContext(v -> awaitNewPid(vertx, sup, id, old).onComplete(next));
      return next.future();
    });
  }

  @Test
  void processesStartedFromOutsideAnyProcessSpreadOverTheEventLoops(Vertx vertx, VertxTestContext ctx) {
    List<Future<Pid>> started = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      started.add(GenServer.start(vertx, new Probe()));
    }
    Future.all(started)
      .compose(all -> threadsOf(vertx, all.<Pid>list()))
      .onComplete(ctx.succeeding(threads -> ctx.verify(() -> {
        assertThat(new HashSet<>(threads)).hasSizeGreaterThan(1);
        ctx.completeNow();
      })));
  }

  @Test
  void undeployingAPlacedProcessRunsTerminateOnItsOwnEventLoop(Vertx vertx, VertxTestContext ctx) {
    Probe probe = new Probe();
    Supervisor.start(vertx, SupervisorSpec.of(SupervisorFlags.of(Strategy.ONE_FOR_ONE),
        List.of(ChildSpec.worker("placed", () -> probe).withArgs(new JsonObject().put("tag", "placed"))
          .withRestart(Restart.TEMPORARY))), null)
      .compose(sup -> GenServer.<String>call(vertx, probe.self(), "thread"))
      .compose(home -> vertx.undeploy(probe.deploymentID()).map(home))
      .onComplete(ctx.succeeding(home -> ctx.verify(() -> {
        assertThat(Probe.TERMINATED_ON.get("placed")).isEqualTo(home);
        assertThat(Processes.isAlive(vertx, probe.self())).isFalse();
        ctx.completeNow();
      })));
  }

  /** A plain verticle that starts a process from its own start(). */
  static final class Starter extends VerticleBase {
    volatile Pid started;

    @Override
    public Future<?> start() {
      return GenServer.start(vertx, new Idle()).onSuccess(pid -> started = pid);
    }
  }

  @Test
  void aProcessStartedInsideAnotherDeploymentOutlivesItsUndeploy(Vertx vertx, VertxTestContext ctx) {
    Starter starter = new Starter();
    vertx.deployVerticle(starter)
      .compose(id -> vertx.undeploy(id))
      .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
        // Not a Vert.x child: Vert.x's undeploy cascade does not own it, its supervisor would.
        assertThat(Processes.isAlive(vertx, starter.started)).isTrue();
        ctx.completeNow();
      })));
  }

  @Test
  void theDeployFutureCompletesOnTheCallersContext(Vertx vertx, VertxTestContext ctx) {
    var caller = vertx.getOrCreateContext();
    caller.runOnContext(v -> GenServer.start(vertx, new Idle()).onComplete(ctx.succeeding(pid -> ctx.verify(() -> {
      assertThat(Vertx.currentContext()).isSameAs(caller);
      ctx.completeNow();
    }))));
  }
}
