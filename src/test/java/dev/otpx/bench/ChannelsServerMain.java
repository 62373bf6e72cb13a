package dev.otpx.bench;

import dev.otpx.app.AppConfig;
import dev.otpx.app.AppVerticle;
import dev.otpx.channels.auth.Tokens;
import dev.otpx.cluster.ClusterNode;
import dev.otpx.cluster.ClusterOptions;
import dev.otpx.store.Store;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import javax.management.ObjectName;

/**
 * The server JVM of the channels benchmark: {@code ChannelsServerMain otpx|raw} starts otpx's
 * channels (the application's own {@link AppVerticle}, with a tree holding only the channels
 * subtree) or the {@link RawChannelServer} baseline, prints {@code bench-server port <port> pid
 * <pid>}, then obeys commands on stdin, one a line, each answered on stdout:
 *
 * <ul>
 *   <li>{@code heap}: three full GCs, then {@code bench-server heap <used bytes>};</li>
 *   <li>{@code mem}: {@code bench-server mem <used bytes> <max bytes>} at once, without a GC (to
 *       say why a server stopped answering);</li>
 *   <li>{@code histo <file>}: a class histogram of the live heap ({@code jmap -histo:live}) written to
 *       the file, then {@code bench-server histo};</li>
 *   <li>{@code quit} or the end of stdin: exit.</li>
 * </ul>
 *
 * <p>The token secret comes from {@code OTPX_TOKEN_SECRET}, as for the application. otpx's logs are
 * kept at ERROR: each post's InfoSys query fails here (InfoSys is not in the tree) and would log a
 * WARN; {@code -Dbench.log=true} keeps them.
 *
 * <p>With {@code OTPX_CLUSTER_MEMBERS} in its environment (and {@code OTPX_CLUSTER_PORT}), the
 * server is a clustered node, as {@code --cluster} makes the jar; {@code -Dbench.seed=false} leaves
 * out the poster and the video (a second node over the first one's database finds them there).
 */
public final class ChannelsServerMain {

  /** The prefix of every line the parent reads. */
  static final String REPLY = "bench-server ";
  /** The system property naming the otpx server's data directory (made and removed by the parent). */
  static final String DATA_DIR_PROPERTY = "bench.dataDir";

  private ChannelsServerMain() {
  }

  public static void main(String[] args) throws Exception {
    System.setProperty("vertx.logger-delegate-factory-class-name", "io.vertx.core.logging.SLF4JLogDelegateFactory");
    if (!Boolean.getBoolean("bench.log")) {
      ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("dev.otpx"))
        .setLevel(ch.qos.logback.classic.Level.ERROR);
      // A broadcast racing a socket's close is dropped with a WARN per socket: thousands of lines
      // while the warm-up clients leave, and the pipe to the parent would pace the server.
      ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("io.vertx.core.eventbus.impl.MessageConsumerImpl"))
        .setLevel(ch.qos.logback.classic.Level.ERROR);
    }
    Vertx vertx = System.getenv(ClusterOptions.MEMBERS_ENV) == null ? Vertx.vertx()
      : ClusterNode.start(ClusterOptions.fromEnv(System.getenv()), new VertxOptions()).await();
    int port = switch (args.length == 1 ? args[0] : "") {
      case "otpx" -> startOtpx(vertx);
      case "raw" -> startRaw(vertx);
      default -> throw new IllegalArgumentException("usage: ChannelsServerMain otpx|raw");
    };
    System.out.println(REPLY + "port " + port + " pid " + ProcessHandle.current().pid());
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line = in.readLine(); line != null && !line.equals("quit"); line = in.readLine()) {
      if (line.equals("heap")) {
        System.out.println(REPLY + "heap " + heapAfterGc());
      } else if (line.equals("mem")) {
        MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
        System.out.println(REPLY + "mem " + heap.getUsed() + " " + heap.getMax());
      } else if (line.startsWith("histo ")) {
        Files.writeString(Path.of(line.substring("histo ".length())), histogram(), StandardCharsets.UTF_8);
        System.out.println(REPLY + "histo");
      } else {
        System.out.println(REPLY + "error unknown command " + line);
      }
    }
    // The parent kills us anyway; exiting at once spares 10,000 orderly socket closes.
    Runtime.getRuntime().halt(0);
  }

  /** otpx as the jar starts it, minus the subtrees that play no part in a broadcast. */
  private static int startOtpx(Vertx vertx) throws Exception {
    JsonObject config = AppConfig.load(vertx, Optional.empty(), Map.of()).await().toJson();
    config.getJsonObject("http").put("host", "127.0.0.1").put("port", 0);
    // The embedded store in the directory the parent made (and removes), not in the working directory.
    config.getJsonObject("store").put("data_dir", System.getProperty(DATA_DIR_PROPERTY));
    // One poster makes all the posts: the per-socket rate limits must not be what is measured.
    config.getJsonObject("channels").put("posts_per_second", 1_000_000).put("messages_per_second", 1_000_000);
    JsonObject applications = config.getJsonObject(AppConfig.APPLICATIONS);
    config.put(AppConfig.APPLICATIONS, new JsonObject().put("channels", applications.getJsonObject("channels")));
    // -Dbench.channels.options='{"presence_page": 10}' (through -Dbench.channels.jvm.otpx): the
    // channel processes' settings, merged into the router's config, to measure what one costs.
    String options = System.getProperty("bench.channels.options", "").strip();
    if (!options.isEmpty()) {
      applications.getJsonObject("channels").getJsonArray("children").stream()
        .map(JsonObject.class::cast).filter(child -> "router".equals(child.getString("id")))
        .forEach(router -> router.getJsonObject("config").mergeIn(new JsonObject(options)));
    }
    AppVerticle app = new AppVerticle(stop -> {
      System.out.println(REPLY + "error application " + stop.application().name() + " exited: " + stop.reason());
      Runtime.getRuntime().halt(1);
    });
    vertx.deployVerticle(app, new DeploymentOptions().setConfig(config)).await();
    // The topic's video and the poster, as a person would have made them: a join needs the video,
    // and a post needs its user.
    if (!Boolean.parseBoolean(System.getProperty("bench.seed", "true"))) {
      return app.httpPort();
    }
    Store store = Store.shared(vertx);
    store.users().create("poster", "$argon2id$v=19$m=1024,t=1,p=1$YmVuY2g$YmVuY2g").await();
    store.videos().add("poster", "Bench", "https://videos.example/bench").await();
    return app.httpPort();
  }

  private static int startRaw(Vertx vertx) throws Exception {
    RawChannelServer raw = new RawChannelServer(Tokens.fromEnvironment(System.getenv(), Duration.ofDays(14)));
    vertx.deployVerticle(raw).await();
    return raw.actualPort();
  }

  private static long heapAfterGc() {
    // One full GC can leave garbage that finalization or reference processing frees in the next.
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /** What {@code jmap -histo:live <pid>} prints (it runs a full GC first), without forking jmap. */
  private static String histogram() throws Exception {
    return (String) ManagementFactory.getPlatformMBeanServer().invoke(
      new ObjectName("com.sun.management:type=DiagnosticCommand"), "gcClassHistogram",
      new Object[] {new String[0]}, new String[] {String[].class.getName()});
  }
}
