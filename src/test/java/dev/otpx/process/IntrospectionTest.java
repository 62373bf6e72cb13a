package dev.otpx.process;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otpx.process.testing.EchoServer;
import io.vertx.core.Future;
import io.vertx.core.Promise;
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

/**
 * What an operator sees inside a running node: {@link Processes#status} (sys:get_status),
 * {@link GenServer#formatStatus} hiding secrets, {@link Processes#trace} (sys:trace), and a
 * supervisor's view of its children and its restart window.
 */
@ExtendWith(VertxExtension.class)
class IntrospectionTest {

  /** Holds a password in its state; "wait" suspends it on the gate; "get" answers its user. */
  static final class VaultServer extends GenServer<JsonObject> {
    final Promise<Void> gate = Promise.promise();

    @Override
    protected Future<InitResult<JsonObject>> init(JsonObject args) {
      return Future.succeededFuture(InitResult.ok(new JsonObject().put("user", "ada").put("password", "hunter2")));
    }

    @Override
    protected CallResult<JsonObject> handleCall(Object request, From from, JsonObject state) {
      if ("wait".equals(request)) {
        return CallResult.deferred(gate.future().map(v -> CallResult.reply("waited", state)));
      }
      return CallResult.reply(state.getString("user"), state);
    }

    @Override
    protected CastResult<JsonObject> handleCast(Object message, JsonObject state) {
      return CastResult.noReply(state);
    }

    @Override
    protected Object formatStatus(JsonObject state) {
      return state.copy().put("password", "***");
    }

    @Override
    protected Object formatMessage(Object message) {
      return message instanceof JsonObject json && json.containsKey("password") ? json.copy().put("password", "***") : message;
    }
  }

  @Nested
  class Status {

    @Test
    void aProcessShowsItsQueueCallsInFlightNamesAndUptimeWhileSuspended(Vertx vertx, VertxTestContext ctx) {
      VirtualClock clock = VirtualClock.install(vertx);
      VaultServer vault = new VaultServer();
      GenServer.start(vertx, vault, "vault").onComplete(ctx.succeeding(pid -> {
        Future<String> waited = GenServer.call(vertx, pid, "wait", Duration.ofSeconds(30));
        // Suspended on the gate: these wait in its mailbox, and the status still answers.
        GenServer.cast(vertx, pid, "a");
        GenServer.cast(vertx, pid, "b");
        Future<String> queuedCall = GenServer.call(vertx, pid, "get");
        clock.advance(Duration.ofMillis(1500))
          .compose(v -> Processes.status(vertx, pid))
          .onComplete(ctx.succeeding(status -> ctx.verify(() -> {
            assertThat(status.pid()).isEqualTo(pid);
            assertThat(status.names()).containsExactly("vault");
            assertThat(status.kind()).isEqualTo("VaultServer");
            assertThat(status.status()).isEqualTo("suspended");
            assertThat(status.messageQueueLength()).isEqualTo(3);
            assertThat(status.callsInFlight()).isEqualTo(2);
            assertThat(status.uptime()).isEqualTo(Duration.ofMillis(1500));
            vault.gate.complete();
            Future.all(waited, queuedCall).compose(v -> Processes.status(vertx, pid))
              .onComplete(ctx.succeeding(after -> ctx.verify(() -> {
                assertThat(after.status()).isEqualTo("running");
                assertThat(after.messageQueueLength()).isZero();
                assertThat(after.callsInFlight()).isZero();
                ctx.completeNow();
              })));
          })));
      }));
    }

    @Test
    void formatStatusHidesTheSecretsOfTheState(Vertx vertx, VertxTestContext ctx) {
      GenServer.start(vertx, new VaultServer()).compose(pid -> Processes.status(vertx, pid))
        .onComplete(ctx.succeeding(status -> ctx.verify(() -> {
          assertThat(status.state()).isEqualTo(new JsonObject().put("user", "ada").put("password", "***"));
          assertThat(status.toJson().encode()).doesNotContain("hunter2");
          ctx.completeNow();
        })));
    }

    @Test
    void theDefaultShowsTheStateCutToABoundedLength(Vertx vertx, VertxTestContext ctx) {
      EchoServer echo = new EchoServer();
      GenServer.start(vertx, echo).onComplete(ctx.succeeding(pid -> {
        for (int i = 0; i < 200; i++) {
          Processes.send(vertx, pid, "info-number-" + i);
        }
        Processes.status(vertx, pid).onComplete(ctx.succeeding(status -> ctx.verify(() -> {
          assertThat(status.state()).isInstanceOf(String.class);
          String shown = (String) status.state();
          assertThat(shown).startsWith("[info-number-0, info-number-1");
          assertThat(shown.length()).isLessThan(600);
          assertThat(shown).contains("chars)");
          ctx.completeNow();
        })));
      }));
    }

    @Test
    void aProcessThatIsGoneIsNoproc(Vertx vertx, VertxTestContext ctx) {
      GenServer.start(vertx, new EchoServer()).compose(pid -> GenServer.stop(vertx, pid).map(pid))
        .compose(dead -> Processes.status(vertx, dead))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertThat(((OtpException) err).failure()).isEqualTo(OtpException.Failure.NOPROC);
          ctx.completeNow();
        })));
    }
  }

  @Nested
  class Trace {

    @Test
    void theNextMessagesAreTracedWithRepliesAndHiddenSecretsThenTracingStops(Vertx vertx, VertxTestContext ctx) {
      List<ProcessEvent.Traced> traced = new CopyOnWriteArrayList<>();
      GenServer.start(vertx, new VaultServer()).onComplete(ctx.succeeding(pid -> {
        ProcessEvent.subscribe(vertx, event -> {
          if (event instanceof ProcessEvent.Traced t && t.pid().equals(pid)) {
            traced.add(t);
          }
        });
        Processes.trace(vertx, pid, 2)
          .compose(v -> GenServer.<String>call(vertx, pid, "get"))
          .compose(user -> {
            GenServer.cast(vertx, pid, new JsonObject().put("password", "swordfish"));
            // The third message is past the count: not traced.
            return GenServer.<String>call(vertx, pid, "get");
          })
          .compose(v -> Processes.status(vertx, pid))
          .onComplete(ctx.succeeding(status -> ctx.verify(() -> {
            assertThat(traced).extracting(ProcessEvent.Traced::kind).containsExactly("call", "reply", "cast");
            assertThat(traced.get(0).body()).isEqualTo("get");
            assertThat(traced.get(0).remaining()).isEqualTo(1);
            assertThat(traced.get(1).body()).isEqualTo("ada");
            assertThat(traced.get(2).body()).isEqualTo(new JsonObject().put("password", "***"));
            assertThat(traced.get(2).size()).isEqualTo("{\"password\":\"swordfish\"}".length());
            assertThat(traced.get(2).remaining()).isZero();
            assertThat(status.traceRemaining()).isZero();
            ctx.completeNow();
          })));
      }));
    }

    @Test
    void aTraceIsBoundedAndNeedsALiveProcess(Vertx vertx, VertxTestContext ctx) {
      GenServer.start(vertx, new EchoServer()).onComplete(ctx.succeeding(pid -> ctx.verify(() -> {
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
          () -> Processes.trace(vertx, pid, Processes.MAX_TRACE + 1));
        Processes.trace(vertx, pid, 5).compose(v -> Processes.status(vertx, pid))
          .onComplete(ctx.succeeding(status -> ctx.verify(() -> {
            assertThat(status.traceRemaining()).isEqualTo(5);
            ctx.completeNow();
          })));
      })));
    }
  }

  @Nested
  class Supervisors {

    @Test
    void childrenShowStatusShutdownUptimeAndTheWindowCountsOnlyRecentRestarts(Vertx vertx, VertxTestContext ctx) {
      VirtualClock clock = VirtualClock.install(vertx);
      Journal journal = new Journal();
      SupervisorTest.supervise(vertx, SupervisorFlags.of(Strategy.ONE_FOR_ONE).withIntensity(3, 5),
          JournaledWorker.spec("a", journal),
          JournaledWorker.ignoring("b", journal).withRestart(Restart.TRANSIENT),
          JournaledWorker.spec("c", journal).withBackoff(new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(10), 0)))
        .onComplete(ctx.succeeding(sup -> SupervisorTest.exit(vertx, "a", "crash")
          .compose(d -> journal.await("start:a", 2))
          .compose(e -> SupervisorTest.exit(vertx, "c", "crash"))
          .compose(d -> clock.advance(Duration.ofMillis(700)))
          .compose(v -> Supervisor.info(vertx, sup))
          .compose(info -> {
            ctx.verify(() -> {
              assertThat(info.children()).extracting(Supervisor.ChildInfo::id).containsExactly("c", "b", "a");
              assertThat(info.children()).extracting(Supervisor.ChildInfo::status)
                .containsExactly("backing_off", "ignored", "running");
              Supervisor.ChildInfo a = info.children().get(2);
              assertThat(a.restarts()).isEqualTo(1);
              assertThat(a.uptime()).isEqualTo(Duration.ofMillis(700));
              assertThat(a.shutdown()).isEqualTo(Shutdown.DEFAULT_WORKER);
              assertThat(a.toJson().getLong("shutdown")).isEqualTo(5000L);
              assertThat(info.toJson().getInteger("restarts_in_window")).isEqualTo(2);
            });
            // Past the period, the window is empty though nothing restarted since.
            return clock.advance(Duration.ofSeconds(5)).compose(v -> Processes.status(vertx, sup));
          })
          .onComplete(ctx.succeeding(status -> ctx.verify(() -> {
            JsonObject shown = (JsonObject) status.state();
            assertThat(shown.getInteger("restarts_in_window")).isZero();
            assertThat(shown.getLong("restarts")).isEqualTo(2);
            assertThat(shown.getString("strategy")).isEqualTo("one_for_one");
            ctx.completeNow();
          })))));
    }
  }
}
