package dev.otpx.process;

import static dev.otpx.process.testing.OtpAsserts.assertFailure;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class DynamicSupervisorTest {

  private final Journal journal = new Journal();

  private static Future<Pid> startDynamic(Vertx vertx, int maxChildren) {
    return DynamicSupervisor.start(vertx, 3, 5, maxChildren, null);
  }

  private ChildSpec worker(String name) {
    return JournaledWorker.spec(name, journal);
  }

  private static OtpException assertError(Throwable err, String code) {
    OtpException otp = assertFailure(OtpException.Failure.ERROR, err);
    assertThat(otp.code()).isEqualTo(code);
    return otp;
  }

  @Nested
  class StartingChildren {

    @Test
    void startChildGivesEachChildAGeneratedIdAndListsThemNewestFirst(Vertx vertx, VertxTestContext ctx) {
      startDynamic(vertx, DynamicSupervisor.UNLIMITED).compose(sup ->
          DynamicSupervisor.startChild(vertx, sup, worker("d1"))
            .compose(p1 -> DynamicSupervisor.startChild(vertx, sup, worker("d2").withId("d1"))
              .compose(p2 -> DynamicSupervisor.startChild(vertx, sup, worker("d3"))
                .compose(p3 -> Supervisor.whichChildren(vertx, sup).map(children -> {
                  ctx.verify(() -> {
                    assertThat(children).extracting(Supervisor.ChildInfo::pid).containsExactly(p3, p2, p1);
                    assertThat(children).extracting(Supervisor.ChildInfo::id).doesNotHaveDuplicates()
                      .doesNotContain("d1", "d2", "d3").allSatisfy(id -> assertThat(id).isNotBlank());
                    assertThat(children).allSatisfy(c -> {
                      assertThat(c.status()).isEqualTo("running");
                      assertThat(c.restart()).isEqualTo(Restart.PERMANENT);
                      assertThat(c.type()).isEqualTo(ChildType.WORKER);
                      assertThat(Processes.isAlive(vertx, c.pid())).isTrue();
                    });
                    assertThat(Registry.whereis(vertx, "worker.d2")).contains(p2);
                    assertThat(journal.entries()).containsExactly("start:d1", "start:d2", "start:d3");
                  });
                  return null;
                })))))
        .onComplete(ctx.succeedingThenComplete());
    }

    @Test
    void countChildrenCountsSpecsActiveWorkersAndSupervisors(Vertx vertx, VertxTestContext ctx) {
      ChildSpec nested = ChildSpec.supervisor("nested", SupervisorSpec.of(SupervisorFlags.of(Strategy.ONE_FOR_ONE), List.of()));
      startDynamic(vertx, DynamicSupervisor.UNLIMITED)
        .compose(sup -> DynamicSupervisor.startChild(vertx, sup, worker("d1"))
          .compose(p -> DynamicSupervisor.startChild(vertx, sup, worker("d2")))
          .compose(p -> DynamicSupervisor.startChild(vertx, sup, nested))
          .compose(p -> Supervisor.countChildren(vertx, sup)))
        .onComplete(ctx.succeeding(counts -> ctx.verify(() -> {
          assertThat(counts).isEqualTo(new Supervisor.ChildCounts(3, 3, 1, 2));
          ctx.completeNow();
        })));
    }

    @Test
    void aNewSupervisorHasNoChildren(Vertx vertx, VertxTestContext ctx) {
      startDynamic(vertx, 5)
        .compose(sup -> Supervisor.whichChildren(vertx, sup).compose(list -> Supervisor.countChildren(vertx, sup).map(c -> List.of(list, c))))
        .onComplete(ctx.succeeding(both -> ctx.verify(() -> {
          assertThat((List<?>) both.get(0)).isEmpty();
          assertThat(both.get(1)).isEqualTo(new Supervisor.ChildCounts(0, 0, 0, 0));
          ctx.completeNow();
        })));
    }

    @Test
    void aChildThatFailsToStartFailsStartChildAndIsNotKept(Vertx vertx, VertxTestContext ctx) {
      startDynamic(vertx, 1).compose(sup ->
          DynamicSupervisor.startChild(vertx, sup, JournaledWorker.failOnStart("bad", journal, n -> true))
            .transform(ar -> {
              ctx.verify(() -> assertFailure(OtpException.Failure.EXIT, ar.cause()));
              return Supervisor.countChildren(vertx, sup);
            })
            .compose(counts -> {
              ctx.verify(() -> assertThat(counts.specs()).isZero());
              // The slot was given back: a cap of one still admits a child.
              return DynamicSupervisor.startChild(vertx, sup, worker("good"));
            }))
        .onComplete(ctx.succeeding(pid -> ctx.verify(() -> {
          assertThat(Processes.isAlive(vertx, pid)).isTrue();
          ctx.completeNow();
        })));
    }

    @Test
    void aChildWhoseInitIgnoresIsNotKept(Vertx vertx, VertxTestContext ctx) {
      // DynamicSupervisor.start_child returns :ignore and keeps nothing: there would be no pid to
      // address the child by, yet it would hold a max_children slot.
      startDynamic(vertx, 1).compose(sup ->
          DynamicSupervisor.startChild(vertx, sup, JournaledWorker.ignoring("lazy", journal))
            .compose(pid -> {
              ctx.verify(() -> assertThat(pid).isNull());
              return Supervisor.countChildren(vertx, sup);
            }))
        .onComplete(ctx.succeeding(counts -> ctx.verify(() -> {
          assertThat(journal.entries()).containsExactly("ignored:lazy");
          assertThat(counts).isEqualTo(new Supervisor.ChildCounts(0, 0, 0, 0));
          ctx.completeNow();
        })));
    }
  }

  @Nested
  class TerminatingChildren {

    @Test
    void terminateChildByPidStopsTheChildAndForgetsIt(Vertx vertx, VertxTestContext ctx) {
      startDynamic(vertx, DynamicSupervisor.UNLIMITED).compose(sup ->
          DynamicSupervisor.startChild(vertx, sup, worker("d1")).compose(p1 ->
            DynamicSupervisor.startChild(vertx, sup, worker("d2")).compose(p2 ->
              DynamicSupervisor.terminateChild(vertx, sup, p1)
                .compose(v -> Supervisor.whichChildren(vertx, sup))
                .compose(children -> Supervisor.countChildren(vertx, sup).map(counts -> {
                  ctx.verify(() -> {
                    assertThat(children).extracting(Supervisor.ChildInfo::pid).containsExactly(p2);
                    assertThat(counts).isEqualTo(new Supervisor.ChildCounts(1, 1, 0, 1));
                    assertThat(Processes.isAlive(vertx, p1)).isFalse();
                    assertThat(Processes.isAlive(vertx, p2)).isTrue();
                    assertThat(Registry.whereis(vertx, "worker.d1")).isEmpty();
                    assertThat(journal.entries()).containsExactly("start:d1", "start:d2", "stop:d1:shutdown");
                  });
                  return p1;
                }))
                // Forgotten: a second terminate of the same pid finds nothing.
                .compose(gone -> DynamicSupervisor.terminateChild(vertx, sup, gone)))))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertError(err, "not_found");
          ctx.completeNow();
        })));
    }

    @Test
    void terminateChildOfAPidThatIsNotAChildFailsWithNotFound(Vertx vertx, VertxTestContext ctx) {
      startDynamic(vertx, DynamicSupervisor.UNLIMITED).compose(sup ->
          DynamicSupervisor.startChild(vertx, sup, worker("d1"))
            .compose(child -> GenServer.start(vertx, (GenServer<?>) worker("stranger").start().factory().get()))
            .compose(stranger -> DynamicSupervisor.terminateChild(vertx, sup, stranger).transform(ar -> {
              ctx.verify(() -> {
                assertError(ar.cause(), "not_found");
                assertThat(ar.cause().getMessage()).contains(stranger.toString());
                assertThat(Processes.isAlive(vertx, stranger)).as("a stranger is not stopped").isTrue();
              });
              return DynamicSupervisor.terminateChild(vertx, sup, new Pid("nowhere", 424242));
            })))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertError(err, "not_found");
          ctx.completeNow();
        })));
    }
  }

  @Nested
  class MaxChildren {

    @Test
    void startChildPastTheCapFailsWithMaxChildren(Vertx vertx, VertxTestContext ctx) {
      startDynamic(vertx, 2).compose(sup ->
          DynamicSupervisor.startChild(vertx, sup, worker("d1"))
            .compose(p -> DynamicSupervisor.startChild(vertx, sup, worker("d2")))
            .compose(p -> DynamicSupervisor.startChild(vertx, sup, worker("d3")))
            .transform(ar -> {
              ctx.verify(() -> {
                assertError(ar.cause(), "max_children");
                assertThat(journal.entries()).doesNotContain("start:d3");
              });
              return Supervisor.countChildren(vertx, sup);
            }))
        .onComplete(ctx.succeeding(counts -> ctx.verify(() -> {
          assertThat(counts.specs()).isEqualTo(2);
          ctx.completeNow();
        })));
    }

    @Test
    void aTerminatedChildGivesItsSlotBack(Vertx vertx, VertxTestContext ctx) {
      startDynamic(vertx, 1).compose(sup ->
          DynamicSupervisor.startChild(vertx, sup, worker("d1"))
            .compose(p1 -> DynamicSupervisor.terminateChild(vertx, sup, p1))
            .compose(v -> DynamicSupervisor.startChild(vertx, sup, worker("d2"))))
        .onComplete(ctx.succeeding(p2 -> ctx.verify(() -> {
          assertThat(Registry.whereis(vertx, "worker.d2")).contains(p2);
          ctx.completeNow();
        })));
    }

    @Test
    void aCapOfZeroAdmitsNoChild(Vertx vertx, VertxTestContext ctx) {
      startDynamic(vertx, 0).compose(sup -> DynamicSupervisor.startChild(vertx, sup, worker("d1")))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertError(err, "max_children");
          assertThat(journal.entries()).isEmpty();
          ctx.completeNow();
        })));
    }
  }

  @Nested
  class Restarts {

    @Test
    void aCrashedPermanentChildIsRestartedAndKeepsItsSlot(Vertx vertx, VertxTestContext ctx) {
      startDynamic(vertx, 1).compose(sup ->
          DynamicSupervisor.startChild(vertx, sup, worker("d1")).compose(first -> {
            GenServer.cast(vertx, first, "crash");
            // The second start means the supervisor is restarting it: the next call is answered after.
            return journal.await("start:d1", 2)
              .compose(entries -> Supervisor.whichChildren(vertx, sup))
              .compose(children -> {
                ctx.verify(() -> {
                  assertThat(children).hasSize(1);
                  Supervisor.ChildInfo child = children.get(0);
                  assertThat(child.pid()).isNotNull().isNotEqualTo(first);
                  assertThat(child.status()).isEqualTo("running");
                  assertThat(Processes.isAlive(vertx, child.pid())).isTrue();
                  assertThat(Processes.isAlive(vertx, first)).isFalse();
                  assertThat(Registry.whereis(vertx, "worker.d1")).contains(child.pid());
                });
                return DynamicSupervisor.startChild(vertx, sup, worker("d2"));
              });
          }))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertError(err, "max_children");
          assertThat(journal.entries()).doesNotContain("start:d2");
          ctx.completeNow();
        })));
    }

    @Test
    void aChildWaitingForItsBackoffKeepsItsSlot(Vertx vertx, VertxTestContext ctx) {
      ChildSpec slow = worker("d1").withBackoff(new Backoff(Duration.ofHours(1), Duration.ofHours(1), 0));
      startDynamic(vertx, 1).compose(sup ->
          DynamicSupervisor.startChild(vertx, sup, slow).compose(first -> {
            Monitor monitor = Processes.monitor(vertx, first);
            Processes.kill(vertx, first);
            return monitor.down()
              .compose(down -> Supervisor.whichChildren(vertx, sup))
              .compose(children -> {
                ctx.verify(() -> {
                  assertThat(children).hasSize(1);
                  assertThat(children.get(0).pid()).isNull();
                  assertThat(children.get(0).status()).isEqualTo("backing_off");
                });
                return DynamicSupervisor.startChild(vertx, sup, worker("d2"));
              });
          }))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertError(err, "max_children");
          assertThat(journal.entries()).containsExactly("start:d1");
          ctx.completeNow();
        })));
    }

    @Test
    void aPermanentChildThatExitsNormallyIsRestarted(Vertx vertx, VertxTestContext ctx) {
      startDynamic(vertx, DynamicSupervisor.UNLIMITED).compose(sup ->
          DynamicSupervisor.startChild(vertx, sup, worker("d1")).compose(first -> {
            GenServer.cast(vertx, first, "normal");
            return journal.await("start:d1", 2).compose(e -> Supervisor.whichChildren(vertx, sup)).map(children -> {
              ctx.verify(() -> {
                assertThat(children).hasSize(1);
                assertThat(children.get(0).pid()).isNotEqualTo(first);
                assertThat(journal.entries()).containsExactly("start:d1", "stop:d1:normal", "start:d1");
              });
              return null;
            });
          }))
        .onComplete(ctx.succeedingThenComplete());
    }

    @Test
    void aTransientChildThatExitsNormallyIsRemoved(Vertx vertx, VertxTestContext ctx) {
      startDynamic(vertx, 1).compose(sup ->
          DynamicSupervisor.startChild(vertx, sup, worker("d1").withRestart(Restart.TRANSIENT)).compose(first -> {
            Monitor monitor = Processes.monitor(vertx, first);
            GenServer.cast(vertx, first, "normal");
            return monitor.down()
              .compose(down -> Supervisor.countChildren(vertx, sup))
              .compose(counts -> {
                ctx.verify(() -> assertThat(counts).isEqualTo(new Supervisor.ChildCounts(0, 0, 0, 0)));
                // Its slot is free again.
                return DynamicSupervisor.startChild(vertx, sup, worker("d2"));
              });
          }))
        .onComplete(ctx.succeeding(p2 -> ctx.verify(() -> {
          assertThat(journal.entries()).containsExactly("start:d1", "stop:d1:normal", "start:d2");
          ctx.completeNow();
        })));
    }

    @Test
    void aTransientChildThatExitsWithShutdownIsRemoved(Vertx vertx, VertxTestContext ctx) {
      startDynamic(vertx, 1).compose(sup ->
          DynamicSupervisor.startChild(vertx, sup, worker("d1").withRestart(Restart.TRANSIENT)).compose(first -> {
            Monitor monitor = Processes.monitor(vertx, first);
            GenServer.cast(vertx, first, "shutdown:done");
            return monitor.down().compose(down -> Supervisor.countChildren(vertx, sup));
          }))
        .onComplete(ctx.succeeding(counts -> ctx.verify(() -> {
          assertThat(counts.specs()).isZero();
          assertThat(journal.count("start:d1")).isEqualTo(1);
          ctx.completeNow();
        })));
    }

    @Test
    void aTransientChildThatCrashesIsRestarted(Vertx vertx, VertxTestContext ctx) {
      startDynamic(vertx, 1).compose(sup ->
          DynamicSupervisor.startChild(vertx, sup, worker("d1").withRestart(Restart.TRANSIENT)).compose(first -> {
            GenServer.cast(vertx, first, "crash");
            return journal.await("start:d1", 2).compose(e -> Supervisor.whichChildren(vertx, sup));
          }))
        .onComplete(ctx.succeeding(children -> ctx.verify(() -> {
          assertThat(children).hasSize(1);
          assertThat(children.get(0).restart()).isEqualTo(Restart.TRANSIENT);
          assertThat(Processes.isAlive(vertx, children.get(0).pid())).isTrue();
          ctx.completeNow();
        })));
    }

    @Test
    void aTemporaryChildThatCrashesIsRemovedAndNotRestarted(Vertx vertx, VertxTestContext ctx) {
      startDynamic(vertx, DynamicSupervisor.UNLIMITED).compose(sup ->
          DynamicSupervisor.startChild(vertx, sup, worker("d1").withRestart(Restart.TEMPORARY)).compose(first -> {
            Monitor monitor = Processes.monitor(vertx, first);
            GenServer.cast(vertx, first, "crash");
            return monitor.down().compose(down -> Supervisor.countChildren(vertx, sup));
          }))
        .onComplete(ctx.succeeding(counts -> ctx.verify(() -> {
          assertThat(counts.specs()).isZero();
          assertThat(journal.count("start:d1")).isEqualTo(1);
          assertThat(Registry.whereis(vertx, "worker.d1")).isEmpty();
          ctx.completeNow();
        })));
    }

    @Test
    void crashesPastTheIntensityStopTheSupervisorWithShutdown(Vertx vertx, VertxTestContext ctx) {
      DynamicSupervisor.start(vertx, 1, 60, DynamicSupervisor.UNLIMITED, null).compose(sup -> {
        Monitor supDown = Processes.monitor(vertx, sup);
        return DynamicSupervisor.startChild(vertx, sup, worker("d1"))
          .compose(first -> DynamicSupervisor.startChild(vertx, sup, worker("d2")).map(first))
          .compose(first -> {
            GenServer.cast(vertx, first, "crash");
            return journal.await("start:d1", 2);
          })
          .compose(e -> {
            GenServer.cast(vertx, "worker.d1", "crash");
            return supDown.down();
          });
      }).onComplete(ctx.succeeding(down -> ctx.verify(() -> {
        assertThat(down.reason()).isEqualTo(ExitReason.SHUTDOWN);
        assertThat(journal.entries()).contains("stop:d2:shutdown");
        assertThat(journal.count("start:d1")).isEqualTo(2);
        assertThat(Registry.whereis(vertx, "worker.d1")).isEmpty();
        assertThat(Registry.whereis(vertx, "worker.d2")).isEmpty();
        ctx.completeNow();
      })));
    }
  }

  @Nested
  class Stopping {

    @Test
    void stoppingTheSupervisorStopsEveryChildAndRunsTheirTerminate(Vertx vertx, VertxTestContext ctx) {
      startDynamic(vertx, DynamicSupervisor.UNLIMITED).compose(sup ->
          DynamicSupervisor.startChild(vertx, sup, worker("d1"))
            .compose(p1 -> DynamicSupervisor.startChild(vertx, sup, worker("d2")).compose(p2 ->
              DynamicSupervisor.startChild(vertx, sup, worker("d3")).compose(p3 ->
                GenServer.stop(vertx, sup).map(v -> List.of(p1, p2, p3))))))
        .onComplete(ctx.succeeding(pids -> ctx.verify(() -> {
          assertThat(journal.entries()).containsExactlyInAnyOrder("start:d1", "start:d2", "start:d3",
            "stop:d1:shutdown", "stop:d2:shutdown", "stop:d3:shutdown");
          assertThat(pids).allSatisfy(pid -> assertThat(Processes.isAlive(vertx, pid)).isFalse());
          assertThat(Registry.registered(vertx)).isEmpty();
          ctx.completeNow();
        })));
    }

    @Test
    void childrenAreStoppedInParallel(Vertx vertx, VertxTestContext ctx) {
      // Each terminate holds until its gate opens: both must have begun before either gate opens,
      // which a one-by-one stop could not do.
      Promise<Void> gate1 = Promise.promise();
      Promise<Void> gate2 = Promise.promise();
      startDynamic(vertx, DynamicSupervisor.UNLIMITED).compose(sup ->
          DynamicSupervisor.startChild(vertx, sup, JournaledWorker.slowToStop("d1", journal, gate1))
            .compose(p -> DynamicSupervisor.startChild(vertx, sup, JournaledWorker.slowToStop("d2", journal, gate2)))
            .compose(p -> {
              Future<Void> stopped = GenServer.stop(vertx, sup);
              return journal.awaitUntil(e -> e.contains("stop:d1:shutdown") && e.contains("stop:d2:shutdown"))
                .compose(e -> {
                  ctx.verify(() -> assertThat(stopped.isComplete()).isFalse());
                  gate1.complete();
                  gate2.complete();
                  return stopped;
                });
            }))
        .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
          assertThat(Registry.registered(vertx)).isEmpty();
          ctx.completeNow();
        })));
    }
  }
}
