package dev.otpx.process;

import static dev.otpx.process.testing.OtpAsserts.assertFailure;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.otpx.process.testing.EchoServer;
import io.vertx.core.CompositeFuture;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@ExtendWith(VertxExtension.class)
class RegistryTest {

  private static boolean await(CountDownLatch latch) {
    try {
      return latch.await(2, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static Future<Pid> spawn(Vertx vertx) {
    return GenServer.start(vertx, new EchoServer());
  }

  @Nested
  class Registering {

    @Test
    void aRegisteredNameIsFoundByWhereisAndListedByRegistered(Vertx vertx, VertxTestContext ctx) {
      spawn(vertx).compose(pid -> Registry.register(vertx, "alpha", pid).map(pid))
        .onComplete(ctx.succeeding(pid -> ctx.verify(() -> {
          assertEquals(Optional.of(pid), Registry.whereis(vertx, "alpha"));
          assertEquals(Map.of("alpha", pid), Registry.registered(vertx));
          ctx.completeNow();
        })));
    }

    @Test
    void aRegisteredNameCanBeCalled(Vertx vertx, VertxTestContext ctx) {
      spawn(vertx).compose(pid -> Registry.register(vertx, "alpha", pid))
        .compose(v -> GenServer.<String>call(vertx, "alpha", "ping"))
        .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          assertEquals("pong", reply);
          ctx.completeNow();
        })));
    }

    @Test
    void whereisOfANameNobodyHoldsIsEmpty(Vertx vertx, VertxTestContext ctx) {
      ctx.verify(() -> {
        assertEquals(Optional.empty(), Registry.whereis(vertx, "nobody"));
        assertEquals(Map.of(), Registry.registered(vertx));
        ctx.completeNow();
      });
    }

    @Test
    void registeredIsSortedByName(Vertx vertx, VertxTestContext ctx) {
      Future.all(GenServer.start(vertx, new EchoServer(), "charlie"), GenServer.start(vertx, new EchoServer(), "alpha"),
          GenServer.start(vertx, new EchoServer(), "bravo"))
        .onComplete(ctx.succeeding(all -> ctx.verify(() -> {
          assertEquals(List.of("alpha", "bravo", "charlie"), List.copyOf(Registry.registered(vertx).keySet()));
          assertEquals(all.resultAt(1), Registry.registered(vertx).get("alpha"));
          ctx.completeNow();
        })));
    }

    @Test
    void aRegisteredNameIsAnEventBusAddress(Vertx vertx, VertxTestContext ctx) {
      spawn(vertx).compose(pid -> Registry.register(vertx, "alpha", pid))
        .compose(v -> vertx.eventBus().<JsonObject>request("alpha", new JsonObject().put("q", 1)))
        .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          assertEquals(new JsonObject().put("q", 1).put("echo", true), reply.body());
          ctx.completeNow();
        })));
    }

    @Test
    void aNameGivenAtStartIsAnEventBusAddress(Vertx vertx, VertxTestContext ctx) {
      GenServer.start(vertx, new EchoServer(), "alpha")
        .compose(pid -> vertx.eventBus().<JsonObject>request("alpha", new JsonObject().put("q", 2)))
        .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          assertEquals(new JsonObject().put("q", 2).put("echo", true), reply.body());
          ctx.completeNow();
        })));
    }
  }

  @Nested
  class Uniqueness {

    @Test
    void aTakenNameFailsAlreadyStartedNamingTheHolder(Vertx vertx, VertxTestContext ctx) {
      Future.all(spawn(vertx), spawn(vertx)).onComplete(ctx.succeeding(both -> {
        Pid holder = both.resultAt(0);
        Pid other = both.resultAt(1);
        Registry.register(vertx, "alpha", holder)
          .compose(v -> Registry.register(vertx, "alpha", other))
          .onComplete(ctx.failing(err -> ctx.verify(() -> {
            OtpException taken = assertFailure(OtpException.Failure.ALREADY_STARTED, err);
            assertEquals(holder, taken.pid());
            assertTrue(taken.getMessage().contains(holder.toString()), taken.getMessage());
            assertEquals(Optional.of(holder), Registry.whereis(vertx, "alpha"));
            ctx.completeNow();
          })));
      }));
    }

    @Test
    void startWithATakenNameFailsAlreadyStartedAndItsInitNeverRuns(Vertx vertx, VertxTestContext ctx) {
      EchoServer second = new EchoServer();
      GenServer.start(vertx, new EchoServer(), "alpha").onComplete(ctx.succeeding(holder ->
        GenServer.start(vertx, second, "alpha").onComplete(ctx.failing(err -> ctx.verify(() -> {
          OtpException taken = assertFailure(OtpException.Failure.ALREADY_STARTED, err);
          assertEquals(holder, taken.pid());
          assertFalse(second.initRan, "init of the refused server ran");
          assertEquals(Map.of("alpha", holder), Registry.registered(vertx));
          ctx.completeNow();
        })))));
    }

    @Test
    void registeringADeadPidFailsNoproc(Vertx vertx, VertxTestContext ctx) {
      spawn(vertx).compose(pid -> GenServer.stop(vertx, pid).map(pid))
        .compose(dead -> Registry.register(vertx, "alpha", dead))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertFailure(OtpException.Failure.NOPROC, err);
          assertEquals(Optional.empty(), Registry.whereis(vertx, "alpha"));
          ctx.completeNow();
        })));
    }

    @Test
    void registeringAPidNobodyHadFailsNoproc(Vertx vertx, VertxTestContext ctx) {
      Registry.register(vertx, "alpha", new Pid("elsewhere", 1)).onComplete(ctx.failing(err -> ctx.verify(() -> {
        assertFailure(OtpException.Failure.NOPROC, err);
        assertEquals(Map.of(), Registry.registered(vertx));
        ctx.completeNow();
      })));
    }
  }

  @Nested
  class NameIsFreedWhenTheHolderExits {

    /** Starts a named holder, ends it with {@code ending}, and checks the name is free for a new process. */
    private void checkNameFreed(Vertx vertx, VertxTestContext ctx, boolean registerAfterStart,
        BiFunction<Vertx, Pid, Object> ending, Class<? extends ExitReason> expected) {
      Future<Pid> started = registerAfterStart
        ? spawn(vertx).compose(pid -> Registry.register(vertx, "alpha", pid).map(pid))
        : GenServer.start(vertx, new EchoServer(), "alpha");
      started.onComplete(ctx.succeeding(old -> {
        Monitor monitor = Processes.monitor(vertx, old);
        ending.apply(vertx, old);
        monitor.down().compose(down -> {
          ctx.verify(() -> {
            assertInstanceOf(expected, down.reason());
            assertEquals(Optional.empty(), Registry.whereis(vertx, "alpha"));
            assertFalse(Registry.registered(vertx).containsKey("alpha"));
          });
          return GenServer.start(vertx, new EchoServer(), "alpha");
        }).onComplete(ctx.succeeding(fresh -> ctx.verify(() -> {
          assertNotEquals(old, fresh);
          assertEquals(Optional.of(fresh), Registry.whereis(vertx, "alpha"));
          ctx.completeNow();
        })));
      }));
    }

    @Test
    void nameIsFreedWhenTheProcessStopsNormally(Vertx vertx, VertxTestContext ctx) {
      checkNameFreed(vertx, ctx, false, GenServer::stop, ExitReason.Normal.class);
    }

    @Test
    void nameIsFreedWhenTheProcessCrashes(Vertx vertx, VertxTestContext ctx) {
      checkNameFreed(vertx, ctx, false, (v, pid) -> {
        GenServer.cast(v, pid, "crash");
        return null;
      }, ExitReason.Error.class);
    }

    @Test
    void nameIsFreedWhenTheProcessIsKilled(Vertx vertx, VertxTestContext ctx) {
      checkNameFreed(vertx, ctx, false, Processes::kill, ExitReason.Killed.class);
    }

    @Test
    void nameRegisteredAfterStartIsFreedWhenTheProcessIsKilled(Vertx vertx, VertxTestContext ctx) {
      checkNameFreed(vertx, ctx, true, Processes::kill, ExitReason.Killed.class);
    }

    @Test
    void nameRegisteredAfterStartIsFreedWhenTheProcessCrashes(Vertx vertx, VertxTestContext ctx) {
      checkNameFreed(vertx, ctx, true, (v, pid) -> {
        GenServer.cast(v, pid, "crash");
        return null;
      }, ExitReason.Error.class);
    }

    @Test
    void callByTheNameOfADeadProcessFailsNoproc(Vertx vertx, VertxTestContext ctx) {
      GenServer.start(vertx, new EchoServer(), "alpha").onComplete(ctx.succeeding(pid -> {
        Monitor monitor = Processes.monitor(vertx, pid);
        Processes.kill(vertx, pid);
        monitor.down()
          .compose(down -> GenServer.call(vertx, "alpha", "ping"))
          .onComplete(ctx.failing(err -> ctx.verify(() -> {
            assertFailure(OtpException.Failure.NOPROC, err);
            ctx.completeNow();
          })));
      }));
    }
  }

  @Nested
  class Unregistering {

    @Test
    void unregisterFreesTheNameAndTheProcessGoesOn(Vertx vertx, VertxTestContext ctx) {
      spawn(vertx).compose(pid -> Registry.register(vertx, "alpha", pid).map(pid))
        .compose(pid -> {
          ctx.verify(() -> {
            assertTrue(Registry.unregister(vertx, "alpha"));
            assertEquals(Optional.empty(), Registry.whereis(vertx, "alpha"));
          });
          return GenServer.<String>call(vertx, pid, "ping");
        })
        .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          assertEquals("pong", reply);
          ctx.completeNow();
        })));
    }

    @Test
    void unregisterOfANameNobodyHoldsReturnsFalse(Vertx vertx, VertxTestContext ctx) {
      ctx.verify(() -> {
        assertFalse(Registry.unregister(vertx, "nobody"));
        ctx.completeNow();
      });
    }

    @Test
    void anUnregisteredNameCanBeTakenByAnotherProcess(Vertx vertx, VertxTestContext ctx) {
      Future.all(spawn(vertx), spawn(vertx)).onComplete(ctx.succeeding(both -> {
        Pid first = both.resultAt(0);
        Pid second = both.resultAt(1);
        Registry.register(vertx, "alpha", first)
          .compose(v -> {
            Registry.unregister(vertx, "alpha");
            return Registry.register(vertx, "alpha", second);
          })
          .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
            assertEquals(Optional.of(second), Registry.whereis(vertx, "alpha"));
            assertEquals(Map.of("alpha", second), Registry.registered(vertx));
            ctx.completeNow();
          })));
      }));
    }

    @Test
    void anUnregisteredNameIsNoLongerAnEventBusAddress(Vertx vertx, VertxTestContext ctx) {
      spawn(vertx).compose(pid -> Registry.register(vertx, "alpha", pid).map(pid))
        .compose(pid -> {
          Registry.unregister(vertx, "alpha");
          // The process drops its consumer in its own mailbox order: once it answers, it is gone.
          return GenServer.call(vertx, pid, "ping");
        })
        .compose(pong -> vertx.eventBus().request("alpha", new JsonObject()))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          ReplyException reply = assertInstanceOf(ReplyException.class, err);
          assertEquals(ReplyFailure.NO_HANDLERS, reply.failureType());
          ctx.completeNow();
        })));
    }

    @Test
    void afterUnregisterEveryMessageToTheNameReachesItsNewHolder(Vertx vertx, VertxTestContext ctx) {
      // Erlang's unregister is synchronous: once it returns, the old holder gets nothing sent to
      // the name. The old holder here is an agent kept busy, so it cannot drop its consumer before
      // the messages go out; an agent answers JSON with a 400, the echo server with an echo.
      CountDownLatch busy = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      // The blocking part runs for a context of the test's own: from the agent's, its call would be calling_self.
      Context tester = vertx.getOrCreateContext();
      Future.all(Agent.start(vertx, () -> 0), spawn(vertx)).onComplete(ctx.succeeding(both -> {
        Agent<Integer> old = both.resultAt(0);
        Pid fresh = both.resultAt(1);
        Registry.register(vertx, "alpha", old.pid()).compose(v -> tester.executeBlocking(() -> {
          old.get(n -> {
            busy.countDown();
            return await(release) ? n : -1;
          });
          if (!await(busy)) {
            throw new IllegalStateException("the old holder never got busy");
          }
          Registry.unregister(vertx, "alpha");
          Registry.register(vertx, "alpha", fresh).toCompletionStage().toCompletableFuture().get(2, TimeUnit.SECONDS);
          List<Future<Message<Object>>> replies = new ArrayList<>();
          for (int i = 0; i < 4; i++) {
            replies.add(vertx.eventBus().request("alpha", new JsonObject().put("i", i)));
          }
          release.countDown();
          return Future.join(replies);
        })).compose(joined -> joined).onComplete(ar -> ctx.verify(() -> {
          if (ar.failed()) {
            throw new AssertionError("a message to 'alpha' did not reach its new holder " + fresh + ": " + ar.cause(), ar.cause());
          }
          CompositeFuture replies = ar.result();
          for (int i = 0; i < 4; i++) {
            Message<Object> reply = replies.resultAt(i);
            assertEquals(new JsonObject().put("i", i).put("echo", true), reply.body());
          }
          ctx.completeNow();
        }));
      }));
    }

    @Test
    void theOldHoldersDeathDoesNotFreeANameItNoLongerHolds(Vertx vertx, VertxTestContext ctx) {
      Future.all(spawn(vertx), spawn(vertx)).onComplete(ctx.succeeding(both -> {
        Pid first = both.resultAt(0);
        Pid second = both.resultAt(1);
        Registry.register(vertx, "alpha", first)
          .compose(v -> {
            Registry.unregister(vertx, "alpha");
            return Registry.register(vertx, "alpha", second);
          })
          .compose(v -> {
            Monitor monitor = Processes.monitor(vertx, first);
            Processes.kill(vertx, first);
            return monitor.down();
          })
          .onComplete(ctx.succeeding(down -> ctx.verify(() -> {
            assertEquals(Optional.of(second), Registry.whereis(vertx, "alpha"));
            ctx.completeNow();
          })));
      }));
    }
  }

  @Nested
  class InvalidNames {

    @ParameterizedTest
    @ValueSource(strings = {"", "   ", "two words", "tab\tname", "line\nbreak", "otpx.pid.abc.1", "otpx.pid."})
    void registerRejectsAnInvalidName(String name, Vertx vertx, VertxTestContext ctx) {
      spawn(vertx).onComplete(ctx.succeeding(pid -> ctx.verify(() -> {
        assertThrows(IllegalArgumentException.class, () -> Registry.register(vertx, name, pid));
        assertEquals(Map.of(), Registry.registered(vertx));
        ctx.completeNow();
      })));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "two words", "otpx.pid.abc.1"})
    void startRejectsAnInvalidNameBeforeStarting(String name, Vertx vertx, VertxTestContext ctx) {
      EchoServer server = new EchoServer();
      ctx.verify(() -> {
        assertThrows(IllegalArgumentException.class, () -> GenServer.start(vertx, server, name));
        assertFalse(server.initRan);
        assertTrue(vertx.deploymentIDs().isEmpty());
        ctx.completeNow();
      });
    }

    @Test
    void registerRejectsANullName(Vertx vertx, VertxTestContext ctx) {
      ctx.verify(() -> {
        assertThrows(NullPointerException.class, () -> Registry.register(vertx, null, new Pid("n", 1)));
        ctx.completeNow();
      });
    }

    @Test
    void dottedAndSlashedNamesAreFine(Vertx vertx, VertxTestContext ctx) {
      spawn(vertx).compose(pid -> Registry.register(vertx, "counter.main", pid)
          .compose(v -> Registry.register(vertx, "otpx.pidgeon/1", pid)).map(pid))
        .onComplete(ctx.succeeding(pid -> ctx.verify(() -> {
          assertEquals(Optional.of(pid), Registry.whereis(vertx, "counter.main"));
          assertEquals(Optional.of(pid), Registry.whereis(vertx, "otpx.pidgeon/1"));
          ctx.completeNow();
        })));
    }
  }
}
