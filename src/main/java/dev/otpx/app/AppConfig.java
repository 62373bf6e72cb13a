package dev.otpx.app;

import dev.otpx.channels.BridgeLimits;
import dev.otpx.process.Application;
import dev.otpx.process.ApplicationType;
import dev.otpx.process.JsonOptions;
import dev.otpx.process.SupervisorSpec;
import dev.otpx.store.StoreOptions;
import dev.otpx.web.HttpOptions;
import io.vertx.config.ConfigRetriever;
import io.vertx.config.ConfigRetrieverOptions;
import io.vertx.config.ConfigStoreOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service's typed configuration, read once at start-up from three layers, each overriding the
 * one before: the defaults {@code conf/config.json} embedded in the jar (the same file as
 * {@code conf/config.json} at the repository root), then the file selected with
 * {@code -conf <file>}, {@code --config <file>} or the {@code OTPX_CONFIG} environment variable (a
 * partial file is fine), then the environment variables listed in {@link Key}.
 *
 * <p>Every key is required after merging; a missing key, a value of the wrong type or out of range
 * fails the load with an {@link IllegalArgumentException} whose message names the key.
 *
 * @param http the HTTP server
 * @param process the process runtime
 * @param counter the GenServer counter
 * @param rawCounter the hand-rolled raw counter
 * @param channels the browsers' sessions and the event-bus bridge's limits
 * @param store where users, videos and annotations are kept
 * @param applications the applications, name → {@code {"type", ...tree}} in start order (see
 *     {@link #applicationList()})
 */
public record AppConfig(HttpConfig http, ProcessConfig process, CounterConfig counter, RawCounterConfig rawCounter,
                        ChannelsConfig channels, StoreConfig store, JsonObject applications) {

  /** The classpath resource holding the defaults. */
  public static final String DEFAULTS_RESOURCE = "conf/config.json";

  /** The environment variable that selects a config file when no argument does. */
  public static final String CONFIG_ENV = "OTPX_CONFIG";

  /** The key of the applications. */
  public static final String APPLICATIONS = "applications";

  /**
   * The key of the single tree that configs had before applications; such a tree runs as the
   * permanent application {@value #LEGACY_APPLICATION}, in place of {@link #APPLICATIONS}.
   */
  public static final String LEGACY_SUPERVISION = "supervision";

  /** The name of the application a {@value #LEGACY_SUPERVISION} tree runs as. */
  public static final String LEGACY_APPLICATION = "main";

  private static final Logger log = LoggerFactory.getLogger(AppConfig.class);

  private static final String USAGE = "usage: java -jar otpx.jar [--cluster] [-conf <file> | --config <file>]";

  /**
   * Every config key, with the environment variable that overrides it and the kind of value it
   * takes. This table is the single source of the env mapping documented in the README.
   */
  public enum Key {
    /** {@code http.host}: the interface to bind. */
    HTTP_HOST("http.host", "HTTP_HOST", Kind.TEXT),
    /** {@code http.port}: the port to listen on, 0 for any free port. */
    HTTP_PORT("http.port", "HTTP_PORT", Kind.INTEGER),
    /** {@code process.call_timeout_ms}: how long a call to a counter waits for its reply. */
    CALL_TIMEOUT_MS("process.call_timeout_ms", "CALL_TIMEOUT_MS", Kind.INTEGER),
    /** {@code counter.name}: the registered name of the GenServer counter that the HTTP API and the page (over the bridge) front. */
    COUNTER_NAME("counter.name", "COUNTER_NAME", Kind.TEXT),
    /** {@code raw_counter.name}: the raw counter's event-bus address. */
    RAW_COUNTER_NAME("raw_counter.name", "RAW_COUNTER_NAME", Kind.TEXT),
    /** {@code raw_counter.initial}: the raw counter's start value. */
    RAW_COUNTER_INITIAL("raw_counter.initial", "RAW_COUNTER_INITIAL", Kind.INTEGER),
    /** {@code channels.token_max_age_s}: how long a session token is valid. */
    TOKEN_MAX_AGE_S("channels.token_max_age_s", "CHANNELS_TOKEN_MAX_AGE_S", Kind.INTEGER),
    /** {@code channels.posts_per_second}: posts a browser socket may make per second. */
    POSTS_PER_SECOND("channels.posts_per_second", "CHANNELS_POSTS_PER_SECOND", Kind.INTEGER),
    /** {@code channels.max_frame_bytes}: the largest frame a browser may send. */
    MAX_FRAME_BYTES("channels.max_frame_bytes", "CHANNELS_MAX_FRAME_BYTES", Kind.INTEGER),
    /** {@code channels.max_handlers_per_socket}: registrations and pending requests of one browser socket. */
    MAX_HANDLERS_PER_SOCKET("channels.max_handlers_per_socket", "CHANNELS_MAX_HANDLERS_PER_SOCKET", Kind.INTEGER),
    /** {@code channels.messages_per_second}: a browser socket's budget of messages, all addresses together. */
    MESSAGES_PER_SECOND("channels.messages_per_second", "CHANNELS_MESSAGES_PER_SECOND", Kind.INTEGER),
    /** {@code channels.max_topics_per_socket}: topics one browser socket may have joined at once. */
    MAX_TOPICS_PER_SOCKET("channels.max_topics_per_socket", "CHANNELS_MAX_TOPICS_PER_SOCKET", Kind.INTEGER),
    /** {@code store.data_dir}: the embedded database's directory. */
    DATA_DIR("store.data_dir", "OTPX_DATA_DIR", Kind.TEXT),
    /** {@code store.pool_size}: the most database connections. */
    STORE_POOL_SIZE("store.pool_size", "STORE_POOL_SIZE", Kind.INTEGER),
    /** {@code store.timeout_ms}: the bound on every database wait. */
    STORE_TIMEOUT_MS("store.timeout_ms", "STORE_TIMEOUT_MS", Kind.INTEGER);

    private final String path;
    private final String env;
    private final Kind kind;

    Key(String path, String env, Kind kind) {
      this.path = path;
      this.env = env;
      this.kind = kind;
    }

    /** @return the dotted key, e.g. {@code http.port} */
    public String path() {
      return path;
    }

    /** @return the environment variable that overrides it, e.g. {@code HTTP_PORT} */
    public String env() {
      return env;
    }
  }

  private enum Kind { TEXT, INTEGER }

  /**
   * The HTTP server's settings.
   *
   * @param host the interface to bind
   * @param port the port, 0 for any free port
   */
  public record HttpConfig(String host, int port) {
    /** Checks every field; the error names the key at fault. */
    public HttpConfig {
      requireText(host, Key.HTTP_HOST);
      if (port < 0 || port > 65535) {
        throw invalid(Key.HTTP_PORT, "must be between 0 and 65535, got " + port);
      }
    }
  }

  /**
   * The process runtime's settings.
   *
   * @param callTimeout how long a call waits for its reply; positive
   */
  public record ProcessConfig(Duration callTimeout) {
    /** Checks every field; the error names the key at fault. */
    public ProcessConfig {
      Objects.requireNonNull(callTimeout, Key.CALL_TIMEOUT_MS.path);
      if (callTimeout.isNegative() || callTimeout.isZero()) {
        throw invalid(Key.CALL_TIMEOUT_MS, "must be positive, got " + callTimeout.toMillis());
      }
    }
  }

  /**
   * Which GenServer counter the HTTP API fronts; the counter itself is a child in the supervision
   * tree, whose config holds its initial value and tick.
   *
   * @param name its registered name
   */
  public record CounterConfig(String name) {
    /** Checks every field; the error names the key at fault. */
    public CounterConfig {
      requireText(name, Key.COUNTER_NAME);
    }
  }

  /**
   * The raw counter's settings.
   *
   * @param name its event-bus address
   * @param initial its start value
   */
  public record RawCounterConfig(String name, int initial) {
    /** Checks every field; the error names the key at fault. */
    public RawCounterConfig {
      requireText(name, Key.RAW_COUNTER_NAME);
    }
  }

  /**
   * The browsers' sessions and the bridge's per-socket limits.
   *
   * @param tokenMaxAge how long a session token is valid
   * @param postsPerSecond posts per socket per second
   * @param maxFrameBytes the largest frame
   * @param maxHandlersPerSocket registrations and pending requests per socket
   * @param messagesPerSecond messages per socket per second, all addresses together
   * @param maxTopicsPerSocket topics one socket may have joined at once
   */
  public record ChannelsConfig(Duration tokenMaxAge, int postsPerSecond, int maxFrameBytes, int maxHandlersPerSocket,
                               int messagesPerSecond, int maxTopicsPerSocket) {
    /** Checks every field; the error names the key at fault. */
    public ChannelsConfig {
      if (tokenMaxAge.isNegative() || tokenMaxAge.isZero()) {
        throw invalid(Key.TOKEN_MAX_AGE_S, "must be positive, got " + tokenMaxAge.toSeconds());
      }
      if (postsPerSecond < 1) {
        throw invalid(Key.POSTS_PER_SECOND, "must be at least 1, got " + postsPerSecond);
      }
      if (maxFrameBytes < 256) {
        throw invalid(Key.MAX_FRAME_BYTES, "must be at least 256, got " + maxFrameBytes);
      }
      if (maxHandlersPerSocket < 1) {
        throw invalid(Key.MAX_HANDLERS_PER_SOCKET, "must be at least 1, got " + maxHandlersPerSocket);
      }
      if (messagesPerSecond < 1) {
        throw invalid(Key.MESSAGES_PER_SECOND, "must be at least 1, got " + messagesPerSecond);
      }
      if (maxTopicsPerSocket < 1) {
        throw invalid(Key.MAX_TOPICS_PER_SOCKET, "must be at least 1, got " + maxTopicsPerSocket);
      }
    }

    /** @return the bridge's limits */
    public BridgeLimits bridgeLimits() {
      return new BridgeLimits(postsPerSecond, maxFrameBytes, maxHandlersPerSocket, messagesPerSecond, maxTopicsPerSocket);
    }
  }

  /**
   * Where the data is kept. PostgreSQL's URL is not here: it may hold a password, so it comes only
   * from the environment ({@value StoreOptions#DATABASE_URL_ENV}), as the token secret does.
   *
   * @param dataDir the embedded database's directory (used when no PostgreSQL is named)
   * @param poolSize the most database connections
   * @param timeout the bound on every database wait
   */
  public record StoreConfig(String dataDir, int poolSize, Duration timeout) {
    /** Checks every field; the error names the key at fault. */
    public StoreConfig {
      requireText(dataDir, Key.DATA_DIR);
      if (poolSize < 1 || poolSize > StoreOptions.MAX_POOL_SIZE) {
        throw invalid(Key.STORE_POOL_SIZE, "must be between 1 and " + StoreOptions.MAX_POOL_SIZE + ", got " + poolSize);
      }
      if (timeout.toMillis() < 1) {
        throw invalid(Key.STORE_TIMEOUT_MS, "must be positive, got " + timeout.toMillis());
      }
    }

    /**
     * The store's options: PostgreSQL when {@value StoreOptions#DATABASE_URL_ENV} is set, else the
     * embedded database in {@link #dataDir}.
     *
     * @param env the environment, usually {@code System.getenv()}
     * @return the options
     * @throws IllegalArgumentException naming {@value StoreOptions#DATABASE_URL_ENV} when it is not a
     *     PostgreSQL URL (without repeating it)
     */
    public StoreOptions options(Map<String, String> env) {
      return StoreOptions.fromEnvironment(env, Path.of(dataDir)).withPoolSize(poolSize).withTimeout(timeout);
    }
  }

  /** Checks every section; the error names the key at fault. */
  public AppConfig {
    Objects.requireNonNull(http, "http");
    Objects.requireNonNull(process, "process");
    Objects.requireNonNull(counter, "counter");
    Objects.requireNonNull(rawCounter, "raw_counter");
    Objects.requireNonNull(channels, "channels");
    Objects.requireNonNull(store, "store");
    Objects.requireNonNull(applications, APPLICATIONS);
    applications = applications.copy();
    // Checked now, so a bad tree fails start-up with the path of the field at fault.
    readApplications(applications, "invalid config: key " + APPLICATIONS);
    // Both names are event-bus addresses: sharing one would mix the two protocols on one address.
    if (counter.name().equals(rawCounter.name())) {
      throw invalid(Key.RAW_COUNTER_NAME, "must differ from counter.name, both are '" + counter.name() + "'");
    }
  }

  /**
   * Loads the configuration: embedded defaults, then the selected file if any, then the
   * environment. Logs one line saying where it came from.
   *
   * @param vertx the Vert.x instance
   * @param file the config file chosen by {@link #configFile}, if any
   * @param env the environment (pass {@code System.getenv()}; tests pass a fake)
   * @return the config; fails with an {@link IllegalArgumentException} naming the key, the
   *     environment variable or the file at fault
   */
  public static Future<AppConfig> load(Vertx vertx, Optional<String> file, Map<String, String> env) {
    JsonObject overrides;
    try {
      overrides = envOverrides(env);
    } catch (IllegalArgumentException bad) {
      return Future.failedFuture(bad);
    }
    Optional<Path> path = file.map(f -> Path.of(f).toAbsolutePath().normalize());
    return vertx.executeBlocking(AppConfig::readDefaults)
      .compose(defaults -> merge(vertx, defaults, path, overrides))
      .map(AppConfig::fromJson)
      .onSuccess(config -> log.info("config loaded from {}", describe(path, overrides)));
  }

  /**
   * Picks the config file: {@code -conf <file>}, {@code --config <file>} or
   * {@code --config=<file>} on the command line, else the {@code OTPX_CONFIG} environment
   * variable, else none (the embedded defaults alone).
   *
   * @param args the command-line arguments
   * @param env the environment
   * @return the file, if one was selected
   * @throws IllegalArgumentException on an unknown argument or an option without its file
   */
  public static Optional<String> configFile(List<String> args, Map<String, String> env) {
    String chosen = null;
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      if (arg.equals("-conf") || arg.equals("--config")) {
        if (i + 1 >= args.size() || args.get(i + 1).isBlank()) {
          throw new IllegalArgumentException("option " + arg + " needs a file path; " + USAGE);
        }
        chosen = args.get(++i);
      } else if (arg.startsWith("--config=") && arg.length() > "--config=".length()) {
        chosen = arg.substring("--config=".length());
      } else {
        throw new IllegalArgumentException("unknown argument '" + arg + "'; " + USAGE);
      }
    }
    if (chosen == null) {
      String fromEnv = env.get(CONFIG_ENV);
      chosen = fromEnv == null || fromEnv.isBlank() ? null : fromEnv;
    }
    return Optional.ofNullable(chosen);
  }

  /**
   * Reads a merged config document into the typed form.
   *
   * @param json the document, shaped like {@code conf/config.json}
   * @return the config
   * @throws IllegalArgumentException naming the first key that is missing or invalid
   */
  public static AppConfig fromJson(JsonObject json) {
    Objects.requireNonNull(json, "json");
    return new AppConfig(
      new HttpConfig(text(json, Key.HTTP_HOST), integer(json, Key.HTTP_PORT)),
      new ProcessConfig(Duration.ofMillis(integer(json, Key.CALL_TIMEOUT_MS))),
      new CounterConfig(text(json, Key.COUNTER_NAME)),
      new RawCounterConfig(text(json, Key.RAW_COUNTER_NAME), integer(json, Key.RAW_COUNTER_INITIAL)),
      new ChannelsConfig(Duration.ofSeconds(integer(json, Key.TOKEN_MAX_AGE_S)), integer(json, Key.POSTS_PER_SECOND),
        integer(json, Key.MAX_FRAME_BYTES), integer(json, Key.MAX_HANDLERS_PER_SOCKET), integer(json, Key.MESSAGES_PER_SECOND),
        integer(json, Key.MAX_TOPICS_PER_SOCKET)),
      new StoreConfig(text(json, Key.DATA_DIR), integer(json, Key.STORE_POOL_SIZE),
        Duration.ofMillis(integer(json, Key.STORE_TIMEOUT_MS))),
      applicationsOf(json));
  }

  /**
   * The config as a document shaped like {@code conf/config.json}; {@link #fromJson} reads it back.
   *
   * @return the document
   */
  public JsonObject toJson() {
    return new JsonObject()
      .put("http", new JsonObject().put("host", http.host()).put("port", http.port()))
      .put("process", new JsonObject().put("call_timeout_ms", process.callTimeout().toMillis()))
      .put("counter", new JsonObject().put("name", counter.name()))
      .put("raw_counter", new JsonObject().put("name", rawCounter.name()).put("initial", rawCounter.initial()))
      .put("channels", new JsonObject().put("token_max_age_s", channels.tokenMaxAge().toSeconds())
        .put("posts_per_second", channels.postsPerSecond()).put("max_frame_bytes", channels.maxFrameBytes())
        .put("max_handlers_per_socket", channels.maxHandlersPerSocket()).put("messages_per_second", channels.messagesPerSecond())
        .put("max_topics_per_socket", channels.maxTopicsPerSocket()))
      .put("store", new JsonObject().put("data_dir", store.dataDir()).put("pool_size", store.poolSize())
        .put("timeout_ms", store.timeout().toMillis()))
      .put(APPLICATIONS, applications.copy());
  }

  /**
   * The applications, in start order.
   *
   * @return the applications read from {@link #applications()}
   */
  public List<Application> applicationList() {
    return readApplications(applications, APPLICATIONS);
  }

  /**
   * The HTTP verticle's options drawn from this config.
   *
   * @return the options
   */
  public HttpOptions httpOptions() {
    return new HttpOptions(http.host(), http.port(), counter.name(), rawCounter.name(), process.callTimeout());
  }

  /**
   * Turns the environment variables of {@link Key} into a config document; other variables are
   * ignored. Integer values are parsed here so that a bad one names its variable.
   *
   * @param env the environment
   * @return the overrides, shaped like {@code conf/config.json}
   * @throws IllegalArgumentException naming the variable and key when a value is not an integer
   */
  static JsonObject envOverrides(Map<String, String> env) {
    JsonObject overrides = new JsonObject();
    for (Key key : Key.values()) {
      String raw = env.get(key.env);
      if (raw == null) {
        continue;
      }
      Object value = raw;
      if (key.kind == Kind.INTEGER) {
        try {
          value = Integer.parseInt(raw.trim());
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("invalid config: env " + key.env + " (key " + key.path
            + ") must be an integer, got '" + raw + "'");
        }
      }
      String[] parts = key.path.split("\\.");
      JsonObject section = overrides.getJsonObject(parts[0]);
      if (section == null) {
        section = new JsonObject();
        overrides.put(parts[0], section);
      }
      section.put(parts[1], value);
    }
    return overrides;
  }

  private static JsonObject readDefaults() throws IOException {
    try (InputStream in = AppConfig.class.getClassLoader().getResourceAsStream(DEFAULTS_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("the defaults " + DEFAULTS_RESOURCE + " are not on the classpath");
      }
      return new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
  }

  private static Future<JsonObject> merge(Vertx vertx, JsonObject defaults, Optional<Path> file, JsonObject overrides) {
    // Scan period 0: read once, no periodic rescan timer left running.
    ConfigRetrieverOptions options = new ConfigRetrieverOptions().setScanPeriod(0)
      .addStore(new ConfigStoreOptions().setType("json").setConfig(defaults));
    file.ifPresent(path -> options.addStore(new ConfigStoreOptions().setType("file").setFormat("json")
      .setConfig(new JsonObject().put("path", path.toString()))));
    options.addStore(new ConfigStoreOptions().setType("json").setConfig(overrides));
    ConfigRetriever retriever = ConfigRetriever.create(vertx, options);
    return retriever.getConfig()
      .eventually(retriever::close)
      .recover(err -> Future.failedFuture(new IllegalArgumentException(
        "invalid config: cannot read config file " + file.map(Path::toString).orElse("(none)") + ": " + reason(err), err)));
  }

  private static String reason(Throwable err) {
    Throwable cause = err;
    while (cause.getCause() != null && !(cause instanceof DecodeException)) {
      cause = cause.getCause();
    }
    if (cause instanceof NoSuchFileException) {
      return "no such file";
    }
    return cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
  }

  private static String describe(Optional<Path> file, JsonObject overrides) {
    List<String> sources = new ArrayList<>();
    sources.add("classpath:" + DEFAULTS_RESOURCE);
    file.ifPresent(path -> sources.add("file " + path));
    List<String> vars = new ArrayList<>();
    for (Key key : Key.values()) {
      String[] parts = key.path.split("\\.");
      JsonObject section = overrides.getJsonObject(parts[0]);
      if (section != null && section.containsKey(parts[1])) {
        vars.add(key.env);
      }
    }
    if (!vars.isEmpty()) {
      sources.add("env " + vars);
    }
    return String.join(" + ", sources);
  }

  private static Object value(JsonObject json, Key key) {
    String[] parts = key.path.split("\\.");
    Object section = json.getValue(parts[0]);
    if (section == null) {
      throw invalid(key, "is missing");
    }
    if (!(section instanceof JsonObject object)) {
      throw new IllegalArgumentException("invalid config: key " + parts[0] + " must be an object, got " + section);
    }
    Object value = object.getValue(parts[1]);
    if (value == null) {
      throw invalid(key, "is missing");
    }
    return value;
  }

  /**
   * The applications of a merged document: {@code applications}, or a {@code supervision} tree
   * (the format before applications) as the one permanent application {@code main}.
   */
  private static JsonObject applicationsOf(JsonObject json) {
    Object legacy = json.getValue(LEGACY_SUPERVISION);
    if (legacy != null) {
      if (!(legacy instanceof JsonObject tree)) {
        throw new IllegalArgumentException("invalid config: key " + LEGACY_SUPERVISION + " must be an object, got " + legacy);
      }
      log.warn("config key {} is the format before applications: its tree runs as the permanent application '{}'"
        + " in place of the key {}", LEGACY_SUPERVISION, LEGACY_APPLICATION, APPLICATIONS);
      return new JsonObject().put(LEGACY_APPLICATION, tree.copy().put("type", ApplicationType.PERMANENT.wireName()));
    }
    Object applications = json.getValue(APPLICATIONS);
    if (applications == null) {
      throw new IllegalArgumentException("invalid config: key " + APPLICATIONS + " is missing");
    }
    if (!(applications instanceof JsonObject object)) {
      throw new IllegalArgumentException("invalid config: key " + APPLICATIONS + " must be an object, got " + applications);
    }
    return object;
  }

  /**
   * Reads {@code {"<name>": {"type": "permanent", "strategy": ..., "children": [...]}, ...}}: each
   * application's top supervisor in the tree format of {@link SupervisorSpec#fromJson}, plus its
   * {@code type} (default temporary, as OTP's). Key order is start order.
   */
  private static List<Application> readApplications(JsonObject applications, String path) {
    List<Application> list = new ArrayList<>();
    for (Map.Entry<String, Object> entry : applications) {
      String at = path + "." + entry.getKey();
      if (!(entry.getValue() instanceof JsonObject tree)) {
        throw new IllegalArgumentException(at + ": expected an object (a supervisor tree with a type), got " + entry.getValue());
      }
      ApplicationType type = JsonOptions.of(tree, at).wireName("type", ApplicationType.values(), ApplicationType.TEMPORARY);
      SupervisorSpec supervisor = SupervisorSpec.fromJson(tree, at);
      try {
        list.add(new Application(entry.getKey(), type, supervisor));
      } catch (IllegalArgumentException bad) {
        throw new IllegalArgumentException(at + ": " + bad.getMessage(), bad);
      }
    }
    return list;
  }

  private static String text(JsonObject json, Key key) {
    Object value = value(json, key);
    if (!(value instanceof String text)) {
      throw invalid(key, "must be a string, got " + value);
    }
    return text;
  }

  private static int integer(JsonObject json, Key key) {
    value(json, key); // present, in a section that is an object
    String[] parts = key.path.split("\\.");
    // The one rule for a whole number in JSON options, naming the key (JsonOptions).
    return JsonOptions.of(json.getJsonObject(parts[0]), "invalid config: key " + parts[0])
      .intValue(parts[1], 0, Integer.MIN_VALUE, Integer.MAX_VALUE);
  }

  private static void requireText(String value, Key key) {
    if (value == null || value.isBlank()) {
      throw invalid(key, "must be a non-blank string");
    }
  }

  private static IllegalArgumentException invalid(Key key, String problem) {
    return new IllegalArgumentException("invalid config: key " + key.path + " " + problem);
  }
}
