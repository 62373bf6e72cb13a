package dev.otpx.process.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otpx.testing.TestCluster;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.EventExecutor;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Where a clustered node consumes its cluster-wide address. The cross-node protocol itself is
 * TwoNodesTest's.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DistributionTest {

  private Vertx node;

  @AfterEach
  void close() throws Exception {
    if (node != null) {
      node.close().await(20, TimeUnit.SECONDS);
    }
  }

  /**
   * The node's consumer shares the loop that reads the other nodes' connections; a Vert.x version
   * that hides that loop differently would silently cost every remote message a thread hand-off.
   */
  @Test
  void theClusteredEventBusLoopIsFoundAmongTheNodesEventLoops() throws Exception {
    node = TestCluster.start(1, 60).get(0);
    EventLoop loop = Distribution.eventBusLoop(node);
    List<EventExecutor> loops = new ArrayList<>();
    ((VertxInternal) node).nettyEventLoopGroup().forEach(loops::add);
    assertThat(loop).isNotNull();
    assertThat(loops).contains(loop);
  }
}
