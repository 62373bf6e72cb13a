package dev.otpx.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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

  /** The operator's token the jar is started with, unless a test starts it without one. */
  private static final String OPERATOR_TOKEN = "an operator token for the jar test";

  @TempDir
  Path dataDir;
  @TempDir
  Path dir;
  private final HttpClient http = HttpClient.newHttpClient();
  private ServiceJar service;
  private List<String> log;
  private int port;

  private void start() throws IOException {
    start(Map.of("OTPX_ADMIN_TOKEN", OPERATOR_TOKEN));
  }

  private void start(Map<String, String> env, String... args) throws IOException {
    port = ServiceJar.freePort();
    service = ServiceJar.start(dataDir, port, env, args);
    log = service.log();
  }

  private String awaitLine(Predicate<String> wanted) {
    return service.awaitLine(wanted);
  }

  private HttpResponse<String> send(String method, String path) throws IOException, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
      .method(method, HttpRequest.BodyPublishers.noBody()).build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  /** A request with the operator's bearer token. */
  private HttpResponse<String> asOperator(String method, String path) throws IOException, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
      .header("Authorization", "Bearer " + OPERATOR_TOKEN)
      .method(method, HttpRequest.BodyPublishers.noBody()).build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  /** Kills the counter three times: with the tick's crash, one more restart than 3 in 5 s allows. */
  private void killTheCounterUntilItsSupervisorGivesUp() throws IOException, InterruptedException {
    for (int i = 0; i < 3 && service.isAlive(); i++) {
      HttpResponse<String> killed = asOperator("POST", "/api/counter/kill");
      assertThat(killed.statusCode()).isIn(202, 503);
      if (killed.statusCode() == 202) {
        awaitLine(line -> line.contains("child=counter") && (line.contains("context=started") || line.contains("context=shutdown")));
      }
    }
  }

  @AfterEach
  void stopTheService() throws InterruptedException {
    if (service != null) {
      service.close();
    }
  }

  @Test
  void theTemporaryCountersCrashAndRestartThenGiveUpAndTheNodeKeepsServing() throws Exception {
    start();
    assertThat(send("GET", "/health").statusCode()).isEqualTo(200);
    // It starts at 5 and ticks down once a second; a loaded machine may let a tick or two pass before
    // the GET, so the check is "counting down from 5 and not yet crashed", not an exact value.
    assertThat(send("GET", "/api/counter").body()).matches("\\{\"value\":[1-5]}");

    awaitLine(line -> line.contains("(counter) crashed: {error, java.lang.IllegalStateException: boom}"));
    // Five ticks went by before that crash: a healthy service does not log them.
    assertThat(log).noneMatch(line -> line.contains(" tick "));
    awaitLine(line -> line.contains("supervisor=otpx.app.counters child=counter") && line.contains("context=child_terminated"));
    awaitLine(line -> line.contains("supervisor=otpx.app.counters child=counter") && line.contains("context=started"));
    assertThat(send("GET", "/api/counter").body()).matches("\\{\"value\":[1-5]}");

    killTheCounterUntilItsSupervisorGivesUp();
    awaitLine(line -> line.contains("application=counters type=temporary context=exited reason=shutdown: the node keeps running"));

    // The demo is gone, and the services beside it serve on.
    assertThat(service.isAlive()).isTrue();
    assertThat(send("GET", "/health").statusCode()).isEqualTo(200);
    HttpResponse<String> counter = send("GET", "/api/counter");
    assertThat(counter.statusCode()).isEqualTo(503);
    assertThat(counter.body()).contains("\"error\":\"noproc\"");
    assertThat(send("GET", "/api/infosys?q=what+is+2%2B2").body()).contains("\"text\":\"4\"");

    assertThat(service.stop()).isEqualTo(0);
  }

  @Test
  void aPermanentApplicationThatGivesUpStopsTheNodeWithStatusOne() throws Exception {
    Path permanent = Files.writeString(dir.resolve("permanent.json"), "{\"applications\":{\"counters\":{\"type\":\"permanent\"}}}");
    start(Map.of("OTPX_ADMIN_TOKEN", OPERATOR_TOKEN), "-conf", permanent.toString());
    awaitLine(line -> line.contains("supervisor=otpx.app.counters child=counter") && line.contains("context=started"));

    killTheCounterUntilItsSupervisorGivesUp();
    // A kill may come while the counter is between crash and restart: then the tick crashes it again.
    assertThat(service.awaitExit()).isEqualTo(1);
    assertThat(log).anyMatch(line -> line.contains("supervisor=otpx.app.counters") && line.contains("context=shutdown reason=reached_max_restart_intensity"));
    assertThat(log).anyMatch(line -> line.contains("application=counters type=permanent context=exited reason=shutdown: stopping the node"));
    // The others were stopped in order before the JVM ended.
    assertThat(log).anyMatch(line -> line.contains("application=channels type=permanent context=stopped"));
    assertThat(log).anyMatch(line -> line.contains("application=infosys type=permanent context=stopped"));
  }

  @Test
  void withoutAnOperatorTokenKillingIs403AndSaysHowToEnableIt() throws Exception {
    start(Map.of());
    HttpResponse<String> killed = send("POST", "/api/counter/kill");
    assertThat(killed.statusCode()).isEqualTo(403);
    assertThat(killed.body()).contains("\"error\":\"operator_disabled\"").contains("OTPX_ADMIN_TOKEN");
    assertThat(send("POST", "/api/counter/dec").statusCode()).isEqualTo(403);
    assertThat(log).anyMatch(line -> line.contains("operator endpoints are disabled: OTPX_ADMIN_TOKEN is not set"));
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
  void sigtermIsANormalStopApplicationsNewestFirstEachTreeChildrenFirstThenStatusZero() throws Exception {
    start();
    assertThat(service.stop()).isEqualTo(0);
    List<String> exits = log.stream().filter(line -> line.contains("exited: shutdown"))
      .map(line -> line.replaceAll(".*process <[^>]+> ?\\(?([^)]*)\\)? exited.*", "$1")).toList();
    // The applications newest first: channels, infosys, then the counters.
    assertThat(exits).containsSubsequence("channels.topics", "channels.join", "otpx.app.channels",
      "infosys", "infosys.cache", "otpx.app.infosys", "counter.medium");
    // Within the counters, countdowns (the unnamed supervisor) after its children medium, short, long.
    assertThat(exits).containsSubsequence("counter.medium", "counter.short", "counter.long", "", "counter", "otpx.app.counters");
    assertThat(log.stream().filter(line -> line.contains("context=stopped")).map(line -> line.substring(line.indexOf(" - ") + 3)))
      .containsExactly("application=channels type=permanent context=stopped",
        "application=infosys type=permanent context=stopped", "application=counters type=temporary context=stopped");
    assertThat(log).anyMatch(line -> line.endsWith("stopped"));
    // A stop that was asked for is no error, and nothing on the way warns either (the Wolfram backend
    // left out without WOLFRAM_APP_ID is an INFO line: a fact of the set-up).
    assertThat(log).noneMatch(line -> line.contains(" ERROR ") || line.contains(" WARN "));
  }
}
