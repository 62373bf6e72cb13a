package dev.otpx.web;

import dev.otpx.accounts.Accounts;
import dev.otpx.channels.BridgeLimits;
import dev.otpx.channels.ChannelsBridge;
import dev.otpx.channels.OperatorFeed;
import dev.otpx.system.SystemEvents;
import dev.otpx.channels.auth.Tokens;
import dev.otpx.counter.Counter;
import dev.otpx.counter.RawCounter;
import dev.otpx.infosys.InfoSys;
import dev.otpx.infosys.QueryOptions;
import dev.otpx.logging.LogText;
import dev.otpx.process.OtpException;
import dev.otpx.process.Processes;
import dev.otpx.process.Registry;
import dev.otpx.store.Store;
import dev.otpx.system.Health;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;
import io.vertx.ext.web.healthchecks.HealthCheckHandler;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP front: a liveness check and thin JSON endpoints over the two counters' facades. It
 * holds no state of its own. Each endpoint has an owner: anyone, a signed-in user (adding a video;
 * browsers also act as signed-in users over the bridge), or the operator (the routes that change or
 * kill a process, behind {@link OperatorAuth}).
 *
 * <ul>
 *   <li>{@code GET /health/live} and {@code GET /health/ready} (anyone, as probes are):
 *       {@link Health}'s liveness and readiness, 200 {@code {"status":"UP","checks":[...]}} or 503
 *       with each check's outcome; readiness adds {@code http} (listening) and {@code store}
 *       (answers a ping). {@code GET /health} is /health/live under its first name. A crashed
 *       counter (a temporary application) makes neither fail.</li>
 *   <li>{@code GET /api/counter}: {@code {"value": n}} (anyone); {@code POST /api/counter/inc} and
 *       {@code POST /api/counter/dec} (operator) cast the change and then answer the value, which
 *       already reflects it because casts and calls from one sender are handled in order.</li>
 *   <li>{@code POST /api/counter/kill} (operator): kills the GenServer counter (202
 *       {@code {"killed": pid}}), the crash demo for its supervisor; 503 when no counter runs.</li>
 *   <li>The same three value routes under {@code /api/raw-counter} for the raw counter.</li>
 *   <li>{@code GET /api/infosys?q=...&limit=&timeout_ms=&backends=}: InfoSys's answer; 400 naming
 *       the parameter for a missing, empty or oversized {@code q} or a bad number.</li>
 *   <li>{@code POST /api/sessions} (anyone): a signed session token for a correct password
 *       ({@link SessionRoutes}); {@code POST /api/users} (anyone): registration
 *       ({@link AccountRoutes}); {@code /api/videos}: the videos, listed by anyone and added by a
 *       signed-in user ({@link VideoRoutes}).</li>
 *   <li>{@code /api/system/...} (operator): the live process trees, one process's status, exit
 *       signals and tracing ({@link SystemRoutes}).</li>
 *   <li>{@code /eventbus/*}: the SockJS event-bus bridge ({@link ChannelsBridge}).</li>
 *   <li>{@code /}: the browser client, from {@code webroot} in the jar.</li>
 * </ul>
 *
 * <p>Failures are JSON {@code {"error": code, "message": text}}: 503 when the GenServer counter is
 * not running ({@code noproc}) or died while answering ({@code exit}), 504 on {@code timeout}
 * (the only way the raw counter can fail), 502 for another runtime failure, 404 for an unknown
 * route, 405 for a known path with the wrong method, 500 for anything unexpected (logged).
 */
public final class HttpVerticle extends VerticleBase {

  private static final Logger log = LoggerFactory.getLogger(HttpVerticle.class);

  private final HttpOptions options;
  private final Tokens tokens;
  private final BridgeLimits limits;
  private final Store store;
  private final OperatorAuth operator;
  private final Health health;
  private Accounts accounts;
  private HttpServer server;

  /**
   * @param options where to listen and which counters to front
   * @param tokens signs and verifies the browsers' session tokens
   * @param limits the bridge's per-socket limits
   * @param store the accounts and videos behind the account, session and video routes
   * @param operator the operator's credential, in front of the routes that control processes
   */
  public HttpVerticle(HttpOptions options, Tokens tokens, BridgeLimits limits, Store store, OperatorAuth operator) {
    this(options, tokens, limits, store, operator, null);
  }

  /**
   * @param options where to listen and which counters to front
   * @param tokens signs and verifies the browsers' session tokens
   * @param limits the bridge's per-socket limits
   * @param store the accounts and videos behind the account, session and video routes
   * @param operator the operator's credential, in front of the routes that control processes
   * @param health the node's health checks, to which this front adds {@code http} and
   *     {@code store}; null for a health of its own
   */
  public HttpVerticle(HttpOptions options, Tokens tokens, BridgeLimits limits, Store store, OperatorAuth operator, Health health) {
    this.health = health;
    this.options = Objects.requireNonNull(options, "options");
    this.tokens = Objects.requireNonNull(tokens, "tokens");
    this.limits = Objects.requireNonNull(limits, "limits");
    this.store = Objects.requireNonNull(store, "store");
    this.operator = Objects.requireNonNull(operator, "operator");
  }

  @Override
  public Future<?> start() {
    Router router = Router.router(vertx);

    Health checks = health != null ? health : Health.create(vertx);
    checks.addReadiness("http", () -> server != null
      ? Future.succeededFuture(new JsonObject().put("port", server.actualPort()))
      : Future.failedFuture("the HTTP server is not listening yet"));
    checks.addReadiness("store", () -> store.ping().map(v -> new JsonObject()));
    HealthCheckHandler live = HealthCheckHandler.createWithHealthChecks(checks.liveness());
    router.get("/health/live").handler(live);
    router.get("/health/ready").handler(HealthCheckHandler.createWithHealthChecks(checks.readiness()));
    // The first health endpoint, kept for whoever probes it still: the same as /health/live.
    router.get("/health").handler(live);

    counterRoutes(router, "/api/counter",
      () -> Counter.value(vertx, options.counter(), options.callTimeout()),
      () -> Counter.increment(vertx, options.counter()),
      () -> Counter.decrement(vertx, options.counter()));
    // The crash demo: kill the counter and watch its supervisor restart it (or give up).
    router.post("/api/counter/kill").handler(operator).handler(ctx -> Registry.whereis(vertx, options.counter())
      .ifPresentOrElse(pid -> {
        Processes.kill(vertx, pid);
        Replies.send(ctx, 202, new JsonObject().put("killed", pid.toString()));
      }, () -> Replies.send(ctx, 503, Replies.error("noproc", "no process is registered as " + options.counter()))));
    router.get("/api/infosys").handler(this::infosys);
    SystemRoutes.mount(router, vertx, operator);
    accounts = Accounts.create(vertx, store.users(), Accounts.Options.DEFAULTS, Clock.systemUTC());
    SessionRoutes.mount(router, accounts, tokens);
    AccountRoutes.mount(router, accounts, tokens);
    VideoRoutes.mount(router, store.videos(), tokens);
    // system.events reaches operator sessions only, proving the same token as the operator's routes.
    ChannelsBridge.mount(router, vertx, tokens, limits, options.counter(),
      OperatorFeed.of(vertx, List.of(SystemEvents.ADDRESS), operator::refusal, OperatorFeed.DEFAULT_MAX_PENDING));
    counterRoutes(router, "/api/raw-counter",
      () -> RawCounter.value(vertx, options.rawCounter(), options.callTimeout()),
      () -> RawCounter.increment(vertx, options.rawCounter()),
      () -> RawCounter.decrement(vertx, options.rawCounter()));

    // The browser client, and the client libraries the build packed next to it: files only (a name
    // with an extension) and the page at /, so that a directory is a 404 like any unknown path and
    // never the static handler's bare 301 to its slashed name. GET only, and never under /api or
    // /eventbus: those keep their own 404 and 405 answers.
    // The operator's observer: a page like the others (what it shows needs the operator's token).
    router.get("/observer").handler(ctx -> ctx.reroute("/observer.html"));
    router.getWithRegex("/(?!api/|eventbus/)([^?#]*/)?([^/?#]+\\.[A-Za-z0-9]+)?")
      .handler(StaticHandler.create("webroot").setMaxAgeSeconds(60));

    // Every failure the router meets becomes one JSON answer with its status: a client's mistake
    // (a malformed path, a body over a limit) is no error of ours and is not logged as one.
    for (int status = 400; status < 600; status++) {
      int code = status;
      router.errorHandler(code, ctx -> routingFailure(ctx, code));
    }

    HttpServerOptions serverOptions = ChannelsBridge.serverOptions(limits, new HttpServerOptions());
    return vertx.createHttpServer(serverOptions)
      // A request Netty could not even parse (a line or headers over the limits): JSON as well.
      .invalidRequestHandler(HttpVerticle::invalidRequest)
      .requestHandler(router)
      .listen(options.port(), options.host())
      // The bind error alone ("Address already in use") does not say which address.
      .recover(err -> Future.failedFuture(new IllegalStateException(
        "http cannot listen on " + options.host() + ":" + options.port() + ": " + err.getMessage(), err)))
      .onSuccess(listening -> {
        server = listening;
        log.info("http listening on {}:{}", options.host(), listening.actualPort());
      });
  }

  @Override
  public Future<?> stop() {
    Future<Void> closed = server == null ? Future.succeededFuture() : server.close();
    return accounts == null ? closed : closed.eventually(accounts::close);
  }

  /**
   * The port the server is listening on: the configured one, or the one picked for port 0.
   *
   * @return the port
   * @throws IllegalStateException before the verticle has started
   */
  public int actualPort() {
    if (server == null) {
      throw new IllegalStateException("HttpVerticle is not listening yet");
    }
    return server.actualPort();
  }

  /** Reading a counter is anyone's; changing it over HTTP is the operator's. */
  private void counterRoutes(Router router, String base, Supplier<Future<Integer>> value,
                             Runnable increment, Runnable decrement) {
    router.get(base).handler(ctx -> answer(ctx, value.get()));
    router.post(base + "/inc").handler(operator).handler(ctx -> {
      increment.run();
      answer(ctx, value.get());
    });
    router.post(base + "/dec").handler(operator).handler(ctx -> {
      decrement.run();
      answer(ctx, value.get());
    });
  }

  /**
   * {@code GET /api/infosys?q=...&limit=&timeout_ms=&backends=a,b}: InfoSys's answer as JSON; a
   * missing, empty or oversized {@code q} or a bad number is a 400 naming the parameter.
   */
  private void infosys(RoutingContext ctx) {
    JsonObject request = new JsonObject();
    try {
      String query = ctx.request().getParam("q");
      if (query == null || query.isBlank()) {
        throw new IllegalArgumentException("q must be a non-empty query, e.g. /api/infosys?q=what+is+2%2B2");
      }
      request.put("query", query);
      whole(ctx, "limit", request);
      whole(ctx, "timeout_ms", request);
      String backends = ctx.request().getParam("backends");
      if (backends != null) {
        request.put("backends", new io.vertx.core.json.JsonArray(java.util.Arrays.stream(backends.split(",")).map(String::strip)
          .filter(name -> !name.isEmpty()).toList()));
      }
    } catch (IllegalArgumentException bad) {
      Replies.failure(ctx, bad);
      return;
    }
    QueryOptions options;
    try {
      options = QueryOptions.fromRequest(request);
    } catch (IllegalArgumentException bad) {
      Replies.failure(ctx, bad);
      return;
    }
    InfoSys.ask(vertx, request.getString("query"), options)
      .onSuccess(answer -> Replies.send(ctx, 200, answer.toJson()))
      .onFailure(err -> {
        if (err instanceof OtpException otp && otp.failure() == OtpException.Failure.ERROR) {
          // InfoSys's own refusal of the query (bad_request): the client's to fix.
          Replies.send(ctx, 400, Replies.error(otp.code(), otp.getMessage()));
        } else {
          Replies.failure(ctx, err);
        }
      });
  }

  private static void whole(RoutingContext ctx, String name, JsonObject request) {
    String raw = ctx.request().getParam(name);
    if (raw == null) {
      return;
    }
    try {
      request.put(name, Long.parseLong(raw.strip()));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a whole number, got '" + raw + "'");
    }
  }

  private static void answer(RoutingContext ctx, Future<Integer> value) {
    value
      .onSuccess(n -> Replies.send(ctx, 200, new JsonObject().put("value", n)))
      .onFailure(err -> Replies.failure(ctx, err));
  }

  private static void routingFailure(RoutingContext ctx, int status) {
    String method = ctx.request().method().name();
    String path = ctx.request().path();
    JsonObject body = switch (status) {
      case 404 -> Replies.error("not_found", "no route for " + method + " " + path);
      case 405 -> Replies.error("method_not_allowed", method + " is not allowed on " + path);
      // The same code as the routes' own body limits (Replies.tooLarge) give.
      case 413 -> Replies.error("payload_too_large", "the request's body is larger than this endpoint accepts");
      case 500 -> {
        log.error("http {} {} failed", method, LogText.quote(path), ctx.failure());
        yield Replies.error("internal", "internal error");
      }
      default -> {
        HttpResponseStatus known = HttpResponseStatus.valueOf(status);
        String code = known.reasonPhrase().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_").replaceAll("^_|_$", "");
        if (status >= 500) {
          log.warn("http {} {} failed with {}: {}", method, LogText.quote(path), status,
            ctx.failure() == null ? "-" : ctx.failure().toString());
        } else {
          log.debug("http {} {} refused with {}", method, LogText.quote(path), status);
        }
        yield Replies.error(code.isEmpty() ? "http_" + status : code, status < 500
          ? "the request cannot be served: " + known.reasonPhrase() : "the request failed: " + known.reasonPhrase());
      }
    };
    Replies.send(ctx, status, body);
  }

  /** A request that could not be parsed, answered with the status Vert.x would use, as JSON. */
  private static void invalidRequest(HttpServerRequest request) {
    Throwable cause = request.decoderResult().cause();
    int status;
    String code;
    String message;
    if (cause instanceof TooLongHttpLineException) {
      status = 414;
      code = "uri_too_long";
      message = "the request line is longer than the server accepts";
    } else if (cause instanceof TooLongHttpHeaderException) {
      status = 431;
      code = "headers_too_large";
      message = "the request's headers are larger than the server accepts";
    } else {
      status = 400;
      code = "bad_request";
      message = "the request is not valid HTTP";
    }
    request.response()
      .setStatusCode(status)
      .putHeader(HttpHeaders.CONTENT_TYPE, Replies.JSON)
      .putHeader(HttpHeaders.CONNECTION, "close")
      .end(Replies.error(code, message).encode())
      .onComplete(done -> request.connection().close());
  }
}
