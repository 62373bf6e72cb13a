package dev.otpx.process;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import dev.otpx.testing.LogCapture;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Elixir's Task and Task.Supervisor rules (REFERENCE.md §2 "Task"), deadlines in virtual time. */
@ExtendWith(VertxExtension.class)
class TaskTest {

  static Supplier<Future<Integer>> answer(int value) {
    return () -> Future.succeededFuture(value);
  }

  static Supplier<Future<Integer>> crash() {
    return () -> {
      throw new IllegalStateException("task blew up");
    };
  }

  static Supplier<Future<Integer>> never() {
    return () -> Promise.<Integer>promise().future();
  }

  /** Starts tasks from inside a process, as a caller in OTP does; answers with the Task. */
  record Async(Supplier<Future<Integer>> job) { }

  record Nolink(Pid supervisor, Supplier<Future<Integer>> job) { }

  /** Starts a task supervisor on the owner's loop, linked to it. */
  record StartTaskSupervisor() { }

  /** Starts a task that never answers and shuts it down in the same callback: answers [task, shutdown]. */
  record ShutdownAtOnce(Pid supervisor) { }

  /** Starts a task and answers whether its job had run by the time Task.async returned. */
  record RanAtOnce() { }

  static final class Owner extends GenServer<Void> {
    @Override
    protected Future<InitResult<Void>> init(JsonObject args) {
      trapExits(args.getBoolean("trap", false));
      return Future.succeededFuture(InitResult.ok());
    }

    @Override
    protected CallResult<Void> handleCall(Object request, From from, Void state) {
      if (request instanceof Async async) {
        return CallResult.reply(Task.async(vertx, async.job()));
      } else if (request instanceof Nolink nolink) {
        return CallResult.reply(TaskSupervisor.asyncNolink(vertx, nolink.supervisor(), nolink.job()));
      } else if (request instanceof StartTaskSupervisor) {
        return CallResult.deferred(TaskSupervisor.start(vertx, null).map(pid -> CallResult.<Void>reply(pid)));
      } else if (request instanceof RanAtOnce) {
        java.util.concurrent.atomic.AtomicBoolean ran = new java.util.concurrent.atomic.AtomicBoolean();
        Task.async(vertx, () -> {
          ran.set(true);
          return Future.succeededFuture(0);
        });
        return CallResult.reply(ran.get());
      } else if (request instanceof ShutdownAtOnce at) {
        // The supervisor shares this thread, so the task's start waits until this callback returns.
        Task<Integer> task = TaskSupervisor.asyncNolink(vertx, at.supervisor(), never(), dev.otpx.process.Shutdown.BRUTAL_KILL);
        return CallResult.reply(List.of(task, Task.shutdown(task, dev.otpx.process.Shutdown.BRUTAL_KILL)));
      }
      return CallResult.reply("pong");
    }

    @Override
    protected CastResult<Void> handleInfo(Object message, Void state) {
      return CastResult.noReply();
    }
  }

  static Future<Pid> owner(Vertx vertx, boolean trap) {
    return GenServer.start(vertx, new Owner(), new DeploymentOptions().setConfig(new JsonObject().put("trap", trap)), null);
  }

  @Nested
  class Yield {

    @Test
    void aReplyIsOk(Vertx vertx, VertxTestContext ctx) {
      Task.yield(Task.async(vertx, answer(42))).onComplete(ctx.succeeding(outcome -> ctx.verify(() -> {
        assertThat(outcome).isEqualTo(new Task.Outcome.Ok<>(42));
        ctx.completeNow();
      })));
    }

    @Test
    void aCrashIsAnExitWithTheReason(Vertx vertx, VertxTestContext ctx) {
      Task.yield(Task.async(vertx, crash())).onComplete(ctx.succeeding(outcome -> ctx.verify(() -> {
        ExitReason reason = ((Task.Outcome.Exited<Integer>) outcome).reason();
        assertThat(reason.toString()).contains("task blew up");
        ctx.completeNow();
      })));
    }

    @Test
    void noReplyInTimeIsNoReplyAndTheTaskGoesOn(Vertx vertx, VertxTestContext ctx) {
      VirtualClock clock = VirtualClock.install(vertx);
      Task<Integer> task = Task.async(vertx, never());
      task.pid().onComplete(ctx.succeeding(pid -> {
        Future<Task.Outcome<Integer>> yielded = Task.yield(task, Duration.ofSeconds(5));
        clock.advance(Duration.ofMillis(4_999)).compose(v -> {
          ctx.verify(() -> assertThat(yielded.isComplete()).isFalse());
          return clock.advance(Duration.ofMillis(1));
        }).compose(v -> yielded).onComplete(ctx.succeeding(outcome -> ctx.verify(() -> {
          assertThat(outcome).isEqualTo(new Task.Outcome.NoReply<>());
          assertThat(Processes.isAlive(vertx, pid)).isTrue();
          ctx.completeNow();
        })));
      }));
    }

    @Test
    void yieldManyGivesOneOutcomePerTaskInTheOrderGivenUnderOneDeadline(Vertx vertx, VertxTestContext ctx) {
      VirtualClock clock = VirtualClock.install(vertx);
      Task<Integer> slow = Task.async(vertx, never());
      Task<Integer> ok = Task.async(vertx, answer(1));
      Task<Integer> boom = Task.async(vertx, crash());
      // The two that end on their own are known first; the deadline then decides the third.
      Task.yieldMany(List.of(ok, boom), Duration.ofHours(1))
        .compose(known -> {
          Future<List<Task.Outcome<Integer>>> all = Task.yieldMany(List.of(slow, ok, boom), Duration.ofSeconds(10));
          return clock.advance(Duration.ofSeconds(10)).compose(v -> all);
        })
        .onComplete(ctx.succeeding(outcomes -> ctx.verify(() -> {
          assertThat(outcomes).hasSize(3);
          assertThat(outcomes.get(0)).isEqualTo(new Task.Outcome.NoReply<>());
          assertThat(outcomes.get(1)).isEqualTo(new Task.Outcome.Ok<>(1));
          assertThat(outcomes.get(2)).isInstanceOf(Task.Outcome.Exited.class);
          ctx.completeNow();
        })));
    }

    @Test
    void yieldManyAnswersAsSoonAsEveryTaskIsKnown(Vertx vertx, VertxTestContext ctx) {
      VirtualClock.install(vertx);
      Task.yieldMany(List.of(Task.async(vertx, answer(1)), Task.async(vertx, answer(2))), Duration.ofHours(1))
        .onComplete(ctx.succeeding(outcomes -> ctx.verify(() -> {
          assertThat(outcomes).containsExactly(new Task.Outcome.Ok<>(1), new Task.Outcome.Ok<>(2));
          ctx.completeNow();
        })));
    }
  }

  @Nested
  class Shutdown {

    @Test
    void aReplyThatArrivesBetweenTheDeadlineAndTheKillIsKept(Vertx vertx, VertxTestContext ctx) {
      VirtualClock clock = VirtualClock.install(vertx);
      Promise<Integer> late = Promise.promise();
      // The task must be waiting on its job before the reply comes, or the kill may reach it first.
      // Said from the task's own context on its next turn, when it listens to the job's future.
      Context test = vertx.getOrCreateContext();
      Promise<Void> waiting = Promise.promise();
      Task<Integer> task = Task.async(vertx, () -> {
        Vertx.currentContext().runOnContext(v -> test.runOnContext(w -> waiting.complete()));
        return late.future();
      });
      waiting.future().compose(v -> task.pid()).compose(pid -> {
        Future<List<Task.Outcome<Integer>>> yielded = Task.yieldMany(List.of(task), Duration.ofMillis(100));
        return clock.advance(Duration.ofMillis(100)).compose(v -> yielded);
      }).compose(outcomes -> {
        ctx.verify(() -> assertThat(outcomes).containsExactly(new Task.Outcome.NoReply<>()));
        // The deadline has passed; the reply comes before the kill does.
        late.complete(7);
        return Task.shutdown(task, dev.otpx.process.Shutdown.BRUTAL_KILL);
      }).onComplete(ctx.succeeding(outcome -> ctx.verify(() -> {
        assertThat(outcome).isEqualTo(new Task.Outcome.Ok<>(7));
        ctx.completeNow();
      })));
    }

    @Test
    void yieldManyWithAShutdownStopsTheTasksStillRunningAtTheDeadline(Vertx vertx, VertxTestContext ctx) {
      VirtualClock clock = VirtualClock.install(vertx);
      Task<Integer> slow = Task.async(vertx, never());
      Task<Integer> ok = Task.async(vertx, answer(3));
      Future.all(slow.pid(), ok.pid()).compose(started -> {
        Future<List<Task.Outcome<Integer>>> all = Task.yieldMany(List.of(slow, ok), Duration.ofSeconds(1), dev.otpx.process.Shutdown.BRUTAL_KILL);
        return Task.yield(ok).compose(known -> clock.advance(Duration.ofSeconds(1))).compose(v -> all);
      }).onComplete(ctx.succeeding(outcomes -> ctx.verify(() -> {
        assertThat(outcomes).containsExactly(new Task.Outcome.NoReply<>(), new Task.Outcome.Ok<>(3));
        assertThat(Processes.isAlive(vertx, slow.pid().result())).isFalse();
        ctx.completeNow();
      })));
    }

    @Test
    void shuttingDownARunningTaskGivesNoReplyAndRunsItsTerminate(Vertx vertx, VertxTestContext ctx) {
      Task<Integer> task = Task.async(vertx, never());
      task.pid().compose(pid -> {
        Monitor monitor = Processes.monitor(vertx, pid);
        return Task.shutdown(task, dev.otpx.process.Shutdown.timeout(Duration.ofSeconds(5)))
          .compose(outcome -> monitor.down().map(down -> List.of(outcome, down)));
      }).onComplete(ctx.succeeding(both -> ctx.verify(() -> {
        assertThat(both.get(0)).isEqualTo(new Task.Outcome.NoReply<>());
        assertThat(((Down) both.get(1)).reason()).isEqualTo(ExitReason.SHUTDOWN);
        ctx.completeNow();
      })));
    }

    @Test
    void shuttingDownATaskThatCrashedGivesItsExit(Vertx vertx, VertxTestContext ctx) {
      Task<Integer> task = Task.async(vertx, crash());
      Task.yield(task).compose(crashed -> Task.shutdown(task, dev.otpx.process.Shutdown.BRUTAL_KILL))
        .onComplete(ctx.succeeding(outcome -> ctx.verify(() -> {
          assertThat(((Task.Outcome.Exited<Integer>) outcome).reason().toString()).contains("task blew up");
          ctx.completeNow();
        })));
    }
  }

  @Nested
  class Links {

    @Test
    void aCrashingAsyncTaskTakesItsCallerDown(Vertx vertx, VertxTestContext ctx) {
      owner(vertx, false).compose(pid -> {
        Monitor monitor = Processes.monitor(vertx, pid);
        return GenServer.call(vertx, pid, new Async(crash())).compose(task -> monitor.down());
      }).onComplete(ctx.succeeding(down -> ctx.verify(() -> {
        assertThat(down.reason().toString()).contains("task blew up");
        ctx.completeNow();
      })));
    }

    @Test
    void aCallerThatTrapsExitsSurvivesItsCrashingAsyncTask(Vertx vertx, VertxTestContext ctx) {
      owner(vertx, true).compose(pid -> GenServer.<Task<Integer>>call(vertx, pid, new Async(crash()))
          .compose(Task::yield)
          .compose(outcome -> GenServer.call(vertx, pid, "ping").map(pong -> List.of(pid, outcome))))
        .onComplete(ctx.succeeding(both -> ctx.verify(() -> {
          assertThat(Processes.isAlive(vertx, (Pid) both.get(0))).isTrue();
          assertThat(both.get(1)).isInstanceOf(Task.Outcome.Exited.class);
          ctx.completeNow();
        })));
    }

    @Test
    void aCrashingNolinkTaskNeverTakesItsCallerDown(Vertx vertx, VertxTestContext ctx) {
      TaskSupervisor.start(vertx, null).compose(sup -> owner(vertx, false)
          .compose(pid -> GenServer.<Task<Integer>>call(vertx, pid, new Nolink(sup, crash()))
            .compose(Task::yield)
            .compose(outcome -> GenServer.call(vertx, pid, "ping").map(pong -> List.of(pid, outcome, sup)))))
        .onComplete(ctx.succeeding(all -> ctx.verify(() -> {
          assertThat(Processes.isAlive(vertx, (Pid) all.get(0))).isTrue();
          assertThat(((Task.Outcome.Exited<?>) all.get(1)).reason().toString()).contains("task blew up");
          // A temporary child is not restarted; the supervisor goes on.
          assertThat(Processes.isAlive(vertx, (Pid) all.get(2))).isTrue();
          ctx.completeNow();
        })));
    }
  }

  @Nested
  class Supervised {

    @Test
    void tasksAreTemporaryChildrenVisibleInTheTree(Vertx vertx, VertxTestContext ctx) {
      Promise<Integer> gate = Promise.promise();
      Promise<Down> exited = Promise.promise();
      TaskSupervisor.start(vertx, "tasks").onComplete(ctx.succeeding(sup -> {
        Task<Integer> task = TaskSupervisor.asyncNolink(vertx, sup, gate::future);
        task.pid().compose(pid -> Supervisor.whichChildren(vertx, sup).map(children -> {
          ctx.verify(() -> {
            assertThat(children).hasSize(1);
            assertThat(children.get(0).pid()).isEqualTo(pid);
            assertThat(children.get(0).restart()).isEqualTo(Restart.TEMPORARY);
          });
          return pid;
        })).compose(pid -> {
          // Watched while the task still waits at the gate, so the DOWN is the task's real exit.
          Processes.monitor(vertx, pid).down().onComplete(exited);
          gate.complete(5);
          return Task.yield(task);
        }).compose(outcome -> {
          ctx.verify(() -> assertThat(outcome).isEqualTo(new Task.Outcome.Ok<>(5)));
          // The reply comes before the task's exit: wait for its DOWN, by which time the exit signal
          // is in the supervisor's mailbox ahead of the question below.
          return exited.future();
        }).compose(down -> Supervisor.whichChildren(vertx, sup))
        .onComplete(ctx.succeeding(children -> ctx.verify(() -> {
          // Done: a temporary child's spec is dropped once it ends.
          assertThat(children).isEmpty();
          ctx.completeNow();
        })));
      }));
    }

    @Test
    void aSupervisedTaskIsALightweightProcessWithNoDeploymentAndNoEventBusAddress(Vertx vertx, VertxTestContext ctx) {
      Promise<Integer> gate = Promise.promise();
      TaskSupervisor.start(vertx, null).onComplete(ctx.succeeding(sup -> {
        int deployments = vertx.deploymentIDs().size();
        Task<Integer> task = TaskSupervisor.asyncNolink(vertx, sup, gate::future);
        task.pid().compose(pid -> Processes.status(vertx, pid).compose(status -> {
          ctx.verify(() -> {
            // A process all the same (status, parent, kind), but Vert.x deployed nothing for it.
            assertThat(status.kind()).isEqualTo(Task.KIND);
            assertThat(status.parent()).isEqualTo(sup);
            assertThat(vertx.deploymentIDs()).hasSize(deployments);
          });
          // Reached from its own node by pid only: no consumer listens on its pid's address.
          return vertx.eventBus().request(pid.address(), "hello").transform(ar -> Future.succeededFuture(ar.cause()));
        })).compose(refused -> {
          ctx.verify(() -> assertThat(((io.vertx.core.eventbus.ReplyException) refused).failureType())
            .isEqualTo(io.vertx.core.eventbus.ReplyFailure.NO_HANDLERS));
          gate.complete(7);
          return Task.yield(task);
        }).map(outcome -> {
          ctx.verify(() -> assertThat(outcome).isEqualTo(new Task.Outcome.Ok<>(7)));
          return outcome;
        }).onComplete(ctx.succeedingThenComplete());
      }));
    }

    @Test
    void outcomeCompletesTheMomentTheTaskRepliesWhileYieldManyStillWaitsForTheOthers(Vertx vertx, VertxTestContext ctx) {
      VirtualClock clock = VirtualClock.install(vertx);
      Promise<Integer> gate = Promise.promise();
      TaskSupervisor.start(vertx, null).onComplete(ctx.succeeding(sup -> {
        Task<Integer> quick = TaskSupervisor.asyncNolink(vertx, sup, gate::future);
        Task<Integer> stuck = TaskSupervisor.asyncNolink(vertx, sup, never(), dev.otpx.process.Shutdown.BRUTAL_KILL);
        Future<List<Task.Outcome<Integer>>> all = Task.yieldMany(List.of(quick, stuck), Duration.ofSeconds(10),
          dev.otpx.process.Shutdown.BRUTAL_KILL);
        quick.pid().compose(pid -> {
          ctx.verify(() -> assertThat(quick.outcome().isComplete()).isFalse());
          gate.complete(3);
          return quick.outcome();
        }).compose(outcome -> {
          ctx.verify(() -> {
            assertThat(outcome).isEqualTo(new Task.Outcome.Ok<>(3));
            assertThat(all.isComplete()).as("the stuck task holds yieldMany until the deadline").isFalse();
          });
          return clock.advance(Duration.ofSeconds(10)).compose(v -> all);
        }).onComplete(ctx.succeeding(outcomes -> ctx.verify(() -> {
          assertThat(outcomes).containsExactly(new Task.Outcome.Ok<>(3), new Task.Outcome.NoReply<>());
          assertThat(stuck.outcome().result()).as("killed at the deadline").isEqualTo(new Task.Outcome.Exited<>(ExitReason.KILLED));
          ctx.completeNow();
        })));
      }));
    }

    @Test
    void stoppingTheTaskSupervisorStopsItsTasksWithTheirShutdown(Vertx vertx, VertxTestContext ctx) {
      TaskSupervisor.start(vertx, null).onComplete(ctx.succeeding(sup -> {
        Task<Integer> task = TaskSupervisor.asyncNolink(vertx, sup, never(), dev.otpx.process.Shutdown.BRUTAL_KILL);
        task.pid().compose(pid -> {
          Monitor monitor = Processes.monitor(vertx, pid);
          return GenServer.stop(vertx, sup, ExitReason.SHUTDOWN).compose(v -> monitor.down());
        }).compose(down -> {
          ctx.verify(() -> assertThat(down.reason()).isEqualTo(ExitReason.KILLED));
          return Task.yield(task);
        }).onComplete(ctx.succeeding(outcome -> ctx.verify(() -> {
          assertThat(outcome).isEqualTo(new Task.Outcome.Exited<>(ExitReason.KILLED));
          ctx.completeNow();
        })));
      }));
    }

    @Test
    @SuppressWarnings("unchecked")
    void aTaskShutDownBeforeItsSupervisorStartedItIsKilledOnceItStarts(Vertx vertx, VertxTestContext ctx) {
      owner(vertx, false)
        .compose(owner -> GenServer.<Pid>call(vertx, owner, new StartTaskSupervisor())
          .compose(sup -> GenServer.<List<Object>>call(vertx, owner, new ShutdownAtOnce(sup))))
        .compose(both -> {
          Task<Integer> task = (Task<Integer>) both.get(0);
          Future<Task.Outcome<Integer>> shutdown = (Future<Task.Outcome<Integer>>) both.get(1);
          return shutdown.compose(outcome -> task.outcome().map(end -> List.of(outcome, end)));
        })
        .onComplete(ctx.succeeding(both -> ctx.verify(() -> {
          assertThat(both.get(0)).isEqualTo(new Task.Outcome.NoReply<>());
          // The job never answers: only the shutdown, which waited for its start, can end it.
          assertThat(both.get(1)).isEqualTo(new Task.Outcome.Exited<>(ExitReason.KILLED));
          ctx.completeNow();
        })));
    }

    @Test
    void aTaskUnderASupervisorNobodyRunsIsAnExitNoproc(Vertx vertx, VertxTestContext ctx) {
      Task.yield(TaskSupervisor.asyncNolink(vertx, "no.such.tasks", answer(1), dev.otpx.process.Shutdown.BRUTAL_KILL))
        .onComplete(ctx.succeeding(outcome -> ctx.verify(() -> {
          assertThat(outcome).isEqualTo(new Task.Outcome.Exited<>(ExitReason.NOPROC));
          ctx.completeNow();
        })));
    }
  }

  @Nested
  class AsAProcess {

    @Test
    void aProcessStartsATaskAndItsJobHasRunWhenAsyncReturns(Vertx vertx, VertxTestContext ctx) {
      owner(vertx, false).compose(pid -> GenServer.<Boolean>call(vertx, pid, new RanAtOnce()))
        .onComplete(ctx.succeeding(ran -> ctx.verify(() -> {
          // No mailbox turn, no message to a supervisor: the job runs in the caller's callback.
          assertThat(ran).isTrue();
          ctx.completeNow();
        })));
    }

    @Test
    void aProcessStartedByATasksJobIsTheTasksChild(Vertx vertx, VertxTestContext ctx) {
      Task<Pid> task = Task.async(vertx, () -> owner(vertx, false));
      Task.yield(task).compose(outcome -> {
        Pid child = ((Task.Outcome.Ok<Pid>) outcome).value();
        return Processes.status(vertx, child);
      }).onComplete(ctx.succeeding(status -> ctx.verify(() -> {
        // self() in the job is the task: what it starts is linked to the task, not to its starter.
        assertThat(status.parent()).isEqualTo(task.pid().result());
        ctx.completeNow();
      })));
    }

    @Test
    void anExceptionInALaterCallbackOfTheJobCrashesTheTaskAlone(Vertx vertx, VertxTestContext ctx) {
      TaskSupervisor.start(vertx, null).onComplete(ctx.succeeding(sup -> {
        Task<Integer> task = TaskSupervisor.asyncNolink(vertx, sup, () -> {
          // Thrown on the task's own context on its next turn, not from the job itself.
          Vertx.currentContext().runOnContext(v -> {
            throw new IllegalStateException("late blow-up");
          });
          return Promise.<Integer>promise().future();
        });
        Task.yield(task).onComplete(ctx.succeeding(outcome -> ctx.verify(() -> {
          assertThat(((Task.Outcome.Exited<Integer>) outcome).reason().toString()).contains("late blow-up");
          assertThat(Processes.isAlive(vertx, sup)).isTrue();
          ctx.completeNow();
        })));
      }));
    }

    @Test
    void aCallToATaskIsRefusedAtOnceAsATaskReadsNoMailbox(Vertx vertx, VertxTestContext ctx) {
      Task<Integer> task = Task.async(vertx, never());
      task.pid().compose(pid -> GenServer.call(vertx, pid, "hello", Duration.ofMinutes(1)))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertThat(((OtpException) err).code()).isEqualTo("not_a_server");
          assertThat(Processes.isAlive(vertx, task.pid().result())).as("a refused call does not end the task").isTrue();
          ctx.completeNow();
        })));
    }

    @Test
    void aTaskSupervisorCountsItsRunningTasks(Vertx vertx, VertxTestContext ctx) {
      TaskSupervisor.start(vertx, null).onComplete(ctx.succeeding(sup -> {
        Task<Integer> first = TaskSupervisor.asyncNolink(vertx, sup, never());
        Task<Integer> second = TaskSupervisor.asyncNolink(vertx, sup, never());
        Future.all(first.pid(), second.pid()).compose(started -> Supervisor.countChildren(vertx, sup))
          .onComplete(ctx.succeeding(counts -> ctx.verify(() -> {
            assertThat(counts).isEqualTo(new Supervisor.ChildCounts(2, 2, 0, 2));
            ctx.completeNow();
          })));
      }));
    }
  }

  @Nested
  class Logs {

    @Test
    void aTaskThatRepliesOrIsKilledAtItsDeadlineWritesNoLineAboveDebugButACrashIsAnError(Vertx vertx, VertxTestContext ctx) {
      VirtualClock clock = VirtualClock.install(vertx);
      LogCapture logs = LogCapture.of("dev.otpx.process", Level.DEBUG);
      Task<Integer> ok = Task.async(vertx, answer(1));
      Task<Integer> straggler = Task.async(vertx, never());
      Future.all(ok.pid(), straggler.pid()).compose(started -> {
        Monitor done = Processes.monitor(vertx, ok.pid().result());
        Future<List<Task.Outcome<Integer>>> outcomes = Task.yieldMany(List.of(ok, straggler), Duration.ofSeconds(1),
          dev.otpx.process.Shutdown.BRUTAL_KILL);
        // The quick task's end first: advanced sooner, the deadline could fall before its reply and kill it.
        return done.down().compose(down -> clock.advance(Duration.ofSeconds(1))).compose(v -> outcomes);
      }).compose(outcomes -> {
        ctx.verify(() -> {
          assertThat(logs.atLeast(Level.INFO)).isEmpty();
          // Still there for whoever turns DEBUG on: two starts and two ends.
          assertThat(logs.at(Level.DEBUG)).filteredOn(line -> line.contains("started: " + Task.KIND)).hasSize(2);
          assertThat(logs.at(Level.DEBUG)).filteredOn(line -> line.contains("exited: normal")).hasSize(1);
          assertThat(logs.at(Level.DEBUG)).filteredOn(line -> line.contains("exited: killed")).hasSize(1);
        });
        Task<Integer> boom = Task.async(vertx, crash());
        return boom.pid().compose(pid -> Processes.monitor(vertx, pid).down());
      }).onComplete(ctx.succeeding(down -> ctx.verify(() -> {
        logs.close();
        assertThat(logs.atLeast(Level.INFO)).singleElement().satisfies(line -> assertThat(line).contains("crashed").contains("task blew up"));
        ctx.completeNow();
      })));
    }
  }
}
