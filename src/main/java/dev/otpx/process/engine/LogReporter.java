package dev.otpx.process.engine;

import dev.otpx.process.ExitReason;
import dev.otpx.process.ProcessEvent;
import dev.otpx.process.Task;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * The log lines of the runtime, as one subscriber of its events: one line per process start and
 * exit (under {@code dev.otpx.process.GenServer}) and one structured line per supervisor report,
 * {@code supervisor=… child=… pid=… context=… reason=…} (under {@code dev.otpx.process.Supervisor}).
 */
final class LogReporter implements Consumer<ProcessEvent> {

  // The loggers of the classes these lines came from before they were events: operators filter on them.
  private static final Logger processes = LoggerFactory.getLogger("dev.otpx.process.GenServer");
  private static final Logger supervisors = LoggerFactory.getLogger("dev.otpx.process.Supervisor");

  @Override
  public void accept(ProcessEvent event) {
    // A task's ordinary start and end are DEBUG lines (a query fanned out to three backends must not
    // write six), and with DEBUG off, as it usually is, they cost one level check.
    if (event instanceof ProcessEvent.Started started && Task.KIND.equals(started.kind())) {
      if (processes.isDebugEnabled()) {
        processes.debug("process {}{} started: {}", started.pid(), suffix(started.name()), started.kind());
      }
      return;
    }
    if (event instanceof ProcessEvent.Exited exited && Task.KIND.equals(exited.kind()) && !(exited.reason() instanceof ExitReason.Error)) {
      if (processes.isDebugEnabled()) {
        processes.debug("process {}{} exited: {}", exited.pid(), suffix(exited.name()), exited.reason());
      }
      return;
    }
    // Checked first: with the log off (as in the benchmarks) an event costs no formatting arguments.
    if (!(event instanceof ProcessEvent.SupervisorReport ? supervisors : processes).isErrorEnabled()) {
      return;
    }
    if (event instanceof ProcessEvent.Started started) {
      processes.info("process {}{} started: {}", started.pid(), suffix(started.name()), started.kind());
    } else if (event instanceof ProcessEvent.Exited exited) {
      exited(exited);
    } else if (event instanceof ProcessEvent.ChildStarted started) {
      fields(started.dynamic() ? supervisors.atDebug() : supervisors.atInfo(), started, started.child(), null)
        .log("supervisor={} child={} pid={} context=started", started.supervisorId(), started.childId(), started.child());
    } else if (event instanceof ProcessEvent.ChildTerminated terminated) {
      report(terminated, terminated.child() == null ? "undefined" : terminated.child(), terminated.reason());
    } else if (event instanceof ProcessEvent.StartError error) {
      report(error, "undefined", error.reason());
    } else if (event instanceof ProcessEvent.ShutdownError error) {
      report(error, error.child(), error.reason());
    } else if (event instanceof ProcessEvent.IntensityReached reached) {
      report(reached, reached.child() == null ? "undefined" : reached.child(), "reached_max_restart_intensity");
    } else if (event instanceof ProcessEvent.BackoffDelayed backoff) {
      fields(supervisors.atInfo(), backoff, null, null)
        .addKeyValue("delay_ms", backoff.delay().toMillis()).addKeyValue("crashes", backoff.crashes())
        .log("supervisor={} child={} context=backoff delay_ms={} crashes={}", backoff.supervisorId(), backoff.childId(),
          backoff.delay().toMillis(), backoff.crashes());
    } else if (event instanceof ProcessEvent.AutoShutdownTriggered auto) {
      fields(supervisors.atInfo(), auto, null, auto.reason())
        .log("supervisor={} child={} context=auto_shutdown reason={}", auto.supervisorId(), auto.childId(), auto.reason());
    }
  }

  private static void exited(ProcessEvent.Exited exited) {
    if (!exited.initialized()) {
      return; // the start failed: its caller has the reason
    }
    ExitReason reason = exited.reason();
    if (reason.isNormal()) {
      processes.info("process {}{} exited: {}", exited.pid(), suffix(exited.name()), reason);
    } else if (reason instanceof ExitReason.Error error && error.cause() != null) {
      // One line per crash; the stack trace is there for whoever turns DEBUG on.
      processes.error("process {}{} crashed: {}", exited.pid(), suffix(exited.name()), reason);
      processes.debug("stack trace of the crash of {}", exited.pid(), error.cause());
    } else {
      processes.error("process {}{} exited: {}", exited.pid(), suffix(exited.name()), reason);
    }
  }

  private static void report(ProcessEvent.SupervisorReport report, Object pid, Object reason) {
    fields(supervisors.atError(), report, pid, reason)
      .log("supervisor={} child={} pid={} context={} reason={}", report.supervisorId(), report.childId(), pid,
        report.context(), reason);
  }

  /**
   * A report's fields as the line's key-value pairs, so that a JSON log ({@code OTPX_LOG_FORMAT=json})
   * carries them as fields of their own, not only inside the message. A disabled level's builder
   * ignores them at no cost.
   */
  private static LoggingEventBuilder fields(LoggingEventBuilder line, ProcessEvent.SupervisorReport report, Object pid, Object reason) {
    line.addKeyValue("supervisor", report.supervisorId()).addKeyValue("child", report.childId())
      .addKeyValue("context", report.context());
    if (pid != null) {
      line.addKeyValue("pid", String.valueOf(pid));
    }
    if (reason != null) {
      line.addKeyValue("reason", String.valueOf(reason));
    }
    return line;
  }

  private static String suffix(String name) {
    return name == null ? "" : " (" + name + ")";
  }
}
