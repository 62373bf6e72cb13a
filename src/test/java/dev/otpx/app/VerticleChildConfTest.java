package dev.otpx.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otpx.process.ChildSpec;
import dev.otpx.process.Restart;
import dev.otpx.process.Shutdown;
import dev.otpx.process.Supervisor;
import dev.otpx.process.SupervisorSpec;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** A plain Vert.x verticle declared as a child in the configuration's tree, read and run. */
@ExtendWith(VertxExtension.class)
class VerticleChildConfTest {

  @TempDir
  Path dir;

  @Test
  void theConfigurationsTreeTakesAPlainVerticleWithItsPolicy(Vertx vertx, VertxTestContext ctx) throws IOException {
    Path file = Files.writeString(dir.resolve("tree.json"), """
      {"applications": {"hello": {"type": "temporary", "strategy": "one_for_one", "children": [
        {"id": "hello", "class": "dev.otpx.process.examples.HelloVerticle", "config": {"port": 0},
         "restart": "transient", "shutdown": 2000}]}}}
      """, StandardCharsets.UTF_8);
    AppConfig.load(vertx, Optional.of(file.toString()), Map.of())
      .compose(config -> {
        SupervisorSpec tree = config.applicationList().stream().filter(app -> app.name().equals("hello"))
          .findFirst().orElseThrow().supervisor();
        ChildSpec hello = tree.children().get(0);
        ctx.verify(() -> {
          assertThat(hello.id()).isEqualTo("hello");
          assertThat(hello.restart()).isEqualTo(Restart.TRANSIENT);
          assertThat(hello.shutdown()).isEqualTo(Shutdown.timeout(Duration.ofSeconds(2)));
        });
        return Supervisor.start(vertx, tree, null);
      })
      .compose(root -> Supervisor.whichChildren(vertx, root))
      .onComplete(ctx.succeeding(children -> ctx.verify(() -> {
        assertThat(children).hasSize(1);
        assertThat(children.get(0).status()).isEqualTo("running");
        ctx.completeNow();
      })));
  }
}
