package dev.otpx.infosys.backends.wolfram;

import dev.otpx.infosys.Backend;
import dev.otpx.infosys.BackendBusyException;
import dev.otpx.infosys.BackendUnavailableException;
import dev.otpx.infosys.ComputeOptions;
import dev.otpx.infosys.Result;
import dev.otpx.logging.LogText;
import dev.otpx.process.Clock;
import dev.otpx.process.JsonOptions;
import dev.otpx.process.Shutdown;
import dev.otpx.process.Task;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
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
import java.util.concurrent.CancellationException;
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
 *   <li>{@code request_timeout_ms}: the longest WolframAlpha may take to answer, default 10 000
 *       (Rumbl's query timeout). It is the backend's own budget: a request still running then has
 *       failed. A query whose deadline is shorter is cancelled at its deadline instead.</li>
 *   <li>{@code max_connections}: how many requests may be in flight at once, each on its own
 *       connection (HTTP/1.1), default {@value #DEFAULT_MAX_CONNECTIONS}. Vert.x's default of 5
 *       let five slow answers hold up every other query.</li>
 *   <li>{@code max_waiting}: how many more requests may wait for a connection (Vert.x counts
 *       connections still being opened against it too), default {@value #DEFAULT_MAX_WAITING};
 *       past that a query is turned away at once with {@link BackendBusyException} rather than
 *       queued behind the slow ones.</li>
 * </ul>
 *
 * <p><b>Scoring:</b> an answer scores {@value #SCORE}, WolframAlpha's curated result being about as
 * confident as an answer gets (Rumbl's score too). At most one result per query.
 *
 * <p><b>Outcomes.</b> An answer gives one result. A reply WolframAlpha means as "no answer" (no
 * Result or Definitions pod, answer pods without text, or {@code success="false"}: it did not
 * understand the question) gives no results, which InfoSys may cache: it is about the query, not
 * the service. A failure of the service fails the future with a message naming the problem (the
 * app id redacted): an HTTP status other than 2xx, a body that is not XML, is malformed, is not a
 * {@code queryresult}, says {@code error="true"} or is over {@value #MAX_BODY_BYTES} bytes, a
 * connection refused or reset, or no answer within {@code request_timeout_ms}. InfoSys counts
 * those against the backend's circuit breaker and caches none of them. The backend logs no line
 * per failure: InfoSys logs the breaker's state changes.
 *
 * <p><b>Cancellation:</b> when the query's {@link dev.otpx.infosys.Cancellation} fires, the request
 * is reset ({@link HttpClientRequest#reset()}, which on HTTP/1.1 closes its connection) and the
 * future fails with a {@link CancellationException} at once: nobody waits for it any more, and a
 * deadline the caller chose is not the backend's failure. The core {@link HttpClient} is used
 * rather than the web client because only it hands out the in-flight request to reset.
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

  /** Requests in flight at once when config says nothing. */
  public static final int DEFAULT_MAX_CONNECTIONS = 32;

  /** Requests waiting for a connection when config says nothing. */
  public static final int DEFAULT_MAX_WAITING = 128;

  private static final Logger log = LoggerFactory.getLogger(WolframBackend.class);

  private final Function<String, String> environment;

  private Vertx vertx;
  private HttpClient client;
  private Endpoint endpoint;
  private String appId;
  private Duration requestTimeout;
  private int maxWaiting;

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
   * @param config {@code app_id}, {@code base_url}, {@code request_timeout_ms},
   *     {@code max_connections}, {@code max_waiting}, all optional
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
    int connections;
    int waiting;
    try {
      JsonOptions args = JsonOptions.args(config, "wolfram config");
      id = args.has("app_id") ? args.string("app_id", null) : environment.apply(APP_ID_ENV);
      base = Endpoint.parse(args.string("base_url", DEFAULT_BASE_URL));
      timeout = args.millis("request_timeout_ms", DEFAULT_REQUEST_TIMEOUT, Duration.ofMillis(1), Duration.ofMillis(Integer.MAX_VALUE));
      connections = args.intValue("max_connections", DEFAULT_MAX_CONNECTIONS, 1, Integer.MAX_VALUE);
      waiting = args.intValue("max_waiting", DEFAULT_MAX_WAITING, 0, Integer.MAX_VALUE);
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
    this.maxWaiting = waiting;
    // Each request in flight holds a connection (HTTP/1.1, no pipelining): the pool bounds how many
    // queries run at once, the wait queue how many more may queue before being turned away.
    this.client = vertx.createHttpClient(new HttpClientOptions(),
      new PoolOptions().setHttp1MaxSize(connections).setMaxWaitQueueSize(waiting));
    log.info("wolfram backend asks {} (request timeout {} ms, {} connections, {} waiting)", base, timeout.toMillis(),
      connections, waiting);
    return Future.succeededFuture();
  }

  /**
   * Asks WolframAlpha.
   *
   * @param query the question
   * @param options the deadline ({@code timeout}) and the cancellation fired at it; the limit does
   *     not matter, there is at most one answer
   * @return one result, or none; a failure of WolframAlpha (see the type's doc), a
   *     {@link BackendBusyException} when the pool and its wait queue are full, or a
   *     {@link CancellationException} once the cancellation fired
   */
  @Override
  public Future<List<Result>> compute(String query, ComputeOptions options) {
    Objects.requireNonNull(query, "query");
    Objects.requireNonNull(options, "options");
    if (client == null) {
      return Future.failedFuture(new IllegalStateException("wolfram backend is not open"));
    }
    if (options.cancellation().cancelled()) {
      return Future.failedFuture(new CancellationException("cancelled before it was sent"));
    }
    if (query.isBlank()) {
      return Future.succeededFuture(List.of());
    }
    return new Exchange(query).run(options);
  }

  /** One query's request: settles exactly once, and resets its request when it gives up. */
  private final class Exchange {

    private final String query;
    private final Promise<List<Result>> outcome = Promise.promise();
    private final long began = Clock.of(vertx).millis();
    private HttpClientRequest request;

    Exchange(String query) {
      this.query = query;
    }

    Future<List<Result>> run(ComputeOptions options) {
      options.cancellation().onCancel(() -> abandon(new CancellationException("cancelled at the query's deadline after "
        + elapsedMs() + " ms, request reset")));
      // The request runs as a task, linked to the backend's process; its job ends when the exchange
      // settles, well or not: a failure of WolframAlpha, or an exception here, is this query's
      // answer, never a crash that the link would carry to the backend.
      Task<Void> exchange = Task.async(vertx, () -> {
        try {
          client.request(requestOptions())
            .compose(this::send)
            .compose(this::readBody)
            .onComplete(ar -> {
              if (ar.succeeded()) {
                answer(ar.result());
              } else {
                settle(Future.failedFuture(failure(ar.cause())));
              }
            });
        } catch (RuntimeException bug) {
          settle(Future.failedFuture(bug));
        }
        return outcome.future().transform(ar -> Future.succeededFuture());
      });
      long budgetMs = requestTimeout.toMillis();
      if (budgetMs < options.timeout().toMillis()) {
        // The backend's own budget, when it ends before the query's deadline (which is the
        // cancellation's): Task.yield, then the task still running is killed and its request reset.
        Task.yield(exchange, requestTimeout).onSuccess(yielded -> {
          if (yielded instanceof Task.Outcome.NoReply) {
            Task.shutdown(exchange, Shutdown.BRUTAL_KILL).onComplete(stopped -> abandon(new WolframFailure("no answer within "
              + budgetMs + " ms (request_timeout_ms), request reset")));
          }
        });
      }
      return outcome.future();
    }

    private RequestOptions requestOptions() {
      return new RequestOptions()
        .setMethod(HttpMethod.GET)
        .setHost(endpoint.host())
        .setPort(endpoint.port())
        .setSsl(endpoint.ssl())
        .setURI(endpoint.path() + "/v2/query?appid=" + encode(appId) + "&input=" + encode(query) + "&format=plaintext")
        // Covers the wait for a pooled connection too: a query never queues past the budget.
        .setConnectTimeout(requestTimeout.toMillis())
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
        settle(Future.failedFuture(new WolframFailure("HTTP " + reply.status() + " " + redact(reply.message()))));
        return;
      }
      WolframResponse.Outcome parsed = WolframResponse.parse(reply.body());
      if (parsed instanceof WolframResponse.Answer found) {
        settle(Future.succeededFuture(List.of(new Result(NAME, found.text(), SCORE))));
      } else if (parsed instanceof WolframResponse.NoAnswer none) {
        if (settle(Future.succeededFuture(List.of()))) {
          log.debug("wolfram: no answer for {}: {}", LogText.quote(query), LogText.quote(none.detail()));
        }
      } else {
        settle(Future.failedFuture(new WolframFailure(redact(((WolframResponse.Unusable) parsed).problem()))));
      }
    }

    /** Gives up (the budget ran out, or the query was cancelled): resets the request if it runs. */
    private void abandon(RuntimeException why) {
      if (settle(Future.failedFuture(why)) && request != null) {
        request.reset();
      }
    }

    /** The first outcome wins; later echoes of it (a reset failing the response) are dropped. */
    private boolean settle(Future<List<Result>> result) {
      if (outcome.future().isComplete()) {
        return false;
      }
      outcome.handle(result);
      return true;
    }

    private long elapsedMs() {
      return Clock.of(vertx).millis() - began;
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

  /** WolframAlpha failed this query; the message names the problem and never the app id. */
  private static final class WolframFailure extends RuntimeException {
    WolframFailure(String message) {
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

  private RuntimeException failure(Throwable cause) {
    if (cause instanceof CancellationException || cause instanceof WolframFailure || cause instanceof BackendBusyException) {
      return (RuntimeException) cause;
    }
    if (cause instanceof ConnectionPoolTooBusyException) {
      return new BackendBusyException("wolfram: every connection is busy and " + maxWaiting
        + " requests already wait for one (max_connections, max_waiting)");
    }
    if (cause instanceof BodyTooLarge) {
      return new WolframFailure(cause.getMessage());
    }
    // Vert.x's timeout messages quote the request line; redact() strips the app id from it.
    return new WolframFailure("request failed: " + redact(cause.toString()));
  }

  /** Keeps the app id out of the log, whatever an error message quotes. */
  private String redact(String text) {
    if (text == null || appId == null || appId.isEmpty()) {
      return text;
    }
    return text.replace(appId, "<app_id>").replace(encode(appId), "<app_id>");
  }

}
