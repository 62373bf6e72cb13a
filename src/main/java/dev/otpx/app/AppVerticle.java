package dev.otpx.app;

import dev.otpx.counter.CounterServer;
import dev.otpx.counter.RawCounterVerticle;
import dev.otpx.web.HttpVerticle;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole service as one deployment: reads its config (an {@link AppConfig} document) once, then
 * starts the GenServer counter, the raw counter and the HTTP front, in that order, so that the
 * HTTP server only listens once the counters answer. All three are child deployments: undeploying
 * this verticle (or closing Vert.x) stops them.
 *
 * <p>Deployment fails with an {@link IllegalArgumentException} naming the key when the config is
 * invalid, or with the first child's failure.
 */
public final class AppVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(AppVerticle.class);

  private HttpVerticle http;

  @Override
  public Future<?> start() {
    AppConfig config = AppConfig.fromJson(config());
    AppConfig.CounterConfig counter = config.counter();
    AppConfig.RawCounterConfig raw = config.rawCounter();
    HttpVerticle front = new HttpVerticle(config.httpOptions());
    return CounterServer.start(vertx, counter.name(), counter.initial(), counter.tick())
      .compose(pid -> vertx.deployVerticle(new RawCounterVerticle(raw.name(), raw.initial())))
      .compose(id -> vertx.deployVerticle(front))
      .onSuccess(id -> {
        http = front;
        log.info("started: counter '{}', raw counter '{}', http port {}", counter.name(), raw.name(), front.actualPort());
      });
  }

  /**
   * The HTTP server's port, useful when the config asked for port 0.
   *
   * @return the port
   * @throws IllegalStateException before the deployment has succeeded
   */
  public int httpPort() {
    if (http == null) {
      throw new IllegalStateException("AppVerticle is not started yet");
    }
    return http.actualPort();
  }
}
