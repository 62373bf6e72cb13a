package dev.otpx.process;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Plain Vert.x verticles as supervised children: their exits, their policy, strategies, conf/. */
@ExtendWith(VertxExtension.class)
class VerticleChildTest {

  /**
   * A plain verticle, no otpx in it: journals its start and stop, answers "ping" at
   * {@code verticle.<name>} and throws in its handler on "crash".
   */
  static class Pinger extends VerticleBase {
    /** Each running Pinger's own deployment id, by name: how a test undeploys it as any code could. */
    static final java.util.Map<String, String> DEPLOYMENTS = new java.util.concurrent.ConcurrentHashMap<>();

    private final String name;
    private final Journal journal;

    Pinger(String name, Journal journal) {
      this.name = name;
      this.journal = journal;
    }

    @Override
    public Future<?> start() {
      if (config().getBoolean("fail", false)) {
        return Future.failedFuture(new IllegalStateException(name + " cannot start"));
      }
      journal.add("start:" + name);
      DEPLOYMENTS.put(name, deploymentID());
      return vertx.eventBus().<String>consumer("verticle." + name, message -> {
        if (message.body().equals("crash")) {
          throw new IllegalStateException(name + " crashed");
        }
        message.reply("pong:" + name);
      }).completion();
    }

    @Override
    public Future<?> stop() {
      journal.add("stop:" + name);
      return Future.succeededFuture();
    }
  }

  /** The same, with the no-argument constructor a tree in conf/ needs. */
  public static final class ConfPinger extends Pinger {
    static final Journal JOURNAL = new Journal();

    public ConfPinger() {
      super("conf", JOURNAL);
    }
  }

  static ChildSpec pinger(String name, Journal journal, DeploymentOptions options) {
    return ChildSpec.verticle(name, () -> new Pinger(name, journal), options);
  }

  static Future<Pid> supervise(Vertx vertx, SupervisorFlags flags, ChildSpec... children) {
    return Supervisor.start(vertx, SupervisorSpec.of(flags, List.of(children)), null);
  }

  static Future<String> ping(Vertx vertx, String name) {
    return vertx.eventBus().<String>request("verticle." + name, "ping").map(message -> message.body());
  }

  static Future<Pid> childPid(Vertx vertx, Pid sup, String id) {
    return SupervisorTest.childPid(vertx, sup, id);
  }

  @Nested
  class Exits {

    @Test
    void anExceptionOnItsContextIsACrashAndItIsRestarted(Vertx vertx, VertxTestContext ctx) {
      Journal journal = new Journal();
      supervise(vertx, SupervisorFlags.of(Strategy.ONE_FOR_ONE), pinger("p", journal, new ProcessOptions()))
        .onComplete(ctx.succeeding(sup -> childPid(vertx, sup, "p").onComplete(ctx.succeeding(first -> {
          Processes.monitor(vertx, first).down()
            .compose(down -> {
              ctx.verify(() -> assertThat(down.reason().toString()).contains("p crashed"));
              return journal.await("start:p", 2);
            })
            .compose(entries -> Supervisor.whichChildren(vertx, sup))
            .compose(children -> ping(vertx, "p"))
            .compose(pong -> childPid(vertx, sup, "p").map(second -> List.of(pong, second)))
            .onComplete(ctx.succeeding(both -> ctx.verify(() -> {
              assertThat(both.get(0)).isEqualTo("pong:p");
              assertThat(both.get(1)).isNotEqualTo(first);
              // The crashed instance was undeployed (its stop ran) before the new one started.
              assertThat(journal.entries()).containsExactly("start:p", "stop:p", "start:p");
              ctx.completeNow();
            })));
          vertx.eventBus().send("verticle.p", "crash");
        }))));
    }

    @Test
    void itsUndeploymentIsANormalExitSoATransientOneIsNotRestarted(Vertx vertx, VertxTestContext ctx) {
      Journal journal = new Journal();
      supervise(vertx, SupervisorFlags.of(Strategy.ONE_FOR_ONE),
          pinger("t", journal, new ProcessOptions().setRestart(Restart.TRANSIENT)))
        .onComplete(ctx.succeeding(sup -> childPid(vertx, sup, "t").onComplete(ctx.succeeding(pid -> {
          Processes.monitor(vertx, pid).down()
            .compose(down -> {
              ctx.verify(() -> assertThat(down.reason()).isEqualTo(ExitReason.NORMAL));
              return Supervisor.whichChildren(vertx, sup);
            })
            .onComplete(ctx.succeeding(children -> ctx.verify(() -> {
              assertThat(children.get(0).status()).isEqualTo("undefined");
              assertThat(journal.entries()).containsExactly("start:t", "stop:t");
              ctx.completeNow();
            })));
          undeployTheVerticle(vertx, "t");
        }))));
    }

    @Test
    void aPermanentOneIsRestartedAfterItsUndeployment(Vertx vertx, VertxTestContext ctx) {
      Journal journal = new Journal();
      supervise(vertx, SupervisorFlags.of(Strategy.ONE_FOR_ONE), pinger("u", journal, new ProcessOptions()))
        .onComplete(ctx.succeeding(sup -> {
          // The supervisor answers once the restart it is making is done.
          journal.await("start:u", 2).compose(entries -> Supervisor.whichChildren(vertx, sup))
            .compose(children -> ping(vertx, "u")).onComplete(ctx.succeeding(pong -> ctx.verify(() -> {
            assertThat(pong).isEqualTo("pong:u");
            ctx.completeNow();
          })));
          undeployTheVerticle(vertx, "u");
        }));
    }

    @Test
    void aVerticleThatFailsToStartFailsItsSupervisorsStart(Vertx vertx, VertxTestContext ctx) {
      Journal journal = new Journal();
      supervise(vertx, SupervisorFlags.of(Strategy.ONE_FOR_ONE),
          pinger("f", journal, new ProcessOptions().setConfig(new JsonObject().put("fail", true))))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertThat(((OtpException) err).reason().toString()).contains("failed_to_start_child f").contains("f cannot start");
          ctx.completeNow();
        })));
    }
  }

  /** Undeploys the verticle named {@code name} as any Vert.x code could: by its deployment id. */
  private static void undeployTheVerticle(Vertx vertx, String name) {
    vertx.undeploy(Pinger.DEPLOYMENTS.get(name));
  }

  @Nested
  class Policy {

    @Test
    void thePolicyTravelsWithTheDeploymentOptions(Vertx vertx, VertxTestContext ctx) {
      Backoff backoff = new Backoff(Duration.ofMillis(10), Duration.ofSeconds(1), 0);
      ProcessOptions options = new ProcessOptions().setRestart(Restart.TRANSIENT).setShutdown(Shutdown.BRUTAL_KILL)
        .setBackoff(backoff).setSignificant(true).setConfig(new JsonObject().put("a", 1));
      ChildSpec spec = ChildSpec.verticle("v", () -> new Pinger("v", new Journal()), options);
      ctx.verify(() -> {
        assertThat(spec.restart()).isEqualTo(Restart.TRANSIENT);
        assertThat(spec.shutdown()).isEqualTo(Shutdown.BRUTAL_KILL);
        assertThat(spec.backoff()).isEqualTo(backoff);
        assertThat(spec.significant()).isTrue();
        assertThat(spec.type()).isEqualTo(ChildType.WORKER);
        assertThat(spec.start().options().getConfig()).isEqualTo(new JsonObject().put("a", 1));
        // Plain deployment options give the defaults.
        ChildSpec plain = ChildSpec.verticle("w", () -> new Pinger("w", new Journal()), new DeploymentOptions());
        assertThat(plain.restart()).isEqualTo(Restart.PERMANENT);
        assertThat(plain.shutdown()).isEqualTo(Shutdown.DEFAULT_WORKER);
        // The JSON form carries the policy both ways.
        ProcessOptions read = new ProcessOptions(options.toJson());
        assertThat(read.getRestart()).isEqualTo(Restart.TRANSIENT);
        assertThat(read.getShutdown()).isEqualTo(Shutdown.BRUTAL_KILL);
        assertThat(read.getBackoff()).isEqualTo(backoff);
        assertThat(read.isSignificant()).isTrue();
        assertThat(read.getConfig()).isEqualTo(new JsonObject().put("a", 1));
      });
      ctx.completeNow();
    }

    @Test
    void aBadPolicyIsRefusedNamingTheKey(Vertx vertx, VertxTestContext ctx) {
      ctx.verify(() -> {
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new ProcessOptions(new JsonObject().put("restart", "always")))
          .hasMessageContaining("restart").hasMessageContaining("always");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new ProcessOptions(new JsonObject().put("shutdown", -5)))
          .hasMessageContaining("shutdown");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> new ProcessOptions(new JsonObject().put("backoff",
            new JsonObject().put("min_ms", 1.5)))).hasMessageContaining("backoff.min_ms");
      });
      ctx.completeNow();
    }

    @Test
    void brutalKillStopsTheVerticlesProcessAtOnce(Vertx vertx, VertxTestContext ctx) {
      Journal journal = new Journal();
      supervise(vertx, SupervisorFlags.of(Strategy.ONE_FOR_ONE), pinger("k", journal, new ProcessOptions().setShutdown(Shutdown.BRUTAL_KILL)))
        .onComplete(ctx.succeeding(sup -> childPid(vertx, sup, "k").onComplete(ctx.succeeding(pid -> {
          Monitor monitor = Processes.monitor(vertx, pid);
          Supervisor.terminateChild(vertx, sup, "k")
            .compose(v -> monitor.down())
            // Vert.x undeploys the verticle with the killed process's deployment: its stop still runs.
            .compose(down -> {
              ctx.verify(() -> assertThat(down.reason()).isEqualTo(ExitReason.KILLED));
              return journal.await("stop:k", 1);
            })
            .onComplete(ctx.succeeding(entries -> ctx.completeNow()));
        }))));
    }
  }

  @Nested
  class Strategies {

    @ParameterizedTest(name = "{0}")
    @EnumSource(Strategy.class)
    void aVerticleInTheMiddleThatCrashesIsRestartedAsItsStrategySays(Strategy strategy, Vertx vertx, VertxTestContext ctx) {
      Journal journal = new Journal();
      supervise(vertx, SupervisorFlags.of(strategy), JournaledWorker.spec("a", journal),
          pinger("v", journal, new ProcessOptions()), JournaledWorker.spec("c", journal))
        .onComplete(ctx.succeeding(sup -> {
          journal.clear();
          journal.await("start:v", 1).compose(e -> Supervisor.whichChildren(vertx, sup))
            .onComplete(ctx.succeeding(children -> ctx.verify(() -> {
              List<String> expected = switch (strategy) {
                case ONE_FOR_ONE -> List.of("stop:v", "start:v");
                case ONE_FOR_ALL -> List.of("stop:v", "stop:c:shutdown", "stop:a:shutdown", "start:a", "start:v", "start:c");
                case REST_FOR_ONE -> List.of("stop:v", "stop:c:shutdown", "start:v", "start:c");
              };
              assertThat(journal.entries()).containsExactlyElementsOf(expected);
              assertThat(children).allSatisfy(c -> assertThat(c.status()).isEqualTo("running"));
              ctx.completeNow();
            })));
          vertx.eventBus().send("verticle.v", "crash");
        }));
    }

    @Test
    void underOneForAllAVerticlesCrashRestartsItsSiblingsInOrder(Vertx vertx, VertxTestContext ctx) {
      Journal journal = new Journal();
      supervise(vertx, SupervisorFlags.of(Strategy.ONE_FOR_ALL), JournaledWorker.spec("a", journal),
          pinger("v", journal, new ProcessOptions()), JournaledWorker.spec("c", journal))
        .onComplete(ctx.succeeding(sup -> {
          journal.clear();
          journal.await("start:c", 1).compose(e -> Supervisor.whichChildren(vertx, sup))
            .onComplete(ctx.succeeding(children -> ctx.verify(() -> {
              assertThat(journal.entries()).containsExactly("stop:v", "stop:c:shutdown", "stop:a:shutdown",
                "start:a", "start:v", "start:c");
              assertThat(children).extracting(Supervisor.ChildInfo::id).containsExactly("c", "v", "a");
              assertThat(children).allSatisfy(c -> assertThat(c.status()).isEqualTo("running"));
              ctx.completeNow();
            })));
          vertx.eventBus().send("verticle.v", "crash");
        }));
    }

    @Test
    void stoppingTheSupervisorStopsTheVerticleInReverseOrder(Vertx vertx, VertxTestContext ctx) {
      Journal journal = new Journal();
      supervise(vertx, SupervisorFlags.of(Strategy.ONE_FOR_ONE), JournaledWorker.spec("a", journal),
          pinger("v", journal, new ProcessOptions()), JournaledWorker.spec("c", journal))
        .compose(sup -> GenServer.stop(vertx, sup, ExitReason.SHUTDOWN))
        .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
          assertThat(journal.entries()).containsExactly("start:a", "start:v", "start:c",
            "stop:c:shutdown", "stop:v", "stop:a:shutdown");
          ctx.completeNow();
        })));
    }

    @Test
    void aDynamicSupervisorTakesVerticlesToo(Vertx vertx, VertxTestContext ctx) {
      Journal journal = new Journal();
      DynamicSupervisor.start(vertx, 3, 5, DynamicSupervisor.UNLIMITED, null)
        .compose(sup -> DynamicSupervisor.startChild(vertx, sup, pinger("d", journal, new ProcessOptions()))
          .compose(pid -> ping(vertx, "d")).compose(pong -> Supervisor.whichChildren(vertx, sup).map(children -> List.of(pong, children))))
        .onComplete(ctx.succeeding(both -> ctx.verify(() -> {
          assertThat(both.get(0)).isEqualTo("pong:d");
          assertThat((List<?>) both.get(1)).hasSize(1);
          ctx.completeNow();
        })));
    }
  }

  @Nested
  class FromConf {

    @Test
    void aTreeInConfTakesAVerticleClassWithItsPolicyAndShowsItInWhichChildren(Vertx vertx, VertxTestContext ctx) {
      JsonObject tree = new JsonObject().put("strategy", "one_for_one").put("children", new JsonArray()
        .add(new JsonObject().put("id", "conf").put("class", ConfPinger.class.getName())
          .put("restart", "transient").put("shutdown", 2000).put("config", new JsonObject().put("fail", false))));
      SupervisorSpec spec = SupervisorSpec.fromJson(tree, "supervision");
      ctx.verify(() -> {
        assertThat(spec.children().get(0).restart()).isEqualTo(Restart.TRANSIENT);
        assertThat(spec.children().get(0).shutdown()).isEqualTo(Shutdown.timeout(Duration.ofMillis(2000)));
      });
      Supervisor.start(vertx, spec, null)
        .compose(sup -> ping(vertx, "conf").compose(pong -> Supervisor.whichChildren(vertx, sup)).map(children -> {
          ctx.verify(() -> {
            assertThat(children).hasSize(1);
            JsonObject json = children.get(0).toJson();
            assertThat(json.getString("id")).isEqualTo("conf");
            assertThat(json.getString("status")).isEqualTo("running");
            assertThat(json.getString("restart")).isEqualTo("transient");
          });
          return sup;
        }))
        .onComplete(ctx.succeedingThenComplete());
    }
  }
}
