package dev.otpx.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otpx.cluster.ClusterNode;
import dev.otpx.testing.TestCluster;
import dev.otpx.cluster.ClusterOptions;
import dev.otpx.counter.CounterServer;
import dev.otpx.process.Down;
import dev.otpx.process.ExitReason;
import dev.otpx.process.GenServer;
import dev.otpx.process.Global;
import dev.otpx.process.Monitor;
import dev.otpx.process.OtpException;
import dev.otpx.process.Pid;
import dev.otpx.process.Processes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cluster of separate JVMs on loopback: two nodes run the jar ({@code --cluster}, -Xmx256m, free
 * ports) with a singleton counter under the global name {@value #LEADER}; the test's own JVM joins
 * as a third node that runs no application and reaches the others' processes through the runtime's
 * API, as any node's code would. Every wait is for an event (a log line, a membership change, a
 * DOWN, a reply) with a limit.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class ClusterIT {

  private static final String LEADER = "counter.leader";
  private static final Duration CALL = Duration.ofSeconds(5);
  private static final Pattern JOINED = Pattern.compile("cluster: node (\\S+) joined");

  @TempDir
  Path dir;
  private ServiceJar a;
  private ServiceJar b;
  private Vertx self;

  @AfterEach
  void stopEverything() throws Exception {
    for (ServiceJar node : new ServiceJar[] {a, b}) {
      if (node != null) {
        node.close();
      }
    }
    if (self != null) {
      self.close().await(20, TimeUnit.SECONDS);
    }
  }

  private ServiceJar launch(String name, int port, String members, int httpPort, Path conf) throws IOException {
    Path data = Files.createDirectories(dir.resolve(name));
    return ServiceJar.launch(data, httpPort, Map.of(
      "JAVA_TOOL_OPTIONS", "-Xmx256m",
      "OTPX_CLUSTER_PORT", String.valueOf(port),
      "OTPX_CLUSTER_MEMBERS", members), "--cluster", "-conf", conf.toString());
  }

  private static String nodeId(ServiceJar node) {
    Matcher joined = JOINED.matcher(node.awaitLine(line -> JOINED.matcher(line).find()));
    assertThat(joined.find()).isTrue();
    return joined.group(1);
  }

  @Test
  void nodesShareGlobalNamesMonitorsAndASingletonThatFailsOver() throws Exception {
    int portA = ServiceJar.freePort();
    int portB = ServiceJar.freePort();
    int portSelf = ServiceJar.freePort();
    String members = List.of(portA, portB, portSelf).stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
    // One more application next to the defaults: a counter that runs once in the cluster.
    Path conf = Files.writeString(dir.resolve("cluster-test.json"), new JsonObject().put("applications", new JsonObject()
      .put("leaders", new JsonObject().put("type", "temporary").put("children", new io.vertx.core.json.JsonArray().add(new JsonObject()
        .put("id", "leader").put("class", "dev.otpx.counter.CounterServer").put("singleton", LEADER)
        .put("config", new JsonObject().put("initial", 100).put("tick_ms", 0)))))).encodePrettily());
    int httpA = ServiceJar.freePort();
    int httpB = ServiceJar.freePort();
    a = launch("a", portA, members, httpA, conf);
    b = launch("b", portB, members, httpB, conf);
    // This JVM joins as the third node, concurrently with the two jars.
    self = ClusterNode.start(ClusterOptions.fromEnv(Map.of("OTPX_CLUSTER_PORT", String.valueOf(portSelf),
      "OTPX_CLUSTER_MEMBERS", members)), new VertxOptions()).await(90, TimeUnit.SECONDS);
    Map<String, ServiceJar> byNode = Map.of(nodeId(a), a, nodeId(b), b);
    a.awaitLine(line -> line.contains(ServiceJar.LISTENING));
    b.awaitLine(line -> line.contains(ServiceJar.LISTENING));
    TestCluster.awaitMembers(self, 3).await(60, TimeUnit.SECONDS);

    // The singleton runs on exactly one of the two jars, and answers its global name from here.
    Pid holder = Global.whereis(self, LEADER).await(10, TimeUnit.SECONDS).orElseThrow();
    assertThat(byNode).containsKey(holder.node());
    GenServer.cast(self, holder, new JsonObject().put("action", "inc"));
    JsonObject value = Global.<JsonObject>call(self, LEADER, new JsonObject().put("action", "val"), CALL).await(10, TimeUnit.SECONDS);
    assertThat(value.getInteger("value")).isEqualTo(101);
    // Its name is held: a second claim, from any node, is refused naming the holder; local names
    // stay local: this node runs no "counter", and a call to it never reaches the jars'.
    ClusterChecks.globalNameIsUniqueAndLocalNameStaysLocal(self, LEADER, holder);

    // kill -9 of the singleton's node: the monitor here gets one DOWN noconnection, the singleton
    // comes back on the survivor under the same name, and the survivor stays ready.
    ServiceJar doomed = byNode.get(holder.node());
    ServiceJar survivor = doomed == a ? b : a;
    int survivorHttp = survivor == a ? httpA : httpB;
    Monitor monitor = Processes.monitor(self, holder);
    long killedAt = System.nanoTime();
    doomed.close();
    Down down = monitor.down().await(60, TimeUnit.SECONDS);
    long downMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
    assertThat(down.reason()).isEqualTo(ExitReason.NOCONNECTION);
    awaitHolderOtherThan(holder, 200);
    JsonObject fresh = callOnceStarted(200);
    long failoverMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killedAt);
    assertThat(fresh.getInteger("value")).isEqualTo(100);
    // Asked once the new counter has answered: the name is then its own, no longer its guard's.
    Pid next = Global.whereis(self, LEADER).await(10, TimeUnit.SECONDS).orElseThrow();
    assertThat(next.node()).isNotEqualTo(holder.node());
    System.out.printf("cluster failover: DOWN noconnection after %d ms, singleton answering on the survivor after %d ms%n",
      downMillis, failoverMillis);
    HttpResponse<String> health = HttpClient.newHttpClient().send(
      HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + survivorHttp + "/health/ready")).build(), HttpResponse.BodyHandlers.ofString());
    // Ready, and ready because it is in its cluster among the other checks.
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.body()).contains("\"cluster\"").contains("UP");

    // An exit signal to a remote process ends it, and a remote monitor gets its reason.
    Monitor watching = Processes.monitor(self, next);
    assertThat(Processes.exit(self, next, ExitReason.shutdown("moved"))).isTrue();
    assertThat(watching.down().await(10, TimeUnit.SECONDS).reason()).isEqualTo(ExitReason.shutdown("moved"));
    // Its supervisor reports the end of a permanent child, whatever the reason, as OTP's does
    // (child_terminated at error); wait for that report so that it is not read as part of the stop.
    survivor.awaitLine(line -> line.contains("context=child_terminated") && line.contains("{shutdown, moved}"));

    // SIGTERM: the survivor leaves the cluster cleanly and ends with status 0.
    Future<Void> left = TestCluster.awaitMembers(self, 1);
    int before = survivor.log().size();
    assertThat(survivor.stop()).isZero();
    left.await(30, TimeUnit.SECONDS);
    assertThat(survivor.log().subList(before, survivor.log().size())).noneMatch(line -> line.contains(" ERROR "));
  }

  @Test
  void aNodeThatCannotJoinSaysWhyAndNeverServes() throws Exception {
    try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();
      a = ServiceJar.launch(Files.createDirectories(dir.resolve("a")), ServiceJar.freePort(), Map.of(
        "JAVA_TOOL_OPTIONS", "-Xmx256m", "OTPX_CLUSTER_PORT", String.valueOf(port)), "--cluster");
      assertThat(a.awaitLine(line -> line.contains("cluster: cannot join"))).contains(String.valueOf(port));
      assertThat(a.awaitExit()).isEqualTo(1);
      assertThat(a.log()).noneMatch(line -> line.contains(ServiceJar.LISTENING));
    }
  }


  /** Calls the singleton, asking again while its new instance starts (refused with singleton_starting). */
  private JsonObject callOnceStarted(int tries) throws Exception {
    for (int i = 0; i < tries; i++) {
      try {
        return Global.<JsonObject>call(self, LEADER, new JsonObject().put("action", "val"), CALL).await(10, TimeUnit.SECONDS);
      } catch (OtpException refused) {
        if (!refused.code().equals("singleton_starting")) {
          throw refused;
        }
      }
      self.timer(25).await(1, TimeUnit.SECONDS);
    }
    throw new AssertionError("the singleton did not start");
  }

  /** The singleton's new holder: asked for every 25 ms (the shared map sends no change events). */
  private Pid awaitHolderOtherThan(Pid old, int tries) throws Exception {
    for (int i = 0; i < tries; i++) {
      Pid now = Global.whereis(self, LEADER).await(10, TimeUnit.SECONDS).orElse(null);
      if (now != null && !now.equals(old)) {
        return now;
      }
      self.timer(25).await(1, TimeUnit.SECONDS);
    }
    throw new AssertionError("the singleton did not move from " + old);
  }
}
