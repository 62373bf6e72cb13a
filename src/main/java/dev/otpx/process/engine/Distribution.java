package dev.otpx.process.engine;

import dev.otpx.process.ExitReason;
import dev.otpx.process.OtpException;
import dev.otpx.process.Pid;
import io.netty.channel.EventLoop;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.core.spi.cluster.ClusterManager;
import java.lang.reflect.Field;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What crosses from one node to another: calls, casts, sends, exit signals and monitors addressed
 * to a process of another node travel to that node's one cluster-wide address,
 * {@code otpx.node.<node id>}, and are delivered there as if they were local. Everything else (pids'
 * own addresses, local names) is consumed locally only, so Vert.x never round-robins a message meant
 * for one node's process to another node.
 *
 * <p>Calls in flight and monitors of remote processes are indexed by node: when a node leaves
 * ({@link #nodeLeft}), every call waiting on it fails with an exit {@code noconnection} and every
 * monitor of one of its processes gets exactly one DOWN {@code noconnection}, as in Erlang; every
 * process linked to one of its processes gets an exit signal {@code noconnection} through the link. A
 * link across nodes is kept on both sides (each cell knows the other's pid) and an exit travels as
 * an exit signal marked as the link's. A message
 * crossing nodes must be one the event bus can encode (JSON, strings, numbers, buffers).
 *
 * <p>Vert.x opens its one connection to another node on the event loop of whatever first sends
 * there, and flushes each message written from that loop on its own (one write to the socket per
 * message), while messages written from other loops are queued and flushed together. Left to
 * itself, the first process that answers a remote call would own the connection, and every reply
 * of that (usually busy) process would cost a socket write of its own: half the throughput of 64
 * calls in flight. So this node's address is consumed on a context of its own, and the node opens
 * its connections from there ({@code connect} when it opens, answered by {@code connected}),
 * before any process sends.
 *
 * <p>That context is on the event loop that reads every connection from other nodes (the clustered
 * event bus's server loop, {@link #eventBusLoop}), so a message from another node reaches this
 * node's consumer without a thread hand-off and goes from there straight to its process's loop:
 * one hop, as to a raw clustered consumer. On any other loop it took two, and the extra wake-up
 * cost about a third of the receiving node's CPU per call (docs/benchmarks.md, issue 13).
 */
public final class Distribution {

  /** Prefix of each node's cluster-wide address. */
  public static final String NODE_ADDRESS_PREFIX = "otpx.node.";

  /** How long the steps after a node left (freeing its global names) may delay its DOWNs. */
  static final Duration NODE_LEFT_STEPS_LIMIT = Duration.ofSeconds(5);

  private static final Logger log = LoggerFactory.getLogger(Distribution.class);

  private static final String OP = "otpx.op";
  private static final String PID = "otpx.pid";
  private static final String NAME = "otpx.name";
  private static final String FROM = "otpx.from";
  private static final String NODE = "otpx.node";
  private static final String REF = "otpx.ref";
  /** On an exit signal: a link carries it (dropped if the receiver unlinked meanwhile). */
  private static final String LINK = "otpx.link";

  private final ProcessTable table;
  private final Vertx vertx;
  private final String self;
  /** Calls waiting for a reply from each node, with the pid or name each one called. */
  private final Map<String, Map<Promise<?>, Object>> calls = new ConcurrentHashMap<>();
  /** Monitors set here on processes of each node: ref to whom to tell. */
  private final Map<String, Map<Long, Consumer<ExitReason>>> watching = new ConcurrentHashMap<>();
  /** Monitors each other node set on processes here: its ref to ours, with the watched pid. */
  private final Map<String, Map<Long, Watched>> watchedBy = new ConcurrentHashMap<>();
  /** Nodes seen leaving: a monitor of one of their processes is told noconnection at once. */
  private final Set<String> gone = ConcurrentHashMap.newKeySet();
  private final Set<Function<String, Future<?>>> nodeLeftSteps = ConcurrentHashMap.newKeySet();
  private volatile MessageConsumer<Object> consumer;
  /** Where this node's address is consumed and its connections to other nodes are opened. */
  private final ContextInternal context;

  private record Watched(Pid pid, long ref) {
  }

  Distribution(ProcessTable table) {
    this.table = table;
    this.vertx = table.vertx();
    this.self = table.node();
    this.context = Placement.newNeutralContext(vertx, eventBusLoop(vertx));
  }

  /**
   * The event loop on which the clustered event bus reads every connection from other nodes: its
   * server listens from a context of its own (Vert.x 5's {@code ClusteredEventBus}), so each inbound
   * connection is served on that context's loop. Vert.x does not expose that context; it is read
   * from the event bus's private {@code context} field, and when a Vert.x version lacks it the
   * consumer takes any loop, which works the same at the cost of one more hop per message.
   *
   * @param vertx a clustered Vert.x instance
   * @return the loop, or null when it cannot be found
   */
  static EventLoop eventBusLoop(Vertx vertx) {
    try {
      Field field = vertx.eventBus().getClass().getDeclaredField("context");
      field.setAccessible(true);
      return ((ContextInternal) field.get(vertx.eventBus())).nettyEventLoop();
    } catch (ReflectiveOperationException | RuntimeException notThere) {
      log.warn("the clustered event bus's event loop is not found ({}): messages from other nodes take one more"
        + " thread hand-off", notThere.toString());
      return null;
    }
  }

  /**
   * The cluster-wide address of a node.
   *
   * @param node the node's id
   * @return {@code otpx.node.<node>}
   */
  public static String address(String node) {
    return NODE_ADDRESS_PREFIX + node;
  }

  /** @return completes once this node's address consumes messages from the cluster */
  public Future<Void> start() {
    Promise<Void> started = Promise.promise();
    context.runOnContext(v -> {
      MessageConsumer<Object> listening = vertx.eventBus().consumer(address(self));
      listening.handler(this::receive);
      consumer = listening;
      listening.completion().onSuccess(ok -> {
        ClusterManager cluster = ((VertxInternal) vertx).clusterManager();
        cluster.getNodes().stream().filter(node -> !node.equals(self)).forEach(node -> connect(node, "connect"));
      }).onComplete(started);
    });
    return started.future();
  }

  /**
   * Sends a no-op to a node from this node's own context, so that Vert.x opens the connection to it
   * on that context's loop (see the class comment); dropped when the node has no address yet (it
   * connects itself when it opens, and is answered then).
   */
  private void connect(String node, String op) {
    if (context.isRunningOnContext()) {
      vertx.eventBus().send(address(node), null, new DeliveryOptions().addHeader(OP, op).addHeader(NODE, self));
    } else {
      context.runOnContext(v -> connect(node, op));
    }
  }

  /**
   * Adds a step that runs when a node leaves, before its processes' monitors are told: a monitor
   * that reacts to the DOWN (a singleton's standby) then finds the node's global names freed.
   *
   * @param step gets the node's id; its future completes when done
   */
  void onNodeLeft(Function<String, Future<?>> step) {
    nodeLeftSteps.add(step);
  }

  /**
   * A node left the cluster: fail the calls waiting on it and tell every monitor of its processes
   * {@code noconnection}, each exactly once; forget the monitors it held here.
   *
   * @param node the node's id
   */
  public void nodeLeft(String node) {
    if (node.equals(self) || !gone.add(node)) {
      return;
    }
    log.info("node {}: node {} left the cluster", self, node);
    List<Future<?>> steps = new ArrayList<>();
    for (Function<String, Future<?>> step : nodeLeftSteps) {
      try {
        steps.add(step.apply(node).onFailure(err -> log.warn("node {}: a step after node {} left failed: {}", self, node, err.toString())));
      } catch (RuntimeException e) {
        log.warn("node {}: a step after node {} left failed: {}", self, node, e.toString());
      }
    }
    long began = System.nanoTime();
    // Bounded: the shared map can be slow while Hazelcast repairs its partitions, and a monitor must
    // hear of the node's end whatever happens to the names.
    Future.join(steps).timeout(NODE_LEFT_STEPS_LIMIT.toMillis(), TimeUnit.MILLISECONDS).onComplete(ar -> {
      log.info("node {}: cleanup after node {} left took {} ms{}", self, node,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began), ar.failed() ? " and failed: " + ar.cause() : "");
      tellNodeLeft(node);
    });
  }

  private void tellNodeLeft(String node) {
    Map<Promise<?>, Object> waiting = calls.remove(node);
    if (waiting != null) {
      waiting.forEach((call, dest) -> call.tryFail(noconnection(dest, node)));
    }
    Map<Long, Consumer<ExitReason>> monitors = watching.remove(node);
    if (monitors != null) {
      monitors.values().forEach(onDown -> onDown.accept(ExitReason.NOCONNECTION));
    }
    log.info("node {}: told {} call(s) and {} monitor(s) of node {}: noconnection", self,
      waiting == null ? 0 : waiting.size(), monitors == null ? 0 : monitors.size(), node);
    Map<Long, Watched> theirs = watchedBy.remove(node);
    if (theirs != null) {
      theirs.values().forEach(w -> table.demonitor(table.lookup(w.pid()), w.ref()));
    }
    // Links are few and a node leaves rarely: a scan of this node's processes beats an index that
    // every link, unlink and exit would have to keep true.
    int links = 0;
    for (ProcessCell cell : table.processes()) {
      for (Pid remote : cell.remoteLinksOn(node)) {
        cell.signal(remote, ExitReason.NOCONNECTION, true);
        links++;
      }
    }
    if (links > 0) {
      log.info("node {}: sent {} exit signal(s) noconnection through links to node {}", self, links, node);
    }
  }

  /**
   * A node joined (again, after a split): messages to it flow again.
   *
   * @param node the node's id
   */
  public void nodeJoined(String node) {
    gone.remove(node);
    // After a split the old connection is gone: open the new one from here too. A node that has just
    // started has no address yet and connects itself once it has.
    if (consumer != null && !node.equals(self)) {
      connect(node, "connect");
    }
  }

  /**
   * @param pid a pid
   * @return whether it names a process of another node
   */
  boolean isRemote(Pid pid) {
    return !pid.node().equals(self);
  }

  /**
   * Calls a process of another node, by pid or by a name local to that node.
   *
   * @param node the node
   * @param pid the pid, or null for a name
   * @param name the name, or null for a pid
   * @param request the request
   * @param timeout the limit
   * @param <R> the reply type
   * @return the reply, or the failure the remote process or the cluster gave
   */
  <R> Future<R> call(String node, Pid pid, String name, Object request, Duration timeout) {
    Object dest = pid != null ? pid : name + "@" + node;
    if (gone.contains(node)) {
      return Future.failedFuture(noconnection(dest, node));
    }
    long millis = Math.max(1, timeout.toMillis());
    Promise<R> reply = table.callerContext().promise();
    Map<Promise<?>, Object> pending = calls.computeIfAbsent(node, n -> new ConcurrentHashMap<>());
    pending.put(reply, dest);
    DeliveryOptions options = target(new DeliveryOptions().setSendTimeout(millis).addHeader(OP, "call"), pid, name);
    vertx.eventBus().<R>request(address(node), request, options).onComplete(ar -> {
      pending.remove(reply);
      if (ar.succeeded()) {
        reply.tryComplete(ar.result().body());
      } else {
        reply.tryFail(failure(ar.cause(), dest, pid, millis));
      }
    });
    return reply.future();
  }

  /**
   * Casts ({@code info} false) or sends ({@code info} true) to a process of another node; dropped when
   * there is none, as a local cast is.
   */
  void cast(String node, Pid pid, String name, Object message, boolean info) {
    if (gone.contains(node)) {
      return;
    }
    vertx.eventBus().send(address(node), message, target(new DeliveryOptions().addHeader(OP, info ? "send" : "cast"), pid, name));
  }

  /**
   * Sends an exit signal from {@code from} (or nobody) to a process of another node: Erlang's
   * {@code exit/2}, or ({@code viaLink}) the end of a process linked to it.
   */
  void exit(Pid target, Pid from, ExitReason reason, boolean viaLink) {
    if (gone.contains(target.node())) {
      return;
    }
    DeliveryOptions options = target(new DeliveryOptions().addHeader(OP, "exit"), target, null);
    if (from != null) {
      options.addHeader(FROM, from.toString());
    }
    if (viaLink) {
      options.addHeader(LINK, "true");
    }
    vertx.eventBus().send(address(target.node()), reason.toJson(), options);
  }

  /**
   * Links a process of this node to one of another node, both ways: this side at once, the other
   * when the request reaches its node. A process that is not there answers with an exit signal
   * noproc through the link, a node that is not in the cluster with noconnection, as in Erlang.
   *
   * @param cell the linking process, of this node
   * @param remote the other process
   */
  void link(ProcessCell cell, Pid remote) {
    if (!cell.addRemoteLink(remote)) {
      return;
    }
    if (gone.contains(remote.node())) {
      cell.signal(remote, ExitReason.NOCONNECTION, true);
      return;
    }
    vertx.eventBus().send(address(remote.node()), null, target(new DeliveryOptions()
      .addHeader(OP, "link").addHeader(FROM, cell.pid().toString()), remote, null));
    // The node may have left between the check and the send, after nodeLeft's scan: signal it here;
    // a second signal through the same link finds it gone and is dropped.
    if (gone.contains(remote.node())) {
      cell.signal(remote, ExitReason.NOCONNECTION, true);
    }
  }

  /** Removes the other node's side of a link whose side here {@code local} has just removed. */
  void unlink(Pid local, Pid remote) {
    if (gone.contains(remote.node())) {
      return;
    }
    vertx.eventBus().send(address(remote.node()), null, target(new DeliveryOptions()
      .addHeader(OP, "unlink").addHeader(FROM, local.toString()), remote, null));
  }

  /**
   * Monitors a process of another node: {@code onDown} runs exactly once, with its exit reason, with
   * noproc when it was not there, or with noconnection when its node leaves first.
   */
  void monitor(Pid pid, long ref, Consumer<ExitReason> onDown) {
    if (gone.contains(pid.node())) {
      onDown.accept(ExitReason.NOCONNECTION);
      return;
    }
    watching.computeIfAbsent(pid.node(), n -> new ConcurrentHashMap<>()).put(ref, onDown);
    // The node may have left between the check and the put: then nodeLeft has run or will run.
    if (gone.contains(pid.node())) {
      Map<Long, Consumer<ExitReason>> monitors = watching.get(pid.node());
      if (monitors != null && monitors.remove(ref) != null) {
        onDown.accept(ExitReason.NOCONNECTION);
      }
      return;
    }
    vertx.eventBus().send(address(pid.node()), null, target(new DeliveryOptions()
      .addHeader(OP, "monitor").addHeader(NODE, self).addHeader(REF, Long.toString(ref)), pid, null));
  }

  /** Removes a monitor of {@link #monitor}; true when it was active. */
  boolean demonitor(Pid pid, long ref) {
    Map<Long, Consumer<ExitReason>> monitors = watching.get(pid.node());
    if (monitors == null || monitors.remove(ref) == null) {
      return false;
    }
    vertx.eventBus().send(address(pid.node()), null, new DeliveryOptions()
      .addHeader(OP, "demonitor").addHeader(NODE, self).addHeader(REF, Long.toString(ref)));
    return true;
  }

  /** Unregisters this node's address: the node is closing. */
  Future<Void> close() {
    MessageConsumer<Object> listening = consumer;
    return listening == null ? Future.succeededFuture() : listening.unregister();
  }

  private static DeliveryOptions target(DeliveryOptions options, Pid pid, String name) {
    return pid != null ? options.addHeader(PID, pid.toString()) : options.addHeader(NAME, name);
  }

  private void receive(Message<Object> message) {
    MultiMap headers = message.headers();
    String op = headers.get(OP);
    try {
      switch (op == null ? "" : op) {
        case "call" -> {
          ProcessCell cell = local(headers);
          if (cell == null) {
            message.fail(OtpException.Failure.NOPROC.failureCode(), OtpException.noproc(dest(headers)).getMessage());
          } else {
            cell.deliver(new Envelope.Call(message.body(), new EventBusCaller(message)));
          }
        }
        case "cast" -> {
          ProcessCell cell = local(headers);
          if (cell != null) {
            cell.deliver(new Envelope.Cast(message.body(), headers.get(NAME) != null ? headers.get(NAME) : cell.address()));
          }
        }
        case "send" -> {
          ProcessCell cell = local(headers);
          if (cell != null) {
            cell.deliver(new Envelope.Info(message.body()));
          }
        }
        case "exit" -> {
          ProcessCell cell = local(headers);
          if (cell != null) {
            String from = headers.get(FROM);
            cell.signal(from == null ? null : Pid.parse(from), ExitReason.fromJson((JsonObject) message.body()),
              "true".equals(headers.get(LINK)));
          }
        }
        case "link" -> linked(headers);
        case "unlink" -> {
          ProcessCell cell = local(headers);
          if (cell != null) {
            cell.removeLink(Pid.parse(headers.get(FROM)));
          }
        }
        case "monitor" -> monitored(headers);
        case "demonitor" -> demonitored(headers);
        case "down" -> down(headers, (JsonObject) message.body());
        case "connect" -> connect(headers.get(NODE), "connected");
        case "connected" -> {
          // our connection to that node is open, theirs to us too
        }
        default -> log.warn("node {}: dropped a cluster message without a known operation ({})", self, op);
      }
    } catch (RuntimeException bad) {
      // Only another otpx node writes here; a message it cannot have meant is dropped, not fatal.
      log.warn("node {}: dropped a malformed cluster message ({}): {}", self, op, bad.toString());
      if (message.replyAddress() != null) {
        message.fail(OtpException.Failure.ERROR.failureCode(), "bad_request: " + bad.getMessage());
      }
    }
  }

  private ProcessCell local(MultiMap headers) {
    String pid = headers.get(PID);
    return pid != null ? table.lookup(Pid.parse(pid)) : table.lookup(headers.get(NAME));
  }

  private static Object dest(MultiMap headers) {
    String pid = headers.get(PID);
    return pid != null ? pid : headers.get(NAME);
  }

  private void monitored(MultiMap headers) {
    String watcher = headers.get(NODE);
    long theirRef = Long.parseLong(headers.get(REF));
    Pid pid = Pid.parse(headers.get(PID));
    long ours = table.newRef();
    Map<Long, Watched> theirs = watchedBy.computeIfAbsent(watcher, n -> new ConcurrentHashMap<>());
    theirs.put(theirRef, new Watched(pid, ours));
    table.monitor(table.lookup(pid), ours, reason -> {
      if (theirs.remove(theirRef) != null) {
        vertx.eventBus().send(address(watcher), reason.toJson(), new DeliveryOptions()
          .addHeader(OP, "down").addHeader(NODE, self).addHeader(REF, Long.toString(theirRef)));
      }
    });
  }

  private void linked(MultiMap headers) {
    Pid linker = Pid.parse(headers.get(FROM));
    Pid target = Pid.parse(headers.get(PID));
    ProcessCell cell = table.lookup(target);
    if (cell == null || !cell.addRemoteLink(linker)) {
      exit(linker, target, ExitReason.NOPROC, true);
    }
  }

  private void demonitored(MultiMap headers) {
    Map<Long, Watched> theirs = watchedBy.get(headers.get(NODE));
    Watched watched = theirs == null ? null : theirs.remove(Long.parseLong(headers.get(REF)));
    if (watched != null) {
      table.demonitor(table.lookup(watched.pid()), watched.ref());
    }
  }

  private void down(MultiMap headers, JsonObject reason) {
    Map<Long, Consumer<ExitReason>> monitors = watching.get(headers.get(NODE));
    Consumer<ExitReason> onDown = monitors == null ? null : monitors.remove(Long.parseLong(headers.get(REF)));
    if (onDown != null) {
      onDown.accept(ExitReason.fromJson(reason));
    }
  }

  /** A call to a process (exit noconnection) or a name (error noconnection) of a node that left. */
  private static OtpException noconnection(Object dest, String node) {
    return dest instanceof Pid pid ? OtpException.exit(pid, ExitReason.NOCONNECTION)
      : OtpException.error("noconnection", dest + ": node " + node + " is not in the cluster");
  }

  /** The failure a remote call ends with, as the same call to a local process would. */
  private Throwable failure(Throwable cause, Object dest, Pid pid, long millis) {
    if (!(cause instanceof ReplyException reply)) {
      return cause;
    }
    if (reply.failureType() == ReplyFailure.TIMEOUT) {
      return OtpException.timeout(dest, millis);
    }
    if (reply.failureType() == ReplyFailure.NO_HANDLERS) {
      return noconnection(dest, pid == null ? "?" : pid.node());
    }
    String text = reply.getMessage() == null ? "" : reply.getMessage();
    int code = reply.failureCode();
    if (code == OtpException.Failure.NOPROC.failureCode()) {
      return OtpException.noproc(dest);
    }
    if (code == OtpException.Failure.EXIT.failureCode()) {
      int at = text.lastIndexOf(" exited with ");
      return OtpException.exit(pid, at < 0 ? ExitReason.error(text) : reason(text.substring(at + " exited with ".length())));
    }
    if (code == OtpException.Failure.TIMEOUT.failureCode()) {
      return OtpException.timeout(dest, millis);
    }
    int colon = text.indexOf(": ");
    return colon > 0 ? OtpException.error(text.substring(0, colon), text.substring(colon + 2)) : OtpException.error("error", text);
  }

  /** Reads a reason back from its printed form ({@link ExitReason#toString()}). */
  static ExitReason reason(String printed) {
    return switch (printed) {
      case "normal" -> ExitReason.NORMAL;
      case "shutdown" -> ExitReason.SHUTDOWN;
      case "kill" -> ExitReason.KILL;
      case "killed" -> ExitReason.KILLED;
      case "noproc" -> ExitReason.NOPROC;
      case "noconnection" -> ExitReason.NOCONNECTION;
      default -> {
        if (printed.startsWith("{shutdown, ") && printed.endsWith("}")) {
          yield ExitReason.shutdown(printed.substring("{shutdown, ".length(), printed.length() - 1));
        }
        if (printed.startsWith("{error, ") && printed.endsWith("}")) {
          yield ExitReason.error(printed.substring("{error, ".length(), printed.length() - 1));
        }
        yield ExitReason.error(printed);
      }
    };
  }
}
