package dev.otpx.process.engine;

import io.netty.channel.EventLoop;
import io.vertx.core.Context;
import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VertxException;
import io.vertx.core.impl.ContextBuilderImpl;
import io.vertx.core.internal.CloseFuture;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.internal.deployment.Deployment;
import io.vertx.core.internal.deployment.DeploymentContext;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Vert.x deployment of one process on an event loop of otpx's choosing. Vert.x's own deployment
 * takes the next event loop round robin and offers no way to name one; this one is the same
 * lifecycle (start on the context, a failed start undone, undeploy runs the process's stop and then
 * closes its context's resources) with the loop given, so a process starts on its starter's loop
 * without first waking another thread.
 */
final class ProcessDeployment implements Deployment {

  private static final Logger log = LoggerFactory.getLogger(ProcessDeployment.class);

  private final VertxInternal vertx;
  private final Deployable process;
  private final DeploymentOptions options;
  private final EventLoop loop;
  private final ClassLoader classLoader;
  private ContextInternal context;
  private volatile Promise<Object> starting;

  ProcessDeployment(VertxInternal vertx, Deployable process, DeploymentOptions options, EventLoop loop) {
    this.vertx = vertx;
    this.process = process;
    this.options = new DeploymentOptions(options);
    this.loop = loop;
    this.classLoader = options.getClassLoader() != null ? options.getClassLoader() : Thread.currentThread().getContextClassLoader();
  }

  @Override
  public Set<Context> contexts() {
    return context == null ? Set.of() : Set.of(context);
  }

  @Override
  public Set<Deployable> instances() {
    return Set.of(process);
  }

  @Override
  public DeploymentOptions options() {
    return new DeploymentOptions(options);
  }

  @Override
  public String identifier() {
    // The user's class, not the core that runs it: what an operator looks for in a deployment list.
    Object named = process instanceof ProcessCore<?> core ? core.instance() : process;
    return "java:" + named.getClass().getName();
  }

  @Override
  public Future<?> deploy(DeploymentContext deployment) {
    context = ((ContextBuilderImpl) vertx.contextBuilder())
        .withDeploymentContext(deployment)
        .withCloseFuture(new CloseFuture())
        .withClassLoader(classLoader)
        .withEventLoop(loop)
        .build();
    Promise<Object> started = context.promise();
    starting = started;
    startOn(context, process, started);
    return started.future().transform(ar -> {
      starting = null;
      return ar.succeeded() ? Future.succeededFuture() : undeploy().transform(v -> Future.failedFuture(ar.cause()));
    });
  }

  /**
   * Runs a process's Vert.x start on its context: the one way a process's verticle is started. A start that throws is a failed start.
   *
   * @param context the process's context
   * @param process the process's deployable (its core)
   * @param started completed with the start's outcome
   */
  static void startOn(ContextInternal context, Deployable process, Promise<Object> started) {
    context.runOnContext(v -> {
      try {
        process.deploy(context).onComplete(started);
      } catch (Throwable t) {
        started.tryFail(t);
      }
    });
  }

  @Override
  public Future<?> undeploy() {
    Promise<Object> started = starting;
    if (started != null) {
      // Undeployed before its start finished: the start fails and the context closes.
      return started.tryFail(new VertxException("Verticle un-deployed", true)) ? context.closeFuture().future() : Future.succeededFuture();
    }
    Promise<Object> done = Promise.promise();
    context.runOnContext(v -> {
      Future<?> stopped;
      try {
        stopped = process.undeploy(context);
      } catch (Throwable t) {
        stopped = Future.failedFuture(t);
      }
      stopped.eventually(() -> context.close().onFailure(err -> log.error("closing the context of {} failed", identifier(), err)))
          .onComplete(done);
    });
    return done.future();
  }

  @Override
  public Future<?> cleanup() {
    return context.closeFuture().close();
  }
}
