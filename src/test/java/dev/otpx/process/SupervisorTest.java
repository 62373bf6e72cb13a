package dev.otpx.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** One test per OTP supervisor rule (REFERENCE.md §2 and §6). */
@ExtendWith(VertxExtension.class)
class SupervisorTest {

  static Future<Pid> supervise(Vertx vertx, SupervisorFlags flags, ChildSpec... children) {
    return Supervisor.start(vertx, SupervisorSpec.of(flags, List.of(children)), null);
  }

  static Pid pidOf(Vertx vertx, String worker) {
    return Registry.whereis(vertx, "worker." + worker).orElseThrow(() -> new AssertionError("no worker " + worker));
  }

  /** The current pid of a child, from the supervisor's own report. */
  static Future<Pid> childPid(Vertx vertx, Pid sup, String id) {
    return Supervisor.whichChildren(vertx, sup).map(list -> list.stream()
      .filter(c -> c.id().equals(id)).findFirst().map(Supervisor.ChildInfo::pid).orElse(null));
  }

  /** Makes a worker exit as told and waits for its end; the supervisor sees the DOWN first. */
  static Future<Down> exit(Vertx vertx, String worker, String how) {
    Pid pid = pidOf(vertx, worker);
    Monitor monitor = Processes.monitor(vertx, pid);
    if (how.equals("kill")) {
      Processes.kill(vertx, pid);
    } else {
      GenServer.cast(vertx, pid, how);
    }
    return monitor.down();
  }

  static ExitReason reasonOf(String how) {
    return switch (how) {
      case "normal" -> ExitReason.NORMAL;
      case "shutdown" -> ExitReason.SHUTDOWN;
      case "shutdown:term" -> ExitReason.shutdown("term");
      case "kill" -> ExitReason.KILLED;
      default -> null;
    };
  }

  @Nested
  class Order {

    @Test
    void childrenStartInListOrderAndStopInReverse(Vertx vertx, VertxTestContext ctx) {
      Journal journal = new Journal();
      supervise(vertx, SupervisorFlags.of(Strategy.ONE_FOR_ONE),
        JournaledWorker.spec("a", journal), JournaledWorker.spec("b", journal), JournaledWorker.spec("c", journal))
        .compose(sup -> {
          ctx.verify(() -> assertThat(journal.entries()).containsExactly("start:a", "start:b", "start:c"));
          return GenServer.stop(vertx, sup, ExitReason.SHUTDOWN);
        })
        .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
          assertThat(journal.entries()).containsExactly("start:a", "start:b", "start:c",
            "stop:c:shutdown", "stop:b:shutdown", "stop:a:shutdown");
          ctx.completeNow();
        })));
    }

    @Test
    void closingVertxStopsTheTreeInOrderBeforeVertxUndeploysAnything() throws Exception {
      // Closed from the test thread: a Vert.x instance cannot report its own close on its own loops.
      Vertx own = Vertx.vertx();
      Journal journal = new Journal();
      SupervisorSpec inner = SupervisorSpec.of(SupervisorFlags.of(Strategy.ONE_FOR_ONE),
        List.of(JournaledWorker.spec("b1", journal), JournaledWorker.spec("b2", journal)));
      supervise(own, SupervisorFlags.of(Strategy.ONE_FOR_ONE), JournaledWorker.spec("a", journal),
        ChildSpec.supervisor("inner", inner), JournaledWorker.spec("c", journal))
        .toCompletionStage().toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
      own.close().toCompletionStage().toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(journal.entries()).containsExactly("start:a", "start:b1", "start:b2", "start:c",
        "stop:c:shutdown", "stop:b2:shutdown", "stop:b1:shutdown", "stop:a:shutdown");
    }

    @Test
    void whichChildrenListsNewestFirstIncludingAddedChildren(Vertx vertx, VertxTestContext ctx) {
      Journal journal = new Journal();
      supervise(vertx, SupervisorFlags.of(Strategy.ONE_FOR_ONE), JournaledWorker.spec("a", journal), JournaledWorker.spec("b", journal))
        .compose(sup -> Supervisor.startChild(vertx, sup, JournaledWorker.spec("c", journal)).compose(c -> Supervisor.whichChildren(vertx, sup)))
        .onComplete(ctx.succeeding(children -> ctx.verify(() -> {
          assertThat(children).extracting(Supervisor.ChildInfo::id).containsExactly("c", "b", "a");
          assertThat(children).allSatisfy(c -> assertThat(c.status()).isEqualTo("running"));
          ctx.completeNow();
        })));
    }

    @Test
    void aChildThatFailsToStartStopsTheStartedOnesNewestFirstAndFailsTheSupervisor(Vertx vertx, VertxTestContext ctx) {
      Journal journal = new Journal();
      supervise(vertx, SupervisorFlags.of(Strategy.ONE_FOR_ONE), JournaledWorker.spec("a", journal), JournaledWorker.spec("b", journal),
        JournaledWorker.failOnStart("c", journal, n -> true), JournaledWorker.spec("d", journal))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          OtpException failure = (OtpException) err;
          assertThat(failure.failure()).isEqualTo(OtpException.Failure.EXIT);
          assertThat(failure.reason()).isInstanceOf(ExitReason.Shutdown.class);
          assertThat(failure.reason().toString()).contains("failed_to_start_child c").contains("start 1 of c failed");
          assertThat(journal.entries()).containsExactly("start:a", "start:b", "failed:c", "stop:b:shutdown", "stop:a:shutdown");
          assertThat(Registry.registered(vertx)).isEmpty();
          ctx.completeNow();
        })));
    }

    @Test
    void aDuplicateIdIsRefusedBeforeAnythingStarts(Vertx vertx, VertxTestContext ctx) {
      Journal journal = new Journal();
      ctx.verify(() -> org.assertj.core.api.Assertions.assertThatThrownBy(() ->
          SupervisorSpec.of(SupervisorFlags.of(Strategy.ONE_FOR_ONE), List.of(JournaledWorker.spec("a", journal), JournaledWorker.spec("a", journal))))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'a'"));
      ctx.verify(() -> assertThat(journal.entries()).isEmpty());
      ctx.completeNow();
    }
  }

  /** Every strategy × restart value × exit reason, against OTP's rules. */
  @Nested
  class Matrix {

    static Stream<Arguments> cases() {
      List<Arguments> cases = new ArrayList<>();
      for (Strategy strategy : Strategy.values()) {
        for (Restart restart : Restart.values()) {
          for (String how : List.of("normal", "shutdown", "shutdown:term", "crash", "kill", "kill-self")) {
            cases.add(Arguments.of(strategy, restart, how));
          }
        }
      }
      return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1} exit {2}")
    @MethodSource("cases")
    void theMiddleChildExits(Strategy strategy, Restart restart, String how, Vertx vertx, VertxTestContext ctx) {
      Journal journal = new Journal();
      ChildSpec b = JournaledWorker.spec("b", journal).withRestart(restart);
      supervise(vertx, SupervisorFlags.of(strategy), JournaledWorker.spec("a", journal), b, JournaledWorker.spec("c", journal))
        .onComplete(ctx.succeeding(sup -> {
          journal.clear();
          exit(vertx, "b", how).compose(down -> Supervisor.whichChildren(vertx, sup).map(children -> {
            boolean abnormal = !down.reason().isNormal();
            boolean restarted = restart == Restart.PERMANENT || restart == Restart.TRANSIENT && abnormal;
            List<String> expected = new ArrayList<>();
            if (!how.equals("kill")) {
              expected.add("stop:b:" + down.reason());
            }
            if (restarted) {
              switch (strategy) {
                case ONE_FOR_ONE -> expected.add("start:b");
                case ONE_FOR_ALL -> expected.addAll(List.of("stop:c:shutdown", "stop:a:shutdown", "start:a", "start:b", "start:c"));
                case REST_FOR_ONE -> expected.addAll(List.of("stop:c:shutdown", "start:b", "start:c"));
              }
            }
            return new Object[] {down, children, expected, restarted};
          })).onComplete(ctx.succeeding(result -> ctx.verify(() -> {
            Down down = (Down) result[0];
            @SuppressWarnings("unchecked") List<Supervisor.ChildInfo> children = (List<Supervisor.ChildInfo>) result[1];
            @SuppressWarnings("unchecked") List<String> expected = (List<String>) result[2];
            boolean restarted = (boolean) result[3];
            if (reasonOf(how) != null) {
              assertThat(down.reason()).isEqualTo(reasonOf(how));
            }
            assertThat(journal.entries()).containsExactlyElementsOf(expected);
            if (restart == Restart.TEMPORARY) {
              assertThat(children).extracting(Supervisor.ChildInfo::id).containsExactly("c", "a");
            } else {
              Supervisor.ChildInfo info = children.stream().filter(c -> c.id().equals("b")).findFirst().orElseThrow();
              assertThat(info.status()).isEqualTo(restarted ? "running" : "undefined");
            }
            assertThat(Processes.isAlive(vertx, sup)).isTrue();
            ctx.completeNow();
          })));
        }));
    }
  }

  @Nested
  class GroupRestarts {

    @Test
    void aTemporarySiblingIsStoppedNotRestartedAndItsSpecDropped(Vertx vertx, VertxTestContext ctx) {
      Journal journal = new Journal();
      supervise(vertx, SupervisorFlags.of(Strategy.ONE_FOR_ALL), JournaledWorker.spec("a", journal),
        JournaledWorker.spec("t", journal).withRestart(Restart.TEMPORARY))
        .onComplete(ctx.succeeding(sup -> {
          journal.clear();
          exit(vertx, "a", "crash")
            .compose(down -> Supervisor.whichChildren(vertx, sup))
            .onComplete(ctx.succeeding(children -> ctx.verify(() -> {
              assertThat(journal.entries()).containsExactly("stop:a:{error, java.lang.IllegalStateException: a crashed}",
                "stop:t:shutdown", "start:a");
              assertThat(children).extracting(Supervisor.ChildInfo::id).containsExactly("a");
              Supervisor.restartChild(vertx, sup, "t").onComplete(ctx.failing(err -> ctx.verify(() -> {
                assertThat(((OtpException) err).code()).isEqualTo("not_found");
                ctx.completeNow();
              })));
            })));
        }));
    }

    @Test
    void aTransientSiblingIsRestartedAlthoughItEndedWithShutdown(Vertx vertx, VertxTestContext ctx) {
      Journal journal = new Journal();
      supervise(vertx, SupervisorFlags.of(Strategy.ONE_FOR_ALL), JournaledWorker.spec("a", journal),
        JournaledWorker.spec("t", journal).withRestart(Restart.TRANSIENT))
        .onComplete(ctx.succeeding(sup -> {
          journal.clear();
          exit(vertx, "a", "crash")
            .compose(down -> Supervisor.whichChildren(vertx, sup))
            .onComplete(ctx.succeeding(children -> ctx.verify(() -> {
              assertThat(journal.entries()).endsWith("stop:t:shutdown", "start:a", "start:t");
              assertThat(children).allSatisfy(c -> assertThat(c.status()).isEqualTo("running"));
              ctx.completeNow();
            })));
        }));
    }

    @Test
    void aGroupRestartStartsAgainAChildStoppedByHand(Vertx vertx, VertxTestContext ctx) {
      Journal journal = new Journal();
      supervise(vertx, SupervisorFlags.of(Strategy.ONE_FOR_ALL), JournaledWorker.spec("a", journal), JournaledWorker.spec("b", journal))
        .onComplete(ctx.succeeding(sup -> Supervisor.terminateChild(vertx, sup, "b")
          .compose(v -> exit(vertx, "a", "crash"))
          .compose(down -> Supervisor.whichChildren(vertx, sup))
          .onComplete(ctx.succeeding(children -> ctx.verify(() -> {
            assertThat(children).allSatisfy(c -> assertThat(c.status()).isEqualTo("running"));
            assertThat(journal.count("start:b")).isEqualTo(2);
            ctx.completeNow();
          })))));
    }

    @Test
    void restForOneLeavesTheChildrenStartedBeforeAlone(Vertx vertx, VertxTestContext ctx) {
      Journal journal = new Journal();
      supervise(vertx, SupervisorFlags.of(Strategy.REST_FOR_ONE), JournaledWorker.spec("a", journal),
        JournaledWorker.spec("b", journal), JournaledWorker.spec("c", journal), JournaledWorker.spec("d", journal))
        .onComplete(ctx.succeeding(sup -> {
          Pid a = pidOf(vertx, "a");
          journal.clear();
          exit(vertx, "b", "crash").compose(down -> Supervisor.whichChildren(vertx, sup)).onComplete(ctx.succeeding(children -> ctx.verify(() -> {
            assertThat(journal.entries()).containsExactly("stop:b:{error, java.lang.IllegalStateException: b crashed}",
              "stop:d:shutdown", "stop:c:shutdown", "start:b", "start:c", "start:d");
            assertThat(pidOf(vertx, "a")).isEqualTo(a);
            ctx.completeNow();
          })));
        }));
    }
  }

  @Nested
  class Intensity {

    @Test
    void exactlyMaxRestartsInsideTheWindowAreAllowed(Vertx vertx, VertxTestContext ctx) {
      Journal journal = new Journal();
      supervise(vertx, SupervisorFlags.of(Strategy.ONE_FOR_ONE).withIntensity(2, 60), JournaledWorker.spec("a", journal))
        .onComplete(ctx.succeeding(sup -> exit(vertx, "a", "crash")
          .compose(d -> Supervisor.whichChildren(vertx, sup))
          .compose(c -> exit(vertx, "a", "crash"))
          .compose(d -> Supervisor.whichChildren(vertx, sup))
          .onComplete(ctx.succeeding(children -> ctx.verify(() -> {
            assertThat(Processes.isAlive(vertx, sup)).isTrue();
            assertThat(children.get(0).status()).isEqualTo("running");
            assertThat(journal.count("start:a")).isEqualTo(3);
            ctx.completeNow();
          })))));
    }

    @Test
    void oneRestartMoreStopsAllChildrenInReverseAndExitsWithShutdown(Vertx vertx, VertxTestContext ctx) {
      Journal journal = new Journal();
      supervise(vertx, SupervisorFlags.of(Strategy.ONE_FOR_ONE).withIntensity(2, 60),
        JournaledWorker.spec("a", journal), JournaledWorker.spec("b", journal), JournaledWorker.spec("c", journal))
        .onComplete(ctx.succeeding(sup -> {
          Monitor supervisor = Processes.monitor(vertx, sup);
          exit(vertx, "b", "crash")
            .compose(d -> Supervisor.whichChildren(vertx, sup))
            .compose(c -> exit(vertx, "b", "crash"))
            .compose(d -> Supervisor.whichChildren(vertx, sup))
            .onComplete(ctx.succeeding(c -> {
              journal.clear();
              exit(vertx, "b", "crash");
            }));
          supervisor.down().onComplete(ctx.succeeding(down -> ctx.verify(() -> {
            assertThat(down.reason()).isEqualTo(ExitReason.SHUTDOWN);
            assertThat(journal.entries()).containsExactly("stop:b:{error, java.lang.IllegalStateException: b crashed}",
              "stop:c:shutdown", "stop:a:shutdown");
            assertThat(Registry.registered(vertx)).isEmpty();
            ctx.completeNow();
          })));
        }));
    }

    @Test
    void maxRestartsZeroMeansTheFirstCrashTakesTheSupervisorDown(Vertx vertx, VertxTestContext ctx) {
      Journal journal = new Journal();
      supervise(vertx, SupervisorFlags.of(Strategy.ONE_FOR_ONE).withIntensity(0, 5), JournaledWorker.spec("a", journal))
        .onComplete(ctx.succeeding(sup -> {
          Processes.monitor(vertx, sup).down().onComplete(ctx.succeeding(down -> ctx.verify(() -> {
            assertThat(down.reason()).isEqualTo(ExitReason.SHUTDOWN);
            assertThat(journal.count("start:a")).isEqualTo(1);
            ctx.completeNow();
          })));
          exit(vertx, "a", "crash");
        }));
    }

    @Test
    void restartsOlderThanTheWindowNoLongerCount(Vertx vertx, VertxTestContext ctx) {
      VirtualClock clock = VirtualClock.install(vertx);
      Journal journal = new Journal();
      supervise(vertx, SupervisorFlags.of(Strategy.ONE_FOR_ONE).withIntensity(1, 1), JournaledWorker.spec("a", journal))
        .onComplete(ctx.succeeding(sup -> exit(vertx, "a", "crash")
          .compose(d -> Supervisor.whichChildren(vertx, sup))
          // The window is one second: the second crash comes after it has passed.
          .compose(first -> clock.advance(Duration.ofMillis(1_100)))
          .compose(v -> exit(vertx, "a", "crash"))
          .compose(d -> Supervisor.whichChildren(vertx, sup))
          .onComplete(ctx.succeeding(children -> ctx.verify(() -> {
            assertThat(Processes.isAlive(vertx, sup)).isTrue();
            assertThat(journal.count("start:a")).isEqualTo(3);
            ctx.completeNow();
          })))));
    }

    @Test
    void restartsInsideTheWindowStillCountJustBeforeItEnds(Vertx vertx, VertxTestContext ctx) {
      // The counterpart in the same virtual time: 999 ms later the first restart still counts.
      VirtualClock clock = VirtualClock.install(vertx);
      Journal journal = new Journal();
      supervise(vertx, SupervisorFlags.of(Strategy.ONE_FOR_ONE).withIntensity(1, 1), JournaledWorker.spec("a", journal))
        .onComplete(ctx.succeeding(sup -> {
          Monitor supervisor = Processes.monitor(vertx, sup);
          exit(vertx, "a", "crash")
            .compose(d -> Supervisor.whichChildren(vertx, sup))
            .compose(first -> clock.advance(Duration.ofMillis(999)))
            .onComplete(ctx.succeeding(v -> exit(vertx, "a", "crash")));
          supervisor.down().onComplete(ctx.succeeding(down -> ctx.verify(() -> {
            assertThat(down.reason()).isEqualTo(ExitReason.SHUTDOWN);
            assertThat(journal.count("start:a")).isEqualTo(2);
            ctx.completeNow();
          })));
        }));
    }

    @Test
    void aFailedRestartIsRetriedAndEveryAttemptCounts(Vertx vertx, VertxTestContext ctx) {
      Journal journal = new Journal();
      // Starts 2 and 3 fail, start 4 works: three restart attempts, within an intensity of 3.
      supervise(vertx, SupervisorFlags.of(Strategy.ONE_FOR_ONE).withIntensity(3, 60),
        JournaledWorker.failOnStart("a", journal, n -> n == 2 || n == 3))
        .onComplete(ctx.succeeding(sup -> exit(vertx, "a", "crash")
          .compose(d -> journal.await("start:a", 2))
          .compose(entries -> Supervisor.whichChildren(vertx, sup))
          .onComplete(ctx.succeeding(children -> ctx.verify(() -> {
            assertThat(journal.entries()).containsSubsequence("failed:a", "failed:a", "start:a");
            assertThat(children.get(0).status()).isEqualTo("running");
            ctx.completeNow();
          })))));
    }

    @Test
    void aChildThatNeverRestartsExhaustsTheIntensity(Vertx vertx, VertxTestContext ctx) {
      Journal journal = new Journal();
      supervise(vertx, SupervisorFlags.of(Strategy.ONE_FOR_ONE).withIntensity(3, 60),
        JournaledWorker.failOnStart("a", journal, n -> n > 1))
        .onComplete(ctx.succeeding(sup -> {
          Processes.monitor(vertx, sup).down().onComplete(ctx.succeeding(down -> ctx.verify(() -> {
            assertThat(down.reason()).isEqualTo(ExitReason.SHUTDOWN);
            // The crash's restart and two retries fail; the third retry is one too many.
            assertThat(journal.count("failed:a")).isEqualTo(3);
            ctx.completeNow();
          })));
          exit(vertx, "a", "crash");
        }));
    }
  }

  @Nested
  class Escalation {

    @Test
    void aSupervisorThatGivesUpIsRestartedByItsPermanentParentThroughTwoLevels(Vertx vertx, VertxTestContext ctx) {
      Journal journal = new Journal();
      SupervisorSpec leaf = SupervisorSpec.of(SupervisorFlags.of(Strategy.ONE_FOR_ONE).withIntensity(0, 5), List.of(JournaledWorker.spec("w", journal)));
      SupervisorSpec middle = SupervisorSpec.of(SupervisorFlags.of(Strategy.ONE_FOR_ONE).withIntensity(0, 5), List.of(ChildSpec.supervisor("leaf", leaf)));
      supervise(vertx, SupervisorFlags.of(Strategy.ONE_FOR_ONE), ChildSpec.supervisor("middle", middle))
        .onComplete(ctx.succeeding(root -> childPid(vertx, root, "middle").onComplete(ctx.succeeding(middlePid -> {
          Monitor middleDown = Processes.monitor(vertx, middlePid);
          exit(vertx, "w", "crash");
          // leaf gives up (0 restarts) -> middle sees an exit and gives up -> root restarts middle.
          middleDown.down()
            .compose(down -> {
              ctx.verify(() -> assertThat(down.reason()).isEqualTo(ExitReason.SHUTDOWN));
              return journal.await("start:w", 2);
            })
            .compose(entries -> childPid(vertx, root, "middle"))
            .onComplete(ctx.succeeding(newMiddle -> ctx.verify(() -> {
              assertThat(newMiddle).isNotNull().isNotEqualTo(middlePid);
              assertThat(Processes.isAlive(vertx, root)).isTrue();
              assertThat(Registry.whereis(vertx, "worker.w")).isPresent();
              ctx.completeNow();
            })));
        }))));
    }

    @Test
    void aKilledSupervisorsChildrenAreStoppedBeforeItsExitIsSeenWorkersWithKilledNestedOnesInOrder(Vertx vertx, VertxTestContext ctx) {
      Journal journal = new Journal();
      SupervisorSpec leaf = SupervisorSpec.of(SupervisorFlags.of(Strategy.ONE_FOR_ONE), List.of(JournaledWorker.spec("x", journal)));
      SupervisorSpec middle = SupervisorSpec.of(SupervisorFlags.of(Strategy.ONE_FOR_ONE),
        List.of(JournaledWorker.spec("w", journal), ChildSpec.supervisor("leaf", leaf)));
      supervise(vertx, SupervisorFlags.of(Strategy.ONE_FOR_ONE), ChildSpec.supervisor("middle", middle))
        .onComplete(ctx.succeeding(root -> childPid(vertx, root, "middle").onComplete(ctx.succeeding(middlePid -> {
          Processes.monitor(vertx, middlePid).down().onComplete(ctx.succeeding(down -> ctx.verify(() -> {
            assertThat(down.reason()).isEqualTo(ExitReason.KILLED);
            // As OTP links do: the workers ran terminate with killed, the nested supervisor stopped
            // its own children with shutdown, and all of it before the supervisor's exit was seen.
            assertThat(journal.entries()).contains("stop:w:killed", "stop:x:shutdown");
            journal.await("start:w", 2).compose(e -> journal.await("start:x", 2)).compose(e -> Supervisor.whichChildren(vertx, root))
              .onComplete(ctx.succeeding(children -> ctx.verify(() -> {
                assertThat(children.get(0).status()).isEqualTo("running");
                assertThat(journal.entries()).doesNotContain("failed:w", "failed:x");
                ctx.completeNow();
              })));
          })));
          Processes.kill(vertx, middlePid);
        }))));
    }

    @Test
    void aProcessThatExitsNormallyLeavesTheProcessesItStartedRunning(Vertx vertx, VertxTestContext ctx) {
      Journal journal = new Journal();
      SupervisorSpec leaf = SupervisorSpec.of(SupervisorFlags.of(Strategy.ONE_FOR_ONE), List.of(JournaledWorker.spec("x", journal)));
      // A normal exit signal does not travel along links: only a supervisor's own terminate stops children.
      GenServer<Integer> starter = new GenServer<>() {
        @Override
        protected Future<InitResult<Integer>> init(io.vertx.core.json.JsonObject args) {
          return GenServer.start(vertx, new Supervisor(leaf)).map(pid -> InitResult.ok(0));
        }

        @Override
        protected CastResult<Integer> handleCast(Object message, Integer state) {
          return CastResult.stop(ExitReason.NORMAL, state);
        }
      };
      GenServer.start(vertx, starter).onComplete(ctx.succeeding(pid -> {
        Processes.monitor(vertx, pid).down().onComplete(ctx.succeeding(down -> ctx.verify(() -> {
          assertThat(Registry.whereis(vertx, "worker.x")).isPresent();
          assertThat(journal.entries()).containsExactly("start:x");
          ctx.completeNow();
        })));
        GenServer.cast(vertx, pid, "stop");
      }));
    }

    @Test
    void aTransientChildSupervisorThatGivesUpIsNotRestarted(Vertx vertx, VertxTestContext ctx) {
      Journal journal = new Journal();
      SupervisorSpec leaf = SupervisorSpec.of(SupervisorFlags.of(Strategy.ONE_FOR_ONE).withIntensity(0, 5), List.of(JournaledWorker.spec("w", journal)));
      supervise(vertx, SupervisorFlags.of(Strategy.ONE_FOR_ONE), ChildSpec.supervisor("leaf", leaf).withRestart(Restart.TRANSIENT))
        .onComplete(ctx.succeeding(root -> childPid(vertx, root, "leaf").onComplete(ctx.succeeding(leafPid -> {
          Processes.monitor(vertx, leafPid).down()
            .compose(down -> Supervisor.whichChildren(vertx, root))
            .onComplete(ctx.succeeding(children -> ctx.verify(() -> {
              assertThat(children.get(0).status()).isEqualTo("undefined");
              assertThat(journal.count("start:w")).isEqualTo(1);
              ctx.completeNow();
            })));
          exit(vertx, "w", "crash");
        }))));
    }
  }

  @Nested
  class Shutdowns {

    @Test
    void aTimeoutStopsGracefullyThenKillsWhenTerminateRunsLate(Vertx vertx, VertxTestContext ctx) {
      VirtualClock clock = VirtualClock.install(vertx);
      Journal journal = new Journal();
      supervise(vertx, SupervisorFlags.of(Strategy.ONE_FOR_ONE),
        JournaledWorker.slowToStop("a", journal, Promise.promise()).withShutdown(Shutdown.timeout(Duration.ofMillis(50))))
        .onComplete(ctx.succeeding(sup -> {
          Monitor monitor = Processes.monitor(vertx, pidOf(vertx, "a"));
          // terminate has begun (and never ends): the shutdown's time runs out when the clock says so.
          journal.await("stop:a:shutdown", 1).onComplete(ctx.succeeding(entries -> clock.advance(Duration.ofMillis(50))));
          Supervisor.terminateChild(vertx, sup, "a").onComplete(ctx.succeeding(v -> ctx.verify(() -> {
            assertThat(journal.entries()).contains("stop:a:shutdown");
            assertThat(monitor.down().result().reason()).isEqualTo(ExitReason.KILLED);
            ctx.completeNow();
          })));
        }));
    }

    @Test
    void brutalKillStopsAtOnceWithoutTerminate(Vertx vertx, VertxTestContext ctx) {
      Journal journal = new Journal();
      supervise(vertx, SupervisorFlags.of(Strategy.ONE_FOR_ONE), JournaledWorker.spec("a", journal).withShutdown(Shutdown.BRUTAL_KILL))
        .onComplete(ctx.succeeding(sup -> {
          Monitor monitor = Processes.monitor(vertx, pidOf(vertx, "a"));
          Supervisor.terminateChild(vertx, sup, "a").onComplete(ctx.succeeding(v -> ctx.verify(() -> {
            assertThat(journal.entries()).containsExactly("start:a");
            assertThat(monitor.down().result().reason()).isEqualTo(ExitReason.KILLED);
            ctx.completeNow();
          })));
        }));
    }

    @Test
    void infinityWaitsForTerminateHoweverLong(Vertx vertx, VertxTestContext ctx) {
      VirtualClock clock = VirtualClock.install(vertx);
      Journal journal = new Journal();
      Promise<Void> gate = Promise.promise();
      supervise(vertx, SupervisorFlags.of(Strategy.ONE_FOR_ONE), JournaledWorker.slowToStop("a", journal, gate).withShutdown(Shutdown.INFINITY))
        .onComplete(ctx.succeeding(sup -> {
          Monitor monitor = Processes.monitor(vertx, pidOf(vertx, "a"));
          Future<Void> terminated = Supervisor.terminateChild(vertx, sup, "a");
          journal.await("stop:a:shutdown", 1)
            // Far past the 5 s a worker gets by default: the child is still stopping until the gate opens.
            .compose(entries -> clock.advance(Duration.ofSeconds(30)))
            .onComplete(ctx.succeeding(advanced -> {
              ctx.verify(() -> {
                assertThat(terminated.isComplete()).isFalse();
                assertThat(monitor.down().isComplete()).isFalse();
              });
              gate.complete();
            }));
          terminated.onComplete(ctx.succeeding(v -> ctx.verify(() -> {
            assertThat(monitor.down().result().reason()).isEqualTo(ExitReason.SHUTDOWN);
            ctx.completeNow();
          })));
        }));
    }

    @Test
    void terminateChildKeepsTheSpecAndRestartChildStartsItAgain(Vertx vertx, VertxTestContext ctx) {
      Journal journal = new Journal();
      supervise(vertx, SupervisorFlags.of(Strategy.ONE_FOR_ONE), JournaledWorker.spec("a", journal))
        .onComplete(ctx.succeeding(sup -> Supervisor.terminateChild(vertx, sup, "a")
          .compose(v -> Supervisor.whichChildren(vertx, sup))
          .compose(children -> {
            ctx.verify(() -> assertThat(children.get(0).status()).isEqualTo("undefined"));
            return Supervisor.restartChild(vertx, sup, "a");
          })
          .onComplete(ctx.succeeding(pid -> ctx.verify(() -> {
            assertThat(pid).isEqualTo(pidOf(vertx, "a"));
            assertThat(journal.count("start:a")).isEqualTo(2);
            ctx.completeNow();
          })))));
    }
  }

  @Nested
  class Ignore {

    @Test
    void aChildWhoseInitIgnoresKeepsItsSpecWithoutAProcess(Vertx vertx, VertxTestContext ctx) {
      Journal journal = new Journal();
      supervise(vertx, SupervisorFlags.of(Strategy.ONE_FOR_ONE), JournaledWorker.ignoring("i", journal), JournaledWorker.spec("a", journal))
        .compose(sup -> Supervisor.whichChildren(vertx, sup))
        .onComplete(ctx.succeeding(children -> ctx.verify(() -> {
          assertThat(children).extracting(Supervisor.ChildInfo::id).containsExactly("a", "i");
          assertThat(children.get(1).pid()).isNull();
          assertThat(children.get(1).status()).isEqualTo("ignored");
          ctx.completeNow();
        })));
    }

    @Test
    void aTemporaryChildWhoseInitIgnoresIsDropped(Vertx vertx, VertxTestContext ctx) {
      Journal journal = new Journal();
      supervise(vertx, SupervisorFlags.of(Strategy.ONE_FOR_ONE), JournaledWorker.ignoring("i", journal).withRestart(Restart.TEMPORARY))
        .compose(sup -> Supervisor.whichChildren(vertx, sup))
        .onComplete(ctx.succeeding(children -> ctx.verify(() -> {
          assertThat(children).isEmpty();
          ctx.completeNow();
        })));
    }
  }

  @Nested
  class Significant {

    @Test
    void anySignificantStopsTheSupervisorWhenATemporarySignificantChildEndsEvenByACrash(Vertx vertx, VertxTestContext ctx) {
      Journal journal = new Journal();
      supervise(vertx, SupervisorFlags.of(Strategy.ONE_FOR_ONE).withAutoShutdown(AutoShutdown.ANY_SIGNIFICANT),
        JournaledWorker.spec("a", journal), JournaledWorker.spec("s", journal).withRestart(Restart.TEMPORARY).withSignificant(true))
        .onComplete(ctx.succeeding(sup -> {
          Processes.monitor(vertx, sup).down().onComplete(ctx.succeeding(down -> ctx.verify(() -> {
            assertThat(down.reason()).isEqualTo(ExitReason.SHUTDOWN);
            assertThat(journal.entries()).contains("stop:a:shutdown");
            ctx.completeNow();
          })));
          exit(vertx, "s", "crash");
        }));
    }

    @Test
    void anAbnormalExitOfATransientSignificantChildIsAnOrdinaryRestart(Vertx vertx, VertxTestContext ctx) {
      Journal journal = new Journal();
      supervise(vertx, SupervisorFlags.of(Strategy.ONE_FOR_ONE).withAutoShutdown(AutoShutdown.ANY_SIGNIFICANT),
        JournaledWorker.spec("s", journal).withRestart(Restart.TRANSIENT).withSignificant(true))
        .onComplete(ctx.succeeding(sup -> exit(vertx, "s", "crash")
          .compose(d -> Supervisor.whichChildren(vertx, sup))
          .onComplete(ctx.succeeding(children -> ctx.verify(() -> {
            assertThat(Processes.isAlive(vertx, sup)).isTrue();
            assertThat(journal.count("start:s")).isEqualTo(2);
            ctx.completeNow();
          })))));
    }

    @Test
    void allSignificantWaitsForTheLastSignificantChild(Vertx vertx, VertxTestContext ctx) {
      Journal journal = new Journal();
      supervise(vertx, SupervisorFlags.of(Strategy.ONE_FOR_ONE).withAutoShutdown(AutoShutdown.ALL_SIGNIFICANT),
        JournaledWorker.spec("s1", journal).withRestart(Restart.TRANSIENT).withSignificant(true),
        JournaledWorker.spec("s2", journal).withRestart(Restart.TRANSIENT).withSignificant(true))
        .onComplete(ctx.succeeding(sup -> {
          Monitor supervisor = Processes.monitor(vertx, sup);
          exit(vertx, "s1", "normal")
            .compose(d -> Supervisor.whichChildren(vertx, sup))
            .onComplete(ctx.succeeding(children -> {
              ctx.verify(() -> assertThat(supervisor.down().isComplete()).isFalse());
              exit(vertx, "s2", "normal");
            }));
          supervisor.down().onComplete(ctx.succeeding(down -> ctx.verify(() -> {
            assertThat(down.reason()).isEqualTo(ExitReason.SHUTDOWN);
            ctx.completeNow();
          })));
        }));
    }

    @Test
    void terminateChildNeverTriggersAutoShutdown(Vertx vertx, VertxTestContext ctx) {
      Journal journal = new Journal();
      supervise(vertx, SupervisorFlags.of(Strategy.ONE_FOR_ONE).withAutoShutdown(AutoShutdown.ANY_SIGNIFICANT),
        JournaledWorker.spec("s", journal).withRestart(Restart.TRANSIENT).withSignificant(true))
        .onComplete(ctx.succeeding(sup -> Supervisor.terminateChild(vertx, sup, "s")
          .compose(v -> Supervisor.countChildren(vertx, sup))
          .onComplete(ctx.succeeding(counts -> ctx.verify(() -> {
            assertThat(Processes.isAlive(vertx, sup)).isTrue();
            assertThat(counts).isEqualTo(new Supervisor.ChildCounts(1, 0, 0, 1));
            ctx.completeNow();
          })))));
    }
  }

  @Nested
  class DynamicApi {

    @Test
    void startChildRefusesATakenIdWithAlreadyStartedOrAlreadyPresent(Vertx vertx, VertxTestContext ctx) {
      Journal journal = new Journal();
      supervise(vertx, SupervisorFlags.of(Strategy.ONE_FOR_ONE), JournaledWorker.spec("a", journal))
        .onComplete(ctx.succeeding(sup -> Supervisor.startChild(vertx, sup, JournaledWorker.spec("a", journal))
          .onComplete(ctx.failing(err -> ctx.verify(() -> {
            assertThat(((OtpException) err).failure()).isEqualTo(OtpException.Failure.ALREADY_STARTED);
            assertThat(((OtpException) err).pid()).isEqualTo(pidOf(vertx, "a"));
            Supervisor.terminateChild(vertx, sup, "a")
              .compose(v -> Supervisor.startChild(vertx, sup, JournaledWorker.spec("a", journal)))
              .onComplete(ctx.failing(again -> ctx.verify(() -> {
                assertThat(((OtpException) again).code()).isEqualTo("already_present");
                ctx.completeNow();
              })));
          })))));
    }

    @Test
    void restartAndDeleteRefuseARunningChildAndNotFoundIsNamed(Vertx vertx, VertxTestContext ctx) {
      Journal journal = new Journal();
      supervise(vertx, SupervisorFlags.of(Strategy.ONE_FOR_ONE), JournaledWorker.spec("a", journal))
        .onComplete(ctx.succeeding(sup -> {
          List<Future<?>> attempts = List.of(Supervisor.restartChild(vertx, sup, "a"), Supervisor.deleteChild(vertx, sup, "a"),
            Supervisor.deleteChild(vertx, sup, "zz"), Supervisor.terminateChild(vertx, sup, "zz"));
          Future.join(attempts).onComplete(ar -> ctx.verify(() -> {
            assertThat(attempts).extracting(f -> ((OtpException) f.cause()).code())
              .containsExactly("running", "running", "not_found", "not_found");
            ctx.completeNow();
          }));
        }));
    }

    @Test
    void deleteChildRemovesAStoppedChildsSpec(Vertx vertx, VertxTestContext ctx) {
      Journal journal = new Journal();
      supervise(vertx, SupervisorFlags.of(Strategy.ONE_FOR_ONE), JournaledWorker.spec("a", journal), JournaledWorker.spec("b", journal))
        .onComplete(ctx.succeeding(sup -> Supervisor.terminateChild(vertx, sup, "a")
          .compose(v -> Supervisor.deleteChild(vertx, sup, "a"))
          .compose(v -> Supervisor.countChildren(vertx, sup))
          .onComplete(ctx.succeeding(counts -> ctx.verify(() -> {
            assertThat(counts).isEqualTo(new Supervisor.ChildCounts(1, 1, 0, 1));
            ctx.completeNow();
          })))));
    }

    @Test
    void aChildThatFailsToStartIsNotAddedAndTheCallerGetsItsFailure(Vertx vertx, VertxTestContext ctx) {
      Journal journal = new Journal();
      supervise(vertx, SupervisorFlags.of(Strategy.ONE_FOR_ONE))
        .onComplete(ctx.succeeding(sup -> Supervisor.startChild(vertx, sup, JournaledWorker.failOnStart("a", journal, n -> true))
          .onComplete(ctx.failing(err -> ctx.verify(() -> {
            assertThat(((OtpException) err).failure()).isEqualTo(OtpException.Failure.EXIT);
            Supervisor.countChildren(vertx, sup).onComplete(ctx.succeeding(counts -> ctx.verify(() -> {
              assertThat(counts.specs()).isZero();
              ctx.completeNow();
            })));
          })))));
    }
  }

  @Nested
  class Backoffs {

    @Test
    void aRestartWithBackoffWaitsWithoutAProcessThenStarts(Vertx vertx, VertxTestContext ctx) {
      VirtualClock clock = VirtualClock.install(vertx);
      Journal journal = new Journal();
      supervise(vertx, SupervisorFlags.of(Strategy.ONE_FOR_ONE),
        JournaledWorker.spec("a", journal).withBackoff(new Backoff(Duration.ofMillis(150), Duration.ofSeconds(1), 0)))
        .onComplete(ctx.succeeding(sup -> exit(vertx, "a", "crash")
          .compose(d -> Supervisor.whichChildren(vertx, sup))
          .onComplete(ctx.succeeding(children -> ctx.verify(() -> {
            assertThat(children.get(0).status()).isEqualTo("backing_off");
            // Nobody holds the name while the restart waits: callers are told at once.
            assertThat(GenServer.call(vertx, "worker.a", "ping").failed()).isTrue();
            Supervisor.restartChild(vertx, sup, "a").onComplete(ctx.failing(err -> ctx.verify(() ->
              assertThat(((OtpException) err).code()).isEqualTo("restarting"))));
            ctx.verify(() -> assertThat(journal.count("start:a")).isEqualTo(1));
            clock.advance(Duration.ofMillis(149))
              .compose(v -> Supervisor.whichChildren(vertx, sup))
              .compose(still -> {
                ctx.verify(() -> assertThat(still.get(0).status()).isEqualTo("backing_off"));
                return clock.advance(Duration.ofMillis(1));
              })
              .compose(v -> journal.await("start:a", 2)).compose(e -> GenServer.<String>call(vertx, "worker.a", "ping"))
              .onComplete(ctx.succeeding(pong -> ctx.verify(() -> {
                assertThat(pong).isEqualTo("pong:a");
                ctx.completeNow();
              })));
          })))));
    }

    @Test
    void crashesCountTowardsIntensityWhenTheyHappenNotWhenTheDelayedRestartRuns(Vertx vertx, VertxTestContext ctx) {
      VirtualClock clock = VirtualClock.install(vertx);
      Journal journal = new Journal();
      supervise(vertx, SupervisorFlags.of(Strategy.ONE_FOR_ONE).withIntensity(1, 60),
        JournaledWorker.spec("a", journal).withBackoff(new Backoff(Duration.ofMillis(20), Duration.ofSeconds(1), 0)))
        .onComplete(ctx.succeeding(sup -> {
          Processes.monitor(vertx, sup).down().onComplete(ctx.succeeding(down -> ctx.verify(() -> {
            assertThat(down.reason()).isEqualTo(ExitReason.SHUTDOWN);
            assertThat(journal.count("start:a")).isEqualTo(2);
            ctx.completeNow();
          })));
          exit(vertx, "a", "crash")
            .compose(d -> Supervisor.whichChildren(vertx, sup))
            .compose(c -> clock.advance(Duration.ofMillis(20)))
            .compose(v -> journal.await("start:a", 2))
            .onComplete(ctx.succeeding(e -> exit(vertx, "a", "crash")));
        }));
    }
  }
}
