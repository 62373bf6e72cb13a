package dev.otpx.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class GenServerTest {

  static Future<Pid> start(Vertx vertx, ScriptedServer server, String init) {
    return GenServer.start(vertx, server, new DeploymentOptions().setConfig(new JsonObject().put("init", init)), null);
  }

  static Future<Pid> start(Vertx vertx, ScriptedServer server) {
    return start(vertx, server, "ok");
  }

  static OtpException otp(Throwable t) {
    assertThat(t).isInstanceOf(OtpException.class);
    return (OtpException) t;
  }

  @Nested
  class Init {

    @Test
    void okStartsTheProcessAndReturnsItsPid(Vertx vertx, VertxTestContext ctx) {
      ScriptedServer server = new ScriptedServer();
      start(vertx, server).onComplete(ctx.succeeding(pid -> ctx.verify(() -> {
        assertThat(pid).isEqualTo(server.self());
        assertThat(Processes.isAlive(vertx, pid)).isTrue();
        ctx.completeNow();
      })));
    }

    @Test
    void stopFailsTheStartWithTheReasonAndSkipsTerminate(Vertx vertx, VertxTestContext ctx) {
      ScriptedServer server = new ScriptedServer();
      start(vertx, server, "stop").onComplete(ctx.failing(err -> ctx.verify(() -> {
        assertThat(otp(err).failure()).isEqualTo(OtpException.Failure.EXIT);
        assertThat(otp(err).reason()).isEqualTo(ExitReason.shutdown("refused"));
        assertThat(server.terminated).isEmpty();
        assertThat(Processes.isAlive(vertx, server.self())).isFalse();
        ctx.completeNow();
      })));
    }

    @Test
    void ignoreFailsTheStartWithIgnore(Vertx vertx, VertxTestContext ctx) {
      ScriptedServer server = new ScriptedServer();
      start(vertx, server, "ignore").onComplete(ctx.failing(err -> ctx.verify(() -> {
        assertThat(otp(err).failure()).isEqualTo(OtpException.Failure.IGNORE);
        assertThat(Processes.isAlive(vertx, server.self())).isFalse();
        ctx.completeNow();
      })));
    }

    @Test
    void anExceptionInInitFailsTheStartWithTheError(Vertx vertx, VertxTestContext ctx) {
      ScriptedServer server = new ScriptedServer();
      start(vertx, server, "throw").onComplete(ctx.failing(err -> ctx.verify(() -> {
        assertThat(otp(err).failure()).isEqualTo(OtpException.Failure.EXIT);
        assertThat(otp(err).reason()).isInstanceOf(ExitReason.Error.class);
        assertThat(((ExitReason.Error) otp(err).reason()).message()).contains("init blew up");
        assertThat(server.terminated).isEmpty();
        ctx.completeNow();
      })));
    }

    @Test
    void aFailedInitFutureFailsTheStartAndLeavesNoDeployment(Vertx vertx, VertxTestContext ctx) {
      ScriptedServer server = new ScriptedServer();
      int before = vertx.deploymentIDs().size();
      start(vertx, server, "fail").onComplete(ctx.failing(err -> ctx.verify(() -> {
        assertThat(((ExitReason.Error) otp(err).reason()).message()).contains("init failed");
        assertThat(vertx.deploymentIDs()).hasSize(before);
        ctx.completeNow();
      })));
    }

    @Test
    void messagesSentDuringInitWaitAndAreHandledInOrderAfterIt(Vertx vertx, VertxTestContext ctx) {
      ScriptedServer server = new ScriptedServer();
      Context client = vertx.getOrCreateContext();
      Future<Pid> started = start(vertx, server, "later");
      // The pid exists as soon as the verticle starts, before init finishes.
      server.initBegan.future().onComplete(ctx.succeeding(pid -> client.runOnContext(v -> {
        GenServer.cast(vertx, pid, "first");
        Future<List<Object>> state = GenServer.call(vertx, pid, "state");
        ctx.verify(() -> assertThat(started.isComplete()).isFalse());
        server.finishInit();
        state.onComplete(ctx.succeeding(seen -> ctx.verify(() -> {
          assertThat(seen).containsExactly("first", "state");
          ctx.completeNow();
        })));
      })));
    }
  }

  @Nested
  class Calls {

    @Test
    void replyAnswersTheCaller(Vertx vertx, VertxTestContext ctx) {
      start(vertx, new ScriptedServer())
        .compose(pid -> GenServer.<String>call(vertx, pid, "ping"))
        .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          assertThat(reply).isEqualTo("pong");
          ctx.completeNow();
        })));
    }

    @Test
    void noReplyLetsTheServerAnswerLaterThroughFrom(Vertx vertx, VertxTestContext ctx) {
      ScriptedServer server = new ScriptedServer();
      start(vertx, server).onComplete(ctx.succeeding(pid -> {
        GenServer.<String>call(vertx, pid, "keep").onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          assertThat(reply).isEqualTo("released");
          ctx.completeNow();
        })));
        GenServer.cast(vertx, pid, "release");
      }));
    }

    @Test
    void errorReplyFailsTheCallWithTheServersCode(Vertx vertx, VertxTestContext ctx) {
      start(vertx, new ScriptedServer())
        .compose(pid -> GenServer.call(vertx, pid, "error"))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertThat(otp(err).failure()).isEqualTo(OtpException.Failure.ERROR);
          assertThat(otp(err).code()).isEqualTo("bad_thing");
          ctx.completeNow();
        })));
    }

    @Test
    void stopWithReplyAnswersThenExitsWithTheReasonAfterTerminate(Vertx vertx, VertxTestContext ctx) {
      ScriptedServer server = new ScriptedServer();
      start(vertx, server).onComplete(ctx.succeeding(pid -> {
        Monitor monitor = Processes.monitor(vertx, pid);
        GenServer.<String>call(vertx, pid, "stop-reply").onComplete(ctx.succeeding(reply -> ctx.verify(() ->
          assertThat(reply).isEqualTo("bye"))));
        monitor.down().onComplete(ctx.succeeding(down -> ctx.verify(() -> {
          assertThat(down.reason()).isEqualTo(ExitReason.NORMAL);
          assertThat(server.terminated).containsExactly(ExitReason.NORMAL);
          ctx.completeNow();
        })));
      }));
    }

    @Test
    void stopWithoutReplyFailsTheCallerWithTheExit(Vertx vertx, VertxTestContext ctx) {
      start(vertx, new ScriptedServer())
        .compose(pid -> GenServer.call(vertx, pid, "stop-noreply", Duration.ofSeconds(30)))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertThat(otp(err).failure()).isEqualTo(OtpException.Failure.EXIT);
          assertThat(otp(err).reason()).isEqualTo(ExitReason.shutdown("done"));
          ctx.completeNow();
        })));
    }

    @Test
    void aCallbackThatReturnsNullCrashesTheServer(Vertx vertx, VertxTestContext ctx) {
      start(vertx, new ScriptedServer())
        .compose(pid -> GenServer.call(vertx, pid, "null"))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertThat(otp(err).reason()).isInstanceOf(ExitReason.Error.class);
          ctx.completeNow();
        })));
    }

    @Test
    void requestsAreCopiedSoTheCallerCannotChangeThemAfterwards(Vertx vertx, VertxTestContext ctx) {
      JsonObject request = new JsonObject().put("n", 1);
      start(vertx, new ScriptedServer()).onComplete(ctx.succeeding(pid -> {
        Future<JsonObject> reply = GenServer.call(vertx, pid, request);
        request.put("n", 2);
        reply.onComplete(ctx.succeeding(json -> ctx.verify(() -> {
          assertThat(json.getInteger("n")).isEqualTo(1);
          assertThat(request.containsKey("seen")).isFalse();
          ctx.completeNow();
        })));
      }));
    }
  }

  @Nested
  class CallFailures {

    @Test
    void anUnknownNameFailsWithNoprocAtOnce(Vertx vertx, VertxTestContext ctx) {
      Future<Object> call = GenServer.call(vertx, "nobody.here", "ping", Duration.ofMinutes(1));
      // Failed already, not after any timeout.
      assertThat(call.failed()).isTrue();
      ctx.verify(() -> assertThat(otp(call.cause()).failure()).isEqualTo(OtpException.Failure.NOPROC));
      ctx.completeNow();
    }

    @Test
    void aDeadPidFailsWithNoprocAtOnce(Vertx vertx, VertxTestContext ctx) {
      start(vertx, new ScriptedServer())
        .compose(pid -> GenServer.stop(vertx, pid).map(pid))
        .onComplete(ctx.succeeding(pid -> ctx.verify(() -> {
          Future<Object> call = GenServer.call(vertx, pid, "ping", Duration.ofMinutes(1));
          assertThat(call.failed()).isTrue();
          assertThat(otp(call.cause()).failure()).isEqualTo(OtpException.Failure.NOPROC);
          ctx.completeNow();
        })));
    }

    @Test
    void aServerThatDiesBeforeReplyingFailsTheCallerAtOnceWithTheReason(Vertx vertx, VertxTestContext ctx) {
      ScriptedServer server = new ScriptedServer();
      start(vertx, server).onComplete(ctx.succeeding(pid -> {
        // The call waits for a reply that never comes; the kill must end the wait, not the timeout.
        GenServer.call(vertx, pid, "keep", Duration.ofMinutes(5)).onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertThat(otp(err).failure()).isEqualTo(OtpException.Failure.EXIT);
          assertThat(otp(err).reason()).isEqualTo(ExitReason.KILLED);
          assertThat(otp(err).pid()).isEqualTo(pid);
          ctx.completeNow();
        })));
        GenServer.call(vertx, pid, "ping").onComplete(ctx.succeeding(pong -> Processes.kill(vertx, pid)));
      }));
    }

    @Test
    void aCrashInHandleCallFailsTheCallerWithTheError(Vertx vertx, VertxTestContext ctx) {
      ScriptedServer server = new ScriptedServer();
      start(vertx, server)
        .compose(pid -> GenServer.call(vertx, pid, "throw", Duration.ofMinutes(1)))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertThat(otp(err).failure()).isEqualTo(OtpException.Failure.EXIT);
          assertThat(((ExitReason.Error) otp(err).reason()).message()).contains("call blew up");
          ctx.completeNow();
        })));
    }

    @Test
    void callsQueuedBehindACrashFailWithTheSameExit(Vertx vertx, VertxTestContext ctx) {
      ScriptedServer server = new ScriptedServer();
      start(vertx, server).onComplete(ctx.succeeding(pid -> {
        // The first call holds the mailbox, so the second is surely queued when the server crashes.
        Future<Object> holding = GenServer.call(vertx, pid, "await", Duration.ofMinutes(1));
        Future<Object> queued = GenServer.call(vertx, pid, "ping", Duration.ofMinutes(1));
        server.awaitGate.fail(new IllegalStateException("crash while holding"));
        Future.join(holding, queued).onComplete(ar -> ctx.verify(() -> {
          for (Future<Object> call : List.of(holding, queued)) {
            assertThat(otp(call.cause()).failure()).isEqualTo(OtpException.Failure.EXIT);
            assertThat(((ExitReason.Error) otp(call.cause()).reason()).message()).contains("crash while holding");
          }
          ctx.completeNow();
        }));
      }));
    }

    @Test
    void noReplyInTimeFailsWithTimeoutAndTheLateReplyIsDropped(Vertx vertx, VertxTestContext ctx) {
      VirtualClock clock = VirtualClock.install(vertx);
      ScriptedServer server = new ScriptedServer();
      start(vertx, server).onComplete(ctx.succeeding(pid -> {
        Future<String> first = GenServer.call(vertx, pid, "keep", Duration.ofMillis(50));
        // The call's time runs out on the node's clock, not on the wall's.
        clock.advance(Duration.ofMillis(50));
        first.onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertThat(otp(err).failure()).isEqualTo(OtpException.Failure.TIMEOUT);
          // The server answers now, after the timeout; that answer must reach nobody.
          GenServer.cast(vertx, pid, "release-late");
          GenServer.<String>call(vertx, pid, "ping").onComplete(ctx.succeeding(pong -> ctx.verify(() -> {
            assertThat(pong).isEqualTo("pong");
            assertThat(server.kept.isDone()).isTrue();
            assertThat(first.cause()).isSameAs(err);
            assertThat(Processes.isAlive(vertx, pid)).isTrue();
            ctx.completeNow();
          })));
        })));
      }));
    }

    @Test
    void aProcessCallingItselfFailsWithCallingSelf(Vertx vertx, VertxTestContext ctx) {
      start(vertx, new ScriptedServer())
        .compose(pid -> GenServer.<String>call(vertx, pid, "call-self"))
        .onComplete(ctx.succeeding(code -> ctx.verify(() -> {
          assertThat(code).isEqualTo("calling_self");
          ctx.completeNow();
        })));
    }
  }

  @Nested
  class Casts {

    @Test
    void castToNobodyReturnsAndNeverFails(Vertx vertx, VertxTestContext ctx) {
      GenServer.cast(vertx, "nobody.here", "hello");
      GenServer.cast(vertx, new Pid("elsewhere", 42), "hello");
      ctx.completeNow();
    }

    @Test
    void castsAreHandledInTheOrderSent(Vertx vertx, VertxTestContext ctx) {
      start(vertx, new ScriptedServer()).onComplete(ctx.succeeding(pid -> {
        for (int i = 0; i < 100; i++) {
          GenServer.cast(vertx, pid, "c" + i);
        }
        GenServer.<List<Object>>call(vertx, pid, "state").onComplete(ctx.succeeding(state -> ctx.verify(() -> {
          assertThat(state).hasSize(101);
          for (int i = 0; i < 100; i++) {
            assertThat(state.get(i)).isEqualTo("c" + i);
          }
          ctx.completeNow();
        })));
      }));
    }

    @Test
    void anExceptionInHandleCastCrashesTheServerAndRunsTerminate(Vertx vertx, VertxTestContext ctx) {
      ScriptedServer server = new ScriptedServer();
      start(vertx, server).onComplete(ctx.succeeding(pid -> {
        Processes.monitor(vertx, pid).down().onComplete(ctx.succeeding(down -> ctx.verify(() -> {
          assertThat(((ExitReason.Error) down.reason()).message()).contains("cast blew up");
          assertThat(server.terminated).containsExactly(down.reason());
          ctx.completeNow();
        })));
        GenServer.cast(vertx, pid, "throw");
      }));
    }

    @Test
    void stopFromHandleCastExitsWithItsReason(Vertx vertx, VertxTestContext ctx) {
      ScriptedServer server = new ScriptedServer();
      start(vertx, server).onComplete(ctx.succeeding(pid -> {
        Processes.monitor(vertx, pid).down().onComplete(ctx.succeeding(down -> ctx.verify(() -> {
          assertThat(down.reason()).isEqualTo(ExitReason.shutdown("cast"));
          assertThat(down.reason().isNormal()).isTrue();
          ctx.completeNow();
        })));
        GenServer.cast(vertx, pid, "stop");
      }));
    }
  }

  @Nested
  class Infos {

    @Test
    void sendAfterDeliversToHandleInfo(Vertx vertx, VertxTestContext ctx) {
      VirtualClock clock = VirtualClock.install(vertx);
      start(vertx, new ScriptedServer())
        .compose(pid -> GenServer.call(vertx, pid, "send-after")
          .compose(scheduled -> GenServer.<List<Object>>call(vertx, pid, "state"))
          .compose(before -> {
            ctx.verify(() -> assertThat(before).doesNotContain("info:tick"));
            return clock.advance(Duration.ofMillis(10));
          })
          .compose(v -> GenServer.<List<Object>>call(vertx, pid, "state")))
        .onComplete(ctx.succeeding(state -> ctx.verify(() -> {
          assertThat(state).containsSubsequence("state", "info:tick", "state");
          ctx.completeNow();
        })));
    }

    @Test
    void aCancelledTimerNeverFires(Vertx vertx, VertxTestContext ctx) {
      VirtualClock clock = VirtualClock.install(vertx);
      start(vertx, new ScriptedServer()).onComplete(ctx.succeeding(pid -> {
        GenServer.<Boolean>call(vertx, pid, "cancel-timer").onComplete(ctx.succeeding(cancelled -> ctx.verify(() -> {
          assertThat(cancelled).isTrue();
          assertThat(clock.pendingTimers()).isZero();
          // Past its time: had it not been cancelled, it would have fired by the end of the advance.
          clock.advance(Duration.ofMillis(60)).compose(v -> GenServer.<List<Object>>call(vertx, pid, "state"))
            .onComplete(ctx.succeeding(state -> ctx.verify(() -> {
              assertThat(state).doesNotContain("info:never");
              ctx.completeNow();
            })));
        })));
      }));
    }

    @Test
    void plainSendsGoToHandleInfo(Vertx vertx, VertxTestContext ctx) {
      start(vertx, new ScriptedServer()).onComplete(ctx.succeeding(pid -> {
        Processes.send(vertx, pid, "hello");
        GenServer.<List<Object>>call(vertx, pid, "state").onComplete(ctx.succeeding(state -> ctx.verify(() -> {
          assertThat(state).containsExactly("info:hello", "state");
          ctx.completeNow();
        })));
      }));
    }

    @Test
    void anExceptionInHandleInfoCrashesTheServer(Vertx vertx, VertxTestContext ctx) {
      ScriptedServer server = new ScriptedServer();
      start(vertx, server).onComplete(ctx.succeeding(pid -> {
        Processes.monitor(vertx, pid).down().onComplete(ctx.succeeding(down -> ctx.verify(() -> {
          assertThat(((ExitReason.Error) down.reason()).message()).contains("info blew up");
          assertThat(server.terminated).hasSize(1);
          ctx.completeNow();
        })));
        Processes.send(vertx, pid, "throw");
      }));
    }

    @Test
    void anExceptionOutsideTheCallbacksInTheProcessContextCrashesIt(Vertx vertx, VertxTestContext ctx) {
      start(vertx, new ScriptedServer()).onComplete(ctx.succeeding(pid -> {
        Processes.monitor(vertx, pid).down().onComplete(ctx.succeeding(down -> ctx.verify(() -> {
          assertThat(((ExitReason.Error) down.reason()).message()).contains("timer blew up");
          assertThat(Processes.isAlive(vertx, pid)).isFalse();
          ctx.completeNow();
        })));
        GenServer.call(vertx, pid, "timer-throws");
      }));
    }

    @Test
    void theDefaultHandleInfoIgnoresUnexpectedMessages(Vertx vertx, VertxTestContext ctx) {
      GenServer<Integer> plain = new GenServer<>() {
        @Override
        protected Future<InitResult<Integer>> init(JsonObject args) {
          return Future.succeededFuture(InitResult.ok(7));
        }

        @Override
        protected CallResult<Integer> handleCall(Object request, From from, Integer state) {
          return CallResult.reply(state, state);
        }
      };
      GenServer.start(vertx, plain).onComplete(ctx.succeeding(pid -> {
        Processes.send(vertx, pid, "unexpected");
        GenServer.<Integer>call(vertx, pid, "get").onComplete(ctx.succeeding(state -> ctx.verify(() -> {
          assertThat(state).isEqualTo(7);
          ctx.completeNow();
        })));
      }));
    }

    @Test
    void theDefaultHandleCastCrashesLikeElixirs(Vertx vertx, VertxTestContext ctx) {
      GenServer<Integer> plain = new GenServer<>() {
        @Override
        protected Future<InitResult<Integer>> init(JsonObject args) {
          return Future.succeededFuture(InitResult.ok(7));
        }
      };
      GenServer.start(vertx, plain).onComplete(ctx.succeeding(pid -> {
        Processes.monitor(vertx, pid).down().onComplete(ctx.succeeding(down -> ctx.verify(() -> {
          assertThat(down.reason()).isInstanceOf(ExitReason.Error.class);
          ctx.completeNow();
        })));
        GenServer.cast(vertx, pid, "anything");
      }));
    }
  }

  @Nested
  class Awaiting {

    @Test
    void anAwaitedCallRepliesWhenItsFutureCompletesAndHoldsLaterMessagesUntilThen(Vertx vertx, VertxTestContext ctx) {
      ScriptedServer server = new ScriptedServer();
      start(vertx, server).onComplete(ctx.succeeding(pid -> {
        Future<String> awaited = GenServer.call(vertx, pid, "await");
        GenServer.cast(vertx, pid, "later");
        Future<List<Object>> state = GenServer.call(vertx, pid, "state");
        // Nothing after the awaiting call is handled until the gate opens: the cast and the call are
        // in the mailbox before the server takes the first call, and the gate opens after that.
        server.awaitBegan.future().onComplete(ctx.succeeding(began -> vertx.runOnContext(v -> ctx.verify(() -> {
          assertThat(awaited.isComplete()).isFalse();
          assertThat(state.isComplete()).isFalse();
          server.awaitGate.complete("done");
        }))));
        Future.all(awaited, state).onComplete(ctx.succeeding(both -> ctx.verify(() -> {
          assertThat(awaited.result()).isEqualTo("done");
          assertThat(state.result()).containsExactly("await", "resumed", "later", "state");
          ctx.completeNow();
        })));
      }));
    }

    @Test
    void aFailedAwaitCrashesTheServerAndFailsTheCaller(Vertx vertx, VertxTestContext ctx) {
      ScriptedServer server = new ScriptedServer();
      start(vertx, server).onComplete(ctx.succeeding(pid -> {
        GenServer.call(vertx, pid, "await").onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertThat(otp(err).failure()).isEqualTo(OtpException.Failure.EXIT);
          assertThat(((ExitReason.Error) otp(err).reason()).message()).contains("gate broke");
          assertThat(server.terminated).hasSize(1);
          ctx.completeNow();
        })));
        server.awaitBegan.future().onComplete(ar -> server.awaitGate.fail(new IllegalStateException("gate broke")));
      }));
    }

    @Test
    void aKillWhileSuspendedFailsTheAwaitingCallerAtOnce(Vertx vertx, VertxTestContext ctx) {
      ScriptedServer server = new ScriptedServer();
      start(vertx, server).onComplete(ctx.succeeding(pid -> {
        GenServer.call(vertx, pid, "await", Duration.ofMinutes(5)).onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertThat(otp(err).reason()).isEqualTo(ExitReason.KILLED);
          ctx.completeNow();
        })));
        server.awaitBegan.future().onComplete(ar -> Processes.kill(vertx, pid));
      }));
    }

    @Test
    void anAwaitedCastAppliesItsStateBeforeTheNextMessage(Vertx vertx, VertxTestContext ctx) {
      ScriptedServer server = new ScriptedServer();
      start(vertx, server).onComplete(ctx.succeeding(pid -> {
        GenServer.cast(vertx, pid, "await");
        GenServer.<List<Object>>call(vertx, pid, "state").onComplete(ctx.succeeding(state -> ctx.verify(() -> {
          assertThat(state).containsExactly("await", "resumed:go", "state");
          ctx.completeNow();
        })));
        server.awaitBegan.future().onComplete(ar -> vertx.runOnContext(v -> server.awaitGate.complete("go")));
      }));
    }
  }

  @Nested
  class Terminate {

    @Test
    void stopRunsTerminateWithTheReasonAndWaitsForTheExit(Vertx vertx, VertxTestContext ctx) {
      ScriptedServer server = new ScriptedServer();
      start(vertx, server)
        .compose(pid -> GenServer.stop(vertx, pid, ExitReason.shutdown("bye")).map(pid))
        .onComplete(ctx.succeeding(pid -> ctx.verify(() -> {
          assertThat(server.terminated).containsExactly(ExitReason.shutdown("bye"));
          assertThat(Processes.isAlive(vertx, pid)).isFalse();
          ctx.completeNow();
        })));
    }

    @Test
    void stopOfNobodyFailsWithNoproc(Vertx vertx, VertxTestContext ctx) {
      GenServer.stop(vertx, "nobody.here", ExitReason.NORMAL).onComplete(ctx.failing(err -> ctx.verify(() -> {
        assertThat(otp(err).failure()).isEqualTo(OtpException.Failure.NOPROC);
        ctx.completeNow();
      })));
    }

    @Test
    void killSkipsTerminate(Vertx vertx, VertxTestContext ctx) {
      ScriptedServer server = new ScriptedServer();
      start(vertx, server).onComplete(ctx.succeeding(pid -> {
        Processes.monitor(vertx, pid).down().onComplete(ctx.succeeding(down -> ctx.verify(() -> {
          assertThat(down.reason()).isEqualTo(ExitReason.KILLED);
          assertThat(server.terminated).isEmpty();
          ctx.completeNow();
        })));
        Processes.kill(vertx, pid);
      }));
    }

    @Test
    void undeployingTheVerticleIsAShutdownThatRunsTerminate(Vertx vertx, VertxTestContext ctx) {
      ScriptedServer server = new ScriptedServer();
      start(vertx, server).onComplete(ctx.succeeding(pid -> {
        Monitor monitor = Processes.monitor(vertx, pid);
        vertx.undeploy(server.deploymentID()).onComplete(ctx.succeeding(v -> ctx.verify(() -> {
          assertThat(server.terminated).containsExactly(ExitReason.SHUTDOWN);
          assertThat(monitor.down().result().reason()).isEqualTo(ExitReason.SHUTDOWN);
          ctx.completeNow();
        })));
      }));
    }

    @Test
    void aThrowingTerminateReplacesTheExitReason(Vertx vertx, VertxTestContext ctx) {
      ScriptedServer server = new ScriptedServer();
      server.terminateMode = "throw";
      start(vertx, server)
        .compose(pid -> GenServer.stop(vertx, pid, ExitReason.NORMAL))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertThat(otp(err).failure()).isEqualTo(OtpException.Failure.EXIT);
          assertThat(((ExitReason.Error) otp(err).reason()).message()).contains("terminate blew up");
          ctx.completeNow();
        })));
    }

    @Test
    void monitorsHearOnlyAfterAnAsynchronousTerminateHasFinished(Vertx vertx, VertxTestContext ctx) {
      ScriptedServer server = new ScriptedServer();
      server.terminateMode = "wait";
      server.terminateGate = Promise.promise();
      start(vertx, server).onComplete(ctx.succeeding(pid -> {
        Monitor monitor = Processes.monitor(vertx, pid);
        monitor.down().onComplete(ctx.succeeding(down -> ctx.verify(() -> {
          assertThat(server.terminateGate.future().isComplete()).isTrue();
          ctx.completeNow();
        })));
        GenServer.cast(vertx, pid, "stop");
        // terminate has started but holds the exit until the gate opens.
        server.terminateBegan.future().onComplete(ctx.succeeding(reason -> {
          ctx.verify(() -> assertThat(monitor.down().isComplete()).isFalse());
          server.terminateGate.complete();
        }));
      }));
    }

    @Test
    void aKillCutsALongTerminateShort(Vertx vertx, VertxTestContext ctx) {
      ScriptedServer server = new ScriptedServer();
      server.terminateMode = "wait";
      server.terminateGate = Promise.promise();
      start(vertx, server).onComplete(ctx.succeeding(pid -> {
        Processes.monitor(vertx, pid).down().onComplete(ctx.succeeding(down -> ctx.verify(() -> {
          assertThat(down.reason()).isEqualTo(ExitReason.KILLED);
          ctx.completeNow();
        })));
        GenServer.cast(vertx, pid, "stop");
        server.terminateBegan.future().onComplete(ctx.succeeding(reason -> Processes.kill(vertx, pid)));
      }));
    }
  }

  @Nested
  class MonitorsFromAProcess {

    @Test
    void downArrivesInHandleInfoWithTheExitReason(Vertx vertx, VertxTestContext ctx) {
      ScriptedServer watcher = new ScriptedServer();
      ScriptedServer watched = new ScriptedServer();
      Future.all(start(vertx, watcher), start(vertx, watched)).onComplete(ctx.succeeding(both -> {
        Processes.send(vertx, watcher.self(), new ScriptedServer.MonitorRequest(watched.self(), false));
        GenServer.call(vertx, watcher.self(), "ping")
          .compose(v -> GenServer.stop(vertx, watched.self(), ExitReason.shutdown("bye")))
          .compose(v -> watcher.downSeen.future())
          .onComplete(ctx.succeeding(down -> ctx.verify(() -> {
            assertThat(down.pid()).isEqualTo(watched.self());
            assertThat(down.reason()).isEqualTo(ExitReason.shutdown("bye"));
            assertThat(down.ref()).isEqualTo(watcher.monitorRef);
            ctx.completeNow();
          })));
      }));
    }

    @Test
    void monitoringADeadPidGivesDownNoproc(Vertx vertx, VertxTestContext ctx) {
      ScriptedServer watcher = new ScriptedServer();
      start(vertx, watcher).onComplete(ctx.succeeding(pid -> {
        Processes.send(vertx, pid, new ScriptedServer.MonitorRequest(new Pid("gone", 1), false));
        watcher.downSeen.future().onComplete(ctx.succeeding(down -> ctx.verify(() -> {
          assertThat(down.reason()).isEqualTo(ExitReason.NOPROC);
          ctx.completeNow();
        })));
      }));
    }

    @Test
    void demonitorDropsEvenADownAlreadyOnItsWay(Vertx vertx, VertxTestContext ctx) {
      ScriptedServer watcher = new ScriptedServer();
      start(vertx, watcher).onComplete(ctx.succeeding(pid -> {
        // Monitoring a dead pid queues a DOWN at once; demonitor in the same callback must drop it.
        Processes.send(vertx, pid, new ScriptedServer.MonitorRequest(new Pid("gone", 1), true));
        Processes.send(vertx, pid, "after");
        GenServer.<List<Object>>call(vertx, pid, "state").onComplete(ctx.succeeding(state -> ctx.verify(() -> {
          assertThat(state).containsExactly("demonitor:true", "info:after", "state");
          assertThat(watcher.downs).isEmpty();
          ctx.completeNow();
        })));
      }));
    }
  }

  @Nested
  class OverTheEventBus {

    @Test
    void aRequestToThePidAddressIsACall(Vertx vertx, VertxTestContext ctx) {
      start(vertx, new ScriptedServer())
        .compose(pid -> vertx.eventBus().<String>request(pid.address(), "ping"))
        .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          assertThat(reply.body()).isEqualTo("pong");
          ctx.completeNow();
        })));
    }

    @Test
    void aSendIsACast(Vertx vertx, VertxTestContext ctx) {
      start(vertx, new ScriptedServer()).onComplete(ctx.succeeding(pid -> {
        vertx.eventBus().send(pid.address(), "hello");
        GenServer.<List<Object>>call(vertx, pid, "state").onComplete(ctx.succeeding(state -> ctx.verify(() -> {
          assertThat(state).containsExactly("hello", "state");
          ctx.completeNow();
        })));
      }));
    }

    @Test
    void anErrorReplyArrivesAsAFailureWithItsCodeInTheMessage(Vertx vertx, VertxTestContext ctx) {
      start(vertx, new ScriptedServer())
        .compose(pid -> vertx.eventBus().request(pid.address(), "error"))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertThat(err).isInstanceOf(ReplyException.class);
          assertThat(((ReplyException) err).failureCode()).isEqualTo(OtpException.Failure.ERROR.failureCode());
          assertThat(err.getMessage()).startsWith("bad_thing:");
          ctx.completeNow();
        })));
    }

    @Test
    void aBusCallerIsFailedAtOnceWhenTheServerDies(Vertx vertx, VertxTestContext ctx) {
      start(vertx, new ScriptedServer()).onComplete(ctx.succeeding(pid -> {
        vertx.eventBus().request(pid.address(), "keep", new DeliveryOptions().setSendTimeout(300_000))
          .onComplete(ctx.failing(err -> ctx.verify(() -> {
            assertThat(((ReplyException) err).failureCode()).isEqualTo(OtpException.Failure.EXIT.failureCode());
            assertThat(err.getMessage()).contains("killed");
            ctx.completeNow();
          })));
        GenServer.call(vertx, pid, "ping").onComplete(ctx.succeeding(v -> Processes.kill(vertx, pid)));
      }));
    }

    @Test
    void thePidAddressStopsAnsweringOnceTheProcessIsGone(Vertx vertx, VertxTestContext ctx) {
      start(vertx, new ScriptedServer())
        .compose(pid -> GenServer.stop(vertx, pid).map(pid))
        .compose(pid -> vertx.eventBus().request(pid.address(), "ping"))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertThat(((ReplyException) err).failureType()).isEqualTo(io.vertx.core.eventbus.ReplyFailure.NO_HANDLERS);
          ctx.completeNow();
        })));
    }
  }

  /** Answers every call with the address it came on, and keeps the addresses of its casts. */
  static final class AddressEcho extends GenServer<Void> {
    final List<String> castAddresses = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Override
    protected Future<InitResult<Void>> init(JsonObject args) {
      return Future.succeededFuture(InitResult.ok(null));
    }

    @Override
    protected CallResult<Void> handleCall(Object request, From from, Void state) {
      return CallResult.reply(from.address(), null);
    }

    @Override
    protected CastResult<Void> handleCast(Object message, Void state) {
      castAddresses.add(castAddress());
      return CastResult.noReply(null);
    }
  }

  @Nested
  class TheAddressAMessageCameOn {

    private Future<AddressEcho> startWithTwoNames(Vertx vertx) {
      AddressEcho server = new AddressEcho();
      return GenServer.start(vertx, server, "addr.first")
        .compose(pid -> Registry.register(vertx, "addr.second", pid))
        .map(v -> server);
    }

    @Test
    void aCallKnowsTheNameOrPidItWasMadeTo(Vertx vertx, VertxTestContext ctx) {
      startWithTwoNames(vertx).compose(server -> Future.all(
          GenServer.<String>call(vertx, "addr.first", "which"),
          GenServer.<String>call(vertx, "addr.second", "which"),
          GenServer.<String>call(vertx, server.self(), "which"))
        .map(all -> {
          assertThat(List.of(all.<String>resultAt(0), all.<String>resultAt(1), all.<String>resultAt(2)))
            .containsExactly("addr.first", "addr.second", server.self().address());
          return null;
        }))
        .onComplete(ctx.succeedingThenComplete());
    }

    @Test
    void aRequestOverTheEventBusKnowsItsAddress(Vertx vertx, VertxTestContext ctx) {
      startWithTwoNames(vertx)
        .compose(server -> vertx.eventBus().<String>request("addr.second", new JsonObject()))
        .onComplete(ctx.succeeding(reply -> ctx.verify(() -> {
          assertThat(reply.body()).isEqualTo("addr.second");
          ctx.completeNow();
        })));
    }

    @Test
    void aCastKnowsItsAddressWhileItIsHandledOnly(Vertx vertx, VertxTestContext ctx) {
      startWithTwoNames(vertx).compose(server -> {
        GenServer.cast(vertx, "addr.first", "one");
        GenServer.cast(vertx, server.self(), "two");
        // A call after the casts from the same sender, on the same path, is handled after them.
        return GenServer.call(vertx, server.self(), "sync").compose(v -> {
          vertx.eventBus().send("addr.second", new JsonObject());
          return vertx.eventBus().request("addr.second", new JsonObject());
        }).map(v -> server);
      }).onComplete(ctx.succeeding(server -> ctx.verify(() -> {
        assertThat(server.castAddresses).containsExactly("addr.first", server.self().address(), "addr.second");
        ctx.completeNow();
      })));
    }
  }

  @Nested
  class Lifecycle {

    @Test
    void pidsAreUniqueAndCarryTheNode(Vertx vertx, VertxTestContext ctx) {
      Future.all(start(vertx, new ScriptedServer()), start(vertx, new ScriptedServer())).onComplete(ctx.succeeding(all -> ctx.verify(() -> {
        Pid a = all.resultAt(0);
        Pid b = all.resultAt(1);
        assertThat(a).isNotEqualTo(b);
        assertThat(a.node()).isEqualTo(b.node());
        assertThat(a.address()).isEqualTo("otpx.pid." + a.node() + "." + a.id());
        ctx.completeNow();
      })));
    }

    @Test
    void anInstanceStartsOnlyOnce(Vertx vertx, VertxTestContext ctx) {
      ScriptedServer server = new ScriptedServer();
      start(vertx, server).compose(pid -> start(vertx, server)).onComplete(ctx.failing(err -> ctx.verify(() -> {
        assertThat(err).isInstanceOf(IllegalStateException.class);
        ctx.completeNow();
      })));
    }

    @Test
    void anExitedProcessIsUndeployed(Vertx vertx, VertxTestContext ctx) {
      ScriptedServer server = new ScriptedServer();
      start(vertx, server).onComplete(ctx.succeeding(pid -> {
        String id = server.deploymentID();
        ctx.verify(() -> assertThat(vertx.deploymentIDs()).contains(id));
        GenServer.stop(vertx, pid).onComplete(ctx.succeeding(v -> vertx.setPeriodic(2, timer -> {
          if (!vertx.deploymentIDs().contains(id)) {
            vertx.cancelTimer(timer);
            ctx.completeNow();
          }
        })));
      }));
    }

    @Test
    void closingVertxShutsProcessesDownWithTerminate() throws Exception {
      // Closed from the test thread: a Vert.x instance cannot report its own close on its own loops.
      Vertx own = Vertx.vertx();
      ScriptedServer server = new ScriptedServer();
      start(own, server).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      own.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      assertThat(server.terminated).containsExactly(ExitReason.SHUTDOWN);
    }
  }
}
