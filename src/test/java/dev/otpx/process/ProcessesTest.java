package dev.otpx.process;

import static dev.otpx.process.testing.OtpAsserts.assertCrash;
import static dev.otpx.process.testing.OtpAsserts.assertFailure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.otpx.process.testing.EchoServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.Checkpoint;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class ProcessesTest {

  @Nested
  class Kill {

    @Test
    void killGivesDownKilledAndTerminateDoesNotRun(Vertx vertx, VertxTestContext ctx) {
      EchoServer server = new EchoServer();
      GenServer.start(vertx, server).onComplete(ctx.succeeding(pid -> {
        Monitor monitor = Processes.monitor(vertx, pid);
        ctx.verify(() -> assertTrue(Processes.kill(vertx, pid)));
        monitor.down().onComplete(ctx.succeeding(down -> ctx.verify(() -> {
          assertSame(ExitReason.KILLED, down.reason());
          assertEquals(pid, down.pid());
          assertEquals(List.of(), server.terminated, "terminate ran on a kill");
          assertFalse(Processes.isAlive(vertx, pid));
          ctx.completeNow();
        })));
      }));
    }

    @Test
    void anOrderlyStopDoesRunTerminate(Vertx vertx, VertxTestContext ctx) {
      // The counterpart of the kill test: the recording of terminate works.
      EchoServer server = new EchoServer();
      GenServer.start(vertx, server).onComplete(ctx.succeeding(pid -> {
        Monitor monitor = Processes.monitor(vertx, pid);
        GenServer.stop(vertx, pid, ExitReason.shutdown("bye"));
        monitor.down().onComplete(ctx.succeeding(down -> ctx.verify(() -> {
          assertEquals(ExitReason.shutdown("bye"), down.reason());
          assertEquals(List.of(ExitReason.shutdown("bye")), server.terminated);
          ctx.completeNow();
        })));
      }));
    }

    @Test
    void aCallerWaitingOnAKilledProcessFailsWithExitKilled(Vertx vertx, VertxTestContext ctx) {
      GenServer.start(vertx, new EchoServer()).onComplete(ctx.succeeding(pid -> {
        Future<Object> held = GenServer.call(vertx, pid, "hold");
        // The call is queued before the kill, so the process has taken it by the time it dies.
        Processes.kill(vertx, pid);
        held.onComplete(ctx.failing(err -> ctx.verify(() -> {
          OtpException exit = assertFailure(OtpException.Failure.EXIT, err);
          assertSame(ExitReason.KILLED, exit.reason());
          assertEquals(pid, exit.pid());
          ctx.completeNow();
        })));
      }));
    }

    @Test
    void killOfAProcessThatIsGoneReturnsFalse(Vertx vertx, VertxTestContext ctx) {
      GenServer.start(vertx, new EchoServer()).compose(pid -> GenServer.stop(vertx, pid).map(pid))
        .onComplete(ctx.succeeding(dead -> ctx.verify(() -> {
          assertFalse(Processes.kill(vertx, dead));
          assertFalse(Processes.kill(vertx, new Pid("elsewhere", 1)));
          ctx.completeNow();
        })));
    }
  }

  @Nested
  class Monitors {

    @Test
    void monitorOfADeadPidGivesDownNoprocAtOnce(Vertx vertx, VertxTestContext ctx) {
      GenServer.start(vertx, new EchoServer()).compose(pid -> GenServer.stop(vertx, pid).map(pid))
        .onComplete(ctx.succeeding(dead -> {
          Monitor monitor = Processes.monitor(vertx, dead);
          ctx.verify(() -> {
            assertTrue(monitor.down().isComplete(), "DOWN for a dead pid must be there at once");
            Down down = monitor.down().result();
            assertSame(ExitReason.NOPROC, down.reason());
            assertEquals(dead, down.pid());
            assertEquals(monitor.ref(), down.ref());
            assertFalse(monitor.demonitor(), "a monitor that delivered its DOWN is no longer active");
            ctx.completeNow();
          });
        }));
    }

    @Test
    void monitorOfAPidNobodyHadGivesDownNoprocAtOnce(Vertx vertx, VertxTestContext ctx) {
      Pid nobody = new Pid("elsewhere", 5);
      Monitor monitor = Processes.monitor(vertx, nobody);
      ctx.verify(() -> {
        assertTrue(monitor.down().isComplete());
        assertEquals(new Down(monitor.ref(), nobody, ExitReason.NOPROC), monitor.down().result());
        assertEquals(nobody, monitor.pid());
        ctx.completeNow();
      });
    }

    @Test
    void downCarriesTheRefThePidAndTheStopReason(Vertx vertx, VertxTestContext ctx) {
      GenServer.start(vertx, new EchoServer()).onComplete(ctx.succeeding(pid -> {
        Monitor monitor = Processes.monitor(vertx, pid);
        ctx.verify(() -> assertFalse(monitor.down().isComplete(), "DOWN before the process ended"));
        GenServer.stop(vertx, pid, ExitReason.shutdown("maintenance"));
        monitor.down().onComplete(ctx.succeeding(down -> ctx.verify(() -> {
          assertEquals(new Down(monitor.ref(), pid, ExitReason.shutdown("maintenance")), down);
          ctx.completeNow();
        })));
      }));
    }

    @Test
    void downOfACrashCarriesTheException(Vertx vertx, VertxTestContext ctx) {
      GenServer.start(vertx, new EchoServer()).onComplete(ctx.succeeding(pid -> {
        Monitor monitor = Processes.monitor(vertx, pid);
        GenServer.cast(vertx, pid, "crash");
        monitor.down().onComplete(ctx.succeeding(down -> ctx.verify(() -> {
          ExitReason.Error crash = assertCrash(down.reason(), EchoServer.CRASH_MESSAGE);
          assertTrue(crash.cause() instanceof IllegalStateException, String.valueOf(crash.cause()));
          ctx.completeNow();
        })));
      }));
    }

    @Test
    void eachMonitorGetsExactlyOneDownWithItsOwnRef(Vertx vertx, VertxTestContext ctx) {
      Checkpoint downs = ctx.checkpoint(2);
      GenServer.start(vertx, new EchoServer()).onComplete(ctx.succeeding(pid -> {
        Monitor first = Processes.monitor(vertx, pid);
        Monitor second = Processes.monitor(vertx, pid);
        ctx.verify(() -> assertNotEquals(first.ref(), second.ref()));
        for (Monitor monitor : List.of(first, second)) {
          monitor.down().onComplete(ctx.succeeding(down -> ctx.verify(() -> {
            assertEquals(monitor.ref(), down.ref());
            assertSame(ExitReason.KILLED, down.reason());
            downs.flag();
          })));
        }
        Processes.kill(vertx, pid);
      }));
    }

    @Test
    void aDeadProcessesMonitorsAreNotToldTwice(Vertx vertx, VertxTestContext ctx) {
      // A kill racing an orderly stop: the one DOWN says whichever came first, and it stays so.
      GenServer.start(vertx, new EchoServer()).onComplete(ctx.succeeding(pid -> {
        Monitor monitor = Processes.monitor(vertx, pid);
        Processes.kill(vertx, pid);
        GenServer.stop(vertx, pid, ExitReason.NORMAL);
        Processes.kill(vertx, pid);
        monitor.down().onComplete(ctx.succeeding(down -> ctx.verify(() -> {
          assertSame(ExitReason.KILLED, down.reason());
          assertFalse(monitor.demonitor());
          ctx.completeNow();
        })));
      }));
    }

    @Test
    void demonitorStopsTheDown(Vertx vertx, VertxTestContext ctx) {
      GenServer.start(vertx, new EchoServer()).onComplete(ctx.succeeding(pid -> {
        Monitor dropped = Processes.monitor(vertx, pid);
        ctx.verify(() -> {
          assertTrue(dropped.demonitor(), "an active monitor");
          assertFalse(dropped.demonitor(), "demonitor twice");
        });
        Monitor kept = Processes.monitor(vertx, pid);
        Processes.kill(vertx, pid);
        kept.down().onComplete(ctx.succeeding(down -> ctx.verify(() -> {
          assertSame(ExitReason.KILLED, down.reason());
          assertFalse(dropped.down().isComplete(), "a demonitored monitor got a DOWN");
          ctx.completeNow();
        })));
      }));
    }

    @Test
    void monitorRejectsANullPid(Vertx vertx, VertxTestContext ctx) {
      ctx.verify(() -> {
        assertThrows(NullPointerException.class, () -> Processes.monitor(vertx, null));
        ctx.completeNow();
      });
    }
  }

  @Nested
  class Liveness {

    @Test
    void isAliveIsTrueWhileRunningAndFalseOnceExited(Vertx vertx, VertxTestContext ctx) {
      GenServer.start(vertx, new EchoServer()).onComplete(ctx.succeeding(pid -> {
        ctx.verify(() -> assertTrue(Processes.isAlive(vertx, pid)));
        Monitor monitor = Processes.monitor(vertx, pid);
        GenServer.cast(vertx, pid, "crash");
        monitor.down().onComplete(ctx.succeeding(down -> ctx.verify(() -> {
          assertFalse(Processes.isAlive(vertx, pid));
          ctx.completeNow();
        })));
      }));
    }

    @Test
    void isAliveIsFalseForAPidNobodyHad(Vertx vertx, VertxTestContext ctx) {
      ctx.verify(() -> {
        assertFalse(Processes.isAlive(vertx, new Pid("elsewhere", 1)));
        ctx.completeNow();
      });
    }
  }

  @Nested
  class Send {

    @Test
    void sendByPidReachesHandleInfo(Vertx vertx, VertxTestContext ctx) {
      GenServer.start(vertx, new EchoServer()).compose(pid -> {
        Processes.send(vertx, pid, "hello");
        Processes.send(vertx, pid, "world");
        return GenServer.<List<Object>>call(vertx, pid, "infos");
      }).onComplete(ctx.succeeding(infos -> ctx.verify(() -> {
        assertEquals(List.of("hello", "world"), infos);
        ctx.completeNow();
      })));
    }

    @Test
    void sendByNameReachesHandleInfo(Vertx vertx, VertxTestContext ctx) {
      GenServer.start(vertx, new EchoServer(), "alpha").compose(pid -> {
        Processes.send(vertx, "alpha", "hello");
        return GenServer.<List<Object>>call(vertx, "alpha", "infos");
      }).onComplete(ctx.succeeding(infos -> ctx.verify(() -> {
        assertEquals(List.of("hello"), infos);
        ctx.completeNow();
      })));
    }

    @Test
    void theReceiverGetsItsOwnCopyOfAJsonMessage(Vertx vertx, VertxTestContext ctx) {
      GenServer.start(vertx, new EchoServer()).compose(pid -> {
        JsonObject message = new JsonObject().put("n", 1);
        Processes.send(vertx, pid, message);
        message.put("n", 2);
        return GenServer.<List<Object>>call(vertx, pid, "infos");
      }).onComplete(ctx.succeeding(infos -> ctx.verify(() -> {
        assertEquals(List.of(new JsonObject().put("n", 1)), infos);
        ctx.completeNow();
      })));
    }

    @Test
    void sendToAProcessThatIsGoneIsDroppedQuietly(Vertx vertx, VertxTestContext ctx) {
      GenServer.start(vertx, new EchoServer()).compose(pid -> GenServer.stop(vertx, pid).map(pid))
        .onComplete(ctx.succeeding(dead -> ctx.verify(() -> {
          Processes.send(vertx, dead, "hello");
          Processes.send(vertx, "nobody", "hello");
          assertFalse(Processes.isAlive(vertx, dead));
          ctx.completeNow();
        })));
    }
  }
}
