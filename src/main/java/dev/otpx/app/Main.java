package dev.otpx.app;

import dev.otpx.process.ExitReason;
import dev.otpx.store.StoreException;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The jar's entry point: {@code java -jar otpx.jar [-conf <file> | --config <file>]}. Loads the
 * {@link AppConfig}, deploys {@link AppVerticle} and closes Vert.x on SIGTERM or Ctrl-C.
 *
 * <p>Exits with status 2 on a bad command line, and 1 when start-up fails (bad config, port in use,
 * a child that does not start) or when the root supervisor gives up; the reason is logged on one
 * ERROR line.
 */
public final class Main {

  /** How long shutdown waits for Vert.x to close before the JVM exits anyway. */
  static final long SHUTDOWN_TIMEOUT_SECONDS = 10;

  private static final Logger log = LoggerFactory.getLogger(Main.class);

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

    Vertx vertx = Vertx.vertx();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> shutdown(vertx), "otpx-shutdown"));
    long began = System.nanoTime();
    try {
      // The main thread is not a Vert.x thread, so it may wait for start-up here.
      String id = AppConfig.load(vertx, file, env)
        .compose(config -> vertx.deployVerticle(new AppVerticle(Main::rootExited), new DeploymentOptions().setConfig(config.toJson())))
        .await();
      log.info("deployed AppVerticle {} in {} ms", id, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began));
    } catch (Exception failed) {
      if (failed instanceof IllegalArgumentException || failed instanceof StoreException) {
        // A config error names the key, an unreachable database its URL: a stack trace would bury it.
        log.error("start-up failed: {}", failed.getMessage());
      } else {
        log.error("start-up failed: {}", failed.getMessage(), failed);
      }
      // The shutdown hook closes Vert.x.
      System.exit(1);
    }
  }

  /**
   * The root supervisor gave up: stop the JVM with status 1, as a permanent application's exit stops
   * an Erlang node, so that an orchestrator starts a fresh one. From its own thread: the shutdown
   * hook needs the event loops that call this.
   */
  private static void rootExited(ExitReason reason) {
    new Thread(() -> System.exit(1), "otpx-exit").start();
  }

  private static void shutdown(Vertx vertx) {
    log.info("stopping: closing Vert.x");
    try {
      vertx.close().await(SHUTDOWN_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      log.info("stopped");
    } catch (TimeoutException e) {
      log.warn("Vert.x did not close within {} s; exiting anyway", SHUTDOWN_TIMEOUT_SECONDS);
    } catch (Exception e) {
      log.warn("closing Vert.x failed: {}", e.getMessage());
    }
  }
}
