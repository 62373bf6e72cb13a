package dev.otpx.infosys.backends.wolfram;

import dev.otpx.infosys.Backend;
import dev.otpx.infosys.BackendUnavailableException;
import dev.otpx.infosys.ComputeOptions;
import dev.otpx.infosys.Result;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The WolframAlpha backend: asks the v2 query API for a plaintext answer and reports the first
 * Result or Definitions pod, as Rumbl's InfoSys does.
 *
 * <p><b>Config</b> (the backend's child config):
 * <ul>
 *   <li>{@code app_id}: the WolframAlpha app id. When the key is absent, the environment variable
 *       {@value #APP_ID_ENV} is read instead; an empty value means none. Without an app id
 *       {@link #open} fails with {@link BackendUnavailableException}, so the backend is left out
 *       and the log says why. The id is never logged.</li>
 *   <li>{@code base_url}: default {@value #DEFAULT_BASE_URL}; tests point it at a local server.</li>
 *   <li>{@code request_timeout_ms}: the longest a request may take, default 10 000 (Rumbl's
 *       query timeout); a query's own deadline, when shorter, wins.</li>
 * </ul>
 *
 * <p><b>Scoring:</b> an answer scores {@value #SCORE}, WolframAlpha's curated result being about as
 * confident as an answer gets (Rumbl's score too). At most one result per query.
 *
 * <p><b>Failures never fail the future.</b> An HTTP error, a timeout, a body that is not XML, is
 * malformed, says {@code success="false"} or has empty answer pods, or one over
 * {@value #MAX_BODY_BYTES} bytes, gives no results and exactly one WARN line naming the problem,
 * so a broken upstream never makes the backend's process crash-loop. A query without a Result or
 * Definitions pod gives no results quietly.
 *
 * <p><b>Cancellation:</b> the request is reset ({@link HttpClientRequest#reset()}, which on HTTP/1.1
 * closes its connection) when the query's {@link dev.otpx.infosys.Cancellation} fires or when its
 * own deadline passes, whichever comes first; the future then completes with no results at once.
 * The core {@link HttpClient} is used rather than the web client because only it hands out the
 * in-flight request to reset.
 *
 * <p>{@link #open} and {@link #compute} run on the backend process's context, which also runs every
 * callback of a query, so a query's state needs no locks. The HTTP client is created in
 * {@code open} on that context and is closed with the process.
 */
public final class WolframBackend implements Backend {

  /** The backend's name. */
  public static final String NAME = "wolfram";

  /** The score of every answer. */
  public static final double SCORE = 95;

  /** Where WolframAlpha's API lives. */
  public static final String DEFAULT_BASE_URL = "https://api.wolframalpha.com";

  /** The longest a request may take when config says nothing. */
  public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(10);

  /** The largest body read; anything bigger is garbage (an answer is a few kilobytes). */
  public static final int MAX_BODY_BYTES = 1024 * 1024;

  /** The environment variable holding the app id when config has none. */
  public static final String APP_ID_ENV = "WOLFRAM_APP_ID";

  private static final Logger log = LoggerFactory.getLogger(WolframBackend.class);
  private static final int MAX_LOGGED_QUERY = 80;

  private final Function<String, String> environment;

  private Vertx vertx;
  private HttpClient client;
  private Endpoint endpoint;
  private String appId;
  private Duration requestTimeout;

  /** A backend reading {@value #APP_ID_ENV} from the process environment. */
  public WolframBackend() {
    this(System::getenv);
  }

  /** @param environment looks up environment variables; tests pass a map's {@code get} */
  WolframBackend(Function<String, String> environment) {
    this.environment = Objects.requireNonNull(environment, "environment");
  }

  @Override
  public String name() {
    return NAME;
  }

  /**
   * Reads the config and creates the HTTP client.
   *
   * @param vertx the Vert.x instance
   * @param config {@code app_id}, {@code base_url}, {@code request_timeout_ms}, all optional
   * @return completes when ready; fails with {@link BackendUnavailableException} without an app
   *     id, or with {@link IllegalArgumentException} naming a malformed field
   */
  @Override
  public Future<Void> open(Vertx vertx, JsonObject config) {
    Objects.requireNonNull(vertx, "vertx");
    Objects.requireNonNull(config, "config");
    String id;
    Endpoint base;
    Duration timeout;
    try {
      id = config.containsKey("app_id") ? string(config, "app_id") : environment.apply(APP_ID_ENV);
      base = Endpoint.parse(config.containsKey("base_url") ? string(config, "base_url") : DEFAULT_BASE_URL);
      timeout = requestTimeout(config);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    if (id == null || id.isBlank()) {
      return Future.failedFuture(new BackendUnavailableException(APP_ID_ENV + " is not set"));
    }
    this.vertx = vertx;
    this.appId = id.strip();
    this.endpoint = base;
    this.requestTimeout = timeout;
    this.client = vertx.createHttpClient();
    log.info("wolfram backend asks {} (request timeout {} ms)", base, timeout.toMillis());
    return Future.succeededFuture();
  }

  /**
   * Asks WolframAlpha.
   *
   * @param query the question
   * @param options the deadline ({@code timeout}, capped by {@code request_timeout_ms}) and the
   *     cancellation; the limit does not matter, there is at most one answer
   * @return one result, or none; never a failed future once open
   */
  @Override
  public Future<List<Result>> compute(String query, ComputeOptions options) {
    Objects.requireNonNull(query, "query");
    Objects.requireNonNull(options, "options");
    if (client == null) {
      return Future.failedFuture(new IllegalStateException("wolfram backend is not open"));
    }
    if (query.isBlank() || options.cancellation().cancelled()) {
      return Future.succeededFuture(List.of());
    }
    Duration timeout = options.timeout().compareTo(requestTimeout) < 0 ? options.timeout() : requestTimeout;
    return new Exchange(query, Math.max(1, timeout.toMillis())).run(options);
  }

  /** One query's request: settles exactly once, with one WARN line when it gives up. */
  private final class Exchange {

    private final String query;
    private final long timeoutMs;
    private final Promise<List<Result>> outcome = Promise.promise();
    private final long started = System.nanoTime();
    private HttpClientRequest request;
    private long timer;

    Exchange(String query, long timeoutMs) {
      this.query = query;
      this.timeoutMs = timeoutMs;
    }

    Future<List<Result>> run(ComputeOptions options) {
      timer = vertx.setTimer(timeoutMs, id -> abandon("no answer within " + timeoutMs + " ms, request reset"));
      options.cancellation().onCancel(() -> abandon("cancelled at the query's deadline after " + elapsedMs() + " ms, request reset"));
      client.request(requestOptions())
        .compose(this::send)
        .compose(this::readBody)
        .onComplete(ar -> {
          if (ar.succeeded()) {
            answer(ar.result());
          } else {
            giveUp(describe(ar.cause()));
          }
        });
      return outcome.future();
    }

    private RequestOptions requestOptions() {
      return new RequestOptions()
        .setMethod(HttpMethod.GET)
        .setHost(endpoint.host())
        .setPort(endpoint.port())
        .setSsl(endpoint.ssl())
        .setURI(endpoint.path() + "/v2/query?appid=" + encode(appId) + "&input=" + encode(query) + "&format=plaintext")
        .setConnectTimeout(timeoutMs)
        .putHeader(HttpHeaders.ACCEPT, "application/xml, text/xml");
    }

    private Future<HttpClientResponse> send(HttpClientRequest obtained) {
      request = obtained;
      if (outcome.future().isComplete()) {
        // Abandoned while waiting for a connection: never send it.
        obtained.reset();
        return Future.failedFuture("abandoned before sending");
      }
      return obtained.send();
    }

    private Future<Reply> readBody(HttpClientResponse response) {
      Promise<Reply> read = Promise.promise();
      // Before any reset: a response without an exception handler logs its reset as an ERROR.
      response.exceptionHandler(read::tryFail);
      String length = response.getHeader(HttpHeaders.CONTENT_LENGTH);
      if (length != null && isLongerThan(length, MAX_BODY_BYTES)) {
        read.tryFail(new BodyTooLarge("body of " + length + " bytes is over the " + MAX_BODY_BYTES + "-byte cap"));
        request.reset();
        return read.future();
      }
      Buffer body = Buffer.buffer();
      response.handler(chunk -> {
        if (body.length() + chunk.length() > MAX_BODY_BYTES) {
          // Fail first: the reset fails the response too, and the first failure names the problem.
          read.tryFail(new BodyTooLarge("body is over the " + MAX_BODY_BYTES + "-byte cap"));
          request.reset();
        } else {
          body.appendBuffer(chunk);
        }
      });
      response.endHandler(v -> read.tryComplete(new Reply(response.statusCode(), response.statusMessage(), body)));
      return read.future();
    }

    private void answer(Reply reply) {
      if (reply.status() < 200 || reply.status() > 299) {
        giveUp("HTTP " + reply.status() + " " + reply.message());
        return;
      }
      WolframResponse.Outcome parsed = WolframResponse.parse(reply.body());
      if (parsed instanceof WolframResponse.Answer found) {
        settle(List.of(new Result(NAME, found.text(), SCORE)));
      } else if (parsed instanceof WolframResponse.NoAnswer none) {
        if (settle(List.of())) {
          log.debug("wolfram: no Result or Definitions pod for '{}', only {}", shown(query), none.pods());
        }
      } else {
        giveUp(((WolframResponse.Unusable) parsed).problem());
      }
    }

    /** Gives up at the deadline or on cancellation: resets the request if it is still running. */
    private void abandon(String why) {
      if (giveUp(why) && request != null) {
        request.reset();
      }
    }

    private boolean giveUp(String problem) {
      if (!settle(List.of())) {
        return false; // already settled: the first outcome was logged, later echoes are not
      }
      log.warn("wolfram: no results for '{}': {}", shown(query), redact(problem));
      return true;
    }

    private boolean settle(List<Result> results) {
      if (!outcome.tryComplete(results)) {
        return false;
      }
      vertx.cancelTimer(timer);
      return true;
    }

    private long elapsedMs() {
      return (System.nanoTime() - started) / 1_000_000;
    }
  }

  private record Reply(int status, String message, Buffer body) {
  }

  /** A body over the cap. */
  private static final class BodyTooLarge extends RuntimeException {
    BodyTooLarge(String message) {
      super(message, null, false, false);
    }
  }

  /** Where requests go, from {@code base_url}. */
  private record Endpoint(boolean ssl, String host, int port, String path) {

    static Endpoint parse(String url) {
      URI uri;
      try {
        uri = new URI(url.strip());
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException("wolfram config 'base_url' is not a URL: " + url, e);
      }
      String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
      if (!scheme.equals("http") && !scheme.equals("https") || uri.getHost() == null
        || uri.getRawQuery() != null || uri.getRawFragment() != null || uri.getRawUserInfo() != null) {
        throw new IllegalArgumentException("wolfram config 'base_url' must be an http(s) URL with a host and no query, got " + url);
      }
      boolean ssl = scheme.equals("https");
      int port = uri.getPort() != -1 ? uri.getPort() : ssl ? 443 : 80;
      String path = uri.getRawPath() == null ? "" : uri.getRawPath();
      while (path.endsWith("/")) {
        path = path.substring(0, path.length() - 1);
      }
      return new Endpoint(ssl, uri.getHost(), port, path);
    }

    @Override
    public String toString() {
      return (ssl ? "https" : "http") + "://" + host + ":" + port + path;
    }
  }

  private static String string(JsonObject config, String key) {
    Object value = config.getValue(key);
    if (value != null && !(value instanceof String)) {
      throw new IllegalArgumentException("wolfram config '" + key + "' must be a string");
    }
    return (String) value;
  }

  private static Duration requestTimeout(JsonObject config) {
    Object value = config.getValue("request_timeout_ms");
    if (value == null) {
      return DEFAULT_REQUEST_TIMEOUT;
    }
    if (!(value instanceof Number number) || number.longValue() < 1 || number.doubleValue() != number.longValue()) {
      throw new IllegalArgumentException("wolfram config 'request_timeout_ms' must be a positive whole number, got " + value);
    }
    return Duration.ofMillis(number.longValue());
  }

  /** Query-component encoding: a space is {@code %20}, a literal {@code +} is {@code %2B}. */
  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static boolean isLongerThan(String contentLength, int cap) {
    try {
      return Long.parseLong(contentLength.strip()) > cap;
    } catch (NumberFormatException e) {
      return false; // a bogus header: the streaming cap still holds
    }
  }

  private String describe(Throwable failure) {
    if (failure instanceof BodyTooLarge) {
      return failure.getMessage();
    }
    // Vert.x's timeout messages quote the request line; redact() strips the app id from it.
    return "request failed: " + failure;
  }

  /** Keeps the app id out of the log, whatever an error message quotes. */
  private String redact(String text) {
    if (appId == null || appId.isEmpty()) {
      return text;
    }
    return text.replace(appId, "<app_id>").replace(encode(appId), "<app_id>");
  }

  /** The query as logged: one line, and short. */
  private static String shown(String query) {
    String line = query.replaceAll("\\p{Cntrl}", " ");
    return line.length() <= MAX_LOGGED_QUERY ? line : line.substring(0, MAX_LOGGED_QUERY) + "…";
  }
}
