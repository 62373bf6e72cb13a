package dev.otpx.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otpx.app.K8sManifests.Manifest;
import dev.otpx.app.K8sManifests.Workload;
import dev.otpx.cluster.ClusterOptions;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretKeySelector;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.WeightedPodAffinityTerm;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The {@code k8s/} manifests (and {@code k8s/dev/}) read into fabric8's typed Kubernetes objects,
 * as {@code kubectl apply -f} would send them, and checked against each other, against the app
 * (the environment variables and config keys it reads, its shutdown's bounds) and against the
 * Dockerfile. That the probes' paths answer is {@link K8sJarIT}'s part: it asks the running jar.
 */
class K8sManifestsTest {

  /**
   * The most live heap measured under load (README, "How the pods are sized"): a full GC during
   * {@code k8s/measure/memory-load.py} with 1000 browser sockets kept 100 MiB.
   */
  private static final long MEASURED_LIVE_HEAP_MIB = 100;
  private static final Pattern PLACEHOLDER = Pattern.compile("__[A-Z][A-Z0-9_]*__");
  private static final Pattern SECRET_NAME = Pattern.compile("(?i).*(password|secret|token|database_url|app_id|api_key).*");

  static Stream<K8sManifests> sets() throws IOException {
    return Stream.of(K8sManifests.read(K8sManifests.PRODUCTION), K8sManifests.read(K8sManifests.DEV));
  }

  private static List<Workload> workloads(K8sManifests set) {
    List<Workload> workloads = set.workloads();
    assertThat(workloads).as("%s has workloads", set.dir()).isNotEmpty();
    return workloads;
  }

  private static boolean selects(Map<String, String> selector, Map<String, String> labels) {
    return selector != null && !selector.isEmpty() && labels != null && labels.entrySet().containsAll(selector.entrySet());
  }

  @Nested
  class Reading {

    @ParameterizedTest
    @MethodSource("dev.otpx.app.K8sManifestsTest#sets")
    void everyObjectReadsWithoutAnUnknownField(K8sManifests set) {
      assertThat(set.objects()).as("%s holds manifests", set.dir()).isNotEmpty();
      List<String> unknown = new ArrayList<>();
      for (Manifest manifest : set.objects()) {
        K8sManifests.unknownFields(manifest.object(), manifest.toString(), unknown);
      }
      assertThat(unknown).as("keys Kubernetes does not know (typos?)").isEmpty();
    }

    @Test
    void aMisspeltKeyIsCaught() {
      String yaml = """
        apiVersion: v1
        kind: Service
        metadata:
          name: typo
        spec:
          selectr:
            app: x
        """;
      List<String> unknown = new ArrayList<>();
      for (Manifest manifest : K8sManifests.read(Path.of("typo.yaml"), yaml)) {
        K8sManifests.unknownFields(manifest.object(), manifest.toString(), unknown);
      }
      assertThat(unknown).singleElement().asString().contains("spec").contains("selectr");
    }

    @ParameterizedTest
    @MethodSource("dev.otpx.app.K8sManifestsTest#sets")
    void everyNamespacedObjectIsInTheSetsNamespace(K8sManifests set) {
      List<String> namespaces = set.all(io.fabric8.kubernetes.api.model.Namespace.class).stream()
        .map(ns -> ns.getMetadata().getName()).toList();
      assertThat(namespaces).as("%s creates its namespace", set.dir()).hasSize(1);
      for (Manifest manifest : set.objects()) {
        if (!(manifest.object() instanceof io.fabric8.kubernetes.api.model.Namespace)) {
          assertThat(manifest.object().getMetadata().getNamespace()).as(manifest.toString()).isEqualTo(namespaces.get(0));
        }
      }
    }
  }

  @Nested
  class Selectors {

    @ParameterizedTest
    @MethodSource("dev.otpx.app.K8sManifestsTest#sets")
    void aWorkloadSelectsItsOwnPods(K8sManifests set) {
      for (Workload workload : workloads(set)) {
        assertThat(selects(workload.selector(), workload.labels()))
          .as("%s: selector %s within pod labels %s", workload.owner(), workload.selector(), workload.labels()).isTrue();
      }
    }

    @ParameterizedTest
    @MethodSource("dev.otpx.app.K8sManifestsTest#sets")
    void everyServicePortReachesAPortItsPodsExpose(K8sManifests set) {
      for (Service service : set.services()) {
        String name = service.getMetadata().getName();
        List<Workload> selected = workloads(set).stream()
          .filter(w -> w.namespace().equals(service.getMetadata().getNamespace()))
          .filter(w -> selects(service.getSpec().getSelector(), w.labels())).toList();
        assertThat(selected).as("Service %s selects the pods of a workload", name).isNotEmpty();
        for (ServicePort port : service.getSpec().getPorts()) {
          var target = port.getTargetPort() != null ? port.getTargetPort()
            : new io.fabric8.kubernetes.api.model.IntOrString(port.getPort());
          for (Workload workload : selected) {
            boolean exposed = workload.template().getSpec().getContainers().stream()
              .anyMatch(c -> K8sManifests.port(c, target).filter(p -> protocol(p.getProtocol()).equals(protocol(port.getProtocol())))
                .isPresent());
            assertThat(exposed).as("Service %s port %s: target %s is a port of %s", name, port.getName(), target, workload.owner())
              .isTrue();
          }
        }
      }
    }

    @ParameterizedTest
    @MethodSource("dev.otpx.app.K8sManifestsTest#sets")
    void aWorkloadOfSeveralReplicasHasADisruptionBudgetThatLetsADrainProceed(K8sManifests set) {
      for (Workload workload : workloads(set)) {
        if (workload.replicas() < 2) {
          // A budget over one pod either blocks every node drain or allows nothing: none is right.
          continue;
        }
        List<PodDisruptionBudget> budgets = set.all(PodDisruptionBudget.class).stream()
          .filter(b -> b.getMetadata().getNamespace().equals(workload.namespace()))
          .filter(b -> selects(b.getSpec().getSelector().getMatchLabels(), workload.labels())).toList();
        assertThat(budgets).as("%s has a PodDisruptionBudget", workload.owner()).hasSize(1);
        var spec = budgets.get(0).getSpec();
        int unavailable = spec.getMaxUnavailable() != null ? spec.getMaxUnavailable().getIntVal()
          : workload.replicas() - spec.getMinAvailable().getIntVal();
        assertThat(unavailable).as("pods the budget lets go at once").isBetween(1, workload.replicas() - 1);
      }
    }

    @ParameterizedTest
    @MethodSource("dev.otpx.app.K8sManifestsTest#sets")
    void replicasOfOneWorkloadPreferDifferentNodes(K8sManifests set) {
      for (Workload workload : workloads(set)) {
        if (workload.replicas() < 2) {
          continue;
        }
        var affinity = workload.template().getSpec().getAffinity();
        assertThat(affinity).as("%s has pod anti-affinity", workload.owner()).isNotNull();
        List<WeightedPodAffinityTerm> terms = affinity.getPodAntiAffinity().getPreferredDuringSchedulingIgnoredDuringExecution();
        assertThat(terms).as("anti-affinity terms").anySatisfy(term -> {
          assertThat(term.getPodAffinityTerm().getTopologyKey()).isEqualTo("kubernetes.io/hostname");
          assertThat(selects(term.getPodAffinityTerm().getLabelSelector().getMatchLabels(), workload.labels())).isTrue();
        });
      }
    }

    private static String protocol(String protocol) {
      return protocol == null ? "TCP" : protocol;
    }
  }

  @Nested
  class Containers {

    @ParameterizedTest
    @MethodSource("dev.otpx.app.K8sManifestsTest#sets")
    void everyContainerHasRequestsAndLimitsWithMemoryGuaranteed(K8sManifests set) {
      for (Workload workload : workloads(set)) {
        for (Container container : workload.allContainers()) {
          var resources = container.getResources();
          String at = workload.owner() + " container " + container.getName();
          assertThat(resources).as(at).isNotNull();
          assertThat(resources.getLimits()).as("%s limits", at).containsKeys("cpu", "memory");
          assertThat(resources.getRequests()).as("%s requests", at).containsKeys("cpu", "memory");
          // Equal: the node reserves what the container may use, so it is never OOM-killed for a
          // neighbour's sake.
          assertThat(bytes(resources.getRequests().get("memory"))).as("%s memory request = limit", at)
            .isEqualTo(bytes(resources.getLimits().get("memory")));
        }
      }
    }

    @ParameterizedTest
    @MethodSource("dev.otpx.app.K8sManifestsTest#sets")
    void everyContainerRunsUnprivilegedOnAReadOnlyRoot(K8sManifests set) {
      for (Workload workload : workloads(set)) {
        PodSecurityContext pod = Optional.ofNullable(workload.template().getSpec().getSecurityContext()).orElse(new PodSecurityContext());
        for (Container container : workload.allContainers()) {
          String at = workload.owner() + " container " + container.getName();
          SecurityContext own = Optional.ofNullable(container.getSecurityContext()).orElse(new SecurityContext());
          Long user = own.getRunAsUser() != null ? own.getRunAsUser() : pod.getRunAsUser();
          Boolean nonRoot = own.getRunAsNonRoot() != null ? own.getRunAsNonRoot() : pod.getRunAsNonRoot();
          assertThat(nonRoot).as("%s runAsNonRoot", at).isTrue();
          assertThat(user).as("%s runAsUser", at).isNotNull().isNotZero();
          assertThat(own.getAllowPrivilegeEscalation()).as("%s allowPrivilegeEscalation", at).isFalse();
          assertThat(own.getPrivileged()).as("%s privileged", at).isNotEqualTo(Boolean.TRUE);
          assertThat(own.getReadOnlyRootFilesystem()).as("%s readOnlyRootFilesystem", at).isTrue();
          assertThat(own.getCapabilities()).as("%s capabilities", at).isNotNull();
          assertThat(own.getCapabilities().getDrop()).as("%s drops", at).contains("ALL");
          assertThat(Optional.ofNullable(own.getCapabilities().getAdd()).orElse(List.of())).as("%s adds", at).isEmpty();
        }
      }
    }

    @ParameterizedTest
    @MethodSource("dev.otpx.app.K8sManifestsTest#sets")
    void otpxHasAllThreeProbesOnItsOwnPorts(K8sManifests set) {
      Container otpx = set.otpxContainer();
      K8sManifests.probes(otpx).forEach((kind, probe) -> {
        assertThat(probe).as("%s %s", set.dir(), kind).isNotNull();
        HTTPGetAction get = probe.getHttpGet();
        assertThat(get).as("%s is an HTTP GET", kind).isNotNull();
        assertThat(get.getPath()).as("%s path", kind).startsWith("/");
        assertThat(K8sManifests.port(otpx, get.getPort())).as("%s port %s is a container port", kind, get.getPort()).isPresent();
        assertThat(Optional.ofNullable(get.getScheme()).orElse("HTTP")).isEqualTo("HTTP");
      });
      // The start-up probe must outlast a slow start (database, trees) before liveness may kill it.
      Probe startup = otpx.getStartupProbe();
      assertThat(startup.getPeriodSeconds() * startup.getFailureThreshold()).as("seconds a start may take").isGreaterThanOrEqualTo(60);
    }

    @ParameterizedTest
    @MethodSource("dev.otpx.app.K8sManifestsTest#sets")
    void readinessIsNotLiveness(K8sManifests set) {
      // A database outage must take pods out of the endpoints, not restart them all: readiness asks
      // a procedure of its own (the store, the HTTP server), which K8sJarIT checks on the jar.
      Container otpx = set.otpxContainer();
      assertThat(otpx.getReadinessProbe().getHttpGet().getPath()).as("%s readiness path", set.dir())
        .isNotEqualTo(otpx.getLivenessProbe().getHttpGet().getPath());
      assertThat(otpx.getStartupProbe().getHttpGet().getPath()).as("%s start-up path: liveness waits for it", set.dir())
        .isEqualTo(otpx.getLivenessProbe().getHttpGet().getPath());
    }

    @ParameterizedTest
    @MethodSource("dev.otpx.app.K8sManifestsTest#sets")
    void prometheusScrapesTheMetricsPortThatNoServiceExposes(K8sManifests set) {
      Workload workload = set.otpx();
      Container otpx = set.otpxContainer();
      Map<String, String> annotations = Optional.ofNullable(workload.template().getMetadata().getAnnotations()).orElse(Map.of());
      assertThat(annotations).as("%s pod annotations", set.dir())
        .containsEntry("prometheus.io/scrape", "true").containsEntry("prometheus.io/path", "/metrics")
        .containsKey("prometheus.io/port");
      int scraped = Integer.parseInt(annotations.get("prometheus.io/port"));
      var port = K8sManifests.port(otpx, new io.fabric8.kubernetes.api.model.IntOrString(scraped));
      assertThat(port).as("%s scrape port %d is a container port", set.dir(), scraped).isPresent();
      Map<String, String> env = new java.util.HashMap<>();
      otpx.getEnv().stream().filter(v -> v.getValue() != null).forEach(v -> env.put(v.getName(), v.getValue()));
      assertThat(dev.otpx.system.Metrics.port(env)).as("%s the port the jar serves /metrics on", set.dir()).isEqualTo(scraped);
      // /metrics has no credential (README "Scraping"): no Service may put it in front of clients.
      for (Service service : set.services()) {
        for (ServicePort servicePort : service.getSpec().getPorts()) {
          var target = servicePort.getTargetPort() != null ? servicePort.getTargetPort()
            : new io.fabric8.kubernetes.api.model.IntOrString(servicePort.getPort());
          assertThat(K8sManifests.port(otpx, target)).as("Service %s port %s", service.getMetadata().getName(), servicePort.getName())
            .isNotEqualTo(port);
        }
      }
    }

    @ParameterizedTest
    @MethodSource("dev.otpx.app.K8sManifestsTest#sets")
    void theGracePeriodCoversThePreStopPauseAndTheJarsBoundedStop(K8sManifests set) {
      Workload otpx = set.otpx();
      Container container = set.otpxContainer();
      List<String> preStop = container.getLifecycle().getPreStop().getExec().getCommand();
      assertThat(preStop).as("preStop").hasSize(2).first().isEqualTo("sleep");
      long pause = Long.parseLong(preStop.get(1));
      assertThat(pause).as("preStop pause: endpoints and proxies forget the pod meanwhile").isBetween(3L, 30L);
      // Main's stop waits at most SHUTDOWN_TIMEOUT_SECONDS three times: for a start under way, for
      // the service's undeploy, and for Vert.x to close.
      long stop = 3 * Main.SHUTDOWN_TIMEOUT_SECONDS;
      assertThat(otpx.template().getSpec().getTerminationGracePeriodSeconds()).as("terminationGracePeriodSeconds")
        .isGreaterThanOrEqualTo(pause + stop);
    }

    @ParameterizedTest
    @MethodSource("dev.otpx.app.K8sManifestsTest#sets")
    void theJvmSizesItsHeapFromTheContainerLimitWithRoomForTheMeasuredLoad(K8sManifests set) {
      Container otpx = set.otpxContainer();
      List<String> command = otpx.getCommand();
      assertThat(command).as("command").isNotEmpty().first().isEqualTo("java");
      assertThat(command).as("flags that would ignore the container's limit")
        .noneMatch(flag -> flag.startsWith("-Xmx") || flag.startsWith("-Xms") || flag.startsWith("-XX:MaxRAM=")
          || flag.equals("-XX:-UseContainerSupport") || flag.startsWith("-XX:MaxHeapSize"));
      double percent = command.stream().filter(flag -> flag.startsWith("-XX:MaxRAMPercentage="))
        .map(flag -> Double.parseDouble(flag.substring(flag.indexOf('=') + 1))).findFirst()
        .orElseThrow(() -> new AssertionError("no -XX:MaxRAMPercentage"));
      assertThat(otpx.getResources().getLimits()).as("limits").containsKey("memory");
      long limitMib = bytes(otpx.getResources().getLimits().get("memory")).longValue() / (1024 * 1024);
      long heapMib = (long) (limitMib * percent / 100);
      assertThat(heapMib).as("heap (%s%% of %d MiB) against 2.5 x the live heap measured", percent, limitMib)
        .isGreaterThanOrEqualTo(MEASURED_LIVE_HEAP_MIB * 5 / 2);
      assertThat(limitMib - heapMib).as("MiB left outside the heap (measured: about 190 clustered)").isGreaterThanOrEqualTo(300);
      assertThat(command).contains("-XX:+ExitOnOutOfMemoryError");
    }

    @ParameterizedTest
    @MethodSource("dev.otpx.app.K8sManifestsTest#sets")
    void theImageIsPinned(K8sManifests set) {
      for (Workload workload : workloads(set)) {
        for (Container container : workload.allContainers()) {
          String image = container.getImage();
          String tag = image.contains("@") ? image.substring(image.indexOf('@')) : image.substring(image.lastIndexOf(':') + 1);
          assertThat(image).as("%s image has a tag or digest", container.getName()).matches(".+(:[^/]+|@sha256:[0-9a-f]{64})");
          assertThat(tag).as("%s image tag", container.getName()).isNotEqualTo("latest").containsPattern("[0-9]");
        }
      }
    }
  }

  @Nested
  class Clustering {

    /** The pod IP the downward API gives the pod, here any address. */
    private static final String POD_IP = "10.1.2.3";

    @Test
    void theProductionReplicasFormOneClusterAndTheDevReplicaRunsAlone() throws IOException {
      assertThat(ClusterOptions.requested(List.of(), podEnv(K8sManifests.read(K8sManifests.PRODUCTION).otpxContainer())))
        .as("k8s/ clusters its replicas").isTrue();
      // k8s/dev/ runs one replica: a cluster of one would add Hazelcast's memory and nothing else.
      assertThat(ClusterOptions.requested(List.of(), podEnv(K8sManifests.read(K8sManifests.DEV).otpxContainer())))
        .as("k8s/dev/ runs one unclustered replica").isFalse();
    }

    @ParameterizedTest
    @MethodSource("dev.otpx.app.K8sManifestsTest#sets")
    void aClusteredDeploymentsEnvironmentLoadsAndNamesAHeadlessServiceOfItsPods(K8sManifests set) {
      Workload workload = set.otpx();
      Container otpx = set.otpxContainer();
      Map<String, String> env = podEnv(otpx);
      if (!ClusterOptions.requested(List.of(), env)) {
        return;
      }
      ClusterOptions options = ClusterOptions.fromEnv(env);
      assertThat(options.discovery()).as("%s discovery", set.dir()).isEqualTo(ClusterOptions.Discovery.KUBERNETES);
      assertThat(options.host()).as("Hazelcast announces the pod's IP").isEqualTo(POD_IP);
      assertThat(options.eventBusHost()).as("the event bus announces the pod's IP").isEqualTo(POD_IP);
      var hazelcast = K8sManifests.port(otpx, new io.fabric8.kubernetes.api.model.IntOrString(options.port()));
      assertThat(hazelcast).as("Hazelcast's port %d is a container port", options.port()).isPresent();
      assertThat(options.eventBusPort()).as("the event bus has a fixed port: other pods dial it").isPositive();
      assertThat(K8sManifests.port(otpx, new io.fabric8.kubernetes.api.model.IntOrString(options.eventBusPort())))
        .as("the event bus's port %d is a container port", options.eventBusPort()).isPresent();

      List<Service> named = set.services().stream()
        .filter(s -> options.serviceDns().equals(s.getMetadata().getName() + "." + s.getMetadata().getNamespace() + ".svc.cluster.local"))
        .toList();
      assertThat(named).as("%s: a Service whose DNS name is %s", set.dir(), options.serviceDns()).hasSize(1);
      Service headless = named.get(0);
      assertThat(headless.getSpec().getClusterIP()).as("headless: DNS answers with the pods' IPs").isEqualTo("None");
      assertThat(headless.getSpec().getPublishNotReadyAddresses())
        .as("a pod is ready only once in the cluster, so it must find the others before").isTrue();
      assertThat(headless.getMetadata().getNamespace()).isEqualTo(workload.namespace());
      assertThat(selects(headless.getSpec().getSelector(), workload.labels())).as("the headless Service selects otpx's pods").isTrue();
      assertThat(headless.getSpec().getPorts()).as("the headless Service's port is Hazelcast's container port")
        .anySatisfy(port -> assertThat(K8sManifests.port(otpx, port.getTargetPort() != null ? port.getTargetPort()
          : new io.fabric8.kubernetes.api.model.IntOrString(port.getPort()))).isEqualTo(hazelcast));
    }

    /** The container's environment as the pod sees it: values, and the downward API's pod IP. */
    private static Map<String, String> podEnv(Container container) {
      Map<String, String> env = new java.util.HashMap<>();
      for (EnvVar var : container.getEnv()) {
        if (var.getValue() != null) {
          env.put(var.getName(), var.getValue());
        } else if (var.getValueFrom() != null && var.getValueFrom().getFieldRef() != null) {
          assertThat(var.getValueFrom().getFieldRef().getFieldPath()).as("%s from the downward API", var.getName())
            .isEqualTo("status.podIP");
          env.put(var.getName(), POD_IP);
        }
      }
      return env;
    }
  }

  @Nested
  class WhatTheAppReads {

    @ParameterizedTest
    @MethodSource("dev.otpx.app.K8sManifestsTest#sets")
    void otpxIsGivenOnlyVariablesItReads(K8sManifests set) {
      Set<String> given = set.otpxContainer().getEnv().stream().map(EnvVar::getName).collect(Collectors.toSet());
      assertThat(Environment.variables()).as("variables the app reads (Environment)").containsAll(given);
      assertThat(set.otpxContainer().getEnvFrom()).as("envFrom would hide which variables are set").isNullOrEmpty();
    }

    @ParameterizedTest
    @MethodSource("dev.otpx.app.K8sManifestsTest#sets")
    void everySecretComesFromASecretReferenceNeverAValue(K8sManifests set) {
      assertThat(set.all(Secret.class)).as("%s commits no Secret: the operator creates it", set.dir()).isEmpty();
      Set<String> secretRefs = new HashSet<>();
      for (Workload workload : workloads(set)) {
        for (Container container : workload.allContainers()) {
          for (EnvVar env : Optional.ofNullable(container.getEnv()).orElse(List.of())) {
            boolean secret = Environment.secrets().contains(env.getName()) || SECRET_NAME.matcher(env.getName()).matches();
            if (!secret) {
              continue;
            }
            assertThat(env.getValue()).as("%s: %s has a value in the manifest", workload.owner(), env.getName()).isNull();
            SecretKeySelector ref = env.getValueFrom() == null ? null : env.getValueFrom().getSecretKeyRef();
            assertThat(ref).as("%s: %s comes from a Secret", workload.owner(), env.getName()).isNotNull();
            secretRefs.add(env.getName());
          }
        }
      }
      assertThat(secretRefs).as("otpx's secrets, each referenced").containsAll(
        List.of("OTPX_TOKEN_SECRET", "OTPX_ADMIN_TOKEN", "OTPX_DATABASE_URL", "WOLFRAM_APP_ID"));
    }

    @ParameterizedTest
    @MethodSource("dev.otpx.app.K8sManifestsTest#sets")
    void theConfigMapHoldsOnlyKeysTheAppReadsAndTheyLoad(K8sManifests set, @TempDir Path dir) throws Exception {
      Workload workload = set.otpx();
      Container otpx = set.otpxContainer();
      String path = env(otpx, AppConfig.CONFIG_ENV);
      String file = set.configMapFile(workload, otpx, path);
      JsonObject json = new JsonObject(file);
      Set<String> known = Arrays.stream(AppConfig.Key.values()).map(AppConfig.Key::path).collect(Collectors.toSet());
      List<String> leaves = new ArrayList<>();
      leaves(json, "", leaves);
      assertThat(known).as("config keys the app reads (AppConfig.Key)").containsAll(leaves);
      // Loaded as the jar loads it: the embedded defaults, then this file.
      Path written = Files.writeString(dir.resolve("config.json"), file);
      Vertx vertx = Vertx.vertx();
      try {
        AppConfig config = AppConfig.load(vertx, Optional.of(written.toString()), Map.of()).await();
        assertThat(K8sManifests.port(otpx, new io.fabric8.kubernetes.api.model.IntOrString("http")))
          .as("the container port named http is the one the app listens on")
          .hasValueSatisfying(port -> assertThat(port.getContainerPort()).isEqualTo(config.http().port()));
        assertThat(config.store().dataDir()).as("the embedded database stays on the writable volume").startsWith("/tmp/");
      } finally {
        vertx.close().await();
      }
    }

    @Test
    void theDevSecretTemplateHoldsPlaceholdersForEverySecretTheDevSetReads() throws IOException {
      Path file = K8sManifests.DEV.resolve("secrets.yaml.template");
      String template = Files.readString(file);
      Matcher placeholders = PLACEHOLDER.matcher(template);
      Set<String> names = new HashSet<>();
      while (placeholders.find()) {
        names.add(placeholders.group());
      }
      // Filled as the README's command fills it, with a different value for each placeholder.
      String filled = template;
      for (String name : names) {
        filled = filled.replace(name, "generated" + name.toLowerCase().replace("_", ""));
      }
      List<Manifest> secrets = K8sManifests.read(file, filled);
      List<String> unknown = new ArrayList<>();
      secrets.forEach(s -> K8sManifests.unknownFields(s.object(), s.toString(), unknown));
      assertThat(unknown).isEmpty();

      Map<String, String> raw = new java.util.HashMap<>();
      for (Manifest manifest : K8sManifests.read(file, template)) {
        Secret secret = (Secret) manifest.object();
        assertThat(secret.getData()).as("%s: only stringData, filled by the README's command", manifest).isNullOrEmpty();
        secret.getStringData().forEach((key, value) -> raw.put(secret.getMetadata().getName() + "/" + key, value));
      }
      raw.forEach((key, value) -> {
        assertThat(value).as("%s is a placeholder, never a value", key).containsPattern(PLACEHOLDER);
        if (value.contains("://")) {
          String userInfo = URI.create(value.replace("__", "xx")).getUserInfo();
          assertThat(value).as("%s: the URL's password is a placeholder", key)
            .contains(":" + userInfo.substring(userInfo.indexOf(':') + 1).replace("xx", "__") + "@");
          assertThat(userInfo.substring(userInfo.indexOf(':') + 1)).startsWith("xx");
        }
      });

      // Every non-optional Secret key the dev set reads is in the template.
      K8sManifests dev = K8sManifests.read(K8sManifests.DEV);
      for (Workload workload : dev.workloads()) {
        for (Container container : workload.allContainers()) {
          for (EnvVar env : Optional.ofNullable(container.getEnv()).orElse(List.of())) {
            SecretKeySelector ref = env.getValueFrom() == null ? null : env.getValueFrom().getSecretKeyRef();
            if (ref != null && !Boolean.TRUE.equals(ref.getOptional())) {
              assertThat(raw).as("the template holds %s/%s", ref.getName(), ref.getKey()).containsKey(ref.getName() + "/" + ref.getKey());
            }
          }
        }
      }
    }

    private static void leaves(JsonObject json, String prefix, List<String> out) {
      for (Map.Entry<String, Object> entry : json) {
        if (entry.getValue() instanceof JsonObject nested) {
          leaves(nested, prefix + entry.getKey() + ".", out);
        } else {
          out.add(prefix + entry.getKey());
        }
      }
    }
  }

  @Nested
  class Image {

    private final List<String[]> instructions = dockerfile();

    private List<String[]> dockerfile() {
      try {
        String joined = Files.readString(Path.of("Dockerfile")).replaceAll("\\\\\\n", " ");
        return joined.lines().map(String::strip).filter(line -> !line.isEmpty() && !line.startsWith("#"))
          .map(line -> line.split("\\s+", 2)).toList();
      } catch (IOException e) {
        throw new AssertionError("cannot read the Dockerfile", e);
      }
    }

    /** @return each stage's instructions, in order, by stage name (the last is the runtime) */
    private List<List<String[]>> stages() {
      List<List<String[]>> stages = new ArrayList<>();
      for (String[] instruction : instructions) {
        if (instruction[0].equalsIgnoreCase("FROM")) {
          stages.add(new ArrayList<>());
        }
        stages.get(stages.size() - 1).add(instruction);
      }
      return stages;
    }

    private static String arg(List<String[]> stage, String keyword) {
      return stage.stream().filter(i -> i[0].equalsIgnoreCase(keyword)).map(i -> i[1]).reduce((a, b) -> b)
        .orElseThrow(() -> new AssertionError("no " + keyword));
    }

    @Test
    void everyBaseImageIsPinnedByExactTagOrDigest() {
      Set<String> stageNames = new HashSet<>();
      for (List<String[]> stage : stages()) {
        String[] from = arg(stage, "FROM").split("\\s+");
        String image = from[0];
        if (!stageNames.contains(image)) {
          assertThat(image).as("base image %s", image).matches(".+(:[^/]*[0-9][^/]*|@sha256:[0-9a-f]{64})");
          assertThat(image).doesNotEndWith(":latest");
        }
        if (from.length == 3) {
          stageNames.add(from[2]);
        }
      }
      assertThat(stages()).as("multi-stage").hasSizeGreaterThanOrEqualTo(2);
    }

    @Test
    void theImageRunsAsTheNonRootUserTheManifestsName() throws IOException {
      List<String[]> runtime = stages().get(stages().size() - 1);
      String user = arg(runtime, "USER").split(":")[0];
      assertThat(user).as("USER is numeric, so runAsNonRoot can check it").matches("[0-9]+");
      assertThat(Long.parseLong(user)).isNotZero();
      for (K8sManifests set : sets().toList()) {
        PodSecurityContext pod = set.otpx().template().getSpec().getSecurityContext();
        SecurityContext own = set.otpxContainer().getSecurityContext();
        long runAs = own.getRunAsUser() != null ? own.getRunAsUser() : pod.getRunAsUser();
        assertThat(runAs).as("%s runAsUser is the image's user", set.dir()).isEqualTo(Long.parseLong(user));
      }
    }

    @Test
    void theJarIsBuiltWhereTheBuildPutsItAndRunWhereTheManifestsRunIt() throws Exception {
      String finalName = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(Path.of("pom.xml").toFile())
        .getElementsByTagName("finalName").item(0).getTextContent().strip();
      Map<String, List<String[]>> named = new java.util.HashMap<>();
      for (List<String[]> stage : stages()) {
        String[] from = arg(stage, "FROM").split("\\s+");
        if (from.length == 3) {
          named.put(from[2], stage);
        }
      }
      List<String[]> runtime = stages().get(stages().size() - 1);
      String[] copy = runtime.stream().filter(i -> i[0].equalsIgnoreCase("COPY") && i[1].startsWith("--from="))
        .map(i -> i[1].split("\\s+")).findFirst().orElseThrow(() -> new AssertionError("the runtime copies nothing from a build stage"));
      String buildStage = copy[0].substring("--from=".length());
      String workdir = arg(named.get(buildStage), "WORKDIR");
      assertThat(copy[1]).as("the jar the build stage makes (pom finalName %s)", finalName)
        .isEqualTo(workdir + "/target/" + finalName + ".jar");
      String jar = copy[2];

      List<String> entrypoint = new io.vertx.core.json.JsonArray(arg(runtime, "ENTRYPOINT")).stream().map(String::valueOf).toList();
      assertThat(entrypoint).as("ENTRYPOINT runs the jar copied").containsSequence("-jar", jar);
      for (K8sManifests set : sets().toList()) {
        assertThat(set.otpxContainer().getCommand()).as("%s runs what the image's ENTRYPOINT runs", set.dir()).isEqualTo(entrypoint);
      }
    }

    @Test
    void theImageExposesTheContainersPorts() throws IOException {
      List<String[]> runtime = stages().get(stages().size() - 1);
      Set<Integer> exposed = runtime.stream().filter(i -> i[0].equalsIgnoreCase("EXPOSE"))
        .flatMap(i -> Arrays.stream(i[1].split("\\s+"))).map(p -> Integer.parseInt(p.split("/")[0])).collect(Collectors.toSet());
      for (K8sManifests set : sets().toList()) {
        assertThat(exposed).as("%s container ports", set.dir())
          .containsAll(set.otpxContainer().getPorts().stream().map(p -> p.getContainerPort()).toList());
      }
    }

    @Test
    void theDockerignoreKeepsWhatTheBuildCopies() throws IOException {
      List<String> ignored = Files.readAllLines(Path.of(".dockerignore")).stream().map(String::strip)
        .filter(line -> !line.isEmpty() && !line.startsWith("#")).map(line -> line.replaceAll("/$", "")).toList();
      assertThat(ignored).as("built output stays out of the context").contains("target", "node_modules");
      Function<String, Boolean> isIgnored = source -> ignored.stream().anyMatch(pattern -> source.equals(pattern)
        || source.startsWith(pattern + "/") || (pattern.startsWith("*") && source.endsWith(pattern.substring(1))));
      for (String[] instruction : instructions) {
        if (instruction[0].equalsIgnoreCase("COPY") && !instruction[1].startsWith("--from=")) {
          String[] parts = instruction[1].split("\\s+");
          for (String source : Arrays.copyOf(parts, parts.length - 1)) {
            assertThat(isIgnored.apply(source.replaceAll("^\\./", "")))
              .as(".dockerignore leaves %s in the context", source).isFalse();
            assertThat(Path.of(source)).as("COPY source %s exists", source).exists();
          }
        }
      }
    }
  }

  private static String env(Container container, String name) {
    return container.getEnv().stream().filter(e -> e.getName().equals(name)).map(EnvVar::getValue).findFirst()
      .orElseThrow(() -> new AssertionError(container.getName() + " has no " + name));
  }

  private static BigDecimal bytes(Quantity quantity) {
    return Quantity.getAmountInBytes(quantity);
  }
}
