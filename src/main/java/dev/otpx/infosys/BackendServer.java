package dev.otpx.infosys;

import dev.otpx.logging.LogText;
import dev.otpx.process.CallResult;
import dev.otpx.process.From;
import dev.otpx.process.GenServer;
import dev.otpx.process.InitResult;
import dev.otpx.process.JsonOptions;
import dev.otpx.process.Registry;
import dev.otpx.process.Shutdown;
import dev.otpx.process.Task;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process that runs one {@link Backend}, registered as {@code infosys.backend.<name>}.
 *
 * <p>Args: {@code backend} (the class), the rest is the backend's own config. A backend that is
 * unavailable here ({@link BackendUnavailableException}) makes init ignore: its supervisor keeps
 * the spec without a process and the log says why, at INFO (it is the configuration's choice).
 *
 * <p>Request (a call, JSON): {@code {"query", "limit", "timeout_ms"}}; reply: a JSON array of
 * results. InfoSys on the same node asks with a {@link Query} record and gets an immutable list of
 * {@link Result}s: the same question and answer without building, copying and parsing JSON for each
 * of a query's backends (docs/benchmarks.md). Many queries run at once: each holds no lock on the mailbox. Work
 * still running after compute returns is held by a {@link Task}: at the query's deadline it is
 * killed, the backend's work is cancelled ({@link Cancellation}) and nothing is answered any more:
 * the caller's own timeout, equal to the deadline, ends its wait. Errors, each with its {@link #BACKEND_FAILED
 * code}: a backend that throws or fails answers {@code backend_failed} and keeps serving (one bad
 * query does not take the backend down); one that is full ({@link BackendBusyException}) answers
 * {@code backend_busy}; a malformed request gets {@code bad_request}. Each failure is one DEBUG
 * line with the query quoted ({@link LogText}): whether the backend is healthy is InfoSys's to say,
 * through its circuit breaker, so a failing upstream does not log a line per query.
 */
public final class BackendServer extends GenServer<Void> {

  /** The prefix of every backend process's registered name. */
  public static final String PREFIX = "infosys.backend.";

  /** The error code of a query the backend failed: counts against its circuit breaker. */
  public static final String BACKEND_FAILED = "backend_failed";
  /** The error code of a query a full backend turned away: says nothing about its health. */
  public static final String BACKEND_BUSY = "backend_busy";

  private static final Logger log = LoggerFactory.getLogger(BackendServer.class);

  /**
   * A query asked in-process (records stay inside a JVM; across nodes the JSON form is asked):
   * answered with an immutable {@code List<Result>}.
   *
   * @param query the question
   * @param limit how many results at most
   * @param timeoutMs the deadline, from now
   */
  record Query(String query, int limit, long timeoutMs) {
    Query {
      Objects.requireNonNull(query, "query");
    }
  }

  private Backend backend;

  @Override
  protected Future<InitResult<Void>> init(JsonObject args) {
    String type = args.getString("backend");
    if (type == null) {
      throw new IllegalArgumentException("infosys backend arg 'backend' (the class) is required");
    }
    backend = instantiate(type);
    JsonObject config = args.copy();
    config.remove("backend");
    return backend.open(vertx, config)
      .compose(v -> Registry.register(vertx, PREFIX + backend.name(), self()))
      .map(v -> {
        log.info("infosys backend {} ready as {}", backend.name(), self());
        return InitResult.<Void>ok();
      })
      .recover(err -> {
        if (err instanceof BackendUnavailableException unavailable) {
          // Left out as configured (no API key): a fact of the set-up, nothing for an operator to fix.
          log.info("infosys backend {} not deployed: {}", type, unavailable.getMessage());
          return Future.succeededFuture(InitResult.ignore());
        }
        return Future.failedFuture(err);
      });
  }

  @Override
  protected CallResult<Void> handleCall(Object request, From from, Void state) {
    String query;
    int limit;
    long timeoutMs;
    boolean typed = request instanceof Query;
    try {
      if (request instanceof Query asked) {
        query = asked.query();
        limit = asked.limit();
        timeoutMs = asked.timeoutMs();
      } else if (request instanceof JsonObject json) {
        JsonOptions fields = JsonOptions.of(json, "");
        query = Objects.requireNonNull(fields.string("query", null), "query");
        limit = fields.intValue("limit", QueryOptions.DEFAULT_LIMIT, Integer.MIN_VALUE, Integer.MAX_VALUE);
        timeoutMs = fields.wholeNumber("timeout_ms", QueryOptions.DEFAULT_TIMEOUT.toMillis());
      } else {
        throw new IllegalArgumentException("not a JSON object");
      }
    } catch (RuntimeException bad) {
      return CallResult.error("bad_request", "expected {\"query\", \"limit\", \"timeout_ms\"}, got " + request
        + " (" + bad.getMessage() + ")");
    }
    Duration timeout = Duration.ofMillis(timeoutMs);
    WorkCancellation cancellation = new WorkCancellation();
    Future<List<Result>> work;
    try {
      work = Objects.requireNonNull(backend.compute(query, new ComputeOptions(Math.max(1, limit), timeout, cancellation)),
        "compute returned null");
    } catch (RuntimeException bug) {
      work = Future.failedFuture(bug);
    }
    if (work.isComplete()) {
      // Answered at once (the calculator, the clock): there is nothing to wait for, so no deadline.
      answer(from, query, work, typed);
      return CallResult.noReply();
    }
    // Still running: a task, linked to this server, holds the work until the query's deadline
    // (Task.yield); one still running then is killed (Task.shutdown), its end cancels the work, and
    // nothing is answered: the caller's own timeout, equal to the deadline, ends its wait. Its job
    // never fails, so a backend's failure is its answer, not a crash.
    Future<List<Result>> running = work;
    Task<AsyncResult<List<Result>>> holder = Task.async(vertx, () -> running.transform(Future::succeededFuture));
    Task.yield(holder, timeout)
      .compose(outcome -> outcome instanceof Task.Outcome.NoReply ? Task.shutdown(holder, Shutdown.BRUTAL_KILL) : Future.succeededFuture(outcome))
      .onComplete(ar -> {
        if (ar.result() instanceof Task.Outcome.Ok<AsyncResult<List<Result>>> done) {
          answer(from, query, done.value(), typed);
        } else {
          cancellation.fire();
        }
      });
    return CallResult.noReply();
  }

  /** Answers a query with the backend's results, or with the error its failure makes. */
  private void answer(From from, String query, AsyncResult<List<Result>> ar, boolean typed) {
    if (ar.failed()) {
      boolean busy = ar.cause() instanceof BackendBusyException;
      log.debug("infosys backend {} {} on {}: {}", backend.name(), busy ? "was busy" : "failed", LogText.quote(query),
        LogText.quote(String.valueOf(ar.cause())));
      from.replyError(busy ? BACKEND_BUSY : BACKEND_FAILED, backend.name() + ": " + ar.cause().getMessage());
      return;
    }
    List<Result> computed = ar.result() == null ? List.of() : ar.result();
    if (typed) {
      from.reply(List.copyOf(computed));
      return;
    }
    JsonArray results = new JsonArray();
    for (Result result : computed) {
      results.add(result.toJson());
    }
    from.reply(results);
  }

  /**
   * The {@link Cancellation} of one query's work, fired by the end of the task that held the work
   * past the query's deadline, on this server's context.
   */
  private static final class WorkCancellation implements Cancellation {

    private List<Runnable> actions;
    private boolean cancelled;

    @Override
    public synchronized void onCancel(Runnable action) {
      if (cancelled) {
        action.run();
        return;
      }
      if (actions == null) {
        actions = new ArrayList<>(1);
      }
      actions.add(action);
    }

    @Override
    public synchronized boolean cancelled() {
      return cancelled;
    }

    synchronized void fire() {
      cancelled = true;
      if (actions == null) {
        return;
      }
      for (Runnable action : actions) {
        try {
          action.run();
        } catch (RuntimeException e) {
          log.warn("a cancellation action of a backend failed: {}", e.toString());
        }
      }
      actions = null;
    }
  }

  private static Backend instantiate(String type) {
    try {
      Object made = Class.forName(type, true, Thread.currentThread().getContextClassLoader()).getConstructor().newInstance();
      if (!(made instanceof Backend created)) {
        throw new IllegalArgumentException("infosys backend arg 'backend': " + type + " is not a " + Backend.class.getName());
      }
      return created;
    } catch (ReflectiveOperationException e) {
      throw new IllegalArgumentException("infosys backend arg 'backend': cannot create " + type + ": " + e, e);
    }
  }
}
