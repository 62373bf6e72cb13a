package dev.otpx.app;

import dev.otpx.process.ApplicationController.NodeStop;
import dev.otpx.store.StoreException;
import dev.otpx.system.Metrics;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The jar's entry point: {@code java -jar otpx.jar [-conf <file> | --config <file>]}. Loads the
 * {@link AppConfig}, deploys {@link AppVerticle}, and on SIGTERM or Ctrl-C stops it (the HTTP
 * front, then the applications newest first, then the store) and closes Vert.x.
 *
 * <p>Exit status: 0 after a stop requested by a signal (SIGTERM is how an orchestrator asks a node
 * to stop, as {@code init:stop()} ends an Erlang node with 0), 2 on a bad command line, and 1 when
 * start-up fails (bad config, a database it cannot open, port in use, a child that does not start)
 * or when an application ends in a way its type says stops the node; the reason is logged on one
 * ERROR line.
 */
public final class Main {

  /** How long shutdown waits for Vert.x to close before the JVM exits anyway. */
  static final long SHUTDOWN_TIMEOUT_SECONDS = 10;

  private static final Logger log = LoggerFactory.getLogger(Main.class);

  /** The status the JVM ends with: 0 unless the service itself asked for another (see exit). */
  private static volatile int exitStatus;
  /** The AppVerticle's deployment, from the moment it begins. */
  private static volatile Future<String> deployment;

  private Main() {
  }

  /**
   * Starts the service.
   *
   * @param args {@code -conf <file>}, {@code --config <file>} or {@code --config=<file>}; none for
   *     the embedded defaults (or {@code OTPX_CONFIG})
   */
  public static void main(String[] args) {
    // Before the first Vert.x class asks for a logger: route Vert.x's own logging through SLF4J.
    System.setProperty("vertx.logger-delegate-factory-class-name", "io.vertx.core.logging.SLF4JLogDelegateFactory");
    Map<String, String> env = System.getenv();
    Optional<String> file;
    try {
      file = AppConfig.configFile(List.of(args), env);
    } catch (IllegalArgumentException bad) {
      log.error("{}", bad.getMessage());
      System.exit(2);
      return;
    }

    Metrics metrics = Metrics.create();
    Vertx vertx = metrics.builder(new VertxOptions()).build();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> shutdown(vertx), "otpx-shutdown"));
    long began = System.nanoTime();
    try {
      // The main thread is not a Vert.x thread, so it may wait for start-up here.
      Future<String> deploying = AppConfig.load(vertx, file, env)
        .compose(config -> vertx.deployVerticle(new AppVerticle(Main::nodeStop, metrics), new DeploymentOptions().setConfig(config.toJson())));
      deployment = deploying;
      String id = deploying.await();
      log.info("deployed AppVerticle {} in {} ms", id, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began));
    } catch (Exception failed) {
      if (failed instanceof IllegalArgumentException || failed instanceof StoreException || isBindFailure(failed)) {
        // A config error names the key, an unreachable database its URL: a stack trace would bury it.
        log.error("start-up failed: {}", failed.getMessage());
      } else {
        log.error("start-up failed: {}", failed.getMessage(), failed);
      }
      // The shutdown hook closes Vert.x.
      exit(1);
    }
  }

  /** A port in use (or not ours to bind): the message names the address; a stack trace adds nothing. */
  private static boolean isBindFailure(Throwable failed) {
    for (Throwable t = failed; t != null; t = t.getCause()) {
      if (t instanceof java.net.BindException) {
        return true;
      }
    }
    return false;
  }

  /**
   * An application ended in a way that stops the node (a permanent one gave up): stop the JVM with
   * status 1, as such an exit stops an Erlang node, so that an orchestrator starts a fresh one. The
   * controller has logged why and stopped the other applications. From its own thread: the
   * shutdown hook needs the event loops that call this.
   */
  private static void nodeStop(NodeStop stop) {
    new Thread(() -> exit(1), "otpx-exit").start();
  }

  /** Ends the JVM with a status of the service's own choosing, which the shutdown hook keeps. */
  private static void exit(int status) {
    exitStatus = status;
    System.exit(status);
  }

  private static void shutdown(Vertx vertx) {
    log.info("stopping: closing Vert.x");
    Future<String> deploying = deployment;
    try {
      // The service first, in its own order (HTTP front, applications newest first, the store); then
      // Vert.x, which stops whatever process is left and closes the rest. A stop asked for during
      // start-up waits for the start to finish, so that it too stops in order. Separate waits
      // from this thread: a close chained onto the undeploy would complete on an event loop that
      // the close itself has just shut down.
      if (deploying != null) {
        String id = deploying.otherwiseEmpty().await(SHUTDOWN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        if (id != null) {
          vertx.undeploy(id).otherwiseEmpty().await(SHUTDOWN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        }
      }
      vertx.close().await(SHUTDOWN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      log.info("stopped");
    } catch (TimeoutException e) {
      log.warn("Vert.x did not close within {} s; exiting anyway", SHUTDOWN_TIMEOUT_SECONDS);
    } catch (Exception e) {
      log.warn("closing Vert.x failed: {}", e.getMessage());
    }
    // A signal would otherwise end the JVM with 128 + its number (143 for SIGTERM), which reads as
    // a failure; a stop that was asked for and went cleanly is status 0. halt: the JVM is already
    // shutting down, and exit would wait for this very hook.
    Runtime.getRuntime().halt(exitStatus);
  }
}
