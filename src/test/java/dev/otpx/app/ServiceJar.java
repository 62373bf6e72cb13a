package dev.otpx.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The jar as an operator runs it ({@code java -jar target/otpx.jar}), in a JVM of its own, for the
 * tests that need the real thing: on 127.0.0.1 and a port of the test's choosing, with its embedded
 * database in a directory of the test's own, without the caller's {@code OTPX_CONFIG},
 * {@code OTPX_DATABASE_URL}, {@code OTPX_ADMIN_TOKEN} or {@code WOLFRAM_APP_ID}, and a fixed token
 * secret, unless the test's own environment says otherwise. Its log is read as it is written, on a
 * thread of its own (a full pipe would block the service), and a test waits for its lines as events,
 * never for time; every wait has a limit.
 */
final class ServiceJar implements AutoCloseable {

  /** Where the build puts the jar. */
  static final Path JAR = Path.of("target", "otpx.jar");

  /** The line that says the service serves. */
  static final String LISTENING = "http listening on";

  private static final long LINE_WAIT_MILLIS = TimeUnit.SECONDS.toMillis(60);
  private static final long EXIT_WAIT_SECONDS = 30;

  private final Process process;
  private final List<String> log = new CopyOnWriteArrayList<>();
  private final Thread reader;
  private volatile boolean ended;
  /** How far {@link #awaitLine} has read; the test's thread only. */
  private int cursor;

  private ServiceJar(Process process) {
    this.process = process;
    BufferedReader output = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    this.reader = new Thread(() -> {
      try {
        for (String line = output.readLine(); line != null; line = output.readLine()) {
          log.add(line);
          wakeWaiters();
        }
      } catch (IOException closed) {
        // the service has gone
      } finally {
        ended = true;
        wakeWaiters();
      }
    }, "service-jar-log");
    reader.setDaemon(true);
    reader.start();
  }

  /** @return a port that was free a moment ago */
  static int freePort() throws IOException {
    try (ServerSocket probe = new ServerSocket(0)) {
      return probe.getLocalPort();
    }
  }

  /**
   * Starts the jar and returns at once.
   *
   * @param dataDir the embedded database's directory
   * @param port the HTTP port
   * @param env variables to set (or override) in the service's environment
   * @param args the command line
   * @return the running service
   */
  static ServiceJar launch(Path dataDir, int port, Map<String, String> env, String... args) throws IOException {
    return launch(dataDir, port, env, List.of(), args);
  }

  /**
   * Starts the jar with JVM flags of the test's choosing (those of a Kubernetes manifest, say) and
   * returns at once.
   *
   * @param jvmFlags the flags before {@code -jar}
   * @see #launch(Path, int, Map, String...)
   */
  static ServiceJar launch(Path dataDir, int port, Map<String, String> env, List<String> jvmFlags, String... args)
      throws IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    List<String> command = new ArrayList<>(List.of(java));
    command.addAll(jvmFlags);
    command.addAll(List.of("-jar", JAR.toString()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    Map<String, String> environment = builder.environment();
    environment.put("HTTP_PORT", String.valueOf(port));
    environment.put("HTTP_HOST", "127.0.0.1");
    environment.put("OTPX_DATA_DIR", dataDir.toString());
    // A free port for /metrics, never the HTTP port: with 0 the service's metrics server (which
    // listens first) was once given the HTTP port the test had just probed and let go.
    int metricsPort = freePort();
    while (metricsPort == port) {
      metricsPort = freePort();
    }
    environment.put("OTPX_METRICS_PORT", String.valueOf(metricsPort));
    environment.remove("OTPX_CONFIG");
    environment.remove("OTPX_DATABASE_URL");
    environment.remove("OTPX_ADMIN_TOKEN");
    // The jar must answer without a key: the Wolfram backend then stays out.
    environment.remove("WOLFRAM_APP_ID");
    // A fixed secret, as an operator sets it: no WARN about tokens that will not survive a restart,
    // and tokens signed before a restart are accepted after it.
    environment.put("OTPX_TOKEN_SECRET", "a token secret for the jar tests, long enough");
    environment.putAll(env);
    return new ServiceJar(builder.start());
  }

  /**
   * Starts the jar and returns once it listens.
   *
   * @throws AssertionError with the log when it ends first
   */
  static ServiceJar start(Path dataDir, int port, Map<String, String> env, String... args) throws IOException {
    ServiceJar service = launch(dataDir, port, env, args);
    service.awaitLine(line -> line.contains(LISTENING));
    return service;
  }

  /**
   * Waits for the service to listen or to end, whichever comes first.
   *
   * @return whether it listens
   */
  boolean listens() {
    try {
      awaitLine(line -> line.contains(LISTENING));
      return true;
    } catch (AssertionError ended) {
      return false;
    }
  }

  /**
   * Reads on from the last line matched until a line matches.
   *
   * @param wanted the line to wait for
   * @return it
   * @throws AssertionError with the log when the service ends first, or nothing matches within 60 s
   */
  String awaitLine(Predicate<String> wanted) {
    long deadline = System.currentTimeMillis() + LINE_WAIT_MILLIS;
    synchronized (this) {
      while (true) {
        while (cursor < log.size()) {
          String line = log.get(cursor++);
          if (wanted.test(line)) {
            return line;
          }
        }
        long left = deadline - System.currentTimeMillis();
        if (ended || left <= 0) {
          throw new AssertionError((ended ? "the service ended" : "nothing came within " + LINE_WAIT_MILLIS + " ms")
            + " before the expected line; log:\n" + String.join("\n", log));
        }
        try {
          wait(left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError("interrupted while waiting for a log line", e);
        }
      }
    }
  }

  /**
   * Stops the service as an orchestrator does, with SIGTERM (through the handle: Process.destroy()
   * would also close the log stream being read), and waits for it to end.
   *
   * @return its exit status
   */
  int stop() throws InterruptedException {
    process.toHandle().destroy();
    return awaitExit();
  }

  /**
   * Kills the service as {@code kill -9} does (SIGKILL: no shutdown hook, no close, no flush), and
   * waits for it to end.
   *
   * @return its exit status
   */
  int kill() throws InterruptedException {
    process.toHandle().destroyForcibly();
    return awaitExit();
  }

  /**
   * Waits for the service to end by itself, and for the last of its log.
   *
   * @return its exit status
   */
  int awaitExit() throws InterruptedException {
    assertThat(process.waitFor(EXIT_WAIT_SECONDS, TimeUnit.SECONDS)).as("the service ended within %d s", EXIT_WAIT_SECONDS).isTrue();
    reader.join(TimeUnit.SECONDS.toMillis(EXIT_WAIT_SECONDS));
    return process.exitValue();
  }

  /** @return whether the service still runs */
  boolean isAlive() {
    return process.isAlive();
  }

  /** @return every line the service has logged so far (a live view) */
  List<String> log() {
    return log;
  }

  /** Adds a line of the test's own to the log, to mark a step in a failure's dump. */
  void note(String line) {
    log.add(line);
  }

  private synchronized void wakeWaiters() {
    notifyAll();
  }

  /** Kills the service if it still runs: the end of every test, whatever happened. */
  @Override
  public void close() throws InterruptedException {
    if (process.isAlive()) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }
}
