package dev.otpx.process.internal;

import io.netty.channel.EventLoop;
import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.ThreadingModel;
import io.vertx.core.Vertx;
import io.vertx.core.impl.ContextBuilderImpl;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;
import io.vertx.core.internal.VertxInternal;

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
 * deployed from a neutral context (one per event loop, on the starter's loop), and otpx, not Vert.x's
 * parent/child cascade, owns its lifetime. Vert.x gives each deployment a context on an event loop
 * of its own choosing; when that is not the loop picked above, the process moves at start to a
 * context on the right loop that belongs to the same deployment (same deployment id, config and
 * close future, so Vert.x still cleans up after it).
 */
public final class Placement {

  private Placement() {
  }

  /**
   * Deploys one process.
   *
   * @param vertx the Vert.x instance
   * @param table its process table, which owns the neutral contexts
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
  public static EventLoop loopFor(ContextInternal starter, DeploymentOptions options) {
    if (starter == null || !starter.isEventLoopContext() || options.getThreadingModel() != ThreadingModel.EVENT_LOOP) {
      return null;
    }
    return starter.nettyEventLoop();
  }

  /**
   * The context a process runs on: the one Vert.x deployed it on when that is on {@code loop} (or
   * no loop is asked for), else a new context of the same deployment on {@code loop}.
   *
   * @param deployed the deployment's context
   * @param loop the chosen loop, or null
   * @return the process's home context
   */
  public static ContextInternal home(ContextInternal deployed, EventLoop loop) {
    if (loop == null || deployed.nettyEventLoop() == loop || !deployed.isEventLoopContext()) {
      return deployed;
    }
    // ContextBuilder's public face cannot name a deployment; its implementation can.
    return ((ContextBuilderImpl) deployed.owner().contextBuilder())
        .withEventLoop(loop)
        .withDeploymentContext(deployed.deployment())
        .withCloseFuture(deployed.closeFuture())
        .withClassLoader(deployed.classLoader())
        .withWorkerPool(deployed.workerPool())
        .build();
  }

  static ContextInternal newNeutralContext(Vertx vertx, EventLoop loop) {
    var builder = ((VertxInternal) vertx).contextBuilder();
    return (loop == null ? builder : builder.withEventLoop(loop)).build();
  }
}
