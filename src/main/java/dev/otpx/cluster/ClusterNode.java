package dev.otpx.cluster;

import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.config.YamlConfigBuilder;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import dev.otpx.process.Nodes;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts a clustered node: Vert.x with Hazelcast as its cluster manager, configured from
 * {@code conf/cluster.yaml} and the environment ({@link ClusterOptions}), and tells the process
 * runtime ({@link Nodes}) who leaves and when the cluster merges after a split. The node counts as
 * joined once Hazelcast has joined (or formed) its cluster and the node's own address is open.
 */
public final class ClusterNode {

  private static final Logger log = LoggerFactory.getLogger(ClusterNode.class);
  private static final String NODE_ID_ATTRIBUTE = "__vertx.nodeId";

  private ClusterNode() {
  }

  /**
   * Builds the Hazelcast configuration: the YAML file, then the environment's discovery, hosts and
   * ports. Multicast and auto-detection stay off.
   *
   * @param options the options
   * @return the configuration
   * @throws IllegalArgumentException when the file is missing or not Hazelcast YAML
   */
  public static Config hazelcastConfig(ClusterOptions options) {
    Config config;
    try (InputStream yaml = open(options)) {
      config = new YamlConfigBuilder(yaml).build();
    } catch (IOException e) {
      throw new UncheckedIOException("cluster config: cannot read " + options.file().orElse(ClusterOptions.DEFAULT_FILE), e);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("cluster config " + options.file().orElse(ClusterOptions.DEFAULT_FILE) + ": " + e.getMessage(), e);
    }
    NetworkConfig network = config.getNetworkConfig();
    network.setPort(options.port()).setPortAutoIncrement(false);
    network.getInterfaces().setEnabled(true).clear().addInterface(options.host());
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    if (options.discovery() == ClusterOptions.Discovery.KUBERNETES) {
      join.getTcpIpConfig().setEnabled(false);
      join.getKubernetesConfig().setEnabled(true).setProperty("service-dns", options.serviceDns());
    } else {
      join.getKubernetesConfig().setEnabled(false);
      join.getTcpIpConfig().setEnabled(true).setMembers(options.members());
    }
    config.setProperty("hazelcast.phone.home.enabled", "false");
    // Vert.x leaves the cluster in its own close, in order; Hazelcast's hook would leave first.
    config.setProperty("hazelcast.shutdownhook.enabled", "false");
    return config;
  }

  private static InputStream open(ClusterOptions options) throws IOException {
    if (options.file().isPresent()) {
      return Files.newInputStream(Path.of(options.file().get()));
    }
    Path local = Path.of(ClusterOptions.DEFAULT_FILE);
    if (Files.isRegularFile(local)) {
      return Files.newInputStream(local);
    }
    InputStream embedded = ClusterNode.class.getClassLoader().getResourceAsStream(ClusterOptions.DEFAULT_FILE);
    if (embedded == null) {
      throw new IOException("no " + ClusterOptions.DEFAULT_FILE + " in the working directory or the jar");
    }
    return embedded;
  }

  /**
   * Starts a clustered Vert.x and joins the cluster.
   *
   * @param options the cluster options
   * @param vertxOptions the rest of Vert.x's options
   * @return the clustered instance, once joined; fails with the reason the node cannot join
   */
  public static Future<Vertx> start(ClusterOptions options, VertxOptions vertxOptions) {
    return start(options, vertxOptions, o -> Vertx.builder().with(o));
  }

  /**
   * Starts a clustered Vert.x from a builder the caller prepares (the node's metrics, say) and joins
   * the cluster.
   *
   * @param options the cluster options
   * @param vertxOptions the rest of Vert.x's options; the event bus's host and port are set here first
   * @param builder makes the builder from the options, e.g. {@code Metrics::builder}
   * @return the clustered instance, once joined; fails with the reason the node cannot join
   */
  public static Future<Vertx> start(ClusterOptions options, VertxOptions vertxOptions,
      java.util.function.Function<VertxOptions, io.vertx.core.VertxBuilder> builder) {
    Config config;
    try {
      config = hazelcastConfig(options);
    } catch (RuntimeException bad) {
      return Future.failedFuture(bad);
    }
    vertxOptions.getEventBusOptions().setHost(options.eventBusHost()).setPort(options.eventBusPort());
    HazelcastClusterManager manager = new HazelcastClusterManager(config);
    log.info("cluster: joining by {} ({}) from {}:{}", options.discovery().name().toLowerCase(java.util.Locale.ROOT),
      options.discovery() == ClusterOptions.Discovery.TCP ? String.join(",", options.members()) : options.serviceDns(),
      options.host(), options.port());
    return builder.apply(vertxOptions).withClusterManager(manager).buildClustered()
      .compose(vertx -> {
        watch(vertx, manager.getHazelcastInstance());
        return Nodes.open(vertx).map(v -> {
          log.info("cluster: node {} joined; members {}", manager.getNodeId(), manager.getNodes());
          return vertx;
        });
      });
  }

  /**
   * Whether a clustered Vert.x is still in its cluster (Hazelcast running): what readiness asks.
   *
   * @param vertx the instance
   * @return true when not clustered, or clustered and running
   */
  public static boolean joined(Vertx vertx) {
    if (!vertx.isClustered()) {
      return true;
    }
    var manager = ((io.vertx.core.internal.VertxInternal) vertx).clusterManager();
    return manager instanceof HazelcastClusterManager hz && hz.isActive() && hz.getHazelcastInstance().getLifecycleService().isRunning();
  }

  /**
   * The Vert.x node id of a member (what pids carry): vertx-hazelcast keeps it as the member's
   * attribute {@value #NODE_ID_ATTRIBUTE}, which is not Hazelcast's own member UUID.
   */
  private static java.util.Optional<String> nodeId(MembershipEvent event) {
    return java.util.Optional.ofNullable(event.getMember().getAttribute(NODE_ID_ATTRIBUTE));
  }

  private static void watch(Vertx vertx, HazelcastInstance hazelcast) {
    hazelcast.getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {
        nodeId(event).ifPresent(node -> Nodes.nodeJoined(vertx, node));
      }

      @Override
      public void memberRemoved(MembershipEvent event) {
        nodeId(event).ifPresent(node -> Nodes.nodeLeft(vertx, node));
      }
    });
    hazelcast.getLifecycleService().addLifecycleListener(event -> {
      if (event.getState() == LifecycleEvent.LifecycleState.MERGED) {
        Nodes.merged(vertx).onSuccess(lost -> log.warn("cluster: merged after a split; global names lost here: {}", lost));
      }
    });
  }
}
