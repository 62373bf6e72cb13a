package dev.otpx.process.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otpx.process.GenServer;
import dev.otpx.process.InitResult;
import dev.otpx.process.Pid;
import dev.otpx.process.Processes;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class PlacementTest {

  static final class Idle extends GenServer<Integer> {
    @Override
    protected Future<InitResult<Integer>> init(JsonObject args) {
      return Future.succeededFuture(InitResult.ok(0));
    }
  }

  /** A plain verticle that starts a process from its own start(). */
  static final class Starter extends VerticleBase {
    volatile Pid started;

    @Override
    public Future<?> start() {
      return GenServer.start(vertx, new Idle()).onSuccess(pid -> started = pid);
    }
  }

  @Test
  void aProcessStartedInsideAnotherDeploymentOutlivesItsUndeploy(Vertx vertx, VertxTestContext ctx) {
    Starter starter = new Starter();
    vertx.deployVerticle(starter)
      .compose(id -> vertx.undeploy(id))
      .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
        // Not a Vert.x child: Vert.x's undeploy cascade does not own it, its supervisor would.
        assertThat(Processes.isAlive(vertx, starter.started)).isTrue();
        ctx.completeNow();
      })));
  }

  @Test
  void theDeployFutureCompletesOnTheCallersContext(Vertx vertx, VertxTestContext ctx) {
    var caller = vertx.getOrCreateContext();
    caller.runOnContext(v -> GenServer.start(vertx, new Idle()).onComplete(ctx.succeeding(pid -> ctx.verify(() -> {
      assertThat(Vertx.currentContext()).isSameAs(caller);
      ctx.completeNow();
    }))));
  }
}
