package dev.otpx.process;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Elixir's Agent: a process that only holds state, read and changed by functions that run inside
 * it, one at a time. A function that throws crashes the agent like any process: its caller (and
 * every caller still waiting) gets {@link OtpException.Failure#EXIT}, its name is freed.
 *
 * <p>Functions cannot cross the event bus, so an agent serves callers in this JVM only. Keep the
 * state immutable (or never hand out a mutable piece of it): what {@link #get} returns is shared.
 *
 * @param <S> the state type
 */
public final class Agent<S> {

  private final Vertx vertx;
  private final Pid pid;

  private Agent(Vertx vertx, Pid pid) {
    this.vertx = vertx;
    this.pid = pid;
  }

  /**
   * Starts an agent without a name.
   *
   * @param vertx the Vert.x instance
   * @param initial computes the initial state, inside the new process
   * @param <S> the state type
   * @return the agent once running; fails with exit when {@code initial} throws
   */
  public static <S> Future<Agent<S>> start(Vertx vertx, Supplier<S> initial) {
    return start(vertx, initial, null);
  }

  /**
   * Starts an agent registered under a name (already_started when taken).
   *
   * @param vertx the Vert.x instance
   * @param initial computes the initial state, inside the new process
   * @param name the name, or null
   * @param <S> the state type
   * @return the agent once running
   */
  public static <S> Future<Agent<S>> start(Vertx vertx, Supplier<S> initial, String name) {
    Objects.requireNonNull(initial, "initial");
    return GenServer.start(vertx, new AgentServer<>(initial), name).map(pid -> new Agent<>(vertx, pid));
  }

  /**
   * A handle on a running agent.
   *
   * @param vertx the Vert.x instance
   * @param pid the agent's pid
   * @param <S> the state type
   * @return the handle (calls fail with noproc when no such agent lives)
   */
  public static <S> Agent<S> of(Vertx vertx, Pid pid) {
    return new Agent<>(vertx, Objects.requireNonNull(pid, "pid"));
  }

  /** @return the agent's pid */
  public Pid pid() {
    return pid;
  }

  /**
   * Reads from the state, with the default 5 s timeout.
   *
   * @param fun runs inside the agent with the state
   * @param <R> the result type
   * @return what {@code fun} returned
   */
  public <R> Future<R> get(Function<S, R> fun) {
    return get(fun, GenServer.DEFAULT_CALL_TIMEOUT);
  }

  /**
   * Reads from the state.
   *
   * @param fun runs inside the agent with the state
   * @param timeout how long to wait
   * @param <R> the result type
   * @return what {@code fun} returned
   */
  public <R> Future<R> get(Function<S, R> fun, Duration timeout) {
    return GenServer.call(vertx, pid, new AgentServer.Get<>(Objects.requireNonNull(fun, "fun")), timeout);
  }

  /**
   * Replaces the state with {@code fun(state)} and waits until done, with the default 5 s timeout.
   *
   * @param fun the update
   * @return completes once the new state is in place
   */
  public Future<Void> update(UnaryOperator<S> fun) {
    return update(fun, GenServer.DEFAULT_CALL_TIMEOUT);
  }

  /**
   * Replaces the state with {@code fun(state)} and waits until done.
   *
   * @param fun the update
   * @param timeout how long to wait
   * @return completes once the new state is in place
   */
  public Future<Void> update(UnaryOperator<S> fun, Duration timeout) {
    return GenServer.call(vertx, pid, new AgentServer.Update<>(Objects.requireNonNull(fun, "fun")), timeout);
  }

  /**
   * Reads and replaces the state in one step (Elixir's get_and_update), with the default timeout.
   *
   * @param fun returns what to answer and the new state
   * @param <R> the answer type
   * @return the answer
   */
  public <R> Future<R> getAndUpdate(Function<S, GetAndUpdate<R, S>> fun) {
    return getAndUpdate(fun, GenServer.DEFAULT_CALL_TIMEOUT);
  }

  /**
   * Reads and replaces the state in one step (Elixir's get_and_update).
   *
   * @param fun returns what to answer and the new state
   * @param timeout how long to wait
   * @param <R> the answer type
   * @return the answer
   */
  public <R> Future<R> getAndUpdate(Function<S, GetAndUpdate<R, S>> fun, Duration timeout) {
    return GenServer.call(vertx, pid, new AgentServer.GetAndUpdateState<>(Objects.requireNonNull(fun, "fun")), timeout);
  }

  /**
   * Replaces the state with {@code fun(state)} without waiting; never fails.
   *
   * @param fun the update
   */
  public void cast(UnaryOperator<S> fun) {
    GenServer.cast(vertx, pid, new AgentServer.Update<>(Objects.requireNonNull(fun, "fun")));
  }

  /**
   * Stops the agent with reason normal.
   *
   * @return completes when it is gone
   */
  public Future<Void> stop() {
    return GenServer.stop(vertx, pid, ExitReason.NORMAL);
  }

  /**
   * What a {@link #getAndUpdate} function returns.
   *
   * @param get the answer for the caller
   * @param update the new state
   * @param <R> the answer type
   * @param <S> the state type
   */
  public record GetAndUpdate<R, S>(R get, S update) { }

  /** The process behind an agent. */
  static final class AgentServer<S> extends GenServer<S> {

    record Get<S, R>(Function<S, R> fun) { }

    record Update<S>(UnaryOperator<S> fun) { }

    record GetAndUpdateState<S, R>(Function<S, GetAndUpdate<R, S>> fun) { }

    private final Supplier<S> initial;

    AgentServer(Supplier<S> initial) {
      this.initial = initial;
    }

    @Override
    protected Future<InitResult<S>> init(JsonObject args) {
      return Future.succeededFuture(InitResult.ok(initial.get()));
    }

    @Override
    @SuppressWarnings("unchecked")
    protected CallResult<S> handleCall(Object request, From from, S state) {
      if (request instanceof Get<?, ?> get) {
        return CallResult.reply(((Get<S, ?>) get).fun().apply(state));
      } else if (request instanceof Update<?> update) {
        return CallResult.reply(null, ((Update<S>) update).fun().apply(state));
      } else if (request instanceof GetAndUpdateState<?, ?> getAndUpdate) {
        GetAndUpdate<?, S> result = Objects.requireNonNull(((GetAndUpdateState<S, ?>) getAndUpdate).fun().apply(state),
          "getAndUpdate function returned null");
        return CallResult.reply(result.get(), result.update());
      }
      return CallResult.error("bad_request", "an agent takes its own function messages only, not " + request);
    }

    @Override
    @SuppressWarnings("unchecked")
    protected CastResult<S> handleCast(Object message, S state) {
      if (message instanceof Update<?> update) {
        return CastResult.noReply(((Update<S>) update).fun().apply(state));
      }
      return super.handleInfo(message, state);
    }
  }
}
