package dev.otpx.app;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * One folder of Kubernetes manifests as {@code kubectl apply -f <folder>} reads it (its
 * {@code .yaml}, {@code .yml} and {@code .json} files, not its sub-folders), turned into fabric8's
 * typed objects: what the manifest tests assert on.
 *
 * @param dir the folder
 * @param objects every object, with the file it came from
 */
record K8sManifests(Path dir, List<Manifest> objects) {

  /** The repository's manifests for production. */
  static final Path PRODUCTION = Path.of("k8s");
  /** The set for trying otpx out on one small cluster. */
  static final Path DEV = PRODUCTION.resolve("dev");

  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  /**
   * One object of a manifest file.
   *
   * @param file where it was read
   * @param object the typed object
   */
  record Manifest(Path file, HasMetadata object) {
    @Override
    public String toString() {
      return file + ": " + object.getKind() + " " + object.getMetadata().getName();
    }
  }

  /**
   * A workload's pod template: what a Deployment or StatefulSet runs.
   *
   * @param owner the workload
   * @param replicas how many pods it asks for
   * @param selector its selector's labels
   * @param template the pods
   */
  record Workload(Manifest owner, int replicas, Map<String, String> selector, PodTemplateSpec template) {
    String namespace() {
      return owner.object().getMetadata().getNamespace();
    }

    Map<String, String> labels() {
      return template.getMetadata().getLabels();
    }

    List<Container> allContainers() {
      List<Container> all = new ArrayList<>(template.getSpec().getContainers());
      if (template.getSpec().getInitContainers() != null) {
        all.addAll(template.getSpec().getInitContainers());
      }
      return all;
    }
  }

  /** Reads a folder as kubectl does. */
  static K8sManifests read(Path dir) throws IOException {
    List<Manifest> objects = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.filter(K8sManifests::appliedByKubectl).sorted().toList()) {
        try (InputStream in = Files.newInputStream(file)) {
          objects.addAll(typed(file, SERIALIZATION.unmarshal(in)));
        }
      }
    }
    return new K8sManifests(dir, List.copyOf(objects));
  }

  /** Reads manifests from text (a template once filled in), as if from {@code file}. */
  static List<Manifest> read(Path file, String yaml) {
    return typed(file, SERIALIZATION.unmarshal(yaml));
  }

  private static boolean appliedByKubectl(Path file) {
    String name = file.getFileName().toString();
    return Files.isRegularFile(file) && (name.endsWith(".yaml") || name.endsWith(".yml") || name.endsWith(".json"));
  }

  private static List<Manifest> typed(Path file, Object read) {
    List<Manifest> objects = new ArrayList<>();
    for (Object one : read instanceof List<?> list ? list : List.of(read)) {
      if (one == null) {
        continue;
      }
      if (!(one instanceof HasMetadata object) || one instanceof GenericKubernetesResource) {
        throw new AssertionError(file + ": not a Kubernetes kind fabric8 knows (a typo in apiVersion or kind?): " + one);
      }
      objects.add(new Manifest(file, object));
    }
    return objects;
  }

  /** @return the objects of one kind */
  <T extends HasMetadata> List<T> all(Class<T> kind) {
    return objects.stream().map(Manifest::object).filter(kind::isInstance).map(kind::cast).toList();
  }

  /** @return the Deployments and StatefulSets, with their pod templates */
  List<Workload> workloads() {
    List<Workload> workloads = new ArrayList<>();
    for (Manifest manifest : objects) {
      if (manifest.object() instanceof Deployment deployment) {
        workloads.add(new Workload(manifest, Optional.ofNullable(deployment.getSpec().getReplicas()).orElse(1),
          deployment.getSpec().getSelector().getMatchLabels(), deployment.getSpec().getTemplate()));
      } else if (manifest.object() instanceof StatefulSet set) {
        workloads.add(new Workload(manifest, Optional.ofNullable(set.getSpec().getReplicas()).orElse(1),
          set.getSpec().getSelector().getMatchLabels(), set.getSpec().getTemplate()));
      }
    }
    return workloads;
  }

  /** @return the one workload running otpx's image, and its container */
  Workload otpx() {
    List<Workload> found = workloads().stream().filter(w -> w.template().getSpec().getContainers().stream()
      .anyMatch(K8sManifests::isOtpx)).toList();
    if (found.size() != 1) {
      throw new AssertionError(dir + ": expected one workload running otpx's image, found " + found.size());
    }
    return found.get(0);
  }

  /** @return otpx's container in its workload */
  Container otpxContainer() {
    return otpx().template().getSpec().getContainers().stream().filter(K8sManifests::isOtpx).findFirst().orElseThrow();
  }

  /** @return whether a container runs otpx's image */
  static boolean isOtpx(Container container) {
    String image = container.getImage();
    String repository = image.contains(":") ? image.substring(0, image.lastIndexOf(':')) : image;
    return repository.equals("otpx") || repository.endsWith("/otpx");
  }

  /** @return the Services */
  List<Service> services() {
    return all(Service.class);
  }

  /** @return the ConfigMap named so, in a namespace */
  ConfigMap configMap(String namespace, String name) {
    return all(ConfigMap.class).stream()
      .filter(map -> name.equals(map.getMetadata().getName()) && namespace.equals(map.getMetadata().getNamespace()))
      .findFirst().orElseThrow(() -> new AssertionError(dir + ": no ConfigMap " + namespace + "/" + name));
  }

  /**
   * The file a container sees at a path through a ConfigMap volume.
   *
   * @return the ConfigMap's value for that file
   * @throws AssertionError when no ConfigMap volume holds that path
   */
  String configMapFile(Workload workload, Container container, String path) {
    for (VolumeMount mount : container.getVolumeMounts()) {
      String prefix = mount.getMountPath().endsWith("/") ? mount.getMountPath() : mount.getMountPath() + "/";
      if (!path.startsWith(prefix)) {
        continue;
      }
      var volume = workload.template().getSpec().getVolumes().stream()
        .filter(v -> v.getName().equals(mount.getName())).findFirst()
        .orElseThrow(() -> new AssertionError("volume " + mount.getName() + " is mounted but not declared"));
      if (volume.getConfigMap() == null) {
        continue;
      }
      String key = path.substring(prefix.length());
      String value = configMap(workload.namespace(), volume.getConfigMap().getName()).getData().get(key);
      if (value != null) {
        return value;
      }
    }
    throw new AssertionError(container.getName() + " sees no ConfigMap file at " + path);
  }

  /** @return the container's port a probe or Service names (by name or number), if any */
  static Optional<ContainerPort> port(Container container, io.fabric8.kubernetes.api.model.IntOrString port) {
    List<ContainerPort> ports = Optional.ofNullable(container.getPorts()).orElse(List.of());
    return ports.stream().filter(p -> port.getStrVal() != null ? port.getStrVal().equals(p.getName())
      : port.getIntVal().equals(p.getContainerPort())).findFirst();
  }

  /** @return a container's three probes, by kind */
  static Map<String, Probe> probes(Container container) {
    Map<String, Probe> probes = new java.util.LinkedHashMap<>();
    probes.put("startupProbe", container.getStartupProbe());
    probes.put("livenessProbe", container.getLivenessProbe());
    probes.put("readinessProbe", container.getReadinessProbe());
    return probes;
  }

  /**
   * Walks an object read by fabric8 and lists every key it did not know: fabric8 keeps such keys in
   * {@code additionalProperties} instead of refusing them, so a misspelt {@code readinesProbe}
   * would otherwise pass unnoticed (and Kubernetes would drop it).
   *
   * @param node the object
   * @param path where it is, for the message
   * @param found where the unknown keys go, as {@code path: [keys]}
   */
  static void unknownFields(Object node, String path, List<String> found) {
    if (node == null) {
      return;
    }
    if (node instanceof Collection<?> items) {
      int i = 0;
      for (Object item : items) {
        unknownFields(item, path + "[" + i++ + "]", found);
      }
      return;
    }
    if (node instanceof Map<?, ?> map) {
      map.forEach((key, value) -> unknownFields(value, path + "." + key, found));
      return;
    }
    if (!node.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
      return;
    }
    for (Method getter : node.getClass().getMethods()) {
      String name = getter.getName();
      if (getter.getParameterCount() != 0 || Modifier.isStatic(getter.getModifiers()) || !name.startsWith("get")
          || name.equals("getClass")) {
        continue;
      }
      Object value;
      try {
        value = getter.invoke(node);
      } catch (IllegalAccessException | InvocationTargetException e) {
        throw new AssertionError("cannot read " + path + "." + name, e);
      }
      if (name.equals("getAdditionalProperties")) {
        if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
          found.add(path + ": " + extra.keySet());
        }
      } else {
        unknownFields(value, path + "." + Character.toLowerCase(name.charAt(3)) + name.substring(4), found);
      }
    }
  }
}
