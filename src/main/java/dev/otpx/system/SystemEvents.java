package dev.otpx.system;

import dev.otpx.process.ProcessEvent;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.ThreadingModel;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The node's process and supervisor events as JSON on the event bus address {@value #ADDRESS}:
 * what the observer page draws its trees from, live. Each message is a JSON array of events in the
 * order they happened (a batch, below); each event is one JSON object per {@link ProcessEvent}, with
 * {@code event} naming it ({@code process_started}, {@code process_exited}, {@code child_started},
 * {@code child_restarted}, {@code child_terminated}, {@code start_error}, {@code shutdown_error},
 * {@code gave_up}, {@code backoff}, {@code auto_shutdown}, {@code trace}), {@code at} the wall-clock
 * milliseconds, and the event's fields in snake_case (pids as {@code <node.id>}, reasons as text).
 *
 * <p>Events are published in batches, at most about {@value #BATCH_MILLIS} ms after they happen:
 * a restart makes five events on the restart's own path, and publishing each there as a message of
 * its own, to a consumer on another event loop, tripled the restart's latency (issue 12's
 * benchmark, docs/benchmarks.md). Now the path only queues the event; the JSON is built on a worker
 * thread, and a consumer gets one message, and wakes once, per batch.
 *
 * <p>Owner: the operator. Published on this node only (a cluster's nodes each show their own), and
 * browsers reach it only as operators, through the bridge's operator feed
 * ({@code dev.otpx.channels.OperatorFeed}).
 */
public final class SystemEvents {

  /** The event-bus address of the events. */
  public static final String ADDRESS = "system.events";

  /** How long an event may wait for its batch, in milliseconds: unnoticeable on a page. */
  public static final long BATCH_MILLIS = 10;

  /** Local only, and handed over as it is: every consumer gets the same batch, not a copy of it. */
  private static final DeliveryOptions LOCAL = new DeliveryOptions().setLocalOnly(true).setCodecName(Shared.NAME);

  private SystemEvents() {
  }

  /**
   * Publishes a node's process events on {@value #ADDRESS} from now on.
   *
   * @param vertx the node
   * @return what stops publishing
   */
  public static ProcessEvent.Subscription start(Vertx vertx) {
    Objects.requireNonNull(vertx, "vertx");
    try {
      vertx.eventBus().registerCodec(new Shared());
    } catch (IllegalStateException alreadyThere) {
      // started before on this node: the codec stays registered
    }
    Batches batches = new Batches(vertx);
    ProcessEvent.Subscription subscription = ProcessEvent.subscribe(vertx, batches);
    return () -> {
      subscription.cancel();
      batches.close();
    };
  }

  /**
   * @param event a process event
   * @return it as the JSON published on {@value #ADDRESS}
   */
  public static JsonObject toJson(ProcessEvent event) {
    return toJson(event, System.currentTimeMillis());
  }

  private static JsonObject toJson(ProcessEvent event, long at) {
    JsonObject json = new JsonObject();
    if (event instanceof ProcessEvent.Started started) {
      json.put("event", "process_started").put("pid", started.pid().toString()).put("name", started.name())
        .put("kind", started.kind());
    } else if (event instanceof ProcessEvent.Exited exited) {
      json.put("event", "process_exited").put("pid", exited.pid().toString()).put("name", exited.name())
        .put("kind", exited.kind()).put("reason", exited.reason().toString()).put("initialized", exited.initialized());
    } else if (event instanceof ProcessEvent.Traced traced) {
      json.put("event", "trace").put("pid", traced.pid().toString()).put("name", traced.name()).put("kind", traced.kind())
        .put("size", traced.size()).put("body", traced.body() == null ? null : String.valueOf(traced.body()))
        .put("remaining", traced.remaining());
    } else if (event instanceof ProcessEvent.SupervisorReport report) {
      json.put("event", name(report)).put("supervisor", report.supervisor().toString())
        .put("supervisor_id", report.supervisorId()).put("child_id", report.childId()).put("context", report.context());
      reportFields(report, json);
    }
    return json.put("at", at);
  }

  private static String name(ProcessEvent.SupervisorReport report) {
    if (report instanceof ProcessEvent.ChildStarted) {
      return "child_started";
    } else if (report instanceof ProcessEvent.ChildRestarted) {
      return "child_restarted";
    } else if (report instanceof ProcessEvent.IntensityReached) {
      return "gave_up";
    }
    return report.context();
  }

  private static void reportFields(ProcessEvent.SupervisorReport report, JsonObject json) {
    if (report instanceof ProcessEvent.ChildStarted started) {
      json.put("pid", pid(started.child())).put("dynamic", started.dynamic());
    } else if (report instanceof ProcessEvent.ChildRestarted restarted) {
      json.put("restarts", restarted.restarts()).put("dynamic", restarted.dynamic());
    } else if (report instanceof ProcessEvent.ChildTerminated terminated) {
      json.put("pid", pid(terminated.child())).put("reason", terminated.reason().toString());
    } else if (report instanceof ProcessEvent.StartError error) {
      json.put("reason", error.reason().toString());
    } else if (report instanceof ProcessEvent.ShutdownError error) {
      json.put("pid", pid(error.child())).put("reason", error.reason().toString());
    } else if (report instanceof ProcessEvent.IntensityReached reached) {
      json.put("pid", pid(reached.child())).put("reason", "reached_max_restart_intensity")
        .put("max_restarts", reached.maxRestarts()).put("max_seconds", reached.maxSeconds());
    } else if (report instanceof ProcessEvent.BackoffDelayed backoff) {
      json.put("delay_ms", backoff.delay().toMillis()).put("crashes", backoff.crashes());
    } else if (report instanceof ProcessEvent.AutoShutdownTriggered auto) {
      json.put("reason", auto.reason().toString());
    }
  }

  private static String pid(Object pid) {
    return pid == null ? null : pid.toString();
  }

  /** An event and when it happened: its JSON is built at publishing, off the process's path. */
  private record Stamped(ProcessEvent event, long at) {
    JsonObject toJson() {
      return SystemEvents.toJson(event, at);
    }
  }

  /**
   * Queues events from any thread and publishes them on a context of its own, one batch per
   * {@value #BATCH_MILLIS} ms while events come, nothing while none do. Its own context, not the
   * one an event came from: that may be a process's, closed with it.
   */
  private static final class Batches implements Consumer<ProcessEvent> {

    private final VertxInternal vertx;
    /** Stamped events, and traces already as JSON. */
    private final Queue<Object> pending = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean scheduled = new AtomicBoolean();
    /** A worker context: a batch's JSON is built off every event loop, so no process waits behind it. */
    private final ContextInternal context;
    private volatile boolean closed;

    Batches(Vertx vertx) {
      this.vertx = (VertxInternal) vertx;
      // On the starter's loop when there is one, so it takes no loop from Vert.x's rotation.
      ContextInternal current = ContextInternal.current();
      var builder = this.vertx.contextBuilder().withThreadingModel(ThreadingModel.WORKER);
      this.context = (current == null ? builder : builder.withEventLoop(current.nettyEventLoop())).build();
    }

    @Override
    public void accept(ProcessEvent event) {
      long at = System.currentTimeMillis();
      // A traced message is the process's own object, which it may change after this: read now.
      pending.offer(event instanceof ProcessEvent.Traced ? toJson(event, at) : new Stamped(event, at));
      if (scheduled.compareAndSet(false, true)) {
        context.setTimer(BATCH_MILLIS, id -> publish());
      }
    }

    private void publish() {
      // Cleared before draining: an event queued during the drain is published now or schedules the next batch.
      scheduled.set(false);
      if (closed) {
        pending.clear();
        return;
      }
      JsonArray batch = new JsonArray();
      for (Object next = pending.poll(); next != null; next = pending.poll()) {
        batch.add(next instanceof Stamped stamped ? stamped.toJson() : next);
      }
      if (!batch.isEmpty()) {
        vertx.eventBus().publish(ADDRESS, batch, LOCAL);
      }
    }

    /** Publishes what is queued, then nothing more. */
    void close() {
      context.runOnContext(v -> {
        publish();
        closed = true;
      });
    }
  }

  /**
   * A batch is built for its consumers and never touched again, so it is handed to them as it is:
   * Vert.x's JSON codec copies it for each consumer, which was a third of a batch's allocation.
   * Consumers read it and must not change it. Local only: it never crosses the wire.
   */
  private static final class Shared implements MessageCodec<JsonArray, JsonArray> {
    static final String NAME = "otpx.system.events";

    @Override
    public void encodeToWire(Buffer buffer, JsonArray batch) {
      throw new UnsupportedOperationException("system.events is published on this node only");
    }

    @Override
    public JsonArray decodeFromWire(int pos, Buffer buffer) {
      throw new UnsupportedOperationException("system.events is published on this node only");
    }

    @Override
    public JsonArray transform(JsonArray batch) {
      return batch;
    }

    @Override
    public String name() {
      return NAME;
    }

    @Override
    public byte systemCodecID() {
      return -1;
    }
  }
}
