package dev.otpx.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otpx.counter.CounterServer;
import dev.otpx.process.GenServer;
import dev.otpx.process.Global;
import dev.otpx.process.OtpException;
import dev.otpx.process.Pid;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** What the jar cluster tests (ClusterIT, ThreeNodesJarIT) check alike from the test's own node. */
final class ClusterChecks {

  private static final Duration CALL = Duration.ofSeconds(5);

  private ClusterChecks() {
  }

  /**
   * A global name is unique: a second registration of {@code name}, by a counter started here, is
   * refused with already_started naming {@code holder}. A local name stays local: this node runs
   * no {@code counter}, so a call to that name from here fails with noproc and never reaches
   * another node's.
   *
   * @param self the test's own clustered node
   * @param name a global name held in the cluster
   * @param holder its holder
   */
  static void globalNameIsUniqueAndLocalNameStaysLocal(Vertx self, String name, Pid holder) throws Exception {
    Pid mine = GenServer.start(self, new CounterServer(), new DeploymentOptions().setConfig(CounterServer.args(5, Duration.ZERO)), null)
      .await(10, TimeUnit.SECONDS);
    Throwable refused = Global.register(self, name, mine).map(v -> (Throwable) null).otherwise(err -> err).await(10, TimeUnit.SECONDS);
    assertThat(refused).isInstanceOf(OtpException.class);
    assertThat(((OtpException) refused).failure()).isEqualTo(OtpException.Failure.ALREADY_STARTED);
    assertThat(((OtpException) refused).pid()).isEqualTo(holder);
    Throwable local = GenServer.call(self, "counter", new JsonObject().put("action", "val"), CALL)
      .map(x -> (Throwable) null).otherwise(err -> err).await(10, TimeUnit.SECONDS);
    assertThat(local).isInstanceOf(OtpException.class);
    assertThat(((OtpException) local).failure()).isEqualTo(OtpException.Failure.NOPROC);
  }
}
