package dev.otpx.process.internal;

import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;
import io.vertx.core.internal.VertxInternal;

/**
 * Where a new process runs: the one seam of the runtime that deploys processes.
 *
 * <p>Today's choice: each process is a top-level Vert.x deployment with its own event-loop
 * context, handed out round-robin over the event loops by Vert.x. Top level matters: Vert.x undeploys
 * a deployment's children before the deployment itself, all at once, which would bypass a
 * supervisor's ordered, reverse shutdown; so a process started from inside another deployment is
 * deployed from a neutral context, and otpx, not Vert.x's parent/child cascade, owns its lifetime.
 * The cost is one hop through the neutral context per start.
 */
public final class Placement {

  private Placement() {
  }

  /**
   * Deploys one process.
   *
   * @param vertx the Vert.x instance
   * @param table its process table, which owns the neutral context
   * @param process the verticle
   * @param options the deployment options
   * @return the deployment id, completed on the caller's context
   */
  public static Future<String> deploy(Vertx vertx, ProcessTable table, Deployable process, DeploymentOptions options) {
    ContextInternal caller = ContextInternal.current();
    if (caller == null || caller.deployment() == null) {
      return vertx.deployVerticle(process, options);
    }
    PromiseInternal<String> deployed = caller.promise();
    table.neutralContext().runOnContext(v -> vertx.deployVerticle(process, options).onComplete(deployed));
    return deployed.future();
  }

  static ContextInternal newNeutralContext(Vertx vertx) {
    return ((VertxInternal) vertx).createEventLoopContext();
  }
}
