package dev.otpx.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otpx.cluster.ClusterOptions;
import dev.otpx.system.Metrics;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The jar run as each manifest set's Deployment runs it: the container's JVM flags (with the
 * container's memory limit standing in as the machine's memory, {@code -XX:MaxRAM}), its
 * environment, and its ConfigMap's config file. Then every probe's path is asked as the kubelet asks
 * it, and must answer as the probe expects (a status from 200 to 399 within the probe's timeout, in
 * one of {@code failureThreshold} attempts, as the kubelet allows);
 * readiness must be the app's readiness checks; {@code /metrics} must answer Prometheus' text where
 * the pod's scrape annotations point; and SIGTERM must stop the jar with status 0 within the time the grace period leaves after preStop.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class K8sJarIT {

  @TempDir
  Path dir;
  private final HttpClient http = HttpClient.newHttpClient();
  private ServiceJar service;

  @AfterEach
  void stopTheService() throws InterruptedException {
    if (service != null) {
      service.close();
    }
  }

  static List<K8sManifests> sets() throws Exception {
    return K8sManifestsTest.sets().toList();
  }

  @ParameterizedTest
  @MethodSource("sets")
  void theJarRunAsTheManifestsSayAnswersEveryProbeAndStopsWithinTheGracePeriod(K8sManifests set) throws Exception {
    K8sManifests.Workload workload = set.otpx();
    Container otpx = set.otpxContainer();

    Map<String, String> env = new HashMap<>();
    // The pod's metrics port, moved to a free one here: jar tests of other checkouts run side by side.
    int metricsPort = ServiceJar.freePort();
    for (EnvVar var : otpx.getEnv()) {
      if (var.getName().equals(AppConfig.CONFIG_ENV)) {
        Path config = Files.writeString(dir.resolve("config.json"), set.configMapFile(workload, otpx, var.getValue()));
        env.put(var.getName(), config.toString());
      } else if (var.getName().equals(Metrics.PORT_ENV)) {
        env.put(var.getName(), String.valueOf(metricsPort));
      } else if (var.getValue() != null) {
        env.put(var.getName(), var.getValue());
      }
      // Secret references: ServiceJar gives the jar its own token secret, and no database URL, so
      // it runs on its embedded database in the test's directory.
    }
    if (ClusterOptions.requested(List.of(), env)) {
      // A clustered Deployment runs clustered here too, as a cluster of one: there is no Kubernetes
      // DNS on this machine, so discovery becomes a member list of this node alone; the pod IP
      // (the downward API's) becomes 127.0.0.1, and both ports free ones (checkouts run side by side).
      int clusterPort = ServiceJar.freePort();
      env.put(ClusterOptions.DISCOVERY_ENV, "tcp");
      env.remove(ClusterOptions.SERVICE_DNS_ENV);
      env.put(ClusterOptions.HOST_ENV, "127.0.0.1");
      env.put(ClusterOptions.PORT_ENV, String.valueOf(clusterPort));
      env.put(ClusterOptions.MEMBERS_ENV, "127.0.0.1:" + clusterPort);
      env.put(ClusterOptions.EVENTBUS_HOST_ENV, "127.0.0.1");
      env.put(ClusterOptions.EVENTBUS_PORT_ENV, String.valueOf(ServiceJar.freePort()));
    }

    long limit = Quantity.getAmountInBytes(otpx.getResources().getLimits().get("memory")).longValueExact();
    List<String> command = otpx.getCommand();
    int jar = command.indexOf("-jar");
    List<String> flags = new ArrayList<>();
    for (String flag : command.subList(1, jar)) {
      // The JVM's temporary files go to the test's directory, as they go to the pod's /tmp volume.
      flags.add(flag.startsWith("-Djava.io.tmpdir=") ? "-Djava.io.tmpdir=" + Files.createDirectories(dir.resolve("tmp")) : flag);
    }
    flags.add("-XX:MaxRAM=" + limit);

    int port = ServiceJar.freePort();
    service = ServiceJar.launch(dir.resolve("data"), port, env, flags);
    assertThat(service.listens()).as(String.join("\n", service.log())).isTrue();

    K8sManifests.probes(otpx).forEach((kind, probe) -> {
      HttpResponse<String> answer = probe(port, probe);
      assertThat(answer.statusCode()).as("%s %s %s answers as the kubelet expects; body %s", set.dir(), kind,
        probe.getHttpGet().getPath(), answer.body()).isBetween(200, 399);
    });
    // Readiness is the app's readiness procedure, not liveness under another name.
    HttpResponse<String> ready = probe(port, otpx.getReadinessProbe());
    assertThat(new JsonObject(ready.body()).getJsonArray("checks").stream().map(c -> ((JsonObject) c).getString("id")))
      .as("%s readiness checks", set.dir()).contains("http", "store");
    if (ClusterOptions.requested(List.of(), env)) {
      assertThat(new JsonObject(ready.body()).getJsonArray("checks").stream().map(c -> ((JsonObject) c).getString("id")))
        .as("%s: a clustered node's readiness asks the cluster", set.dir()).contains("cluster");
    }

    // Scraped as Prometheus' pod role scrapes it: the annotated path on the annotated port (which
    // stands for the free port the jar was given).
    Map<String, String> annotations = workload.template().getMetadata().getAnnotations();
    assertThat(annotations).containsEntry("prometheus.io/scrape", "true");
    HttpResponse<String> scrape = http.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + metricsPort + annotations.get("prometheus.io/path")))
      .header("Accept", "text/plain;version=0.0.4").timeout(Duration.ofSeconds(10)).GET().build(), HttpResponse.BodyHandlers.ofString());
    assertThat(scrape.statusCode()).as("%s scrape of /metrics", set.dir()).isEqualTo(200);
    assertThat(scrape.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
    assertThat(scrape.body()).contains("# TYPE otpx_processes gauge").contains("jvm_memory_used_bytes");

    long pause = Long.parseLong(otpx.getLifecycle().getPreStop().getExec().getCommand().get(1));
    long grace = workload.template().getSpec().getTerminationGracePeriodSeconds();
    long began = System.nanoTime();
    assertThat(service.stop()).as("exit status after SIGTERM").isZero();
    long took = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - began);
    assertThat(took).as("seconds SIGTERM took, against the grace period after preStop").isLessThan(grace - pause);
  }

  /**
   * Asks a probe's path as the kubelet does: each attempt waits at most the probe's timeout, and
   * the probe fails only after {@code failureThreshold} attempts in a row time out (a loaded machine
   * may be slow to answer the first request of a cold JVM). An answer ends it at once, whatever its
   * status.
   */
  private HttpResponse<String> probe(int port, Probe probe) {
    HTTPGetAction get = probe.getHttpGet();
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + get.getPath()))
      .timeout(Duration.ofSeconds(probe.getTimeoutSeconds())).GET().build();
    int attempts = probe.getFailureThreshold() == null ? 3 : probe.getFailureThreshold();
    for (int attempt = 1; ; attempt++) {
      try {
        return http.send(request, HttpResponse.BodyHandlers.ofString());
      } catch (HttpTimeoutException slow) {
        if (attempt >= attempts) {
          throw new AssertionError(get.getPath() + " did not answer within " + probe.getTimeoutSeconds() + " s, "
            + attempts + " times in a row", slow);
        }
      } catch (Exception failed) {
        throw new AssertionError(get.getPath() + " did not answer", failed);
      }
    }
  }
}
