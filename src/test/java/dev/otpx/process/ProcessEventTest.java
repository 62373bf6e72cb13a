package dev.otpx.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Supervisor reports and process exits as data, and a supervisor's status. */
@ExtendWith(VertxExtension.class)
class ProcessEventTest {

  /** The events a test subscribed to, with futures that complete when one matching appears. */
  static final class Recorder {
    private final List<ProcessEvent> events = new ArrayList<>();
    private final List<Object[]> waiters = new ArrayList<>();
    final ProcessEvent.Subscription subscription;

    Recorder(Vertx vertx) {
      subscription = ProcessEvent.subscribe(vertx, this::add);
    }

    @SuppressWarnings("unchecked")
    private synchronized void add(ProcessEvent event) {
      events.add(event);
      for (Object[] waiter : List.copyOf(waiters)) {
        if (((Predicate<ProcessEvent>) waiter[0]).test(event)) {
          waiters.remove(waiter);
          ((Promise<ProcessEvent>) waiter[1]).tryComplete(event);
        }
      }
    }

    synchronized List<ProcessEvent> events() {
      return List.copyOf(events);
    }

    <T extends ProcessEvent> List<T> of(Class<T> type) {
      return events().stream().filter(type::isInstance).map(type::cast).toList();
    }

    /** Completes on the caller's context with the first event (past or future) that matches. */
    synchronized Future<ProcessEvent> await(Predicate<ProcessEvent> until) {
      ContextInternal caller = ContextInternal.current();
      Promise<ProcessEvent> promise = caller == null ? Promise.promise() : caller.promise();
      events.stream().filter(until).findFirst().ifPresentOrElse(promise::complete, () -> waiters.add(new Object[] {until, promise}));
      return promise.future();
    }
  }

  static Predicate<ProcessEvent> started(String childId, int nth) {
    int[] seen = new int[1];
    return event -> event instanceof ProcessEvent.ChildStarted s && s.childId().equals(childId) && ++seen[0] == nth;
  }

  @Nested
  class SupervisorReports {

    @Test
    void aCrashAndItsRestartAreReportedWithIdsPidsAndTheReasonAsAValue(Vertx vertx, VertxTestContext ctx) {
      Recorder recorder = new Recorder(vertx);
      Journal journal = new Journal();
      Supervisor.start(vertx, SupervisorSpec.of(SupervisorFlags.of(Strategy.ONE_FOR_ONE), List.of(JournaledWorker.spec("a", journal))), "sup.events")
        .compose(sup -> {
          Pid first = SupervisorTest.pidOf(vertx, "a");
          GenServer.cast(vertx, first, "crash");
          return recorder.await(started("a", 2)).map(e -> List.of(sup, first, ((ProcessEvent.ChildStarted) e).child()));
        })
        .onComplete(ctx.succeeding(pids -> ctx.verify(() -> {
          Pid sup = pids.get(0);
          Pid first = pids.get(1);
          Pid second = pids.get(2);
          List<ProcessEvent.SupervisorReport> reports = recorder.of(ProcessEvent.SupervisorReport.class);
          assertThat(reports).hasSize(4);
          assertThat(reports.get(0)).isEqualTo(new ProcessEvent.ChildStarted(sup, "sup.events", "a", first, false));
          ProcessEvent.ChildTerminated terminated = (ProcessEvent.ChildTerminated) reports.get(1);
          assertThat(terminated.supervisor()).isEqualTo(sup);
          assertThat(terminated.supervisorId()).isEqualTo("sup.events");
          assertThat(terminated.child()).isEqualTo(first);
          assertThat(terminated.context()).isEqualTo("child_terminated");
          ExitReason.Error crash = (ExitReason.Error) terminated.reason();
          assertThat(crash.cause()).isInstanceOf(IllegalStateException.class).hasMessage("a crashed");
          assertThat(reports.get(2)).isEqualTo(new ProcessEvent.ChildRestarted(sup, "sup.events", "a", 1, false));
          assertThat(reports.get(3)).isEqualTo(new ProcessEvent.ChildStarted(sup, "sup.events", "a", second, false));
          // Every process exit is an event too, the crashed worker's among them.
          assertThat(recorder.of(ProcessEvent.Exited.class))
            .anySatisfy(exited -> {
              assertThat(exited.pid()).isEqualTo(first);
              assertThat(exited.name()).isEqualTo("worker.a");
              assertThat(exited.reason()).isEqualTo(crash);
              assertThat(exited.initialized()).isTrue();
            });
          assertThat(recorder.of(ProcessEvent.Started.class)).extracting(ProcessEvent.Started::pid).contains(sup, first, second);
          ctx.completeNow();
        })));
    }

    @Test
    void aChildThatStopsItselfWithKillIsReportedWithKillAndOneKilledFromOutsideWithKilled(Vertx vertx, VertxTestContext ctx) {
      // REFERENCE.md §6.2, as OTP 25 shows it.
      Recorder recorder = new Recorder(vertx);
      Journal journal = new Journal();
      SupervisorTest.supervise(vertx, SupervisorFlags.of(Strategy.ONE_FOR_ONE), JournaledWorker.spec("a", journal))
        .compose(sup -> SupervisorTest.exit(vertx, "a", "kill-self")
          .compose(d -> recorder.await(started("a", 2)))
          .compose(e -> SupervisorTest.exit(vertx, "a", "kill"))
          .compose(d -> recorder.await(started("a", 3))))
        .onComplete(ctx.succeeding(e -> ctx.verify(() -> {
          assertThat(recorder.of(ProcessEvent.ChildTerminated.class)).extracting(ProcessEvent.ChildTerminated::reason)
            .containsExactly(ExitReason.KILL, ExitReason.KILLED);
          // Stopped itself: terminate ran; killed from outside: it did not.
          assertThat(journal.entries()).containsExactly("start:a", "stop:a:kill", "start:a", "start:a");
          ctx.completeNow();
        })));
    }

    @Test
    void aSupervisorThatGivesUpReportsItsIntensity(Vertx vertx, VertxTestContext ctx) {
      Recorder recorder = new Recorder(vertx);
      Journal journal = new Journal();
      SupervisorTest.supervise(vertx, SupervisorFlags.of(Strategy.ONE_FOR_ONE).withIntensity(0, 7), JournaledWorker.spec("a", journal))
        .onComplete(ctx.succeeding(sup -> {
          Pid a = SupervisorTest.pidOf(vertx, "a");
          Processes.monitor(vertx, sup).down().onComplete(ctx.succeeding(down -> ctx.verify(() -> {
            assertThat(down.reason()).isEqualTo(ExitReason.SHUTDOWN);
            assertThat(recorder.of(ProcessEvent.IntensityReached.class))
              .containsExactly(new ProcessEvent.IntensityReached(sup, sup.toString(), "a", a, 0, 7));
            assertThat(recorder.of(ProcessEvent.IntensityReached.class).get(0).context()).isEqualTo("shutdown");
            ctx.completeNow();
          })));
          GenServer.cast(vertx, a, "crash");
        }));
    }

    @Test
    void aNestedStartFailureCarriesItsCauseAsValuesDownToTheWorker(Vertx vertx, VertxTestContext ctx) {
      Recorder recorder = new Recorder(vertx);
      Journal journal = new Journal();
      SupervisorSpec middle = SupervisorSpec.of(SupervisorFlags.of(Strategy.ONE_FOR_ONE),
        List.of(JournaledWorker.failOnStart("w", journal, n -> true)));
      SupervisorTest.supervise(vertx, SupervisorFlags.of(Strategy.ONE_FOR_ONE), ChildSpec.supervisor("middle", middle))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          ExitReason.Shutdown root = (ExitReason.Shutdown) ((OtpException) err).reason();
          assertThat(root.failedChild().id()).isEqualTo("middle");
          ExitReason.Shutdown nested = (ExitReason.Shutdown) root.failedChild().reason();
          assertThat(nested.failedChild().id()).isEqualTo("w");
          assertThat(((ExitReason.Error) nested.failedChild().reason()).message()).contains("start 1 of w failed");
          List<ProcessEvent.StartError> errors = recorder.of(ProcessEvent.StartError.class);
          assertThat(errors).extracting(ProcessEvent.StartError::childId).containsExactly("w", "middle");
          assertThat(errors.get(1).reason()).isEqualTo(nested);
          // The structure survives the trip through JSON (less the exception), for an observer on another node.
          ExitReason.Shutdown read = (ExitReason.Shutdown) ExitReason.fromJson(root.toJson());
          assertThat(read.toJson()).isEqualTo(root.toJson());
          assertThat(((ExitReason.Shutdown) read.failedChild().reason()).failedChild().id()).isEqualTo("w");
          ctx.completeNow();
        })));
    }

    @Test
    void aStartChildThatFailsAnswersTheCallerAndReportsNoStartError(Vertx vertx, VertxTestContext ctx) {
      Recorder recorder = new Recorder(vertx);
      Journal journal = new Journal();
      SupervisorTest.supervise(vertx, SupervisorFlags.of(Strategy.ONE_FOR_ONE))
        .compose(sup -> Supervisor.startChild(vertx, sup, JournaledWorker.failOnStart("a", journal, n -> true)))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertThat(((OtpException) err).failure()).isEqualTo(OtpException.Failure.EXIT);
          assertThat(recorder.of(ProcessEvent.StartError.class)).isEmpty();
          ctx.completeNow();
        })));
    }

    @Test
    void aDynamicStartChildThatFailsReportsNoStartErrorEither(Vertx vertx, VertxTestContext ctx) {
      Recorder recorder = new Recorder(vertx);
      Journal journal = new Journal();
      DynamicSupervisor.start(vertx, 3, 5, DynamicSupervisor.UNLIMITED, null)
        .compose(sup -> DynamicSupervisor.startChild(vertx, sup, JournaledWorker.failOnStart("a", journal, n -> true)))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertThat(((OtpException) err).failure()).isEqualTo(OtpException.Failure.EXIT);
          assertThat(recorder.of(ProcessEvent.StartError.class)).isEmpty();
          ctx.completeNow();
        })));
    }

    @Test
    void aCancelledSubscriptionGetsNothingMore(Vertx vertx, VertxTestContext ctx) {
      Recorder recorder = new Recorder(vertx);
      recorder.subscription.cancel();
      Journal journal = new Journal();
      SupervisorTest.supervise(vertx, SupervisorFlags.of(Strategy.ONE_FOR_ONE), JournaledWorker.spec("a", journal))
        .onComplete(ctx.succeeding(sup -> ctx.verify(() -> {
          assertThat(recorder.events()).isEmpty();
          ctx.completeNow();
        })));
    }
  }

  @Nested
  class Status {

    @Test
    void infoShowsTheIntensityWindowAndTheRestartCounts(Vertx vertx, VertxTestContext ctx) {
      Journal journal = new Journal();
      SupervisorTest.supervise(vertx, SupervisorFlags.of(Strategy.ONE_FOR_ONE).withIntensity(5, 60),
          JournaledWorker.spec("a", journal), JournaledWorker.spec("b", journal))
        .compose(sup -> SupervisorTest.exit(vertx, "a", "crash")
          .compose(d -> Supervisor.whichChildren(vertx, sup))
          .compose(c -> SupervisorTest.exit(vertx, "a", "kill"))
          .compose(d -> Supervisor.info(vertx, sup)))
        .onComplete(ctx.succeeding(info -> ctx.verify(() -> {
          assertThat(info.flags().maxRestarts()).isEqualTo(5);
          assertThat(info.window()).hasSize(2);
          assertThat(info.restarts()).isEqualTo(2);
          assertThat(info.children()).extracting(Supervisor.ChildInfo::id).containsExactly("b", "a");
          assertThat(info.children()).extracting(Supervisor.ChildInfo::restarts).containsExactly(0, 2);
          assertThat(info.toJson().getInteger("restarts_in_window")).isEqualTo(2);
          assertThat(info.toJson().getJsonArray("children").getJsonObject(1).getInteger("restarts")).isEqualTo(2);
          ctx.completeNow();
        })));
    }
  }
}
