package dev.otpx.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otpx.process.testing.EchoServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Links, exit signals and trap_exit, against Erlang's rules (REFERENCE.md §2 and §6). */
@ExtendWith(VertxExtension.class)
class LinksTest {

  record Link(Pid pid) { }

  record Unlink(Pid pid) { }

  record Trap(boolean trap) { }

  /** Starts an EchoServer from inside this process: the two are linked. */
  record StartChild() { }

  /** Makes the Linker stop itself with reason kill. */
  record KillSelf() { }

  /** Starts this Linker from inside this process, trapping exits or not. */
  record StartLinker(Linker child, boolean trap) { }

  /**
   * A process that links, unlinks, traps and starts children when asked; records every Exit it
   * gets and the reasons its terminate ran with.
   */
  static final class Linker extends GenServer<Void> {
    final List<Exit> exits = new CopyOnWriteArrayList<>();
    final List<ExitReason> terminated = new CopyOnWriteArrayList<>();

    @Override
    protected Future<InitResult<Void>> init(JsonObject args) {
      trapExits(args.getBoolean("trap", false));
      return Future.succeededFuture(InitResult.ok());
    }

    @Override
    protected CallResult<Void> handleCall(Object request, From from, Void state) {
      if (request instanceof Link link) {
        link(link.pid());
        return CallResult.reply("linked");
      } else if (request instanceof Unlink unlink) {
        unlink(unlink.pid());
        return CallResult.reply("unlinked");
      } else if (request instanceof Trap trap) {
        return CallResult.reply(trapExits(trap.trap()));
      } else if (request instanceof StartLinker start) {
        return CallResult.deferred(onOwnContext(LinksTest.start(vertx, start.child(), start.trap())).map(CallResult::reply));
      } else if (request instanceof StartChild) {
        return CallResult.deferred(onOwnContext(GenServer.start(vertx, new EchoServer())).map(CallResult::reply));
      }
      return CallResult.reply("pong");
    }

    @Override
    protected CastResult<Void> handleCast(Object message, Void state) {
      if ("crash".equals(message)) {
        throw new IllegalStateException("linker crashed");
      } else if (message instanceof KillSelf) {
        return CastResult.stop(ExitReason.KILL);
      }
      return CastResult.stop(ExitReason.error(String.valueOf(message)));
    }

    @Override
    protected CastResult<Void> handleInfo(Object message, Void state) {
      if (message instanceof Exit exit) {
        exits.add(exit);
      }
      return CastResult.noReply();
    }

    @Override
    protected Future<Void> terminate(ExitReason reason, Void state) {
      terminated.add(reason);
      return Future.succeededFuture();
    }
  }

  static Future<Pid> start(Vertx vertx, Linker linker, boolean trap) {
    return GenServer.start(vertx, linker, new io.vertx.core.DeploymentOptions().setConfig(new JsonObject().put("trap", trap)), null);
  }

  /** A call answered only once every message sent to the process before it was handled. */
  static Future<Object> roundTrip(Vertx vertx, Pid pid) {
    return GenServer.call(vertx, pid, "ping");
  }

  @Nested
  class ExitSignals {

    @Test
    void killCannotBeTrappedSkipsTerminateAndShowsAsKilled(Vertx vertx, VertxTestContext ctx) {
      Linker linker = new Linker();
      start(vertx, linker, true).onComplete(ctx.succeeding(pid -> {
        Monitor monitor = Processes.monitor(vertx, pid);
        ctx.verify(() -> assertThat(Processes.exit(vertx, pid, ExitReason.KILL)).isTrue());
        monitor.down().onComplete(ctx.succeeding(down -> ctx.verify(() -> {
          assertThat(down.reason()).isEqualTo(ExitReason.KILLED);
          assertThat(linker.exits).isEmpty();
          assertThat(linker.terminated).isEmpty();
          ctx.completeNow();
        })));
      }));
    }

    @Test
    void normalDoesNotStopAProcessThatDoesNotTrapExits(Vertx vertx, VertxTestContext ctx) {
      Linker linker = new Linker();
      start(vertx, linker, false)
        .compose(pid -> {
          Processes.exit(vertx, pid, ExitReason.NORMAL);
          return roundTrip(vertx, pid).map(pid);
        })
        .onComplete(ctx.succeeding(pid -> ctx.verify(() -> {
          assertThat(Processes.isAlive(vertx, pid)).isTrue();
          assertThat(linker.exits).isEmpty();
          ctx.completeNow();
        })));
    }

    @Test
    void normalReachesAProcessThatTrapsExitsAsAnExitMessage(Vertx vertx, VertxTestContext ctx) {
      Linker linker = new Linker();
      start(vertx, linker, true)
        .compose(pid -> {
          Processes.exit(vertx, pid, ExitReason.NORMAL);
          return roundTrip(vertx, pid).map(pid);
        })
        .onComplete(ctx.succeeding(pid -> ctx.verify(() -> {
          assertThat(Processes.isAlive(vertx, pid)).isTrue();
          assertThat(linker.exits).containsExactly(new Exit(null, ExitReason.NORMAL));
          ctx.completeNow();
        })));
    }

    @Test
    void anyOtherReasonStopsAProcessThatDoesNotTrapExitsAndTerminateRuns(Vertx vertx, VertxTestContext ctx) {
      Linker linker = new Linker();
      start(vertx, linker, false).onComplete(ctx.succeeding(pid -> {
        Monitor monitor = Processes.monitor(vertx, pid);
        Processes.exit(vertx, pid, ExitReason.shutdown("asked"));
        monitor.down().onComplete(ctx.succeeding(down -> ctx.verify(() -> {
          assertThat(down.reason()).isEqualTo(ExitReason.shutdown("asked"));
          assertThat(linker.terminated).containsExactly(ExitReason.shutdown("asked"));
          ctx.completeNow();
        })));
      }));
    }

    @Test
    void aProcessThatTrapsExitsGetsAnyOtherReasonAsAMessageAndGoesOn(Vertx vertx, VertxTestContext ctx) {
      Linker linker = new Linker();
      start(vertx, linker, true)
        .compose(pid -> {
          Processes.exit(vertx, pid, ExitReason.error("go away"));
          return roundTrip(vertx, pid).map(pid);
        })
        .onComplete(ctx.succeeding(pid -> ctx.verify(() -> {
          assertThat(Processes.isAlive(vertx, pid)).isTrue();
          assertThat(linker.exits).containsExactly(new Exit(null, ExitReason.error("go away")));
          ctx.completeNow();
        })));
    }

    @Test
    void anExitToNobodyReturnsFalse(Vertx vertx, VertxTestContext ctx) {
      ctx.verify(() -> assertThat(Processes.exit(vertx, new Pid("elsewhere", 1), ExitReason.KILL)).isFalse());
      ctx.completeNow();
    }
  }

  @Nested
  class StartLinks {

    @Test
    void aStarterThatTrapsExitsLearnsOfItsChildsCrash(Vertx vertx, VertxTestContext ctx) {
      Linker starter = new Linker();
      start(vertx, starter, true)
        .compose(pid -> GenServer.<Pid>call(vertx, pid, new StartChild()).compose(child -> {
          Monitor monitor = Processes.monitor(vertx, child);
          GenServer.cast(vertx, child, "crash");
          return monitor.down().compose(down -> roundTrip(vertx, pid)).map(v -> List.of(pid, child));
        }))
        .onComplete(ctx.succeeding(pids -> ctx.verify(() -> {
          assertThat(Processes.isAlive(vertx, pids.get(0))).isTrue();
          assertThat(starter.exits).hasSize(1);
          assertThat(starter.exits.get(0).pid()).isEqualTo(pids.get(1));
          assertThat(starter.exits.get(0).reason().toString()).contains(EchoServer.CRASH_MESSAGE);
          ctx.completeNow();
        })));
    }

    @Test
    void aStarterThatDoesNotTrapExitsEndsWithItsChildsCrash(Vertx vertx, VertxTestContext ctx) {
      Linker starter = new Linker();
      start(vertx, starter, false)
        .compose(pid -> GenServer.<Pid>call(vertx, pid, new StartChild()).map(child -> List.of(pid, child)))
        .onComplete(ctx.succeeding(pids -> {
          Processes.monitor(vertx, pids.get(0)).down().onComplete(ctx.succeeding(down -> ctx.verify(() -> {
            assertThat(down.reason().toString()).contains(EchoServer.CRASH_MESSAGE);
            assertThat(starter.terminated).containsExactly(down.reason());
            ctx.completeNow();
          })));
          GenServer.cast(vertx, pids.get(1), "crash");
        }));
    }

    @Test
    void aChildsNormalExitLeavesItsStarterRunning(Vertx vertx, VertxTestContext ctx) {
      Linker starter = new Linker();
      start(vertx, starter, false)
        .compose(pid -> GenServer.<Pid>call(vertx, pid, new StartChild())
          .compose(child -> GenServer.stop(vertx, child))
          .compose(v -> roundTrip(vertx, pid)).map(pid))
        .onComplete(ctx.succeeding(pid -> ctx.verify(() -> {
          assertThat(Processes.isAlive(vertx, pid)).isTrue();
          ctx.completeNow();
        })));
    }

    @Test
    void theStartersCrashStopsAChildThatTrapsExitsWithTheSameReason(Vertx vertx, VertxTestContext ctx) {
      // As a gen_server obeys its parent: the parent's exit is no message, even to a trapping child.
      Linker parent = new Linker();
      Linker child = new Linker();
      start(vertx, parent, false)
        .compose(pid -> GenServer.<Pid>call(vertx, pid, new StartLinker(child, true)))
        .onComplete(ctx.succeeding(childPid -> {
          Processes.monitor(vertx, childPid).down().onComplete(ctx.succeeding(down -> ctx.verify(() -> {
            assertThat(down.reason().toString()).contains("linker crashed");
            assertThat(child.terminated).containsExactly(down.reason());
            assertThat(child.exits).isEmpty();
            ctx.completeNow();
          })));
          GenServer.cast(vertx, parent.self(), "crash");
        }));
    }

    @Test
    void theStartersNormalExitLeavesEvenATrappingChildRunning(Vertx vertx, VertxTestContext ctx) {
      Linker parent = new Linker();
      Linker child = new Linker();
      start(vertx, parent, false)
        .compose(pid -> GenServer.<Pid>call(vertx, pid, new StartLinker(child, true)))
        .compose(childPid -> GenServer.stop(vertx, parent.self()).compose(v -> roundTrip(vertx, childPid)).map(childPid))
        .onComplete(ctx.succeeding(childPid -> ctx.verify(() -> {
          assertThat(Processes.isAlive(vertx, childPid)).isTrue();
          assertThat(child.exits).isEmpty();
          ctx.completeNow();
        })));
    }
  }

  @Nested
  class Links {

    @Test
    void aLinkIsTwoWayAndCarriesTheReason(Vertx vertx, VertxTestContext ctx) {
      Linker a = new Linker();
      Linker b = new Linker();
      Future.all(start(vertx, a, false), start(vertx, b, false))
        .compose(both -> GenServer.call(vertx, a.self(), new Link(b.self())))
        .onComplete(ctx.succeeding(linked -> {
          ctx.verify(() -> {
            assertThat(Processes.info(vertx, a.self()).orElseThrow().links()).containsExactly(b.self());
            assertThat(Processes.info(vertx, b.self()).orElseThrow().links()).containsExactly(a.self());
          });
          Processes.monitor(vertx, a.self()).down().onComplete(ctx.succeeding(down -> ctx.verify(() -> {
            assertThat(down.reason()).isEqualTo(ExitReason.error("b is done"));
            assertThat(a.terminated).containsExactly(ExitReason.error("b is done"));
            ctx.completeNow();
          })));
          GenServer.cast(vertx, b.self(), "b is done");
        }));
    }

    @Test
    void aKillReachesTheLinkedProcessAsKilled(Vertx vertx, VertxTestContext ctx) {
      Linker a = new Linker();
      Linker b = new Linker();
      Future.all(start(vertx, a, true), start(vertx, b, false))
        .compose(both -> GenServer.call(vertx, a.self(), new Link(b.self())))
        .compose(linked -> {
          Monitor monitor = Processes.monitor(vertx, b.self());
          Processes.kill(vertx, b.self());
          return monitor.down();
        })
        .compose(down -> roundTrip(vertx, a.self()))
        .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
          assertThat(a.exits).containsExactly(new Exit(b.self(), ExitReason.KILLED));
          assertThat(Processes.isAlive(vertx, a.self())).isTrue();
          ctx.completeNow();
        })));
    }

    @Test
    void aProcessThatStopsItselfWithKillSendsAnOrdinaryKillThroughItsLinks(Vertx vertx, VertxTestContext ctx) {
      // REFERENCE.md §6.2: only exit(pid, kill) is untrappable; a link carries kill like any reason.
      Linker a = new Linker();
      Linker b = new Linker();
      Future.all(start(vertx, a, true), start(vertx, b, false))
        .compose(both -> GenServer.call(vertx, a.self(), new Link(b.self())))
        .compose(linked -> {
          Monitor monitor = Processes.monitor(vertx, b.self());
          GenServer.cast(vertx, b.self(), new KillSelf());
          return monitor.down();
        })
        .compose(down -> {
          ctx.verify(() -> assertThat(down.reason()).isEqualTo(ExitReason.KILL));
          return roundTrip(vertx, a.self());
        })
        .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
          assertThat(a.exits).containsExactly(new Exit(b.self(), ExitReason.KILL));
          assertThat(b.terminated).containsExactly(ExitReason.KILL);
          ctx.completeNow();
        })));
    }

    @Test
    void unlinkRemovesTheLinkBothWays(Vertx vertx, VertxTestContext ctx) {
      Linker a = new Linker();
      Linker b = new Linker();
      Future.all(start(vertx, a, false), start(vertx, b, false))
        .compose(both -> GenServer.call(vertx, a.self(), new Link(b.self())))
        .compose(linked -> GenServer.call(vertx, a.self(), new Unlink(b.self())))
        .compose(unlinked -> {
          Monitor monitor = Processes.monitor(vertx, b.self());
          GenServer.cast(vertx, b.self(), "crash");
          return monitor.down();
        })
        .compose(down -> roundTrip(vertx, a.self()))
        .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
          assertThat(Processes.isAlive(vertx, a.self())).isTrue();
          assertThat(Processes.info(vertx, a.self()).orElseThrow().links()).isEmpty();
          ctx.completeNow();
        })));
    }

    @Test
    void linkingToAProcessThatIsGoneSendsNoproc(Vertx vertx, VertxTestContext ctx) {
      Linker a = new Linker();
      Pid gone = new Pid("elsewhere", 7);
      start(vertx, a, true)
        .compose(pid -> GenServer.call(vertx, pid, new Link(gone)))
        .compose(linked -> roundTrip(vertx, a.self()))
        .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
          assertThat(a.exits).containsExactly(new Exit(gone, ExitReason.NOPROC));
          ctx.completeNow();
        })));
    }

    @Test
    void infoShowsTheParentAndWhetherTheProcessTrapsExits(Vertx vertx, VertxTestContext ctx) {
      Linker starter = new Linker();
      start(vertx, starter, true)
        .compose(pid -> GenServer.<Pid>call(vertx, pid, new StartChild()))
        .onComplete(ctx.succeeding(child -> ctx.verify(() -> {
          ProcessInfo parent = Processes.info(vertx, starter.self()).orElseThrow();
          ProcessInfo info = Processes.info(vertx, child).orElseThrow();
          assertThat(parent.trapsExits()).isTrue();
          assertThat(parent.parent()).isNull();
          assertThat(parent.links()).containsExactly(child);
          assertThat(info.parent()).isEqualTo(starter.self());
          assertThat(info.trapsExits()).isFalse();
          assertThat(Processes.list(vertx)).contains(starter.self(), child);
          assertThat(Processes.info(vertx, new Pid("elsewhere", 1))).isEmpty();
          ctx.completeNow();
        })));
    }
  }

  @Nested
  class Shutdowns {

    @Test
    void shutdownStopsAProcessWithShutdownAndTerminateRuns(Vertx vertx, VertxTestContext ctx) {
      Linker linker = new Linker();
      start(vertx, linker, false)
        .compose(pid -> Processes.shutdown(vertx, pid, Shutdown.timeout(Duration.ofSeconds(5))))
        .onComplete(ctx.succeeding(reason -> ctx.verify(() -> {
          assertThat(reason).isEqualTo(ExitReason.SHUTDOWN);
          assertThat(linker.terminated).containsExactly(ExitReason.SHUTDOWN);
          ctx.completeNow();
        })));
    }

    @Test
    void brutalKillKillsAtOnce(Vertx vertx, VertxTestContext ctx) {
      Linker linker = new Linker();
      start(vertx, linker, true)
        .compose(pid -> Processes.shutdown(vertx, pid, Shutdown.BRUTAL_KILL))
        .onComplete(ctx.succeeding(reason -> ctx.verify(() -> {
          assertThat(reason).isEqualTo(ExitReason.KILLED);
          assertThat(linker.terminated).isEmpty();
          ctx.completeNow();
        })));
    }

    @Test
    void shutdownOfNobodyAnswersNoproc(Vertx vertx, VertxTestContext ctx) {
      Processes.shutdown(vertx, new Pid("elsewhere", 3), Shutdown.INFINITY)
        .onComplete(ctx.succeeding(reason -> ctx.verify(() -> {
          assertThat(reason).isEqualTo(ExitReason.NOPROC);
          ctx.completeNow();
        })));
    }
  }
}
