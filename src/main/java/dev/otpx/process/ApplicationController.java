package dev.otpx.process;

import dev.otpx.process.engine.ProcessTable;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a node's {@link Application}s as Erlang/OTP's application controller does: starts each
 * one's top supervisor, watches it, and when one exits on its own decides by the application's
 * {@link ApplicationType type} whether the node keeps running.
 *
 * <ul>
 *   <li>{@link #start} starts an application's top supervisor (registered as {@link
 *       Application#supervisorName()}) from outside any process, so each application's tree gets an
 *       event loop of its own; {@link #startAll} starts a list in order and, when one fails, stops
 *       those already started (newest first) and fails naming it.</li>
 *   <li>When a top supervisor exits on its own (it gave up after too many restarts, or shut down
 *       automatically) the exit is reported on one line. A temporary application's end, and a
 *       transient one's with reason {@code normal}, leave everything else running. Otherwise every
 *       other application is stopped, newest first, and then {@code onNodeStop} is called with the
 *       application and the reason: in the jar it ends the JVM with a non-zero status, as an
 *       Erlang node ends when a permanent application does.</li>
 *   <li>{@link #stop} stops one application (OTP's {@code application:stop/1}) and never stops the
 *       node; {@link #stopAll} stops them all, newest first, and so does the node's close
 *       ({@code vertx.close()}): as the first step of the runtime's close, before it stops the
 *       process trees that are left and Vert.x undeploys the rest.</li>
 * </ul>
 *
 * <p>Log lines, logger {@code dev.otpx.process.ApplicationController}: {@code application=<name>
 * type=<type> context=started|stopped|exited [reason=<reason>]}; {@code exited} is INFO for a
 * normal end, WARN when the node keeps running and ERROR when it stops. Methods may be called from
 * any thread; futures complete on the caller's context.
 */
public final class ApplicationController {

  private static final Logger log = LoggerFactory.getLogger(ApplicationController.class);

  /**
   * An application that ended on its own in a way that stops the node.
   *
   * @param application the application
   * @param reason why its top supervisor exited
   */
  public record NodeStop(Application application, ExitReason reason) { }

  /**
   * A running application, as {@link #running()} lists it.
   *
   * @param application the application
   * @param supervisor its top supervisor
   */
  public record Running(Application application, Pid supervisor) { }

  private final Vertx vertx;
  private final Handler<NodeStop> onNodeStop;
  /** name → running application, in start order. */
  private final Map<String, Started> started = new LinkedHashMap<>();
  private boolean closing;

  private static final class Started {
    final Application application;
    final Pid supervisor;
    final Monitor monitor;
    boolean stopping;

    Started(Application application, Pid supervisor, Monitor monitor) {
      this.application = application;
      this.supervisor = supervisor;
      this.monitor = monitor;
    }
  }

  private ApplicationController(Vertx vertx, Handler<NodeStop> onNodeStop) {
    this.vertx = vertx;
    this.onNodeStop = onNodeStop;
  }

  /**
   * A controller with no application running yet. It stops its applications (newest first) when
   * Vert.x closes, before the runtime stops any other process.
   *
   * @param vertx the Vert.x instance
   * @param onNodeStop called once, after the others were stopped, when an application ends in a
   *     way its type says stops the node
   * @return the controller
   */
  public static ApplicationController create(Vertx vertx, Handler<NodeStop> onNodeStop) {
    ApplicationController controller = new ApplicationController(Objects.requireNonNull(vertx, "vertx"),
      Objects.requireNonNull(onNodeStop, "onNodeStop"));
    // When the node closes, its applications stop as they would on stopAll (newest first), and their
    // ends are not mistaken for deaths. A step of the engine's own close, so the node stops them
    // before the process trees that are left, never at the same time.
    ProcessTable.of(vertx).onShutdown(controller::closeNode);
    return controller;
  }

  /**
   * Starts an application's top supervisor and watches it.
   *
   * @param application the application
   * @return its top supervisor's pid; fails with {@code already_started} when an application of
   *     that name runs, or with the supervisor's start failure
   */
  public Future<Pid> start(Application application) {
    Objects.requireNonNull(application, "application");
    synchronized (this) {
      if (started.containsKey(application.name())) {
        return Future.failedFuture(OtpException.alreadyStarted(application.name(), started.get(application.name()).supervisor));
      }
      if (closing || Processes.isNodeStopping(vertx)) {
        return Future.failedFuture(new IllegalStateException("the node is stopping: application " + application.name() + " not started"));
      }
    }
    return Supervisor.start(vertx, application.supervisor(), application.supervisorName()).map(pid -> {
      Monitor monitor = Processes.monitor(vertx, pid);
      Started entry = new Started(application, pid, monitor);
      synchronized (this) {
        started.put(application.name(), entry);
      }
      monitor.down().onSuccess(down -> exited(entry, down.reason()));
      log.info("application={} type={} context=started supervisor={} pid={}", application.name(),
        application.type().wireName(), application.supervisorName(), pid);
      return pid;
    });
  }

  /**
   * Starts applications in order. When one fails to start, those already started are stopped,
   * newest first, and the result fails naming the application.
   *
   * @param applications the applications, in start order
   * @return completes once all run
   */
  public Future<Void> startAll(List<Application> applications) {
    List<String> names = new ArrayList<>();
    Future<Void> chain = Future.succeededFuture();
    for (Application application : List.copyOf(applications)) {
      chain = chain.compose(v -> start(application)
        .recover(err -> Future.failedFuture(new IllegalStateException(
          "application " + application.name() + " failed to start: " + err.getMessage(), err)))
        .map(pid -> {
          names.add(application.name());
          return null;
        }));
    }
    return chain.recover(err -> stopInReverse(names).transform(ignored -> Future.failedFuture(err)));
  }

  /**
   * Stops one application: its top supervisor stops its tree in OTP order. The node keeps
   * running whatever the application's type.
   *
   * @param name the application
   * @return completes once its tree is gone; fails with {@code noproc} when it does not run
   */
  public Future<Void> stop(String name) {
    Started entry;
    synchronized (this) {
      entry = started.get(name);
      if (entry == null) {
        return Future.failedFuture(OtpException.noproc(name));
      }
      entry.stopping = true;
    }
    // An orderly stop through the exit protocol, not Processes.shutdown: a top supervisor has no
    // parent and traps exits, so an exit signal from outside any process would only reach its
    // handleInfo and leave it to be killed at the limit, its children unstopped in order.
    return GenServer.stop(vertx, entry.supervisor, ExitReason.SHUTDOWN)
      .recover(err -> err instanceof OtpException otp && otp.failure() == OtpException.Failure.NOPROC
        ? Future.succeededFuture() // it ended on its own meanwhile, which its DOWN reports
        : Future.failedFuture(err))
      .onSuccess(v -> {
        forget(entry);
        log.info("application={} type={} context=stopped", name, entry.application.type().wireName());
      });
  }

  /**
   * Stops every application, newest first.
   *
   * @return completes once all are gone
   */
  public Future<Void> stopAll() {
    List<String> names;
    synchronized (this) {
      names = new ArrayList<>(started.keySet());
    }
    return stopInReverse(names);
  }

  /**
   * The running applications, in start order (OTP's {@code which_applications}).
   *
   * @return a snapshot
   */
  public synchronized List<Running> running() {
    return started.values().stream().map(s -> new Running(s.application, s.supervisor)).toList();
  }

  /**
   * @param name an application
   * @return its top supervisor, while it runs
   */
  public synchronized Optional<Pid> whereis(String name) {
    Started entry = started.get(name);
    return entry == null ? Optional.empty() : Optional.of(entry.supervisor);
  }

  private Future<Void> stopInReverse(List<String> names) {
    Future<Void> chain = Future.succeededFuture();
    for (int i = names.size() - 1; i >= 0; i--) {
      String name = names.get(i);
      chain = chain.eventually(() -> stop(name).otherwiseEmpty());
    }
    return chain;
  }

  private Future<Void> closeNode() {
    synchronized (this) {
      closing = true;
    }
    return stopAll();
  }

  private void exited(Started entry, ExitReason reason) {
    boolean expected;
    synchronized (this) {
      expected = entry.stopping || closing || Processes.isNodeStopping(vertx);
      forget(entry);
    }
    if (expected) {
      return;
    }
    Application application = entry.application;
    String name = application.name();
    String type = application.type().wireName();
    if (!application.type().stopsNodeOn(reason)) {
      if (ExitReason.NORMAL.equals(reason)) {
        log.info("application={} type={} context=exited reason={}", name, type, reason);
      } else {
        log.warn("application={} type={} context=exited reason={}: the node keeps running", name, type, reason);
      }
      return;
    }
    log.error("application={} type={} context=exited reason={}: stopping the node", name, type, reason);
    synchronized (this) {
      closing = true;
    }
    stopAll().onComplete(ar -> onNodeStop.handle(new NodeStop(application, reason)));
  }

  private synchronized void forget(Started entry) {
    started.remove(entry.application.name(), entry);
    entry.monitor.demonitor();
  }
}
