package dev.otpx.cluster;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * How a node joins the cluster, read from the command line and the environment: whether to cluster
 * at all, the Hazelcast config file, the discovery mode and the hosts and ports. The names are the
 * contract with the Kubernetes manifests ({@code k8s/}).
 *
 * @param file the Hazelcast YAML file; empty for {@code conf/cluster.yaml} (the working directory's,
 *     else the copy inside the jar)
 * @param discovery how members find each other
 * @param members for {@link Discovery#TCP}: {@code host[:port]} entries
 * @param serviceDns for {@link Discovery#KUBERNETES}: the headless Service's DNS name
 * @param host the address Hazelcast binds to and announces
 * @param port Hazelcast's port
 * @param eventBusHost the address the clustered event bus binds to and announces
 * @param eventBusPort the event bus's port, 0 for any free one
 */
public record ClusterOptions(Optional<String> file, Discovery discovery, List<String> members, String serviceDns,
                             String host, int port, String eventBusHost, int eventBusPort) {

  /** The command-line flag that starts a clustered node. */
  public static final String FLAG = "--cluster";
  /** The environment variable that starts a clustered node when {@code true}. */
  public static final String ENV = "OTPX_CLUSTER";
  /** Another Hazelcast YAML file than {@value #DEFAULT_FILE}. */
  public static final String CONFIG_ENV = "OTPX_CLUSTER_CONFIG";
  /** {@code tcp} (the default) or {@code kubernetes}. */
  public static final String DISCOVERY_ENV = "OTPX_CLUSTER_DISCOVERY";
  /** For {@code tcp}: {@code host[:port]} entries, comma-separated. */
  public static final String MEMBERS_ENV = "OTPX_CLUSTER_MEMBERS";
  /** For {@code kubernetes}: the headless Service's DNS name. */
  public static final String SERVICE_DNS_ENV = "OTPX_CLUSTER_SERVICE_DNS";
  /** The address Hazelcast binds to and announces. */
  public static final String HOST_ENV = "OTPX_CLUSTER_HOST";
  /** Hazelcast's port. */
  public static final String PORT_ENV = "OTPX_CLUSTER_PORT";
  /** The address the clustered event bus binds to and announces. */
  public static final String EVENTBUS_HOST_ENV = "OTPX_EVENTBUS_HOST";
  /** The clustered event bus's port. */
  public static final String EVENTBUS_PORT_ENV = "OTPX_EVENTBUS_PORT";
  /** Every environment variable a clustered start reads, {@value #ENV} first. */
  public static final List<String> VARIABLES = List.of(ENV, CONFIG_ENV, DISCOVERY_ENV, MEMBERS_ENV, SERVICE_DNS_ENV,
    HOST_ENV, PORT_ENV, EVENTBUS_HOST_ENV, EVENTBUS_PORT_ENV);
  /** The default config file, relative to the working directory or inside the jar. */
  public static final String DEFAULT_FILE = "conf/cluster.yaml";
  /** Hazelcast's port unless {@code OTPX_CLUSTER_PORT} says otherwise. */
  public static final int DEFAULT_PORT = 5701;
  /** Where Hazelcast binds unless {@code OTPX_CLUSTER_HOST} says otherwise: this machine only. */
  public static final String DEFAULT_HOST = "127.0.0.1";

  /** How members find each other. */
  public enum Discovery {
    /** A fixed member list ({@code OTPX_CLUSTER_MEMBERS}). */
    TCP,
    /** A DNS lookup of a headless Kubernetes Service ({@code OTPX_CLUSTER_SERVICE_DNS}). */
    KUBERNETES
  }

  public ClusterOptions {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(discovery, "discovery");
    members = List.copyOf(members);
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(eventBusHost, "eventBusHost");
    if (discovery == Discovery.KUBERNETES && (serviceDns == null || serviceDns.isBlank())) {
      throw new IllegalArgumentException("OTPX_CLUSTER_DISCOVERY=kubernetes needs OTPX_CLUSTER_SERVICE_DNS "
        + "(the headless Service, e.g. otpx-hazelcast.<namespace>.svc.cluster.local)");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("OTPX_CLUSTER_PORT must be a port between 1 and 65535, got " + port);
    }
    if (eventBusPort < 0 || eventBusPort > 65535) {
      throw new IllegalArgumentException("OTPX_EVENTBUS_PORT must be 0 or a port up to 65535, got " + eventBusPort);
    }
  }

  /**
   * Whether this start asks for a clustered node: {@value #FLAG} on the command line or
   * {@code OTPX_CLUSTER=true}.
   *
   * @param args the command line
   * @param env the environment
   * @return true for a clustered node
   */
  public static boolean requested(List<String> args, Map<String, String> env) {
    return args.contains(FLAG) || "true".equalsIgnoreCase(env.getOrDefault(ENV, "").trim());
  }

  /**
   * The command line without {@value #FLAG}, for the config's own parser.
   *
   * @param args the command line
   * @return the rest
   */
  public static List<String> withoutFlag(String[] args) {
    List<String> rest = new ArrayList<>(Arrays.asList(args));
    rest.removeIf(FLAG::equals);
    return rest;
  }

  /**
   * Reads the options from the environment.
   *
   * @param env the environment
   * @return the options
   * @throws IllegalArgumentException naming the variable at fault
   */
  public static ClusterOptions fromEnv(Map<String, String> env) {
    Optional<String> file = value(env, CONFIG_ENV);
    String mode = value(env, DISCOVERY_ENV).orElse("tcp");
    Discovery discovery = switch (mode) {
      case "tcp" -> Discovery.TCP;
      case "kubernetes" -> Discovery.KUBERNETES;
      default -> throw new IllegalArgumentException("OTPX_CLUSTER_DISCOVERY must be tcp or kubernetes, got '" + mode + "'");
    };
    String host = value(env, HOST_ENV).orElse(DEFAULT_HOST);
    List<String> members = value(env, MEMBERS_ENV)
      .map(list -> Arrays.stream(list.split(",")).map(String::trim).filter(m -> !m.isEmpty()).toList())
      .orElse(List.of(host));
    return new ClusterOptions(file, discovery, members, value(env, SERVICE_DNS_ENV).orElse(null),
      host, port(env, PORT_ENV, DEFAULT_PORT),
      value(env, EVENTBUS_HOST_ENV).orElse(host), port(env, EVENTBUS_PORT_ENV, 0));
  }

  private static Optional<String> value(Map<String, String> env, String name) {
    String value = env.get(name);
    return value == null || value.isBlank() ? Optional.empty() : Optional.of(value.trim());
  }

  private static int port(Map<String, String> env, String name, int fallback) {
    Optional<String> text = value(env, name);
    if (text.isEmpty()) {
      return fallback;
    }
    try {
      return Integer.parseInt(text.get());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a number, got '" + text.get() + "'");
    }
  }
}
