package dev.otpx.process;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.LoggerFactory;

/**
 * Thousands of random kills in a three-level tree, mostly of workers and now and then of a middle
 * supervisor (whose workers must then go with it, as linked processes do), and last, whatever the
 * seed, of one settled middle supervisor. Afterwards every permanent child runs exactly once, under
 * its name, and nothing else is left alive. Every wait is on an event: the DOWN of each killed
 * process, then a call to each supervisor (answered only once it has handled the DOWNs before it
 * and finished the restarts they caused).
 */
@ExtendWith(VertxExtension.class)
class SupervisorStressTest {

  private static final long SEED = 20240611L;
  private static final int KILLS = 3000;
  private static final int MAX_BATCH = 4;
  /** Out of 100 picks, how many go to a middle supervisor rather than a worker. */
  private static final int SUPERVISOR_PICKS = 4;
  /** Settling rounds (each a round of calls) before giving up: far more than ever needed. */
  private static final int MAX_SETTLE_ROUNDS = 10_000;

  private static final String ROOT = "sup.root";
  private static final Map<String, List<String>> MIDDLE = new LinkedHashMap<>();

  static {
    MIDDLE.put("sup.all", List.of("a1", "a2", "a3", "a4"));
    MIDDLE.put("sup.rest", List.of("r1", "r2", "r3", "r4"));
    MIDDLE.put("sup.one", List.of("o1", "o2", "o3", "o4"));
  }

  private static final List<String> ROOT_WORKERS = List.of("solo");
  /** root, three middle supervisors, twelve leaves, one worker under the root. */
  private static final int EXPECTED_PROCESSES = 1 + MIDDLE.size() + 12 + ROOT_WORKERS.size();

  private final Journal journal = new Journal();
  private final Random random = new Random(SEED);
  private Logger otpxLogger;
  private Level otpxLevel;

  @BeforeEach
  void quiet() {
    // Every kill is an error report and every restart a progress report: thousands of lines.
    otpxLogger = (Logger) LoggerFactory.getLogger("dev.otpx");
    otpxLevel = otpxLogger.getLevel();
    otpxLogger.setLevel(Level.OFF);
  }

  @AfterEach
  void loud() {
    otpxLogger.setLevel(otpxLevel);
  }

  private SupervisorSpec tree() {
    SupervisorFlags unbreakable = SupervisorFlags.of(Strategy.ONE_FOR_ONE).withIntensity(1_000_000, 1);
    List<Strategy> strategies = List.of(Strategy.ONE_FOR_ALL, Strategy.REST_FOR_ONE, Strategy.ONE_FOR_ONE);
    List<ChildSpec> rootChildren = new ArrayList<>();
    int i = 0;
    for (Map.Entry<String, List<String>> middle : MIDDLE.entrySet()) {
      List<ChildSpec> leaves = middle.getValue().stream().map(n -> JournaledWorker.spec(n, journal)).toList();
      SupervisorFlags flags = new SupervisorFlags(strategies.get(i++), 1_000_000, 1, AutoShutdown.NEVER);
      rootChildren.add(ChildSpec.supervisor(middle.getKey(), SupervisorSpec.of(flags, leaves)).withName(middle.getKey()));
    }
    for (String name : ROOT_WORKERS) {
      rootChildren.add(JournaledWorker.spec(name, journal));
    }
    return SupervisorSpec.of(unbreakable, rootChildren);
  }

  private static List<String> allWorkerNames() {
    List<String> names = new ArrayList<>();
    MIDDLE.values().forEach(names::addAll);
    names.addAll(ROOT_WORKERS);
    return names;
  }

  @Test
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  void everyPermanentChildRunsExactlyOnceAfterThousandsOfRandomKills(Vertx vertx, VertxTestContext ctx) {
    int[] kills = new int[1];
    Supervisor.start(vertx, tree(), ROOT)
      .compose(root -> killInBatches(vertx, root, kills)
        // Whatever the seed, the last kill is of a settled supervisor whose workers all run.
        .compose(v -> settle(vertx, root))
        .compose(settled -> killAndWait(vertx, root, List.of(Registry.whereis(vertx, "sup.rest").orElseThrow())))
        .compose(v -> settle(vertx, root))
        .compose(snapshot -> {
          ctx.verify(() -> {
            assertThat(kills[0]).isGreaterThanOrEqualTo(KILLS);
            assertTree(vertx, root, snapshot);
          });
          // Every worker answers under its name.
          List<Future<Object>> pings = allWorkerNames().stream()
            .map(n -> GenServer.call(vertx, "worker." + n, "ping")).toList();
          return Future.all(pings).map(all -> {
            ctx.verify(() -> {
              for (int i = 0; i < pings.size(); i++) {
                assertThat(all.<Object>resultAt(i)).isEqualTo("pong:" + allWorkerNames().get(i));
              }
            });
            return root;
          });
        })
        // An orderly stop of the root takes the whole tree down.
        .compose(r -> GenServer.stop(vertx, root)))
      .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
        assertThat(Registry.registered(vertx)).isEmpty();
        assertThat(Processes.list(vertx)).isEmpty();
        ctx.completeNow();
      })));
  }

  /**
   * Kills random named processes, a batch at a time, until {@link #KILLS} kills have landed. Each
   * batch starts from the callback of the one before, so no chain of futures grows with the batches.
   */
  private Future<Void> killInBatches(Vertx vertx, Pid root, int[] kills) {
    Promise<Void> done = Promise.promise();
    nextBatch(vertx, root, kills, done);
    return done.future();
  }

  private void nextBatch(Vertx vertx, Pid root, int[] kills, Promise<Void> done) {
    if (kills[0] >= KILLS) {
      done.complete();
      return;
    }
    List<Pid> victims = pickVictims(vertx, 1 + random.nextInt(MAX_BATCH));
    kills[0] += (int) victims.stream().filter(pid -> Processes.isAlive(vertx, pid)).count();
    killAndWait(vertx, root, victims).onComplete(ar -> {
      if (ar.failed()) {
        done.fail(ar.cause());
      } else {
        nextBatch(vertx, root, kills, done);
      }
    });
  }

  /** Kills the victims, waits for their DOWNs, then for every supervisor to answer a call. */
  private static Future<Void> killAndWait(Vertx vertx, Pid root, List<Pid> victims) {
    List<Future<Down>> downs = new ArrayList<>();
    for (Pid victim : victims) {
      Monitor monitor = Processes.monitor(vertx, victim);
      Processes.kill(vertx, victim);
      downs.add(monitor.down());
    }
    return Future.all(downs).compose(all -> askEverySupervisor(vertx, root));
  }

  /** Distinct live pids of named workers and (rarely) middle supervisors, never the root. */
  private List<Pid> pickVictims(Vertx vertx, int count) {
    Map<String, Pid> registered = Registry.registered(vertx);
    List<Pid> workers = new ArrayList<>();
    List<Pid> supervisors = new ArrayList<>();
    registered.forEach((name, pid) -> {
      if (name.startsWith("worker.")) {
        workers.add(pid);
      } else if (!name.equals(ROOT)) {
        supervisors.add(pid);
      }
    });
    List<Pid> victims = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      boolean supervisor = random.nextInt(100) < SUPERVISOR_PICKS;
      List<Pid> from = supervisor && !supervisors.isEmpty() || workers.isEmpty() ? supervisors : workers;
      if (from.isEmpty()) {
        break;
      }
      victims.add(from.remove(random.nextInt(from.size())));
    }
    return victims;
  }

  /**
   * Calls the root, then each middle supervisor it reports: each answers once it has dealt with the
   * DOWNs queued before the call. A supervisor that is being replaced may be gone: that is fine here.
   */
  private static Future<Void> askEverySupervisor(Vertx vertx, Pid root) {
    return Supervisor.whichChildren(vertx, root).compose(children -> {
      List<Future<List<Supervisor.ChildInfo>>> asks = new ArrayList<>();
      for (Supervisor.ChildInfo child : children) {
        if (child.type() == ChildType.SUPERVISOR && child.pid() != null) {
          asks.add(Supervisor.whichChildren(vertx, child.pid()));
        }
      }
      return Future.join(asks).transform(ar -> Future.<Void>succeededFuture());
    });
  }

  /** What the supervisors report once the tree has settled. */
  private record Snapshot(List<Supervisor.ChildInfo> root, Map<Pid, List<Supervisor.ChildInfo>> middle) { }

  /**
   * Asks every supervisor again and again until all children run, each round started by the replies
   * of the one before: no timer, no sleep.
   */
  private static Future<Snapshot> settle(Vertx vertx, Pid root) {
    Promise<Snapshot> done = Promise.promise();
    nextRound(vertx, root, 0, done);
    return done.future();
  }

  private static void nextRound(Vertx vertx, Pid root, int round, Promise<Snapshot> done) {
    if (round >= MAX_SETTLE_ROUNDS) {
      List<Pid> live = Processes.list(vertx);
      List<Pid> orphans = live.stream().map(pid -> Processes.info(vertx, pid)).flatMap(java.util.Optional::stream)
        .filter(info -> info.parent() != null && !Processes.isAlive(vertx, info.parent())).map(ProcessInfo::pid).toList();
      done.fail(new AssertionError("the tree did not settle after " + round + " rounds of calls; registered: "
        + Registry.registered(vertx) + ", live processes: " + live.size()
        + ", live processes whose parent is gone: " + orphans));
      return;
    }
    Supervisor.whichChildren(vertx, root).compose(rootChildren -> {
      List<Pid> middlePids = new ArrayList<>();
      for (Supervisor.ChildInfo child : rootChildren) {
        if (child.type() == ChildType.SUPERVISOR && child.pid() != null) {
          middlePids.add(child.pid());
        }
      }
      List<Future<List<Supervisor.ChildInfo>>> asks = middlePids.stream().map(p -> Supervisor.whichChildren(vertx, p)).toList();
      return Future.join(asks).transform(ar -> {
        Map<Pid, List<Supervisor.ChildInfo>> middle = new LinkedHashMap<>();
        for (int i = 0; i < asks.size(); i++) {
          if (asks.get(i).succeeded()) {
            middle.put(middlePids.get(i), asks.get(i).result());
          }
        }
        return Future.succeededFuture(new Snapshot(rootChildren, middle));
      });
    }).onComplete(ar -> {
      if (ar.failed()) {
        done.fail(ar.cause());
      } else if (settled(vertx, ar.result())) {
        done.complete(ar.result());
      } else {
        nextRound(vertx, root, round + 1, done);
      }
    });
  }

  private static boolean settled(Vertx vertx, Snapshot snapshot) {
    if (snapshot.middle().size() != MIDDLE.size()) {
      return false;
    }
    List<Supervisor.ChildInfo> all = new ArrayList<>(snapshot.root());
    snapshot.middle().values().forEach(all::addAll);
    if (all.stream().anyMatch(c -> c.pid() == null || !Processes.isAlive(vertx, c.pid()))) {
      return false;
    }
    // Killed workers of a killed supervisor may still be on their way out.
    return Processes.list(vertx).size() == EXPECTED_PROCESSES;
  }

  private void assertTree(Vertx vertx, Pid root, Snapshot snapshot) {
    Map<String, Pid> registered = Registry.registered(vertx);

    // The root and each middle supervisor: running once, under its name.
    assertThat(Processes.isAlive(vertx, root)).isTrue();
    assertThat(registered.get(ROOT)).isEqualTo(root);
    assertThat(snapshot.root()).extracting(Supervisor.ChildInfo::id)
      .containsExactlyInAnyOrderElementsOf(concat(MIDDLE.keySet(), ROOT_WORKERS));
    for (Supervisor.ChildInfo child : snapshot.root()) {
      assertThat(child.status()).as(child.id()).isEqualTo("running");
      assertThat(Processes.isAlive(vertx, child.pid())).as(child.id()).isTrue();
      String name = child.type() == ChildType.SUPERVISOR ? child.id() : "worker." + child.id();
      assertThat(registered.get(name)).as(name).isEqualTo(child.pid());
    }

    // Each leaf: running once, the pid its supervisor reports is the pid its name points to.
    for (Map.Entry<Pid, List<Supervisor.ChildInfo>> middle : snapshot.middle().entrySet()) {
      String supName = snapshot.root().stream().filter(c -> middle.getKey().equals(c.pid())).findFirst().orElseThrow().id();
      assertThat(middle.getValue()).as(supName).extracting(Supervisor.ChildInfo::id)
        .containsExactlyInAnyOrderElementsOf(MIDDLE.get(supName));
      for (Supervisor.ChildInfo leaf : middle.getValue()) {
        assertThat(leaf.status()).as(leaf.id()).isEqualTo("running");
        assertThat(Processes.isAlive(vertx, leaf.pid())).as(leaf.id()).isTrue();
        assertThat(registered.get("worker." + leaf.id())).as(leaf.id()).isEqualTo(leaf.pid());
      }
    }

    // Exactly the expected processes live, every name is held by a live pid, no pid twice.
    assertThat(registered).hasSize(EXPECTED_PROCESSES);
    assertThat(registered.values()).doesNotHaveDuplicates()
      .allSatisfy(pid -> assertThat(Processes.isAlive(vertx, pid)).as(pid.toString()).isTrue());
    List<Pid> live = Processes.list(vertx);
    assertThat(live).hasSize(EXPECTED_PROCESSES).allSatisfy(pid -> assertThat(Processes.isAlive(vertx, pid)).isTrue());
    assertThat(live).containsExactlyInAnyOrderElementsOf(registered.values());

    // Every start of a leaf was journaled: at least as many as there were kills of workers.
    assertThat(journal.entries().stream().filter(e -> e.startsWith("start:")).count()).isGreaterThan(KILLS / 2);
  }

  private static List<String> concat(Iterable<String> first, List<String> second) {
    List<String> all = new ArrayList<>();
    first.forEach(all::add);
    all.addAll(second);
    return all;
  }
}
