package dev.otpx.process.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.otpx.process.OtpException;
import dev.otpx.process.Pid;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class ProcessTableTest {

  /** A cell with no process behind it: enough for the table's bookkeeping. */
  static ProcessCell cell(ProcessTable table) {
    return new ProcessCell(table.newPid(), null, null, null);
  }

  @Test
  void oneTablePerVertxInstanceEachWithItsOwnNode(Vertx vertx) {
    Vertx other = Vertx.vertx();
    try {
      assertThat(ProcessTable.of(vertx)).isSameAs(ProcessTable.of(vertx));
      assertThat(ProcessTable.of(other)).isNotSameAs(ProcessTable.of(vertx));
      assertThat(ProcessTable.of(other).node()).isNotEqualTo(ProcessTable.of(vertx).node());
      assertThat(ProcessTable.of(vertx)).isSameAs(ProcessTable.of(vertx));
    } finally {
      other.close();
    }
  }

  @Test
  void pidsAndRefsAreNeverHandedOutTwice(Vertx vertx) {
    ProcessTable table = ProcessTable.of(vertx);
    Set<Pid> pids = new HashSet<>();
    Set<Long> refs = new HashSet<>();
    for (int i = 0; i < 10_000; i++) {
      assertThat(pids.add(table.newPid())).isTrue();
      assertThat(refs.add(table.newRef())).isTrue();
    }
  }

  @Test
  void aNameHasOneHolderAndIsFreedWithItsProcess(Vertx vertx) {
    ProcessTable table = ProcessTable.of(vertx);
    ProcessCell first = cell(table);
    ProcessCell second = cell(table);
    table.add(first);
    table.add(second);
    table.register("n", first);
    assertThatThrownBy(() -> table.register("n", second)).isInstanceOfSatisfying(OtpException.class,
      e -> assertThat(e.pid()).isEqualTo(first.pid()));
    table.remove(first, dev.otpx.process.ExitReason.NORMAL, true);
    assertThat(table.lookup("n")).isNull();
    assertThat(table.lookup(first.pid())).isNull();
    table.register("n", second);
    assertThat(table.lookup("n")).isSameAs(second);
    table.remove(second, dev.otpx.process.ExitReason.NORMAL, true);
  }

  @Test
  void nothingCanBeAddedToAnExitedProcess(Vertx vertx) {
    ProcessTable table = ProcessTable.of(vertx);
    ProcessCell gone = cell(table);
    table.add(gone);
    table.remove(gone, dev.otpx.process.ExitReason.NORMAL, true);
    assertThat(gone.addMonitor(table.newRef(), reason -> { })).isFalse();
    assertThatThrownBy(() -> table.register("late", gone)).isInstanceOfSatisfying(OtpException.class,
      e -> assertThat(e.failure()).isEqualTo(OtpException.Failure.NOPROC));
    assertThat(table.lookup("late")).isNull();
  }

  @Test
  void theNodesCloseRunsItsShutdownStepsNewestFirstOneAfterTheOtherAndGoesOnPastAFailedOne(VertxTestContext ctx) {
    Vertx own = Vertx.vertx();
    ProcessTable table = ProcessTable.of(own);
    List<String> ran = new CopyOnWriteArrayList<>();
    table.onShutdown(() -> {
      ran.add("first added");
      return Future.succeededFuture();
    });
    table.onShutdown(() -> {
      ran.add("second added, failing");
      return Future.failedFuture("step failed");
    });
    table.onShutdown(() -> {
      ran.add("third added, closing=" + table.closing());
      // The next step starts only once this one is done.
      return own.timer(20).map(id -> ran.add("third done"));
    });
    own.close().onComplete(ctx.succeeding(v -> ctx.verify(() -> {
      assertThat(ran).containsExactly("third added, closing=true", "third done", "second added, failing", "first added");
      ctx.completeNow();
    })));
  }
}
