package dev.otpx.process.examples;

import io.vertx.core.Future;
import io.vertx.core.VerticleBase;

/**
 * The README's supervised verticle: a plain Vert.x HTTP server that knows nothing of otpx. It
 * answers {@code hello} on any path, and {@code /crash} throws in its request handler, which
 * Vert.x reports to the verticle's context: under a supervisor, a crash that restarts it.
 */
public final class HelloVerticle extends VerticleBase {

  @Override
  public Future<?> start() {
    return vertx.createHttpServer()
      .requestHandler(request -> {
        if (request.path().equals("/crash")) {
          throw new IllegalStateException("crash on purpose");
        }
        request.response().end("hello");
      })
      .listen(config().getInteger("port"));
  }
}
