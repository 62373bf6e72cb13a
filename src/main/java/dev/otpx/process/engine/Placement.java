package dev.otpx.process.engine;

import io.netty.channel.EventLoop;
import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.internal.deployment.DeploymentContext;

/**
 * Where a new process runs: the one seam of the runtime that deploys processes and picks their
 * event loop.
 *
 * <p><b>Which event loop.</b> A process started by another process runs on its starter's event
 * loop, as Erlang's spawn puts a new process on the spawning scheduler's run queue; a process
 * started from outside any process (the application, a test, an HTTP handler) gets the next event
 * loop round robin, Vert.x's own choice. So a supervision tree lives on the loop of its root, its
 * processes talk to each other through that loop's task queue and never wake another thread, and
 * independent trees spread over the loops. A message that crosses event loops costs a thread wake-up
 * (about 50 µs on a 2-core machine, see docs/benchmarks.md); one that stays on a loop costs about
 * 0.3 µs. Worker and virtual-thread processes keep Vert.x's placement. The price: Erlang's
 * schedulers also steal work from each other, Vert.x contexts cannot move, so a tree that needs
 * more than one core has to be split into trees started separately.
 *
 * <p><b>Top-level deployments.</b> Each process is a top-level Vert.x deployment. Vert.x undeploys
 * a deployment's children before the deployment itself, all at once, which would bypass a
 * supervisor's ordered, reverse shutdown; so a process started from inside another deployment is
 * deployed without a parent, and otpx, not Vert.x's parent/child cascade, owns its lifetime.
 * Vert.x's own deployVerticle gives each deployment the next event loop round robin and cannot be
 * told another; a process placed on its starter's loop is deployed through {@link ProcessDeployment},
 * the same lifecycle on the loop given, so its start wakes no other thread. Roots go through
 * deployVerticle, from a neutral context (one per loop) when started inside another deployment.
 */
final class Placement {

  private Placement() {
  }

  /**
   * Deploys one process.
   *
   * @param vertx the Vert.x instance
   * @param table its process table, which owns the neutral contexts
   * @param process the verticle
   * @param options the deployment options
   * @param byProcess whether a process starts it (from its own callbacks): it then runs on that
   *     process's event loop
   * @return the deployment id, completed on the caller's context
   */
  public static Future<String> deploy(Vertx vertx, ProcessTable table, Deployable process, DeploymentOptions options,
      boolean byProcess) {
    ContextInternal caller = ContextInternal.current();
    EventLoop loop = byProcess ? loopFor(caller, options) : null;
    if (loop != null) {
      // A top-level deployment (no parent) whose context is on the starter's loop from the start.
      VertxInternal vx = (VertxInternal) vertx;
      return vx.deploymentManager().deploy(null, caller, new ProcessDeployment(vx, process, options, loop))
          .map(DeploymentContext::id);
    }
    if (caller == null || caller.deployment() == null) {
      return vertx.deployVerticle(process, options);
    }
    PromiseInternal<String> deployed = caller.promise();
    table.neutralContext(caller.nettyEventLoop()).runOnContext(v -> vertx.deployVerticle(process, options).onComplete(deployed));
    return deployed.future();
  }

  /**
   * The event loop a process about to start should run on: its starter's, when the starter is a
   * process on an event loop and the new process is an event-loop process; otherwise null (Vert.x
   * chooses).
   *
   * @param starter the starting process's context, or null when no process starts it
   * @param options the new process's deployment options
   * @return the loop, or null
   */
  private static EventLoop loopFor(ContextInternal starter, DeploymentOptions options) {
    if (starter == null || !starter.isEventLoopContext() || options.getThreadingModel() != ThreadingModel.EVENT_LOOP) {
      return null;
    }
    return starter.nettyEventLoop();
  }

  static ContextInternal newNeutralContext(Vertx vertx, EventLoop loop) {
    var builder = ((VertxInternal) vertx).contextBuilder();
    return (loop == null ? builder : builder.withEventLoop(loop)).build();
  }
}
