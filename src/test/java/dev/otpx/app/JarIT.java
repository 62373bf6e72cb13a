package dev.otpx.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jar as an operator runs it: {@code java -jar target/otpx.jar} on the embedded defaults. Reads
 * the service's log as it is written and waits for its lines, never for time.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class JarIT {

  @TempDir
  Path dataDir;
  private final List<String> log = new CopyOnWriteArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();
  private Process service;
  private BufferedReader output;
  private int port;

  private void start() throws IOException {
    try (ServerSocket probe = new ServerSocket(0)) {
      port = probe.getLocalPort();
    }
    String java = ProcessHandle.current().info().command().orElse("java");
    ProcessBuilder builder = new ProcessBuilder(java, "-jar", Path.of("target", "otpx.jar").toString()).redirectErrorStream(true);
    builder.environment().put("HTTP_PORT", String.valueOf(port));
    builder.environment().put("HTTP_HOST", "127.0.0.1");
    builder.environment().remove("OTPX_CONFIG");
    // The embedded database, in a directory of the test's own.
    builder.environment().remove("OTPX_DATABASE_URL");
    builder.environment().put("OTPX_DATA_DIR", dataDir.toString());
    // The jar must answer without a key: the Wolfram backend then stays out.
    builder.environment().remove("WOLFRAM_APP_ID");
    service = builder.start();
    output = new BufferedReader(new InputStreamReader(service.getInputStream(), StandardCharsets.UTF_8));
    awaitLine(line -> line.contains("http listening on"));
  }

  /** Reads the log until a line matches; fails if the service ends first. */
  private String awaitLine(Predicate<String> wanted) throws IOException {
    String line;
    while ((line = output.readLine()) != null) {
      log.add(line);
      if (wanted.test(line)) {
        return line;
      }
    }
    throw new AssertionError("the service ended before the expected line; log:\n" + String.join("\n", log));
  }

  private void drain() throws IOException {
    String line;
    while ((line = output.readLine()) != null) {
      log.add(line);
    }
  }

  private HttpResponse<String> send(String method, String path) throws IOException, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
      .method(method, HttpRequest.BodyPublishers.noBody()).build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  @AfterEach
  void stopTheService() throws InterruptedException {
    if (service != null && service.isAlive()) {
      service.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void theCounterCountsDownCrashesAndIsRestartedThenTooManyKillsStopTheJvmWithStatusOne() throws Exception {
    start();
    assertThat(send("GET", "/health").statusCode()).isEqualTo(200);
    assertThat(send("GET", "/api/counter").body()).matches("\\{\"value\":[45]}");

    awaitLine(line -> line.contains("(counter) crashed: {error, java.lang.IllegalStateException: boom}"));
    awaitLine(line -> line.contains("supervisor=otpx.root child=counter") && line.contains("context=child_terminated"));
    awaitLine(line -> line.contains("supervisor=otpx.root child=counter") && line.contains("context=started"));
    assertThat(send("GET", "/api/counter").body()).matches("\\{\"value\":[45]}");

    // The crash was restart 1 of 3 allowed in 5 s; three kills make four: the root gives up.
    for (int i = 0; i < 3 && service.isAlive(); i++) {
      HttpResponse<String> killed = send("POST", "/api/counter/kill");
      assertThat(killed.statusCode()).isIn(202, 503);
      if (killed.statusCode() == 202) {
        awaitLine(line -> line.contains("child=counter") && (line.contains("context=started") || line.contains("context=shutdown")));
      }
    }
    assertThat(service.waitFor(30, TimeUnit.SECONDS)).isTrue();
    drain();
    assertThat(service.exitValue()).isEqualTo(1);
    assertThat(log).anyMatch(line -> line.contains("context=shutdown reason=reached_max_restart_intensity"));
    assertThat(log).anyMatch(line -> line.contains("root supervisor otpx.root exited: shutdown"));
  }

  @Test
  void infosysAnswersArithmeticFromTheCalculatorAndARepeatFromTheCache() throws Exception {
    start();
    HttpResponse<String> first = send("GET", "/api/infosys?q=what+is+2%2B2");
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.body()).contains("{\"backend\":\"calculator\",\"text\":\"4\",\"score\":90.0}").contains("\"cached\":0");
    HttpResponse<String> again = send("GET", "/api/infosys?q=what+is+2%2B2");
    assertThat(again.body()).contains("\"text\":\"4\"").doesNotContain("\"cached\":0");
    assertThat(send("GET", "/api/infosys?limit=ten&q=hi").statusCode()).isEqualTo(400);
  }

  @Test
  void sigtermStopsTheTreeChildrenFirstNewestFirst() throws Exception {
    start();
    // SIGTERM through the handle: Process.destroy() would also close the log stream we read.
    service.toHandle().destroy();
    assertThat(service.waitFor(30, TimeUnit.SECONDS)).isTrue();
    drain();
    List<String> exits = log.stream().filter(line -> line.contains("exited: shutdown"))
      .map(line -> line.replaceAll(".*process <[^>]+> ?\\(?([^)]*)\\)? exited.*", "$1")).toList();
    // countdowns (the unnamed supervisor) after its children medium, short, long; root last.
    assertThat(exits).containsSubsequence("counter.medium", "counter.short", "counter.long", "", "counter", "otpx.root");
    // The infosys subtree, started last, stops first: its server before the cache.
    assertThat(exits).containsSubsequence("infosys", "infosys.cache", "counter.medium");
    assertThat(log).anyMatch(line -> line.contains("stopped"));
  }
}
