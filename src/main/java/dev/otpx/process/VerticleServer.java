package dev.otpx.process;

import io.vertx.core.Context;
import io.vertx.core.Deployable;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * The process a plain verticle runs as under a supervisor: it deploys the verticle as its own
 * Vert.x child deployment and ends when the verticle does. The verticle's end is its undeployment
 * (by anyone: exit reason normal) or an exception reported to its context, such as one thrown by an
 * HTTP request handler (a crash, with that exception). Stopping the process undeploys the verticle,
 * so its {@code stop()} is the process's terminate, bounded by the child's shutdown; a kill leaves
 * the undeploy to Vert.x, which runs it when the process's own deployment goes.
 */
final class VerticleServer extends GenServer<Void> {

  private record Crashed(Throwable failure) { }

  private record Undeployed() { }

  private final Supplier<? extends Deployable> instances;
  private final DeploymentOptions options;
  private final String kind;
  private String deployment;

  /**
   * @param first the instance the spec's factory already made
   * @param factory makes more instances, when the options ask for several
   * @param options the verticle's own deployment options
   */
  VerticleServer(Deployable first, Supplier<? extends Deployable> factory, DeploymentOptions options) {
    AtomicBoolean firstTaken = new AtomicBoolean();
    this.instances = () -> firstTaken.compareAndSet(false, true) ? first : factory.get();
    this.options = new DeploymentOptions(options);
    this.kind = "verticle " + first.getClass().getName();
  }

  @Override
  String kind() {
    return kind;
  }

  @Override
  protected Future<InitResult<Void>> init(JsonObject args) {
    Pid self = self();
    // Deployed from this process's context, the verticle is a Vert.x child of this process's
    // deployment: whatever becomes of the process, Vert.x never leaves the verticle behind.
    return onOwnContext(vertx.deployVerticle(() -> new Watched(instances.get(), self), options)).map(id -> {
      deployment = id;
      return InitResult.ok();
    });
  }

  @Override
  protected CallResult<Void> handleCall(Object request, From from, Void state) {
    return CallResult.error("not_a_server", kind + " runs under a supervisor; it takes no calls");
  }

  @Override
  protected CastResult<Void> handleCast(Object message, Void state) {
    return CastResult.noReply();
  }

  @Override
  protected CastResult<Void> handleInfo(Object message, Void state) {
    if (message instanceof Crashed crashed) {
      return CastResult.stop(ExitReason.error(crashed.failure()));
    } else if (message instanceof Undeployed) {
      deployment = null;
      return CastResult.stop(ExitReason.NORMAL);
    }
    return super.handleInfo(message, state);
  }

  @Override
  protected Future<Void> terminate(ExitReason reason, Void state) {
    String id = deployment;
    deployment = null;
    if (id == null || !vertx.deploymentIDs().contains(id)) {
      return Future.succeededFuture();
    }
    return vertx.undeploy(id);
  }

  /** The user's verticle, with its end reported to its process. */
  private final class Watched implements Deployable {
    private final Deployable verticle;
    private final Pid process;

    Watched(Deployable verticle, Pid process) {
      this.verticle = verticle;
      this.process = process;
    }

    @Override
    public Future<?> deploy(Context context) throws Exception {
      // Vert.x's default is to log an exception a handler throws and carry on; here it is a crash.
      context.exceptionHandler(failure -> Processes.send(vertx, process, new Crashed(failure)));
      return verticle.deploy(context);
    }

    @Override
    public Future<?> undeploy(Context context) throws Exception {
      Future<?> stopped = verticle.undeploy(context);
      // Undeployed by anyone, its process too (when the process itself undeploys it, it is exiting
      // already and the message is dropped).
      Processes.send(vertx, process, new Undeployed());
      return stopped;
    }
  }
}
