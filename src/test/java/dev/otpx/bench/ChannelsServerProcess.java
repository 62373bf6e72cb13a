package dev.otpx.bench;

import dev.otpx.store.StoreOptions;
import dev.otpx.store.TestDatabase;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.URISyntaxException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A server of the channels benchmark running in its own JVM ({@link ChannelsServerMain}), so that
 * its heap holds the server alone: started with the bench's own classpath and the same flags for
 * both servers, spoken to over its stdin and stdout, and always destroyed (by {@link #close} or, if
 * the bench JVM dies first, by a shutdown hook).
 */
final class ChannelsServerProcess implements AutoCloseable {

  /**
   * The same for both servers: the same heap limit and collector. No {@code -Xms}: the smoke test
   * starts these JVMs too, and a CI machine need not have 2 GB to commit to each up front.
   */
  static final List<String> JVM_FLAGS = List.of("-Xmx2g", "-XX:+UseG1GC");

  private static final long REPLY_SECONDS = 120;

  private final String kind;
  private final Process process;
  private final Writer stdin;
  private final BlockingQueue<String> replies = new LinkedBlockingQueue<>();
  private final Thread hook;
  private final Path dataDir;
  /** The PostgreSQL database of an {@code otpx-pg} server, or null. */
  private final TestDatabase.ServerDatabase database;
  /** Whether {@link #database} is this server's to drop. */
  private final boolean ownsDatabase;
  private final int port;

  private ChannelsServerProcess(String kind, Process process, Path dataDir, TestDatabase.ServerDatabase database,
      boolean ownsDatabase) throws IOException, InterruptedException {
    this.kind = kind;
    this.ownsDatabase = ownsDatabase;
    this.process = process;
    this.dataDir = dataDir;
    this.database = database;
    this.stdin = process.outputWriter(StandardCharsets.UTF_8);
    this.hook = new Thread(process::destroyForcibly, "channels-bench-" + kind + "-reaper");
    Runtime.getRuntime().addShutdownHook(hook);
    Thread reader = new Thread(this::readOutput, "channels-bench-" + kind + "-stdout");
    reader.setDaemon(true);
    reader.start();
    this.port = Integer.parseInt(reply("port").split(" ")[1]);
  }

  /**
   * Starts a server JVM and waits until it listens.
   *
   * @param kind {@code otpx} (annotations in the embedded H2 file), {@code otpx-pg} (in PostgreSQL:
   *     a database of the server's own on the machine's server, dropped when it is closed) or
   *     {@code raw}
   * @param secret the token secret, handed over as {@code OTPX_TOKEN_SECRET}
   */
  static ChannelsServerProcess start(String kind, String secret) throws IOException, InterruptedException {
    // -Dbench.channels.jvm.<kind>="..." adds flags to that server's JVM (a flight recording, say).
    String extra = System.getProperty("bench.channels.jvm." + kind, "").strip();
    return start(kind, secret, extra.isEmpty() ? List.of() : List.of(extra.split("\\s+")), java.util.Map.of(), null);
  }

  /**
   * Starts an {@code otpx-pg} server over a database that others share (and that the caller drops),
   * or any server with more JVM flags (after {@link #JVM_FLAGS}, so that they win) and environment.
   *
   * @param shared the PostgreSQL database of an {@code otpx-pg} server, or null for one of its own
   */
  static ChannelsServerProcess start(String kind, String secret, List<String> flags, java.util.Map<String, String> env,
      TestDatabase.ServerDatabase shared) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(JVM_FLAGS);
    command.addAll(flags);
    if (Boolean.getBoolean("bench.log")) {
      command.add("-Dbench.log=true");
    }
    // The otpx server's embedded database, in a directory removed once the server is gone.
    Path dataDir = Files.createTempDirectory("otpx-bench-");
    command.add("-D" + ChannelsServerMain.DATA_DIR_PROPERTY + "=" + dataDir);
    command.addAll(List.of("-cp", classpath(), ChannelsServerMain.class.getName(), kind.equals("raw") ? "raw" : "otpx"));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().put("OTPX_TOKEN_SECRET", secret);
    builder.environment().remove(StoreOptions.DATABASE_URL_ENV);
    builder.environment().putAll(env);
    TestDatabase.ServerDatabase database = null;
    Process process = null;
    try {
      if (kind.equals("otpx-pg")) {
        database = shared != null ? shared : TestDatabase.postgresDatabase();
        builder.environment().put(StoreOptions.DATABASE_URL_ENV, database.url());
      }
      process = builder.start();
      return new ChannelsServerProcess(kind, process, dataDir, database, shared == null);
    } catch (IOException | InterruptedException | RuntimeException | java.sql.SQLException e) {
      if (process != null) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
      if (database != null && shared == null) {
        dropQuietly(database);
      }
      if (e instanceof java.sql.SQLException sql) {
        throw new IOException("cannot create the benchmark's PostgreSQL database: " + sql.getMessage(), sql);
      }
      if (e instanceof InterruptedException interrupted) {
        throw interrupted;
      }
      if (e instanceof IOException io) {
        throw io;
      }
      throw (RuntimeException) e;
    }
  }

  int port() {
    return port;
  }

  /**
   * @return the CPU time the server's JVM has used so far, in seconds (NaN where the OS does not
   *     say): on a machine shared with other work, a steadier measure of cost than wall time
   */
  double cpuSeconds() {
    return process.toHandle().info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(Double.NaN);
  }

  /** @return the used heap after three full GCs, in bytes */
  long heapAfterGc() throws IOException, InterruptedException {
    command("heap");
    return Long.parseLong(reply("heap").substring("heap ".length()));
  }

  /** Writes a class histogram of the live heap to {@code file}. */
  void histogram(Path file) throws IOException, InterruptedException {
    command("histo " + file.toAbsolutePath());
    reply("histo");
  }

  /** @return what the server's heap holds now, or that it is gone or not answering; never throws */
  String state() {
    try {
      command("mem");
      // A server whose heap is full may be in back-to-back full GCs and slow to answer even this.
      String[] mem = reply("mem", 20).split(" ");
      return String.format(Locale.ROOT, "%s server heap in use %.0f of %.0f MB", kind,
        Long.parseLong(mem[1]) / 1048576.0, Long.parseLong(mem[2]) / 1048576.0);
    } catch (IOException | RuntimeException | InterruptedException e) {
      return process.isAlive() ? kind + " server does not answer: " + e.getMessage()
        : kind + " server exited with status " + process.exitValue();
    }
  }

  // Not declared to throw InterruptedException: try-with-resources would then have to handle an
  // interrupt it cannot act on (javac's "try" lint). An interrupt keeps its flag set instead.
  @Override
  public void close() {
    try {
      command("quit");
    } catch (IOException gone) {
      // Already dead: destroyForcibly below is all that is left to do.
    }
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException interrupted) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // The hook runs anyway and finds the process gone.
    }
    try (var files = Files.walk(dataDir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
    } catch (IOException leftBehind) {
      // A temporary directory left behind is harmless.
    }
    if (database != null && ownsDatabase) {
      dropQuietly(database);
    }
  }

  private static void dropQuietly(TestDatabase.ServerDatabase database) {
    try {
      database.close();
    } catch (java.sql.SQLException leftBehind) {
      System.out.println("    (benchmark database left behind: " + leftBehind.getMessage() + ")");
    }
  }

  private void command(String line) throws IOException {
    stdin.write(line + "\n");
    stdin.flush();
  }

  private String reply(String key) throws InterruptedException {
    return reply(key, REPLY_SECONDS);
  }

  private String reply(String key, long seconds) throws InterruptedException {
    String line = replies.poll(seconds, TimeUnit.SECONDS);
    if (line == null) {
      throw new IllegalStateException(kind + " server did not answer '" + key + "' within " + seconds + " s");
    }
    if (!line.startsWith(key)) {
      throw new IllegalStateException(kind + " server answered '" + line + "' to '" + key + "'");
    }
    return line;
  }

  /** Protocol lines go to {@link #replies}; anything else the server prints (logs) is passed on. */
  private void readOutput() {
    try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = out.readLine(); line != null; line = out.readLine()) {
        if (line.startsWith(ChannelsServerMain.REPLY)) {
          replies.add(line.substring(ChannelsServerMain.REPLY.length()));
        } else {
          System.out.println("    [" + kind + " server] " + line);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      replies.add("exited with status " + (process.isAlive() ? "?" : process.exitValue()));
    }
  }

  /**
   * The bench's classpath. Under {@code mvn exec:java} the test classpath is the class loader's that
   * loaded this class, not {@code java.class.path} (which is Maven's launcher); the loaders above it
   * are Maven's own and are left out.
   */
  static String classpath() {
    for (ClassLoader loader = ChannelsServerProcess.class.getClassLoader(); loader != null; loader = loader.getParent()) {
      if (loader instanceof URLClassLoader urls && urls.getURLs().length > 0) {
        List<String> entries = new ArrayList<>();
        for (URL url : urls.getURLs()) {
          try {
            entries.add(Path.of(url.toURI()).toString());
          } catch (URISyntaxException | IllegalArgumentException e) {
            throw new IllegalStateException("classpath entry " + url + " is not a file", e);
          }
        }
        return String.join(File.pathSeparator, entries);
      }
    }
    return System.getProperty("java.class.path");
  }
}
