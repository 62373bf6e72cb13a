package dev.otpx.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the whole benchmark suite with tiny rounds, so it cannot rot between benchmark runs. It
 * checks that every benchmark ran and wrote its row, not any figure: timings belong to
 * {@code mvn -Pbench verify}, never to a unit test.
 */
class BenchSmokeTest {

  static {
    // Read once by the harness's static settings; no other test loads the harness.
    System.setProperty("bench.roundMillis", "20");
    System.setProperty("bench.warmup", "0");
    System.setProperty("bench.rounds", "1");
    System.setProperty("bench.restarts", "20");
    System.setProperty("bench.silentQueries", "3");
    System.setProperty("bench.httpWarmupSeconds", "0");
    System.setProperty("bench.channels.clients", "20");
    System.setProperty("bench.channels.posts", "5");
    System.setProperty("bench.channels.cluster.clients", "20");
    System.setProperty("bench.channels.cluster.posts", "5");
    System.setProperty("bench.clusterWarmupSeconds", "0");
    System.setProperty("bench.clusterRoundMillis", "20");
  }

  @Test
  void everyBenchmarkRunsAndWritesItsRow(@TempDir Path out) throws Exception {
    new BenchMain().run(out);

    JsonArray rows = new JsonObject(Files.readString(out.resolve("results.json"))).getJsonArray("results");
    assertThat(rows.stream().map(r -> ((JsonObject) r).getString("name")))
        .anyMatch(name -> name.startsWith("GenServer.call"))
        .anyMatch(name -> name.startsWith("restart latency"))
        .anyMatch(name -> name.contains("with metrics and events ON vs OFF"))
        .anyMatch(name -> name.contains("trace switched off"))
        .anyMatch(name -> name.startsWith("InfoSys"))
        .anyMatch(name -> name.toLowerCase().contains("broadcast"))
        .anyMatch(name -> name.startsWith("annotation append committed to PostgreSQL"))
        .anyMatch(name -> name.startsWith("annotation append committed to the embedded H2 file"))
        .anyMatch(name -> name.startsWith("call to a process on another node"))
        .anyMatch(name -> name.startsWith("singleton failover"))
        .anyMatch(name -> name.contains("subscribers over 2 nodes"));
    for (Object row : rows) {
      JsonObject r = (JsonObject) row;
      assertThat(r.getDouble("otpx")).as(r.getString("name")).isNotNaN();
    }
    assertThat(Files.readString(out.resolve("results.md"))).contains("| benchmark |");
  }
}
