package dev.otpx.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class ClusterOptionsTest {

  @Nested
  class Requested {

    @Test
    void theFlagOrTheVariableAsksForACluster() {
      assertThat(ClusterOptions.requested(List.of("--cluster"), Map.of())).isTrue();
      assertThat(ClusterOptions.requested(List.of(), Map.of("OTPX_CLUSTER", "true"))).isTrue();
      assertThat(ClusterOptions.requested(List.of(), Map.of("OTPX_CLUSTER", "false"))).isFalse();
      assertThat(ClusterOptions.requested(List.of("-conf", "x.json"), Map.of())).isFalse();
    }

    @Test
    void theFlagIsLeftOutOfWhatTheConfigParserSees() {
      assertThat(ClusterOptions.withoutFlag(new String[] {"--cluster", "-conf", "x.json"})).containsExactly("-conf", "x.json");
    }
  }

  @Nested
  class FromEnv {

    @Test
    void defaultsAreOneMachineOverTcp() {
      ClusterOptions options = ClusterOptions.fromEnv(Map.of());
      assertThat(options.discovery()).isEqualTo(ClusterOptions.Discovery.TCP);
      assertThat(options.members()).containsExactly("127.0.0.1");
      assertThat(options.host()).isEqualTo("127.0.0.1");
      assertThat(options.port()).isEqualTo(5701);
      assertThat(options.eventBusHost()).isEqualTo("127.0.0.1");
      assertThat(options.eventBusPort()).isZero();
    }

    @Test
    void theManifestsVariablesAreRead() {
      ClusterOptions options = ClusterOptions.fromEnv(Map.of(
        "OTPX_CLUSTER_DISCOVERY", "kubernetes", "OTPX_CLUSTER_SERVICE_DNS", "otpx-hazelcast.ns.svc.cluster.local",
        "OTPX_CLUSTER_HOST", "10.0.0.7", "OTPX_CLUSTER_PORT", "5701", "OTPX_EVENTBUS_PORT", "5710"));
      assertThat(options.discovery()).isEqualTo(ClusterOptions.Discovery.KUBERNETES);
      assertThat(options.serviceDns()).isEqualTo("otpx-hazelcast.ns.svc.cluster.local");
      assertThat(options.eventBusHost()).isEqualTo("10.0.0.7");
      assertThat(options.eventBusPort()).isEqualTo(5710);
    }

    @Test
    void membersAreACommaSeparatedList() {
      ClusterOptions options = ClusterOptions.fromEnv(Map.of("OTPX_CLUSTER_MEMBERS", "127.0.0.1:5701, 127.0.0.1:5702,"));
      assertThat(options.members()).containsExactly("127.0.0.1:5701", "127.0.0.1:5702");
    }

    @Test
    void badValuesNameTheirVariable() {
      assertThatThrownBy(() -> ClusterOptions.fromEnv(Map.of("OTPX_CLUSTER_DISCOVERY", "multicast")))
        .hasMessageContaining("OTPX_CLUSTER_DISCOVERY");
      assertThatThrownBy(() -> ClusterOptions.fromEnv(Map.of("OTPX_CLUSTER_DISCOVERY", "kubernetes")))
        .hasMessageContaining("OTPX_CLUSTER_SERVICE_DNS");
      assertThatThrownBy(() -> ClusterOptions.fromEnv(Map.of("OTPX_CLUSTER_PORT", "http")))
        .hasMessageContaining("OTPX_CLUSTER_PORT");
      assertThatThrownBy(() -> ClusterOptions.fromEnv(Map.of("OTPX_EVENTBUS_PORT", "70000")))
        .hasMessageContaining("OTPX_EVENTBUS_PORT");
    }
  }

  @Nested
  class HazelcastConfig {

    @Test
    void theShippedFileWithTcpDiscoveryHasMulticastAndPhoneHomeOff() {
      Config config = ClusterNode.hazelcastConfig(ClusterOptions.fromEnv(Map.of(
        "OTPX_CLUSTER_PORT", "15801", "OTPX_CLUSTER_MEMBERS", "127.0.0.1:15801,127.0.0.1:15802")));
      JoinConfig join = config.getNetworkConfig().getJoin();
      assertThat(join.getMulticastConfig().isEnabled()).isFalse();
      assertThat(join.getKubernetesConfig().isEnabled()).isFalse();
      assertThat(join.getTcpIpConfig().getMembers()).containsExactly("127.0.0.1:15801", "127.0.0.1:15802");
      assertThat(config.getNetworkConfig().getPort()).isEqualTo(15801);
      assertThat(config.getNetworkConfig().getInterfaces().getInterfaces()).containsExactly("127.0.0.1");
      assertThat(config.getProperty("hazelcast.phone.home.enabled")).isEqualTo("false");
      assertThat(config.getMultiMapConfig("__vertx.subs").getBackupCount()).isEqualTo(1);
    }

    @Test
    void kubernetesDiscoveryLooksTheServiceUpInDns() {
      Config config = ClusterNode.hazelcastConfig(ClusterOptions.fromEnv(Map.of(
        "OTPX_CLUSTER_DISCOVERY", "kubernetes", "OTPX_CLUSTER_SERVICE_DNS", "otpx-hazelcast.ns.svc.cluster.local")));
      JoinConfig join = config.getNetworkConfig().getJoin();
      assertThat(join.getTcpIpConfig().isEnabled()).isFalse();
      assertThat(join.getKubernetesConfig().isEnabled()).isTrue();
      assertThat(join.getKubernetesConfig().getProperty("service-dns")).isEqualTo("otpx-hazelcast.ns.svc.cluster.local");
    }

    @Test
    void aMissingFileIsNamed() {
      assertThatThrownBy(() -> ClusterNode.hazelcastConfig(ClusterOptions.fromEnv(Map.of("OTPX_CLUSTER_CONFIG", "/nonexistent/cluster.yaml"))))
        .hasMessageContaining("/nonexistent/cluster.yaml");
    }
  }
}
