package dev.otpx.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.otpx.counter.CounterServer;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class SupervisorSpecTest {

  private static final String COUNTER = CounterServer.class.getName();

  @ChildDefaults(restart = Restart.TEMPORARY, shutdownMillis = -2)
  public static final class TemporaryServer extends GenServer<Void> {
    @Override
    protected Future<InitResult<Void>> init(JsonObject args) {
      return Future.succeededFuture(InitResult.ok(null));
    }
  }

  /** A GenServer that says it is a supervisor (say, one that starts and watches its own helpers). */
  @ChildDefaults(type = ChildType.SUPERVISOR)
  public static final class SupervisingServer extends GenServer<Void> {
    @Override
    protected Future<InitResult<Void>> init(JsonObject args) {
      return Future.succeededFuture(InitResult.ok(null));
    }
  }

  public static final class NeedsArgument extends GenServer<Void> {
    public NeedsArgument(String required) {
    }

    @Override
    protected Future<InitResult<Void>> init(JsonObject args) {
      return Future.succeededFuture(InitResult.ok(null));
    }
  }

  private static ChildSpec worker(String id) {
    return ChildSpec.worker(id, TemporaryServer::new);
  }

  private static JsonObject counter(String id) {
    return new JsonObject().put("id", id).put("class", COUNTER).put("config", new JsonObject().put("tick_ms", 0));
  }

  /** A tree whose second child ('b') is {@code second}. */
  private static JsonObject treeWithSecond(JsonObject second) {
    return new JsonObject().put("children", new JsonArray().add(counter("a")).add(second));
  }

  private static AbstractThrowableAssert<?, ? extends Throwable> assertRefused(JsonObject tree) {
    return assertThatThrownBy(() -> SupervisorSpec.fromJson(tree, "tree")).isInstanceOf(IllegalArgumentException.class);
  }

  private static final String B = "tree.children[1] ('b')";

  @Nested
  class Validation {

    @Test
    void duplicateIdsAreRefusedNamingTheId() {
      assertThatThrownBy(() -> SupervisorSpec.of(SupervisorFlags.of(Strategy.ONE_FOR_ONE),
          List.of(worker("a"), worker("twin"), worker("b"), worker("twin"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'twin'").hasMessageContaining("duplicate");
    }

    @Test
    void aSignificantChildUnderAutoShutdownNeverIsRefusedNamingTheChild() {
      ChildSpec significant = worker("sig").withRestart(Restart.TRANSIENT).withSignificant(true);
      assertThatThrownBy(() -> SupervisorSpec.of(SupervisorFlags.of(Strategy.ONE_FOR_ONE), List.of(worker("a"), significant)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'sig'").hasMessageContaining("significant").hasMessageContaining("auto_shutdown");
    }

    @Test
    void aSignificantChildIsAcceptedUnderAnyOrAllSignificant() {
      ChildSpec significant = worker("sig").withRestart(Restart.TEMPORARY).withSignificant(true);
      for (AutoShutdown auto : List.of(AutoShutdown.ANY_SIGNIFICANT, AutoShutdown.ALL_SIGNIFICANT)) {
        SupervisorSpec spec = SupervisorSpec.of(SupervisorFlags.of(Strategy.ONE_FOR_ALL).withAutoShutdown(auto), List.of(significant));
        assertThat(spec.children()).containsExactly(significant);
        assertThat(spec.flags().autoShutdown()).isEqualTo(auto);
      }
    }

    @Test
    void theChildrenAreCopiedAndKeptInStartOrder() {
      List<ChildSpec> children = new ArrayList<>(List.of(worker("a"), worker("b"), worker("c")));
      SupervisorSpec spec = SupervisorSpec.of(SupervisorFlags.of(Strategy.REST_FOR_ONE), children);
      children.add(worker("d"));
      assertThat(spec.children()).extracting(ChildSpec::id).containsExactly("a", "b", "c");
      assertThatThrownBy(() -> spec.children().add(worker("e"))).isInstanceOf(UnsupportedOperationException.class);
      assertThat(spec.dynamic()).isFalse();
      assertThat(spec.maxChildren()).isEqualTo(Integer.MAX_VALUE);
    }

    @Test
    void nullFlagsOrChildrenAreRefused() {
      assertThatThrownBy(() -> SupervisorSpec.of(null, List.of())).hasMessageContaining("flags");
      assertThatThrownBy(() -> SupervisorSpec.of(SupervisorFlags.of(Strategy.ONE_FOR_ONE), null)).hasMessageContaining("children");
    }
  }

  @Nested
  class Dynamic {

    @Test
    void aDynamicSpecIsOneForOneWithoutChildrenAndWithItsCap() {
      SupervisorSpec spec = SupervisorSpec.dynamic(4, 9, 10);
      assertThat(spec.dynamic()).isTrue();
      assertThat(spec.maxChildren()).isEqualTo(10);
      assertThat(spec.children()).isEmpty();
      assertThat(spec.flags()).isEqualTo(new SupervisorFlags(Strategy.ONE_FOR_ONE, 4, 9, AutoShutdown.NEVER));
    }

    @Test
    void aDynamicSpecMustBeOneForOne() {
      for (Strategy strategy : List.of(Strategy.ONE_FOR_ALL, Strategy.REST_FOR_ONE)) {
        assertThatThrownBy(() -> new SupervisorSpec(SupervisorFlags.of(strategy), List.of(), true, 5))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("'strategy'").hasMessageContaining("one_for_one").hasMessageContaining(strategy.wireName());
      }
    }

    @Test
    void aDynamicSpecMustStartWithoutChildren() {
      assertThatThrownBy(() -> new SupervisorSpec(SupervisorFlags.of(Strategy.ONE_FOR_ONE), List.of(worker("a")), true, 5))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no children");
    }

    @Test
    void aDynamicSpecHasNoAutoShutdown() {
      SupervisorFlags flags = SupervisorFlags.of(Strategy.ONE_FOR_ONE).withAutoShutdown(AutoShutdown.ANY_SIGNIFICANT);
      assertThatThrownBy(() -> new SupervisorSpec(flags, List.of(), true, 5))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'auto_shutdown'");
    }

    @Test
    void aNegativeMaxChildrenIsRefusedNamingIt() {
      assertThatThrownBy(() -> SupervisorSpec.dynamic(3, 5, -1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'max_children'").hasMessageContaining("-1");
    }
  }

  @Nested
  class FromJson {

    @Test
    void anEmptyTreeGivesTheDefaults() {
      SupervisorSpec spec = SupervisorSpec.fromJson(new JsonObject(), "tree");
      assertThat(spec.flags()).isEqualTo(new SupervisorFlags(Strategy.ONE_FOR_ONE, 3, 5, AutoShutdown.NEVER));
      assertThat(spec.children()).isEmpty();
      assertThat(spec.dynamic()).isFalse();
    }

    @Test
    void readsFlagsAndEveryChildField() {
      JsonObject tree = new JsonObject()
        .put("strategy", "rest_for_one").put("max_restarts", 7).put("max_seconds", 11).put("auto_shutdown", "any_significant")
        .put("children", new JsonArray()
          .add(new JsonObject().put("id", "counter").put("class", COUNTER).put("name", "counter")
            .put("restart", "transient").put("shutdown", "brutal_kill").put("significant", true)
            .put("config", new JsonObject().put("initial", 5).put("tick_ms", 0)))
          .add(new JsonObject().put("id", "slow").put("class", COUNTER).put("shutdown", 250).put("restart", "temporary")
            .put("backoff", new JsonObject().put("min_ms", 10).put("max_ms", 1000).put("jitter", 0.5)))
          .add(new JsonObject().put("id", "patient").put("class", COUNTER).put("shutdown", "infinity").put("type", "worker"))
          .add(new JsonObject().put("id", "inner").put("type", "supervisor").put("strategy", "one_for_all")
            .put("max_restarts", 1).put("max_seconds", 2).put("restart", "transient")
            .put("children", new JsonArray().add(counter("leaf")))));

      SupervisorSpec spec = SupervisorSpec.fromJson(tree, "tree");

      assertThat(spec.flags()).isEqualTo(new SupervisorFlags(Strategy.REST_FOR_ONE, 7, 11, AutoShutdown.ANY_SIGNIFICANT));
      assertThat(spec.children()).extracting(ChildSpec::id).containsExactly("counter", "slow", "patient", "inner");

      ChildSpec counter = spec.children().get(0);
      assertThat(counter.start().name()).isEqualTo("counter");
      assertThat(counter.restart()).isEqualTo(Restart.TRANSIENT);
      assertThat(counter.shutdown()).isEqualTo(Shutdown.BRUTAL_KILL);
      assertThat(counter.significant()).isTrue();
      assertThat(counter.type()).isEqualTo(ChildType.WORKER);
      assertThat(counter.start().options().getConfig()).isEqualTo(new JsonObject().put("initial", 5).put("tick_ms", 0));
      assertThat(counter.start().factory().get()).isInstanceOf(CounterServer.class);
      assertThat(counter.backoff()).isNull();

      ChildSpec slow = spec.children().get(1);
      assertThat(slow.shutdown()).isEqualTo(Shutdown.timeout(Duration.ofMillis(250)));
      assertThat(slow.restart()).isEqualTo(Restart.TEMPORARY);
      assertThat(slow.backoff()).isEqualTo(new Backoff(Duration.ofMillis(10), Duration.ofMillis(1000), 0.5));
      assertThat(slow.significant()).isFalse();
      assertThat(slow.start().name()).isNull();
      assertThat(slow.start().options().getConfig()).isEqualTo(new JsonObject());

      ChildSpec patient = spec.children().get(2);
      assertThat(patient.shutdown()).isEqualTo(Shutdown.INFINITY);
      assertThat(patient.restart()).isEqualTo(Restart.PERMANENT);

      ChildSpec inner = spec.children().get(3);
      assertThat(inner.type()).isEqualTo(ChildType.SUPERVISOR);
      assertThat(inner.shutdown()).isEqualTo(Shutdown.INFINITY);
      assertThat(inner.restart()).isEqualTo(Restart.TRANSIENT);
      assertThat(inner.start().factory().get()).isInstanceOf(Supervisor.class);
    }

    @Test
    void aWorkerWithoutShutdownGetsFiveSecondsAndANestedSupervisorInfinity() {
      JsonObject tree = new JsonObject().put("children", new JsonArray()
        .add(counter("w"))
        .add(new JsonObject().put("id", "s").put("type", "supervisor")));
      SupervisorSpec spec = SupervisorSpec.fromJson(tree, "tree");
      assertThat(spec.children().get(0).shutdown()).isEqualTo(Shutdown.DEFAULT_WORKER);
      assertThat(spec.children().get(0).restart()).isEqualTo(Restart.PERMANENT);
      assertThat(spec.children().get(1).shutdown()).isEqualTo(Shutdown.INFINITY);
      assertThat(spec.children().get(1).restart()).isEqualTo(Restart.PERMANENT);
    }

    @Test
    void aNestedTreeStartsWithItsOwnStrategyAndChildren(Vertx vertx, VertxTestContext ctx) {
      JsonObject tree = new JsonObject().put("strategy", "one_for_one").put("children", new JsonArray()
        .add(counter("top").put("name", "counter.top").put("config", new JsonObject().put("initial", 5).put("tick_ms", 0)))
        .add(new JsonObject().put("id", "inner").put("type", "supervisor").put("strategy", "one_for_all").put("name", "sup.inner")
          .put("children", new JsonArray().add(counter("leaf1")).add(counter("leaf2").put("name", "counter.leaf2")))));
      SupervisorSpec spec = SupervisorSpec.fromJson(tree, "tree");
      Supervisor.start(vertx, spec, null)
        .compose(root -> Supervisor.whichChildren(vertx, root))
        .compose(top -> Supervisor.whichChildren(vertx, Registry.whereis(vertx, "sup.inner").orElseThrow())
          .compose(inner -> GenServer.<JsonObject>call(vertx, "counter.top", new JsonObject().put("action", "val"))
            .map(val -> List.of(top, inner, List.of(val)))))
        .onComplete(ctx.succeeding(all -> ctx.verify(() -> {
          @SuppressWarnings("unchecked")
          List<Supervisor.ChildInfo> top = (List<Supervisor.ChildInfo>) all.get(0);
          @SuppressWarnings("unchecked")
          List<Supervisor.ChildInfo> inner = (List<Supervisor.ChildInfo>) all.get(1);
          assertThat(top).extracting(Supervisor.ChildInfo::id).containsExactly("inner", "top");
          assertThat(top.get(0).type()).isEqualTo(ChildType.SUPERVISOR);
          assertThat(top.get(0).pid()).isEqualTo(Registry.whereis(vertx, "sup.inner").orElseThrow());
          assertThat(inner).extracting(Supervisor.ChildInfo::id).containsExactly("leaf2", "leaf1");
          assertThat(inner).allSatisfy(c -> assertThat(c.status()).isEqualTo("running"));
          assertThat(inner.get(0).pid()).isEqualTo(Registry.whereis(vertx, "counter.leaf2").orElseThrow());
          assertThat(((JsonObject) all.get(2).get(0)).getInteger("value")).isEqualTo(5);
          ctx.completeNow();
        })));
    }

    @Test
    void aNestedDynamicSupervisorIsReadWithItsCap() {
      JsonObject tree = new JsonObject().put("children", new JsonArray()
        .add(new JsonObject().put("id", "pool").put("type", "supervisor").put("dynamic", true).put("max_children", 4)));
      SupervisorSpec spec = SupervisorSpec.fromJson(tree, "tree");
      assertThat(spec.children().get(0).type()).isEqualTo(ChildType.SUPERVISOR);
      SupervisorSpec dynamic = SupervisorSpec.fromJson(new JsonObject().put("dynamic", true).put("max_children", 4), "pool");
      assertThat(dynamic.dynamic()).isTrue();
      assertThat(dynamic.maxChildren()).isEqualTo(4);
    }

    @Test
    void aClassesChildDefaultsApplyUnlessTheTreeOverridesThem() {
      JsonObject tree = new JsonObject().put("children", new JsonArray()
        .add(new JsonObject().put("id", "plain").put("class", TemporaryServer.class.getName()))
        .add(new JsonObject().put("id", "over").put("class", TemporaryServer.class.getName())
          .put("restart", "permanent").put("shutdown", 100)));
      SupervisorSpec spec = SupervisorSpec.fromJson(tree, "tree");
      assertThat(spec.children().get(0).restart()).isEqualTo(Restart.TEMPORARY);
      assertThat(spec.children().get(0).shutdown()).isEqualTo(Shutdown.BRUTAL_KILL);
      assertThat(spec.children().get(1).restart()).isEqualTo(Restart.PERMANENT);
      assertThat(spec.children().get(1).shutdown()).isEqualTo(Shutdown.timeout(Duration.ofMillis(100)));
    }

    @Test
    void aClassesDefaultTypeIsKeptWhenTheTreeGivesNoType() {
      // ChildDefaults: "a tree can still override each field per child": a field the tree leaves
      // out keeps the class's default, the type included.
      JsonObject tree = new JsonObject().put("children", new JsonArray()
        .add(new JsonObject().put("id", "s").put("class", SupervisingServer.class.getName())));
      ChildSpec child = SupervisorSpec.fromJson(tree, "tree").children().get(0);
      assertThat(child.type()).isEqualTo(ChildType.SUPERVISOR);
      assertThat(child.shutdown()).isEqualTo(Shutdown.INFINITY);
    }

    @Test
    void theTreeMayOverrideAClassesDefaultType() {
      JsonObject tree = new JsonObject().put("children", new JsonArray()
        .add(new JsonObject().put("id", "s").put("class", SupervisingServer.class.getName()).put("type", "worker")));
      assertThat(SupervisorSpec.fromJson(tree, "tree").children().get(0).type()).isEqualTo(ChildType.WORKER);
    }
  }

  @Nested
  class FromJsonErrors {

    @Test
    void anUnknownStrategyNamesTheField() {
      assertRefused(new JsonObject().put("strategy", "one_for_some"))
        .hasMessageContaining("tree").hasMessageContaining("strategy").hasMessageContaining("one_for_some");
    }

    @Test
    void aStrategyThatIsNotAStringNamesThePath() {
      assertRefused(new JsonObject().put("strategy", 3)).hasMessageContaining("tree.strategy");
    }

    @Test
    void anUnknownAutoShutdownNamesTheField() {
      assertRefused(new JsonObject().put("auto_shutdown", "sometimes"))
        .hasMessageContaining("tree").hasMessageContaining("auto_shutdown").hasMessageContaining("sometimes");
    }

    @Test
    void aNegativeMaxRestartsNamesTheField() {
      assertRefused(new JsonObject().put("max_restarts", -1)).hasMessageContaining("tree").hasMessageContaining("max_restarts");
    }

    @Test
    void aMaxRestartsThatIsNotANumberNamesThePath() {
      assertRefused(new JsonObject().put("max_restarts", "three")).hasMessageContaining("tree.max_restarts");
    }

    @Test
    void aZeroMaxSecondsNamesTheField() {
      assertRefused(new JsonObject().put("max_seconds", 0)).hasMessageContaining("tree").hasMessageContaining("max_seconds");
    }

    @Test
    void childrenThatIsNotAnArrayNamesThePath() {
      assertRefused(new JsonObject().put("children", new JsonObject())).hasMessageContaining("tree.children");
    }

    @Test
    void aChildThatIsNotAnObjectNamesItsIndex() {
      assertRefused(new JsonObject().put("children", new JsonArray().add(counter("a")).add("b")))
        .hasMessageContaining("tree.children[1]");
    }

    @Test
    void aChildWithoutIdNamesTheIdPath() {
      assertRefused(treeWithSecond(new JsonObject().put("class", COUNTER))).hasMessageContaining("tree.children[1].id");
    }

    @Test
    void aBlankIdNamesTheChildPathAndTheId() {
      assertRefused(treeWithSecond(new JsonObject().put("id", " ").put("class", COUNTER)))
        .hasMessageContaining("tree.children[1]").hasMessageContaining("id");
    }

    @Test
    void aDuplicateIdNamesTheId() {
      assertRefused(treeWithSecond(counter("a"))).hasMessageContaining("tree").hasMessageContaining("'a'")
        .hasMessageContaining("duplicate");
    }

    @Test
    void anUnknownRestartNamesTheChildAndField() {
      assertRefused(treeWithSecond(counter("b").put("restart", "sometimes")))
        .hasMessageContaining(B + ".restart").hasMessageContaining("sometimes");
    }

    @Test
    void aRestartThatIsNotAStringNamesTheChildAndField() {
      assertRefused(treeWithSecond(counter("b").put("restart", 1))).hasMessageContaining(B + ".restart");
    }

    @Test
    void aBadShutdownNamesTheChildAndField() {
      for (Object bad : List.of("soon", -5, 2.5, true)) {
        assertRefused(treeWithSecond(counter("b").put("shutdown", bad)))
          .as("shutdown %s", bad).hasMessageContaining(B + ".shutdown");
      }
    }

    @Test
    void anUnknownTypeNamesTheChildAndField() {
      assertRefused(treeWithSecond(counter("b").put("type", "manager")))
        .hasMessageContaining(B + ".type").hasMessageContaining("manager");
    }

    @Test
    void aWorkerWithoutClassNamesTheClassField() {
      assertRefused(treeWithSecond(new JsonObject().put("id", "b"))).hasMessageContaining(B + ".class");
    }

    @Test
    void anUnknownClassNamesTheChildAndTheClass() {
      assertRefused(treeWithSecond(new JsonObject().put("id", "b").put("class", "dev.otpx.NoSuchServer")))
        .hasMessageContaining(B + ".class").hasMessageContaining("dev.otpx.NoSuchServer");
    }

    @Test
    void aClassThatIsNotAGenServerNamesTheChildAndTheClass() {
      assertRefused(treeWithSecond(new JsonObject().put("id", "b").put("class", "java.lang.String")))
        .hasMessageContaining(B + ".class").hasMessageContaining("java.lang.String").hasMessageContaining("not a GenServer");
    }

    @Test
    void aClassWithoutAPublicNoArgumentConstructorNamesTheChildPath() {
      assertRefused(treeWithSecond(new JsonObject().put("id", "b").put("class", NeedsArgument.class.getName())))
        .hasMessageContaining(B).hasMessageContaining("no public no-argument constructor");
    }

    @Test
    void aSignificantPermanentChildNamesTheChildAndField() {
      JsonObject tree = treeWithSecond(counter("b").put("significant", true)).put("auto_shutdown", "any_significant");
      assertRefused(tree).hasMessageContaining(B + ".significant").hasMessageContaining("permanent");
    }

    @Test
    void aSignificantChildUnderAutoShutdownNeverNamesTheChild() {
      assertRefused(treeWithSecond(counter("b").put("restart", "transient").put("significant", true)))
        .hasMessageContaining("tree").hasMessageContaining("'b'").hasMessageContaining("auto_shutdown");
    }

    @Test
    void aSignificantThatIsNotABooleanNamesTheChildAndField() {
      assertRefused(treeWithSecond(counter("b").put("significant", "yes"))).hasMessageContaining(B + ".significant");
    }

    @Test
    void aBadNameNamesTheChildAndField() {
      assertRefused(treeWithSecond(counter("b").put("name", "two words"))).hasMessageContaining(B + ".name");
      assertRefused(treeWithSecond(counter("b").put("name", 7))).hasMessageContaining(B + ".name");
    }

    @Test
    void aConfigThatIsNotAnObjectNamesTheChildAndField() {
      assertRefused(treeWithSecond(counter("b").put("config", "initial=5"))).hasMessageContaining(B + ".config");
    }

    @Test
    void aBadBackoffNamesTheChildAndField() {
      assertRefused(treeWithSecond(counter("b").put("backoff", new JsonObject().put("min_ms", 0))))
        .hasMessageContaining(B + ".backoff").hasMessageContaining("min");
      assertRefused(treeWithSecond(counter("b").put("backoff", new JsonObject().put("min_ms", 500).put("max_ms", 100))))
        .hasMessageContaining(B + ".backoff").hasMessageContaining("max");
      assertRefused(treeWithSecond(counter("b").put("backoff", new JsonObject().put("jitter", 2))))
        .hasMessageContaining(B + ".backoff").hasMessageContaining("jitter");
      assertRefused(treeWithSecond(counter("b").put("backoff", new JsonObject().put("min_ms", "fast"))))
        .hasMessageContaining(B + ".backoff.min_ms");
      assertRefused(treeWithSecond(counter("b").put("backoff", 100))).hasMessageContaining(B + ".backoff");
    }

    @Test
    void anErrorInANestedTreeNamesTheWholePath() {
      JsonObject tree = treeWithSecond(new JsonObject().put("id", "b").put("type", "supervisor")
        .put("children", new JsonArray().add(counter("x").put("restart", "never"))));
      assertRefused(tree).hasMessageContaining(B + ".children[0] ('x').restart");
    }

    @Test
    void aBadStrategyInANestedTreeNamesTheWholePath() {
      JsonObject tree = treeWithSecond(new JsonObject().put("id", "b").put("type", "supervisor").put("strategy", "all_for_one"));
      assertRefused(tree).hasMessageContaining(B).hasMessageContaining("strategy").hasMessageContaining("all_for_one");
    }

    @Test
    void aDynamicTreeWithAnotherStrategyIsRefused() {
      assertRefused(new JsonObject().put("dynamic", true).put("strategy", "one_for_all"))
        .hasMessageContaining("tree").hasMessageContaining("strategy");
    }

    @Test
    void aNullTreeIsRefusedNamingThePath() {
      assertThatThrownBy(() -> SupervisorSpec.fromJson(null, "supervision")).hasMessageContaining("supervision");
    }
  }
}
