package dev.otpx.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.otpx.process.Application;
import dev.otpx.process.ApplicationType;
import dev.otpx.process.ChildSpec;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

@ExtendWith(VertxExtension.class)
class AppConfigTest {

  private static final Map<String, String> NO_ENV = Map.of();

  @TempDir
  Path dir;

  private Path write(String name, String content) throws IOException {
    return Files.writeString(dir.resolve(name), content, StandardCharsets.UTF_8);
  }

  private static void assertFailsNaming(Future<AppConfig> loaded, VertxTestContext ctx, String... fragments) {
    loaded.onComplete(ctx.failing(err -> ctx.verify(() -> {
      assertInstanceOf(IllegalArgumentException.class, err);
      for (String fragment : fragments) {
        assertTrue(err.getMessage().contains(fragment), () -> "'" + err.getMessage() + "' should name " + fragment);
      }
      ctx.completeNow();
    })));
  }

  @Nested
  class Defaults {

    @Test
    void embeddedConfigJsonGivesEveryDefault(Vertx vertx, VertxTestContext ctx) {
      AppConfig.load(vertx, Optional.empty(), NO_ENV).onComplete(ctx.succeeding(config -> ctx.verify(() -> {
        assertEquals(new AppConfig.HttpConfig("0.0.0.0", 8080), config.http());
        assertEquals(Duration.ofMillis(5000), config.process().callTimeout());
        assertEquals(new AppConfig.CounterConfig("counter"), config.counter());
        assertEquals(new AppConfig.RawCounterConfig("counter.raw", 0), config.rawCounter());
        List<Application> applications = config.applicationList();
        assertEquals(List.of("counters", "infosys", "channels"), applications.stream().map(Application::name).toList());
        // The book's crash demo may die without taking the services beside it down.
        assertEquals(List.of(ApplicationType.TEMPORARY, ApplicationType.PERMANENT, ApplicationType.PERMANENT),
          applications.stream().map(Application::type).toList());
        assertEquals(List.of("counter", "countdowns"),
          applications.get(0).supervisor().children().stream().map(ChildSpec::id).toList());
        assertEquals(List.of("cache", "backends", "server"),
          applications.get(1).supervisor().children().stream().map(ChildSpec::id).toList());
        assertEquals(List.of("router", "topics"),
          applications.get(2).supervisor().children().stream().map(ChildSpec::id).toList());
        ctx.completeNow();
      })));
    }

    @Test
    void embeddedDefaultsAreTheRepositorysConfFile(Vertx vertx, VertxTestContext ctx) throws IOException {
      JsonObject repoFile = new JsonObject(Files.readString(Path.of("conf/config.json")));
      AppConfig.load(vertx, Optional.empty(), NO_ENV).onComplete(ctx.succeeding(config -> ctx.verify(() -> {
        assertEquals(repoFile, config.toJson());
        ctx.completeNow();
      })));
    }

    @Test
    void toJsonReadsBackToTheSameConfig(Vertx vertx, VertxTestContext ctx) {
      AppConfig.load(vertx, Optional.empty(), NO_ENV).onComplete(ctx.succeeding(config -> ctx.verify(() -> {
        assertEquals(config, AppConfig.fromJson(config.toJson()));
        ctx.completeNow();
      })));
    }
  }

  @Nested
  class EnvironmentOverrides {

    @Test
    void httpPortOverridesOnlyThePort(Vertx vertx, VertxTestContext ctx) {
      AppConfig.load(vertx, Optional.empty(), Map.of("HTTP_PORT", "9090")).onComplete(ctx.succeeding(config -> ctx.verify(() -> {
        assertEquals(new AppConfig.HttpConfig("0.0.0.0", 9090), config.http());
        assertEquals("counter", config.counter().name());
        ctx.completeNow();
      })));
    }

    @Test
    void everyDocumentedVariableSetsItsKey(Vertx vertx, VertxTestContext ctx) {
      Map<String, String> env = Map.ofEntries(
        Map.entry("HTTP_HOST", "127.0.0.1"), Map.entry("HTTP_PORT", "0"), Map.entry("CALL_TIMEOUT_MS", "250"),
        Map.entry("COUNTER_NAME", "c"), Map.entry("CHANNELS_TOKEN_MAX_AGE_S", "60"), Map.entry("CHANNELS_POSTS_PER_SECOND", "2"),
        Map.entry("CHANNELS_MAX_FRAME_BYTES", "1024"), Map.entry("CHANNELS_MAX_HANDLERS_PER_SOCKET", "3"),
        Map.entry("CHANNELS_MESSAGES_PER_SECOND", "9"), Map.entry("CHANNELS_MAX_TOPICS_PER_SOCKET", "4"),
        Map.entry("RAW_COUNTER_NAME", "c.raw"), Map.entry("RAW_COUNTER_INITIAL", "7"), Map.entry("PATH", "/usr/bin"),
        Map.entry("OTPX_DATA_DIR", "/var/lib/otpx"), Map.entry("STORE_POOL_SIZE", "4"), Map.entry("STORE_TIMEOUT_MS", "1500"));
      AppConfig.load(vertx, Optional.empty(), env).onComplete(ctx.succeeding(config -> ctx.verify(() -> {
        assertEquals(new AppConfig(
          new AppConfig.HttpConfig("127.0.0.1", 0),
          new AppConfig.ProcessConfig(Duration.ofMillis(250)),
          new AppConfig.CounterConfig("c"),
          new AppConfig.RawCounterConfig("c.raw", 7),
          new AppConfig.ChannelsConfig(Duration.ofSeconds(60), 2, 1024, 3, 9, 4),
          new AppConfig.StoreConfig("/var/lib/otpx", 4, Duration.ofMillis(1500)),
          config.applications()), config);
        ctx.completeNow();
      })));
    }

    @Test
    void envKeyTableCoversEveryKeyOfTheDefaults() throws IOException {
      JsonObject defaults = new JsonObject(Files.readString(Path.of("conf/config.json")));
      // Every key of the flat sections; the applications are configured in the file only.
      int keys = defaults.stream().filter(section -> !section.getKey().equals(AppConfig.APPLICATIONS))
        .mapToInt(section -> ((JsonObject) section.getValue()).size()).sum();
      assertEquals(keys, AppConfig.Key.values().length);
      for (AppConfig.Key key : AppConfig.Key.values()) {
        String[] parts = key.path().split("\\.");
        assertTrue(defaults.getJsonObject(parts[0]).containsKey(parts[1]), key.path());
      }
    }

    @Test
    void nonIntegerVariableFailsNamingTheVariableAndKey(Vertx vertx, VertxTestContext ctx) {
      assertFailsNaming(AppConfig.load(vertx, Optional.empty(), Map.of("RAW_COUNTER_INITIAL", "soon")), ctx,
        "RAW_COUNTER_INITIAL", "raw_counter.initial", "soon");
    }

    @Test
    void outOfRangePortFailsNamingTheKey(Vertx vertx, VertxTestContext ctx) {
      assertFailsNaming(AppConfig.load(vertx, Optional.empty(), Map.of("HTTP_PORT", "70000")), ctx, "http.port", "70000");
    }

    @Test
    void environmentOverridesTheSelectedFile(Vertx vertx, VertxTestContext ctx) throws IOException {
      Path file = write("port.json", "{\"http\":{\"port\":9999}}");
      AppConfig.load(vertx, Optional.of(file.toString()), Map.of("HTTP_PORT", "7777"))
        .onComplete(ctx.succeeding(config -> ctx.verify(() -> {
          assertEquals(7777, config.http().port());
          ctx.completeNow();
        })));
    }
  }

  @Nested
  class FileSelection {

    @Test
    void noArgumentAndNoVariableMeansTheEmbeddedDefaults() {
      assertEquals(Optional.empty(), AppConfig.configFile(List.of(), NO_ENV));
    }

    @Test
    void confOptionSelectsTheFile() {
      assertEquals(Optional.of("a.json"), AppConfig.configFile(List.of("-conf", "a.json"), NO_ENV));
    }

    @Test
    void longConfigOptionSelectsTheFileInBothForms() {
      assertEquals(Optional.of("a.json"), AppConfig.configFile(List.of("--config", "a.json"), NO_ENV));
      assertEquals(Optional.of("b.json"), AppConfig.configFile(List.of("--config=b.json"), NO_ENV));
    }

    @Test
    void otpxConfigVariableSelectsTheFileWhenNoOptionDoes() {
      assertEquals(Optional.of("env.json"), AppConfig.configFile(List.of(), Map.of("OTPX_CONFIG", "env.json")));
      assertEquals(Optional.of("arg.json"),
        AppConfig.configFile(List.of("-conf", "arg.json"), Map.of("OTPX_CONFIG", "env.json")));
    }

    @Test
    void unknownArgumentIsRefusedWithTheUsage() {
      IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
        () -> AppConfig.configFile(List.of("-cluster"), NO_ENV));
      assertTrue(bad.getMessage().contains("-cluster") && bad.getMessage().contains("usage"), bad.getMessage());
    }

    @Test
    void optionWithoutAPathIsRefused() {
      IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
        () -> AppConfig.configFile(List.of("-conf"), NO_ENV));
      assertTrue(bad.getMessage().contains("-conf"), bad.getMessage());
    }

    @Test
    void selectedFileOverridesTheDefaultsItNames(Vertx vertx, VertxTestContext ctx) throws IOException {
      Path file = write("custom.json", "{\"http\":{\"port\":9999},\"raw_counter\":{\"initial\":42}}");
      AppConfig.load(vertx, Optional.of(file.toString()), NO_ENV).onComplete(ctx.succeeding(config -> ctx.verify(() -> {
        assertEquals(new AppConfig.HttpConfig("0.0.0.0", 9999), config.http());
        assertEquals(new AppConfig.RawCounterConfig("counter.raw", 42), config.rawCounter());
        ctx.completeNow();
      })));
    }

    @Test
    void missingFileFailsNamingThePath(Vertx vertx, VertxTestContext ctx) {
      Path missing = dir.resolve("missing.json");
      assertFailsNaming(AppConfig.load(vertx, Optional.of(missing.toString()), NO_ENV), ctx, missing.toString());
    }

    @Test
    void malformedFileFailsNamingThePath(Vertx vertx, VertxTestContext ctx) throws IOException {
      Path file = write("broken.json", "{\"http\":");
      assertFailsNaming(AppConfig.load(vertx, Optional.of(file.toString()), NO_ENV), ctx, file.toString());
    }
  }

  @Nested
  class Validation {

    @Test
    void nonIntegerPortFailsNamingTheKey(Vertx vertx, VertxTestContext ctx) throws IOException {
      Path file = write("bad.json", "{\"http\":{\"port\":\"eighty\"}}");
      assertFailsNaming(AppConfig.load(vertx, Optional.of(file.toString()), NO_ENV), ctx, "http.port", "eighty");
    }

    @Test
    void nullValueCountsAsMissingAndNamesTheKey(Vertx vertx, VertxTestContext ctx) throws IOException {
      Path file = write("null.json", "{\"process\":{\"call_timeout_ms\":null}}");
      assertFailsNaming(AppConfig.load(vertx, Optional.of(file.toString()), NO_ENV), ctx,
        "process.call_timeout_ms", "missing");
    }

    @Test
    void zeroCallTimeoutFailsNamingTheKey(Vertx vertx, VertxTestContext ctx) {
      assertFailsNaming(AppConfig.load(vertx, Optional.empty(), Map.of("CALL_TIMEOUT_MS", "0")), ctx,
        "process.call_timeout_ms");
    }

    @Test
    void aBadApplicationTreeFailsNamingTheFieldsPath(Vertx vertx, VertxTestContext ctx) throws IOException {
      Path file = write("tree.json", "{\"applications\":{\"mine\":{\"children\":[{\"id\":\"x\",\"class\":\"dev.otpx.Nope\"}]}}}");
      assertFailsNaming(AppConfig.load(vertx, Optional.of(file.toString()), NO_ENV), ctx,
        "applications.mine.children[0]", "class", "dev.otpx.Nope");
    }

    @Test
    void aBadApplicationTypeFailsNamingItsPath(Vertx vertx, VertxTestContext ctx) throws IOException {
      Path file = write("type.json", "{\"applications\":{\"counters\":{\"type\":\"immortal\"}}}");
      assertFailsNaming(AppConfig.load(vertx, Optional.of(file.toString()), NO_ENV), ctx,
        "applications.counters.type", "permanent, transient or temporary", "immortal");
    }

    @Test
    void aBadApplicationNameIsNamed() {
      JsonObject json = AppConfig.fromJson(new JsonObject(defaultsText())).toJson();
      json.getJsonObject(AppConfig.APPLICATIONS).put("Not A Name", new JsonObject());
      IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> AppConfig.fromJson(json));
      assertTrue(bad.getMessage().contains("applications.Not A Name"), bad.getMessage());
    }

    @Test
    void anApplicationWithoutATypeIsTemporaryAsInOtp() {
      JsonObject json = AppConfig.fromJson(new JsonObject(defaultsText())).toJson();
      json.getJsonObject(AppConfig.APPLICATIONS).getJsonObject("counters").remove("type");
      assertEquals(ApplicationType.TEMPORARY, AppConfig.fromJson(json).applicationList().get(0).type());
    }

    @Test
    void aFileMayChangeOneApplicationsTypeAndKeepItsTree(Vertx vertx, VertxTestContext ctx) throws IOException {
      Path file = write("permanent.json", "{\"applications\":{\"counters\":{\"type\":\"permanent\"}}}");
      AppConfig.load(vertx, Optional.of(file.toString()), NO_ENV).onComplete(ctx.succeeding(config -> ctx.verify(() -> {
        Application counters = config.applicationList().get(0);
        assertEquals(ApplicationType.PERMANENT, counters.type());
        assertEquals(2, counters.supervisor().children().size());
        assertEquals(3, config.applicationList().size());
        ctx.completeNow();
      })));
    }

    @Test
    void theOldSupervisionTreeRunsAloneAsOnePermanentApplication(Vertx vertx, VertxTestContext ctx) throws IOException {
      Path file = write("old.json", "{\"supervision\":{\"strategy\":\"one_for_all\",\"children\":[{\"id\":\"counter\","
        + "\"class\":\"dev.otpx.counter.CounterServer\",\"name\":\"counter\"}]}}");
      AppConfig.load(vertx, Optional.of(file.toString()), NO_ENV).onComplete(ctx.succeeding(config -> ctx.verify(() -> {
        List<Application> applications = config.applicationList();
        assertEquals(1, applications.size());
        assertEquals(AppConfig.LEGACY_APPLICATION, applications.get(0).name());
        assertEquals(ApplicationType.PERMANENT, applications.get(0).type());
        assertEquals(List.of("counter"), applications.get(0).supervisor().children().stream().map(ChildSpec::id).toList());
        ctx.completeNow();
      })));
    }

    @Test
    void missingApplicationsAreNamed() {
      JsonObject json = AppConfig.fromJson(new JsonObject(defaultsText())).toJson();
      json.remove(AppConfig.APPLICATIONS);
      IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> AppConfig.fromJson(json));
      assertTrue(bad.getMessage().contains(AppConfig.APPLICATIONS), bad.getMessage());
    }

    @Test
    void blankCounterNameFailsNamingTheKey(Vertx vertx, VertxTestContext ctx) {
      assertFailsNaming(AppConfig.load(vertx, Optional.empty(), Map.of("COUNTER_NAME", " ")), ctx, "counter.name");
    }

    @Test
    void bothCountersOnOneAddressFailNamingTheKey(Vertx vertx, VertxTestContext ctx) {
      assertFailsNaming(AppConfig.load(vertx, Optional.empty(), Map.of("RAW_COUNTER_NAME", "counter")), ctx,
        "raw_counter.name", "counter.name");
    }

    @Test
    void missingSectionFailsNamingTheFirstKey() {
      IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
        () -> AppConfig.fromJson(new JsonObject().put("http", new JsonObject().put("host", "h").put("port", 1))));
      assertTrue(bad.getMessage().contains("process.call_timeout_ms"), bad.getMessage());
    }

    @Test
    void fractionalNumberIsNotAnInteger() {
      JsonObject json = AppConfig.fromJson(new JsonObject(defaultsText())).toJson();
      json.getJsonObject("raw_counter").put("initial", 1.5);
      IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> AppConfig.fromJson(json));
      assertTrue(bad.getMessage().contains("raw_counter.initial"), bad.getMessage());
    }

    private String defaultsText() {
      try {
        return Files.readString(Path.of("conf/config.json"));
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
