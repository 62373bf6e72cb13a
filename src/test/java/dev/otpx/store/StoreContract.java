package dev.otpx.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otpx.store.StoreException.Failure;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What every {@link Store} must do, whatever database is under it. Each subclass runs all of it
 * against one real database: {@link PostgresStoreTest} against the machine's PostgreSQL,
 * {@link EmbeddedStoreTest} against an embedded H2 file. Each test gets a database of its own
 * ({@link TestDatabase}), dropped afterwards.
 */
@ExtendWith(VertxExtension.class)
abstract class StoreContract {

  /** A stand-in for a password hash: the store keeps whatever accounts hands it. */
  static final String SOME_HASH = "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$aGFzaA";

  private final List<Store> opened = new CopyOnWriteArrayList<>();
  TestDatabase database;

  /** @return a new database of this subclass's kind */
  abstract TestDatabase newDatabase();

  @BeforeEach
  void aDatabaseOfItsOwn() {
    database = newDatabase();
  }

  @AfterEach
  void dropTheDatabase(Vertx vertx, VertxTestContext ctx) {
    Future.all(opened.stream().map(Store::close).toList())
      .transform(closed -> vertx.executeBlocking(() -> {
        database.close();
        return null;
      }))
      .onComplete(ctx.succeedingThenComplete());
  }

  /** Opens a store on this test's database; it is closed after the test. */
  Future<Store> open(Vertx vertx) {
    return open(vertx, database.options());
  }

  Future<Store> open(Vertx vertx, StoreOptions options) {
    return Store.open(vertx, options).onSuccess(opened::add);
  }

  /** Opens the store and adds a person and a video, for the tests that need somewhere to post. */
  Future<Fixture> withVideo(Vertx vertx) {
    return open(vertx).compose(store -> store.users().create("alice", SOME_HASH)
      .compose(alice -> store.videos().add("alice", "The making of Rumbl", "https://videos.example/rumbl"))
      .map(video -> new Fixture(store, video)));
  }

  record Fixture(Store store, Video video) { }

  static Future<List<Annotation>> addAll(Store store, long videoId, Object... bodiesAndAts) {
    Future<List<Annotation>> chain = Future.succeededFuture(new ArrayList<>());
    for (int i = 0; i < bodiesAndAts.length; i += 2) {
      String body = (String) bodiesAndAts[i];
      long at = ((Number) bodiesAndAts[i + 1]).longValue();
      chain = chain.compose(list -> store.annotations().add(videoId, "alice", body, at).map(annotation -> {
        list.add(annotation);
        return list;
      }));
    }
    return chain;
  }

  static List<Long> ids(List<Annotation> annotations) {
    return annotations.stream().map(Annotation::id).toList();
  }

  static List<String> bodies(List<Annotation> annotations) {
    return annotations.stream().map(Annotation::body).toList();
  }

  @Nested
  class Migrations {

    @Test
    void anEmptyDatabaseIsMigratedToTheNewestSchemaWithTheBackendUsers(Vertx vertx, VertxTestContext ctx) {
      open(vertx).compose(store -> {
        assertThat(store.schemaVersion()).isEqualTo("1");
        return Future.all(List.of("wolfram", "calculator", "clock").stream()
          .map(name -> store.users().credentials(name)).toList());
      }).onComplete(ctx.succeeding(found -> ctx.verify(() -> {
        for (int i = 0; i < found.size(); i++) {
          Users.Credentials backend = found.<java.util.Optional<Users.Credentials>>resultAt(i).orElseThrow();
          assertThat(backend.user().kind()).isEqualTo(User.Kind.BACKEND);
          // No hash: nothing can ever match it, so nobody signs in as a backend.
          assertThat(backend.passwordHash()).isNull();
        }
        ctx.completeNow();
      })));
    }

    @Test
    void reopeningMigratesNothingAndKeepsTheEpochWhileANewDatabaseHasItsOwn(Vertx vertx, VertxTestContext ctx) {
      TestDatabase other = newDatabase();
      open(vertx).compose(first -> first.close().compose(v -> open(vertx)).map(second -> {
        assertThat(second.epoch()).isEqualTo(first.epoch());
        assertThat(second.schemaVersion()).isEqualTo(first.schemaVersion());
        return first.epoch();
      })).compose(epoch -> open(vertx, other.options()).map(fresh -> {
        assertThat(fresh.epoch()).isNotEqualTo(epoch);
        assertThat(java.util.UUID.fromString(fresh.epoch())).isNotNull();
        return fresh;
      })).compose(fresh -> fresh.close())
        .eventually(() -> vertx.executeBlocking(() -> {
          other.close();
          return null;
        }))
        .onComplete(ctx.succeedingThenComplete());
    }
  }

  @Nested
  class Annotating {

    @Test
    void anAddedAnnotationComesBackWithItsIdUserBodyAndAt(Vertx vertx, VertxTestContext ctx) {
      withVideo(vertx).compose(f -> f.store().annotations().add(f.video().id(), "alice", "nice shot", 1234)
        .map(annotation -> {
          assertThat(annotation.toJson().fieldNames()).containsExactly("id", "user", "body", "at");
          assertThat(annotation.toJson().getJsonObject("user").getString("username")).isEqualTo("alice");
          assertThat(annotation.body()).isEqualTo("nice shot");
          assertThat(annotation.at()).isEqualTo(1234);
          return annotation;
        }).compose(added -> f.store().annotations().after(f.video().id(), 0, 10).map(read -> {
          assertThat(read).containsExactly(added);
          return read;
        }))).onComplete(ctx.succeedingThenComplete());
    }

    @Test
    void idsComeFromTheDatabaseGrowAndNeverRepeatAfterTheStoreIsClosedAndReopened(Vertx vertx, VertxTestContext ctx) {
      withVideo(vertx).compose(f -> addAll(f.store(), f.video().id(), "a", 1, "b", 2, "c", 3)
        .compose(before -> f.store().close().compose(v -> open(vertx))
          .compose(reopened -> addAll(reopened, f.video().id(), "d", 4, "e", 5, "f", 6)
            .compose(after -> reopened.annotations().after(f.video().id(), 0, 100).map(all -> {
              List<Long> ids = new ArrayList<>(ids(before));
              ids.addAll(ids(after));
              assertThat(ids).doesNotHaveDuplicates().isSorted();
              assertThat(ids(all)).containsExactlyElementsOf(ids);
              return all;
            })))))
        .onComplete(ctx.succeedingThenComplete());
    }

    @Test
    void concurrentAddsEachGetTheirOwnId(Vertx vertx, VertxTestContext ctx) {
      withVideo(vertx).compose(f -> Future.all(IntStream.range(0, 40)
          .mapToObj(i -> f.store().annotations().add(f.video().id(), "alice", "post " + i, i)).toList()))
        .onComplete(ctx.succeeding(all -> ctx.verify(() -> {
          Set<Long> ids = new TreeSet<>();
          for (int i = 0; i < all.size(); i++) {
            ids.add(all.<Annotation>resultAt(i).id());
          }
          assertThat(ids).hasSize(40);
          ctx.completeNow();
        })));
    }

    @Test
    void anInfoSysBackendCanAnnotate(Vertx vertx, VertxTestContext ctx) {
      withVideo(vertx).compose(f -> f.store().annotations().add(f.video().id(), "calculator", "4", 10))
        .onComplete(ctx.succeeding(annotation -> ctx.verify(() -> {
          assertThat(annotation.username()).isEqualTo("calculator");
          ctx.completeNow();
        })));
    }

    @Test
    void annotatingAVideoOrAsAUserThatDoesNotExistIsNotFoundAndStoresNothing(Vertx vertx, VertxTestContext ctx) {
      withVideo(vertx).compose(f -> f.store().annotations().add(f.video().id() + 1000, "alice", "lost", 1)
        .transform(missingVideo -> {
          assertThat(missingVideo.cause()).isInstanceOf(StoreException.class);
          assertThat(((StoreException) missingVideo.cause()).failure()).isEqualTo(Failure.NOT_FOUND);
          return f.store().annotations().add(f.video().id(), "mallory", "who?", 1);
        })
        .transform(missingUser -> {
          assertThat(((StoreException) missingUser.cause()).failure()).isEqualTo(Failure.NOT_FOUND);
          return f.store().annotations().after(f.video().id(), 0, 10);
        }))
        .onComplete(ctx.succeeding(all -> ctx.verify(() -> {
          assertThat(all).isEmpty();
          ctx.completeNow();
        })));
    }
  }

  @Nested
  class Rejoining {

    @Test
    void lastSeenIdReturnsOnlyNewerAnnotationsInIdOrder(Vertx vertx, VertxTestContext ctx) {
      withVideo(vertx).compose(f -> addAll(f.store(), f.video().id(), "late", 900, "early", 100, "tie-1", 500, "tie-2", 500)
        .compose(added -> f.store().annotations().after(f.video().id(), 0, 500).map(all -> {
          // The order they were added in, whatever their place in the video: pages follow ids.
          assertThat(bodies(all)).containsExactly("late", "early", "tie-1", "tie-2");
          return added;
        }))
        .compose(added -> f.store().annotations().after(f.video().id(), added.get(1).id(), 500).map(newer -> {
          // Newer by id, whatever their place in the video.
          assertThat(bodies(newer)).containsExactly("tie-1", "tie-2");
          return newer;
        })))
        .onComplete(ctx.succeedingThenComplete());
    }

    @Test
    void theLimitKeepsTheOldestAndTheNextPageStartsAfterTheLargestIdReturned(Vertx vertx, VertxTestContext ctx) {
      withVideo(vertx).compose(f -> addAll(f.store(), f.video().id(), "c", 30, "a", 10, "d", 40, "b", 20)
        .compose(added -> f.store().annotations().after(f.video().id(), 0, 2)
          .compose(first -> f.store().annotations().after(f.video().id(), first.get(1).id(), 2)
            .map(second -> List.of(first, second)))))
        .onComplete(ctx.succeeding(pages -> ctx.verify(() -> {
          assertThat(bodies(pages.get(0))).containsExactly("c", "a");
          assertThat(bodies(pages.get(1))).containsExactly("d", "b");
          ctx.completeNow();
        })));
    }

    @Test
    void pagesSkipNothingWhenIdsHaveGapsAndAddsRaceTheReads(Vertx vertx, VertxTestContext ctx) {
      // Gaps: another video's adds take ids in between. Races: 60 adds in flight at once on the
      // pool's connections while a reader pages through with a page size of 3, always from the
      // largest id it has. When the adds are done, one last pass must bring the reader exactly
      // every acknowledged annotation, each once.
      withVideo(vertx).compose(f -> f.store().videos().add("alice", "Elsewhere", "https://videos.example/2").compose(other -> {
        long video = f.video().id();
        Annotations annotations = f.store().annotations();
        List<Future<Annotation>> adds = new ArrayList<>();
        List<Future<Annotation>> elsewhere = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
          if (i % 3 == 0) {
            elsewhere.add(annotations.add(other.id(), "alice", "elsewhere " + i, i));
          }
          adds.add(annotations.add(video, "alice", "post " + i, i));
        }
        List<Annotation> read = new CopyOnWriteArrayList<>();
        Future<Void> reading = readPages(vertx, annotations, video, read, Future.all(adds));
        return Future.all(adds).compose(all -> Future.all(elsewhere)).compose(all -> reading).map(v -> {
          List<Long> acked = adds.stream().map(Future::result).map(Annotation::id).toList();
          assertThat(acked).hasSize(60);
          assertThat(ids(read)).doesNotHaveDuplicates().isSorted().containsExactlyInAnyOrderElementsOf(acked);
          return v;
        });
      })).onComplete(ctx.succeedingThenComplete());
    }

    /** Pages on until the adds are done and a page after that comes back empty. */
    private Future<Void> readPages(Vertx vertx, Annotations annotations, long video, List<Annotation> read, Future<?> addsDone) {
      boolean finalPass = addsDone.isComplete();
      long after = read.isEmpty() ? 0 : read.get(read.size() - 1).id();
      return annotations.after(video, after, 3).compose(page -> {
        read.addAll(page);
        if (page.isEmpty() && finalPass) {
          return Future.succeededFuture();
        }
        return readPages(vertx, annotations, video, read, addsDone);
      });
    }

    @Test
    void eachVideoHasItsOwnAnnotations(Vertx vertx, VertxTestContext ctx) {
      withVideo(vertx).compose(f -> f.store().videos().add("alice", "Another", "https://videos.example/2")
        .compose(other -> f.store().annotations().add(other.id(), "alice", "elsewhere", 5)
          .compose(a -> addAll(f.store(), f.video().id(), "here", 1))
          .compose(a -> Future.all(f.store().annotations().after(f.video().id(), 0, 10),
            f.store().annotations().after(other.id(), 0, 10)))))
        .onComplete(ctx.succeeding(both -> ctx.verify(() -> {
          assertThat(bodies(both.resultAt(0))).containsExactly("here");
          assertThat(bodies(both.resultAt(1))).containsExactly("elsewhere");
          ctx.completeNow();
        })));
    }

    @Test
    void aLastSeenIdAtTheNewestGivesNothing(Vertx vertx, VertxTestContext ctx) {
      withVideo(vertx).compose(f -> addAll(f.store(), f.video().id(), "a", 1, "b", 2)
        .compose(added -> f.store().annotations().after(f.video().id(), added.get(1).id(), 10)))
        .onComplete(ctx.succeeding(none -> ctx.verify(() -> {
          assertThat(none).isEmpty();
          ctx.completeNow();
        })));
    }
  }

  @Nested
  class Crashing {

    /**
     * Another JVM opens the store, adds annotations, prints each id once its add has succeeded, and
     * halts right after the last one, with no shutdown of any kind: every printed id must be there
     * afterwards, and the next id must be above them all.
     */
    @Test
    void anAcknowledgedAnnotationSurvivesTheProcessDyingRightAfterwards(Vertx vertx, VertxTestContext ctx) {
      withVideo(vertx).compose(f -> f.store().close().map(f.video()))
        .compose(video -> vertx.executeBlocking(() -> runAndHalt(video.id(), 5), false)
          .compose(acked -> open(vertx).compose(reopened -> reopened.annotations().after(video.id(), 0, 100)
            .compose(all -> reopened.annotations().add(video.id(), "alice", "after the crash", 6).map(next -> {
              assertThat(acked).hasSize(5);
              assertThat(ids(all)).containsAll(acked);
              assertThat(next.id()).isGreaterThan(acked.stream().mapToLong(Long::longValue).max().orElseThrow());
              return next;
            })))))
        .onComplete(ctx.succeedingThenComplete());
    }

    private List<Long> runAndHalt(long videoId, int count) throws IOException, InterruptedException {
      StoreOptions options = database.options();
      String java = ProcessHandle.current().info().command().orElse("java");
      List<String> command = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
        AddThenHalt.class.getName(), String.valueOf(videoId), String.valueOf(count),
        options.isPostgres() ? options.databaseUrl() : "embedded",
        options.isPostgres() ? options.schema() : options.dataDir().toString()));
      Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
      List<Long> acked = new ArrayList<>();
      List<String> output = new ArrayList<>();
      try (BufferedReader lines = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
          output.add(line);
          if (line.startsWith(AddThenHalt.ACKED)) {
            acked.add(Long.parseLong(line.substring(AddThenHalt.ACKED.length())));
          }
        }
      }
      if (!child.waitFor(60, TimeUnit.SECONDS)) {
        child.destroyForcibly();
        throw new AssertionError("the child did not halt; output:\n" + String.join("\n", output));
      }
      assertThat(child.exitValue()).withFailMessage("child output:\n%s", String.join("\n", output))
        .isEqualTo(AddThenHalt.HALT_STATUS);
      return acked;
    }
  }

  @Nested
  class People {

    @Test
    void aTakenUsernameIsADuplicate(Vertx vertx, VertxTestContext ctx) {
      open(vertx).compose(store -> store.users().create("alice", SOME_HASH)
        .compose(first -> store.users().create("alice", SOME_HASH)))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertThat(((StoreException) err).failure()).isEqualTo(Failure.DUPLICATE);
          ctx.completeNow();
        })));
    }

    @Test
    void theDatabaseRefusesANameThatIsNotInLowerCaseSoCaseVariantsCannotCoexist(Vertx vertx, VertxTestContext ctx) {
      open(vertx).compose(store -> store.users().create("Alice", SOME_HASH))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertThat(((StoreException) err).failure()).isEqualTo(Failure.INTERNAL);
          ctx.completeNow();
        })));
    }

    @Test
    void aBackendNameIsTaken(Vertx vertx, VertxTestContext ctx) {
      open(vertx).compose(store -> store.users().create("calculator", SOME_HASH))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertThat(((StoreException) err).failure()).isEqualTo(Failure.DUPLICATE);
          ctx.completeNow();
        })));
    }

    @Test
    void aPersonIsFoundWithTheHashItWasGiven(Vertx vertx, VertxTestContext ctx) {
      open(vertx).compose(store -> store.users().create("alice", SOME_HASH)
        .compose(created -> store.users().credentials("alice").map(found -> {
          assertThat(found).isPresent();
          assertThat(found.get().user()).isEqualTo(created);
          assertThat(found.get().user().kind()).isEqualTo(User.Kind.PERSON);
          assertThat(found.get().passwordHash()).isEqualTo(SOME_HASH);
          assertThat(found.get().toString()).doesNotContain(SOME_HASH);
          return found;
        }))
        .compose(found -> store.users().find("bob")))
        .onComplete(ctx.succeeding(bob -> ctx.verify(() -> {
          assertThat(bob).isEmpty();
          ctx.completeNow();
        })));
    }
  }

  @Nested
  class VideoCatalogue {

    @Test
    void aPersonAddsVideosThatEveryoneListsNewestFirstAPageAtATime(Vertx vertx, VertxTestContext ctx) {
      open(vertx).compose(store -> store.users().create("alice", SOME_HASH)
        .compose(alice -> store.videos().add("alice", "  One  ", " https://videos.example/1 "))
        .compose(one -> store.videos().add("alice", "Two", "http://videos.example/2"))
        .compose(two -> store.videos().add("alice", "Three", "https://videos.example/3"))
        .compose(three -> store.videos().list(Long.MAX_VALUE, 2).map(page -> {
          assertThat(page).extracting(Video::title).containsExactly("Three", "Two");
          return page;
        }))
        .compose(page -> store.videos().list(page.get(1).id(), 2)))
        .onComplete(ctx.succeeding(rest -> ctx.verify(() -> {
          assertThat(rest).hasSize(1);
          // Stored as checked: without the surrounding spaces.
          assertThat(rest.get(0)).extracting(Video::title, Video::url, Video::username)
            .containsExactly("One", "https://videos.example/1", "alice");
          ctx.completeNow();
        })));
    }

    @Test
    void aVideoExistsOnceAddedAndIsFoundByItsId(Vertx vertx, VertxTestContext ctx) {
      withVideo(vertx).compose(f -> Future.all(f.store().videos().exists(f.video().id()),
          f.store().videos().exists(f.video().id() + 1), f.store().videos().find(f.video().id()))
        .map(all -> {
          assertThat(all.<Boolean>resultAt(0)).isTrue();
          assertThat(all.<Boolean>resultAt(1)).isFalse();
          assertThat(all.<java.util.Optional<Video>>resultAt(2)).contains(f.video());
          return all;
        }))
        .onComplete(ctx.succeedingThenComplete());
    }

    @Test
    void onlyAPersonWhoExistsCanAddAVideo(Vertx vertx, VertxTestContext ctx) {
      open(vertx).compose(store -> store.videos().add("mallory", "Mine", "https://videos.example/m")
        .transform(unknown -> {
          assertThat(((StoreException) unknown.cause()).failure()).isEqualTo(Failure.NOT_FOUND);
          return store.videos().add("calculator", "Bot", "https://videos.example/b");
        }))
        .onComplete(ctx.failing(backend -> ctx.verify(() -> {
          assertThat(((StoreException) backend).failure()).isEqualTo(Failure.NOT_FOUND);
          ctx.completeNow();
        })));
    }
  }

  @Nested
  class Probing {

    @Test
    void thePingAnswersWhileTheDatabaseDoes(Vertx vertx, VertxTestContext ctx) {
      open(vertx).compose(Store::ping).onComplete(ctx.succeedingThenComplete());
    }

    @Test
    void aClosedStoreFailsItsCallsAsUnavailable(Vertx vertx, VertxTestContext ctx) {
      open(vertx).compose(store -> store.close().compose(v -> store.ping()))
        .onComplete(ctx.failing(err -> ctx.verify(() -> {
          assertThat(((StoreException) err).failure()).isEqualTo(Failure.UNAVAILABLE);
          ctx.completeNow();
        })));
    }
  }

  /** @return the embedded database's directory (only for embedded subclasses) */
  Path dataDir() {
    return ((TestDatabase.Embedded) database).dir();
  }
}
