package dev.otpx.system;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otpx.process.Application;
import dev.otpx.process.ApplicationController;
import dev.otpx.process.ApplicationType;
import dev.otpx.process.ChildSpec;
import dev.otpx.process.Processes;
import dev.otpx.process.Strategy;
import dev.otpx.process.SupervisorFlags;
import dev.otpx.process.SupervisorSpec;
import dev.otpx.process.testing.EchoServer;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.healthchecks.CheckResult;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Readiness and liveness of a node, as its applications and added checks decide them. */
@ExtendWith(VertxExtension.class)
class HealthTest {

  private static Application app(String name, ApplicationType type) {
    ChildSpec worker = ChildSpec.worker("worker", EchoServer::new).withName(name + ".worker");
    return new Application(name, type, SupervisorSpec.of(SupervisorFlags.of(Strategy.ONE_FOR_ONE), List.of(worker)));
  }

  private static JsonObject check(CheckResult result, String id) {
    return result.toJson().getJsonArray("checks").stream().map(JsonObject.class::cast)
      .filter(c -> id.equals(c.getString("id"))).findFirst().orElseThrow(() -> new AssertionError(result.toJson().encode()));
  }

  @Test
  void notReadyUntilEveryPermanentApplicationRunsAndATemporaryOneDoesNotCount(Vertx vertx, VertxTestContext ctx) {
    Application infosys = app("hinfosys", ApplicationType.PERMANENT);
    Application demo = app("hdemo", ApplicationType.TEMPORARY);
    ApplicationController controller = ApplicationController.create(vertx, stop -> { });
    Health health = Health.create(vertx).addApplications(controller, List.of(infosys, demo));
    health.readiness().checkStatus().compose(before -> {
      ctx.verify(() -> {
        assertThat(before.getUp()).isFalse();
        JsonObject apps = check(before, "applications");
        assertThat(apps.getString("status")).isEqualTo("DOWN");
        assertThat(apps.getJsonObject("data").getJsonArray("missing")).containsExactly("hinfosys");
      });
      return controller.startAll(List.of(demo, infosys));
    }).compose(v -> health.readiness().checkStatus())
      .compose(after -> {
        ctx.verify(() -> assertThat(after.getUp()).as(after.toJson().encode()).isTrue());
        // The temporary application's end changes nothing.
        return controller.stop("hdemo").compose(v -> health.readiness().checkStatus());
      })
      .compose(still -> {
        ctx.verify(() -> assertThat(still.getUp()).isTrue());
        return health.liveness().checkStatus();
      })
      .onComplete(ctx.succeeding(live -> ctx.verify(() -> {
        assertThat(live.getUp()).as(live.toJson().encode()).isTrue();
        assertThat(check(live, "node").getString("status")).isEqualTo("UP");
        assertThat(check(live, "supervisors").getString("status")).isEqualTo("UP");
        ctx.completeNow();
      })));
  }

  @Test
  void anAddedReadinessCheckHoldsTheNodeBackUntilItIsUpAndOneThatHangsIsDown(Vertx vertx, VertxTestContext ctx) {
    Promise<JsonObject> joined = Promise.promise();
    Health health = Health.create(vertx)
      .addReadiness("cluster", () -> joined.future().isComplete() ? joined.future()
        : Future.failedFuture(new Health.DownException("not joined yet", new JsonObject().put("members", 0))));
    health.readiness().checkStatus().compose(before -> {
      ctx.verify(() -> {
        JsonObject cluster = check(before, "cluster");
        assertThat(cluster.getString("status")).isEqualTo("DOWN");
        assertThat(cluster.getJsonObject("data").getInteger("members")).isZero();
        assertThat(cluster.getJsonObject("data").getString("reason")).isEqualTo("not joined yet");
      });
      joined.complete(new JsonObject().put("members", 3));
      return health.readiness().checkStatus();
    }).compose(after -> {
      ctx.verify(() -> {
        assertThat(after.getUp()).isTrue();
        assertThat(check(after, "cluster").getJsonObject("data").getInteger("members")).isEqualTo(3);
      });
      health.addReadiness("stuck", () -> Promise.<JsonObject>promise().future());
      return health.readiness().checkStatus();
    }).onComplete(ctx.succeeding(stuck -> ctx.verify(() -> {
      assertThat(stuck.getUp()).isFalse();
      assertThat(check(stuck, "stuck").getString("status")).isEqualTo("DOWN");
      assertThat(Processes.isNodeStopping(vertx)).isFalse();
      ctx.completeNow();
    })));
  }
}
