package dev.otpx.process.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otpx.process.ChildSpec;
import dev.otpx.process.ProcessEvent;
import dev.otpx.process.ProcessOptions;
import dev.otpx.process.Restart;
import dev.otpx.process.Shutdown;
import dev.otpx.process.Strategy;
import dev.otpx.process.Supervisor;
import dev.otpx.process.SupervisorFlags;
import dev.otpx.process.SupervisorSpec;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The README's example, run: a plain HTTP verticle under a supervisor, restarted after a crash. */
@ExtendWith(VertxExtension.class)
class HelloVerticleTest {

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  static Future<String> get(HttpClient client, int port, String path) {
    return client.request(HttpMethod.GET, port, "127.0.0.1", path)
      .compose(request -> request.send().compose(HttpClientResponse::body)).map(Buffer::toString);
  }

  @Test
  void aCrashInARequestHandlerRestartsThePlainVerticle(Vertx vertx, VertxTestContext ctx) throws IOException {
    int port = freePort();
    // The README's code:
    ChildSpec hello = ChildSpec.verticle("hello", HelloVerticle::new, new ProcessOptions()
      .setRestart(Restart.PERMANENT)
      .setShutdown(Shutdown.timeout(Duration.ofSeconds(2)))
      .setConfig(new JsonObject().put("port", port)));
    // Subscribed before the start: the supervisor starts its child on an event loop meanwhile, and
    // the first start missed would leave the test waiting for a second that never comes.
    Promise<ProcessEvent.ChildStarted> restarted = Promise.promise();
    int[] starts = new int[1];
    ProcessEvent.subscribe(vertx, event -> {
      if (event instanceof ProcessEvent.ChildStarted s && s.childId().equals("hello") && ++starts[0] == 2) {
        restarted.complete(s);
      }
    });
    Future<?> started = Supervisor.start(vertx, SupervisorSpec.of(SupervisorFlags.of(Strategy.ONE_FOR_ONE), List.of(hello)), "web");

    HttpClient client = vertx.createHttpClient();
    started.compose(sup -> get(client, port, "/"))
      .compose(first -> {
        ctx.verify(() -> assertThat(first).isEqualTo("hello"));
        // The crash's request gets no answer: the server goes with its verticle.
        get(client, port, "/crash");
        return restarted.future();
      })
      .compose(event -> get(client, port, "/"))
      .onComplete(ctx.succeeding(again -> ctx.verify(() -> {
        assertThat(again).isEqualTo("hello");
        ctx.completeNow();
      })));
  }
}
