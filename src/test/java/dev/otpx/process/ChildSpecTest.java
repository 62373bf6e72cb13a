package dev.otpx.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.otpx.counter.CounterServer;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class ChildSpecTest {

  /** A server with its own defaults, as {@code use GenServer, restart: :temporary, shutdown: :brutal_kill}. */
  @ChildDefaults(restart = Restart.TEMPORARY, shutdownMillis = -2)
  public static final class TemporaryServer extends GenServer<Void> {
    @Override
    protected Future<InitResult<Void>> init(JsonObject args) {
      return Future.succeededFuture(InitResult.ok(null));
    }
  }

  @ChildDefaults(shutdownMillis = -3)
  public static final class PatientServer extends GenServer<Void> {
    @Override
    protected Future<InitResult<Void>> init(JsonObject args) {
      return Future.succeededFuture(InitResult.ok(null));
    }
  }

  @ChildDefaults(restart = Restart.TRANSIENT, shutdownMillis = 250, significant = true)
  public static final class QuickServer extends GenServer<Void> {
    @Override
    protected Future<InitResult<Void>> init(JsonObject args) {
      return Future.succeededFuture(InitResult.ok(null));
    }
  }

  @ChildDefaults(shutdownMillis = -1)
  public static final class TypeDefaultServer extends GenServer<Void> {
    @Override
    protected Future<InitResult<Void>> init(JsonObject args) {
      return Future.succeededFuture(InitResult.ok(null));
    }
  }

  /** No public no-argument constructor: cannot be started from a class name. */
  public static final class NeedsArgument extends GenServer<Void> {
    public NeedsArgument(String required) {
    }

    @Override
    protected Future<InitResult<Void>> init(JsonObject args) {
      return Future.succeededFuture(InitResult.ok(null));
    }
  }

  /** A no-argument constructor that is not public. */
  public static final class HiddenConstructor extends GenServer<Void> {
    HiddenConstructor() {
    }

    @Override
    protected Future<InitResult<Void>> init(JsonObject args) {
      return Future.succeededFuture(InitResult.ok(null));
    }
  }

  private static ChildSpec plain(String id) {
    return ChildSpec.worker(id, TemporaryServer::new);
  }

  private static JsonObject counterArgs(int initial) {
    return CounterServer.args(initial, Duration.ZERO);
  }

  @Nested
  class Defaults {

    @Test
    void aWorkerIsPermanentWithAFiveSecondShutdownNotSignificantAndWithoutBackoff() {
      ChildSpec spec = plain("w");
      assertThat(spec.id()).isEqualTo("w");
      assertThat(spec.restart()).isEqualTo(Restart.PERMANENT);
      assertThat(spec.type()).isEqualTo(ChildType.WORKER);
      assertThat(spec.shutdown()).isEqualTo(Shutdown.timeout(Duration.ofSeconds(5)));
      assertThat(spec.shutdown()).isEqualTo(Shutdown.DEFAULT_WORKER);
      assertThat(spec.significant()).isFalse();
      assertThat(spec.backoff()).isNull();
      assertThat(spec.start().name()).isNull();
    }

    @Test
    void aSupervisorChildIsPermanentWithShutdownInfinity() {
      ChildSpec spec = ChildSpec.supervisor("sup", SupervisorSpec.of(SupervisorFlags.of(Strategy.ONE_FOR_ONE), List.of()));
      assertThat(spec.type()).isEqualTo(ChildType.SUPERVISOR);
      assertThat(spec.shutdown()).isEqualTo(Shutdown.INFINITY);
      assertThat(spec.restart()).isEqualTo(Restart.PERMANENT);
      assertThat(spec.significant()).isFalse();
      assertThat(spec.backoff()).isNull();
      assertThat(spec.start().factory().get()).isInstanceOf(Supervisor.class);
    }

    @Test
    void theDefaultShutdownFollowsTheTypeWhenNoneWasGiven() {
      assertThat(plain("w").withType(ChildType.SUPERVISOR).shutdown()).isEqualTo(Shutdown.INFINITY);
      ChildSpec sup = ChildSpec.supervisor("sup", SupervisorSpec.of(SupervisorFlags.of(Strategy.ONE_FOR_ONE), List.of()));
      assertThat(sup.withType(ChildType.WORKER).shutdown()).isEqualTo(Shutdown.DEFAULT_WORKER);
    }

    @Test
    void anExplicitShutdownWinsOverTheTypeDefault() {
      ChildSpec spec = plain("w").withShutdown(Shutdown.BRUTAL_KILL).withType(ChildType.SUPERVISOR);
      assertThat(spec.shutdown()).isEqualTo(Shutdown.BRUTAL_KILL);
    }

    @Test
    void ofWithoutChildDefaultsGivesTheOtpDefaults() {
      ChildSpec spec = ChildSpec.of("counter", CounterServer.class, counterArgs(3));
      assertThat(spec.restart()).isEqualTo(Restart.PERMANENT);
      assertThat(spec.type()).isEqualTo(ChildType.WORKER);
      assertThat(spec.shutdown()).isEqualTo(Shutdown.DEFAULT_WORKER);
      assertThat(spec.significant()).isFalse();
      assertThat(spec.backoff()).isNull();
      assertThat(spec.start().options().getConfig()).isEqualTo(counterArgs(3));
    }

    @Test
    void ofWithNullArgsGivesAnEmptyConfig() {
      ChildSpec spec = ChildSpec.of("counter", CounterServer.class, null);
      assertThat(spec.start().options().getConfig()).isEqualTo(new JsonObject());
    }

    @Test
    void ofMakesAFreshInstanceForEachStart() {
      ChildSpec spec = ChildSpec.of("counter", CounterServer.class, null);
      io.vertx.core.Deployable first = spec.start().factory().get();
      io.vertx.core.Deployable second = spec.start().factory().get();
      assertThat(first).isInstanceOf(CounterServer.class);
      assertThat(second).isInstanceOf(CounterServer.class).isNotSameAs(first);
    }

    @Test
    void ofCopiesTheArgsSoLaterChangesDoNotLeakIn() {
      JsonObject args = counterArgs(1);
      ChildSpec spec = ChildSpec.of("counter", CounterServer.class, args);
      args.put("initial", 99);
      assertThat(spec.start().options().getConfig().getInteger("initial")).isEqualTo(1);
    }
  }

  @Nested
  class ChildDefaultsAnnotation {

    @Test
    void ofReadsRestartAndBrutalKillFromTheClass() {
      ChildSpec spec = ChildSpec.of("t", TemporaryServer.class, null);
      assertThat(spec.restart()).isEqualTo(Restart.TEMPORARY);
      assertThat(spec.shutdown()).isEqualTo(Shutdown.BRUTAL_KILL);
      assertThat(spec.type()).isEqualTo(ChildType.WORKER);
      assertThat(spec.significant()).isFalse();
    }

    @Test
    void shutdownMillisMinusThreeMeansInfinity() {
      assertThat(ChildSpec.of("p", PatientServer.class, null).shutdown()).isEqualTo(Shutdown.INFINITY);
    }

    @Test
    void aPositiveShutdownMillisIsATimeoutOfThatManyMilliseconds() {
      ChildSpec spec = ChildSpec.of("q", QuickServer.class, null);
      assertThat(spec.shutdown()).isEqualTo(Shutdown.timeout(Duration.ofMillis(250)));
      assertThat(spec.restart()).isEqualTo(Restart.TRANSIENT);
      assertThat(spec.significant()).isTrue();
    }

    @Test
    void shutdownMillisMinusOneMeansTheTypesDefault() {
      ChildSpec spec = ChildSpec.of("d", TypeDefaultServer.class, null);
      assertThat(spec.shutdown()).isEqualTo(Shutdown.DEFAULT_WORKER);
      assertThat(spec.withType(ChildType.SUPERVISOR).shutdown()).isEqualTo(Shutdown.INFINITY);
    }

    @Test
    void withCopiesStillOverrideTheClassDefaults() {
      ChildSpec spec = ChildSpec.of("t", TemporaryServer.class, null)
        .withRestart(Restart.PERMANENT).withShutdown(Shutdown.timeout(Duration.ofMillis(10)));
      assertThat(spec.restart()).isEqualTo(Restart.PERMANENT);
      assertThat(spec.shutdown()).isEqualTo(Shutdown.timeout(Duration.ofMillis(10)));
    }
  }

  @Nested
  class Copies {

    private final ChildSpec base = ChildSpec.of("counter", CounterServer.class, counterArgs(0));

    @Test
    void threeCountersFromOneBaseSpecEachKeepTheirOwnFields() {
      ChildSpec longer = base.withId("long").withArgs(counterArgs(100)).withShutdown(Shutdown.timeout(Duration.ofSeconds(30)));
      ChildSpec shorter = base.withId("short").withArgs(counterArgs(1)).withRestart(Restart.TRANSIENT)
        .withShutdown(Shutdown.BRUTAL_KILL);
      ChildSpec medium = base.withId("medium").withArgs(counterArgs(50)).withName("counter.medium")
        .withBackoff(new Backoff(Duration.ofMillis(10), Duration.ofMillis(100), 0));

      assertThat(longer.id()).isEqualTo("long");
      assertThat(longer.start().options().getConfig().getInteger("initial")).isEqualTo(100);
      assertThat(longer.shutdown()).isEqualTo(Shutdown.timeout(Duration.ofSeconds(30)));
      assertThat(longer.restart()).isEqualTo(Restart.PERMANENT);

      assertThat(shorter.id()).isEqualTo("short");
      assertThat(shorter.start().options().getConfig().getInteger("initial")).isEqualTo(1);
      assertThat(shorter.restart()).isEqualTo(Restart.TRANSIENT);
      assertThat(shorter.shutdown()).isEqualTo(Shutdown.BRUTAL_KILL);

      assertThat(medium.id()).isEqualTo("medium");
      assertThat(medium.start().options().getConfig().getInteger("initial")).isEqualTo(50);
      assertThat(medium.start().name()).isEqualTo("counter.medium");
      assertThat(medium.backoff()).isEqualTo(new Backoff(Duration.ofMillis(10), Duration.ofMillis(100), 0));
      assertThat(medium.shutdown()).isEqualTo(Shutdown.DEFAULT_WORKER);

      // The base is untouched by its copies.
      assertThat(base.id()).isEqualTo("counter");
      assertThat(base.start().options().getConfig().getInteger("initial")).isEqualTo(0);
      assertThat(base.start().name()).isNull();
      assertThat(base.restart()).isEqualTo(Restart.PERMANENT);
      assertThat(base.shutdown()).isEqualTo(Shutdown.DEFAULT_WORKER);
      assertThat(base.backoff()).isNull();
    }

    @Test
    void threeCountersFromOneBaseSpecStartWithTheirOwnArgs(Vertx vertx, VertxTestContext ctx) {
      List<ChildSpec> counters = List.of(
        base.withId("long").withArgs(counterArgs(100)),
        base.withId("short").withArgs(counterArgs(1)),
        base.withId("medium").withArgs(counterArgs(50)).withName("counter.medium"));
      JsonObject val = new JsonObject().put("action", "val");
      Supervisor.start(vertx, SupervisorSpec.of(SupervisorFlags.of(Strategy.ONE_FOR_ONE), counters), null)
        .compose(sup -> Supervisor.whichChildren(vertx, sup))
        .compose(children -> {
          Map<String, Pid> pids = children.stream().collect(Collectors.toMap(Supervisor.ChildInfo::id, Supervisor.ChildInfo::pid));
          return Future.all(
              GenServer.<JsonObject>call(vertx, pids.get("long"), val),
              GenServer.<JsonObject>call(vertx, pids.get("short"), val),
              GenServer.<JsonObject>call(vertx, "counter.medium", val))
            .map(all -> List.of(all.<JsonObject>resultAt(0), all.<JsonObject>resultAt(1), all.<JsonObject>resultAt(2),
              new JsonObject().put("medium", pids.get("medium").toString())));
        })
        .onComplete(ctx.succeeding(replies -> ctx.verify(() -> {
          assertThat(replies.get(0).getInteger("value")).isEqualTo(100);
          assertThat(replies.get(1).getInteger("value")).isEqualTo(1);
          assertThat(replies.get(2).getInteger("value")).isEqualTo(50);
          assertThat(Registry.whereis(vertx, "counter.medium").map(Pid::toString)).contains(replies.get(3).getString("medium"));
          ctx.completeNow();
        })));
    }

    @Test
    void eachWithCopyChangesOnlyItsField() {
      ChildSpec spec = base.withName("n");
      ChildSpec id = spec.withId("other");
      assertThat(id.id()).isEqualTo("other");
      assertThat(id.start()).isSameAs(spec.start());
      assertThat(id.restart()).isEqualTo(spec.restart());

      ChildSpec restart = spec.withRestart(Restart.TEMPORARY);
      assertThat(restart.restart()).isEqualTo(Restart.TEMPORARY);
      assertThat(restart.id()).isEqualTo("counter");
      assertThat(restart.start()).isSameAs(spec.start());
      assertThat(restart.shutdown()).isEqualTo(Shutdown.DEFAULT_WORKER);

      ChildSpec type = spec.withType(ChildType.SUPERVISOR);
      assertThat(type.type()).isEqualTo(ChildType.SUPERVISOR);
      assertThat(type.restart()).isEqualTo(Restart.PERMANENT);

      ChildSpec significant = spec.withRestart(Restart.TRANSIENT).withSignificant(true);
      assertThat(significant.significant()).isTrue();
      assertThat(significant.restart()).isEqualTo(Restart.TRANSIENT);

      ChildSpec options = spec.withOptions(new DeploymentOptions().setConfig(counterArgs(7)).setWorkerPoolSize(3));
      assertThat(options.start().options().getConfig().getInteger("initial")).isEqualTo(7);
      assertThat(options.start().options().getWorkerPoolSize()).isEqualTo(3);
      assertThat(options.start().name()).isEqualTo("n");

      ChildSpec args = options.withArgs(counterArgs(8));
      assertThat(args.start().options().getConfig().getInteger("initial")).isEqualTo(8);
      assertThat(args.start().options().getWorkerPoolSize()).isEqualTo(3);
      assertThat(args.start().name()).isEqualTo("n");

      assertThat(spec.withBackoff(null).backoff()).isNull();
    }

    @Test
    void withNameKeepsTheArgsAndFactory() {
      ChildSpec named = base.withName("counter.x");
      assertThat(named.start().name()).isEqualTo("counter.x");
      assertThat(named.start().factory()).isSameAs(base.start().factory());
      assertThat(named.start().options().getConfig()).isEqualTo(counterArgs(0));
    }

    @Test
    void withArgsCopiesTheArgs() {
      JsonObject args = counterArgs(5);
      ChildSpec spec = base.withArgs(args);
      args.put("initial", 6);
      assertThat(spec.start().options().getConfig().getInteger("initial")).isEqualTo(5);
    }
  }

  @Nested
  class Errors {

    @Test
    void aBlankIdIsRefusedNamingTheId() {
      assertThatThrownBy(() -> plain(" "))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'id'");
      assertThatThrownBy(() -> plain(null))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'id'");
      assertThatThrownBy(() -> plain("w").withId(""))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'id'");
    }

    @Test
    void aNullStartIsRefusedNamingStartAndTheChild() {
      assertThatThrownBy(() -> new ChildSpec("w", null, Restart.PERMANENT, null, ChildType.WORKER, false, null))
        .isInstanceOfAny(NullPointerException.class, IllegalArgumentException.class)
        .hasMessageContaining("'start'").hasMessageContaining("'w'");
    }

    @Test
    void aNullFactoryIsRefusedNamingStart() {
      assertThatThrownBy(() -> ChildSpec.worker("w", null))
        .isInstanceOfAny(NullPointerException.class, IllegalArgumentException.class)
        .hasMessageContaining("start");
    }

    @Test
    void aNullRestartOrTypeIsRefusedNamingTheField() {
      ChildSpec spec = plain("w");
      assertThatThrownBy(() -> spec.withRestart(null)).hasMessageContaining("'restart'").hasMessageContaining("'w'");
      assertThatThrownBy(() -> spec.withType(null)).hasMessageContaining("'type'").hasMessageContaining("'w'");
      assertThatThrownBy(() -> spec.withShutdown(null)).hasMessageContaining("shutdown");
    }

    @Test
    void aSignificantPermanentChildIsRefusedNamingSignificant() {
      assertThatThrownBy(() -> plain("w").withSignificant(true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'significant'").hasMessageContaining("permanent").hasMessageContaining("'w'");
      assertThatThrownBy(() -> plain("w").withRestart(Restart.TRANSIENT).withSignificant(true).withRestart(Restart.PERMANENT))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'significant'");
    }

    @Test
    void significantIsAllowedForTransientAndTemporaryChildren() {
      assertThat(plain("w").withRestart(Restart.TRANSIENT).withSignificant(true).significant()).isTrue();
      assertThat(plain("w").withRestart(Restart.TEMPORARY).withSignificant(true).significant()).isTrue();
    }

    @Test
    void aClassWithoutAPublicNoArgumentConstructorIsRefusedNamingTheClass() {
      assertThatThrownBy(() -> ChildSpec.of("n", NeedsArgument.class, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'n'").hasMessageContaining(NeedsArgument.class.getName())
        .hasMessageContaining("no public no-argument constructor");
      assertThatThrownBy(() -> ChildSpec.of("h", HiddenConstructor.class, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(HiddenConstructor.class.getName());
    }

    @Test
    void anInvalidRegisteredNameIsRefused() {
      assertThatThrownBy(() -> plain("w").withName("two words")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("two words");
      assertThatThrownBy(() -> plain("w").withName(Pid.ADDRESS_PREFIX + "x")).isInstanceOf(IllegalArgumentException.class);
    }
  }
}
