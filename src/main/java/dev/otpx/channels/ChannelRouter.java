package dev.otpx.channels;

import dev.otpx.channels.TopicChannelMsg.Join;
import dev.otpx.channels.TopicChannelMsg.Leave;
import dev.otpx.channels.TopicChannelMsg.Push;
import dev.otpx.channels.TopicChannelMsg.Resync;
import dev.otpx.channels.TopicChannelMsg.SocketClosed;
import dev.otpx.logging.LogText;
import dev.otpx.process.CallResult;
import dev.otpx.process.CastResult;
import dev.otpx.process.Down;
import dev.otpx.process.DynamicSupervisor;
import dev.otpx.process.ExitReason;
import dev.otpx.process.From;
import dev.otpx.process.GenServer;
import dev.otpx.process.Global;
import dev.otpx.process.InitResult;
import dev.otpx.process.Nodes;
import dev.otpx.process.OtpException;
import dev.otpx.process.Pid;
import dev.otpx.process.Processes;
import dev.otpx.process.Registry;
import dev.otpx.store.Store;
import dev.otpx.store.StoreException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The front door of the channels: takes the browsers' joins, posts and leaves from the event bus,
 * starts or finds the topic's {@link TopicChannel} and forwards to it, and remembers which socket
 * joined which topic so that a closed socket leaves them all.
 *
 * <p>Registered as {@code channels.join} (its child spec's name); its init registers
 * {@code channels.push}, {@code channels.leave} and {@code channels.socket_closed} too, so all four
 * names come and go with it. The address a message came on says what it is ({@link
 * From#address()}, {@link #castAddress()}): a body sent to {@code channels.join} is read as a join
 * and nothing else, so a misspelt field is a {@code bad_request}, never another action. Args: the
 * {@link ChannelOptions} keys, handed on as the topic processes' args.
 *
 * <p><b>Requests</b> (with a reply address): a {@code bad_request} naming the field is answered at
 * once. A join starts the topic's process under {@code channels.topics} when none runs (two joins
 * racing to start one topic share the start, and one that lost a race to another starter uses the
 * holder), then forwards. A push or leave from a socket that has not joined the topic is answered
 * {@code not_joined} without disturbing the topic. The router never waits: it answers each request
 * when its topic does, relaying the topic's reply or error ({@code bad_request},
 * {@code not_joined}, {@code unavailable}, ...) as it came; a join (or post) for a video the
 * store does not have is answered {@code not_found} and starts no process; a topic that exited or did not answer in time gives
 * {@code exit}, {@code noproc} or {@code timeout}, and no {@code channels.topics} gives
 * {@code unavailable}, as does a post whose topic's node left the cluster before answering (a join or
 * leave then goes to the topic's process started again on this node). A topic process that stopped (idle) just as a request reached it is started
 * again once for that request.
 *
 * <p><b>Sends</b> (no reply address): {@code {"socket_id"}}, the bridge's notice that a socket
 * closed; every topic that socket joined is told (a cast), which untracks its presence. A send
 * that names a topic (a browser's request sent without a reply address) is ignored.
 *
 * <p><b>Restarts.</b> Topic processes are temporary. When one crashes while sockets are in its
 * topic, the router starts it again and casts it a join for each of them, so presence comes back and
 * their posts keep working; any topic process it meets that has not heard of its sockets yet (say,
 * after {@code channels.topics} restarted) is told the same way before the request is forwarded.
 * The annotations themselves are in the database ({@link Store}) and survive all this.
 */
public final class ChannelRouter extends GenServer<Void> {

  private static final Logger log = LoggerFactory.getLogger(ChannelRouter.class);

  private ChannelOptions options;
  /**
   * topic → socket id → username: who joined what, through which socket. Kept by topic only: the
   * bridge says which topics a closed socket had ({@link SocketClosed#topics}), and a map by socket
   * as well cost about 64 bytes a client at 10,000 in one topic (docs/benchmarks.md).
   */
  private final Map<String, Map<String, String>> members = new HashMap<>();
  /** topic → the process that has been told about every member (and is monitored). */
  private final Map<String, Pid> synced = new HashMap<>();
  /** monitor ref → topic. */
  private final Map<Long, String> monitors = new HashMap<>();
  /** topic → its process's start in flight, shared by every request that needs it. */
  private final Map<String, Future<Pid>> starting = new HashMap<>();

  @Override
  protected Future<InitResult<Void>> init(JsonObject args) {
    options = ChannelOptions.fromJson(args);
    return Registry.register(vertx, ChannelAddresses.PUSH, self())
      .compose(v -> Registry.register(vertx, ChannelAddresses.LEAVE, self()))
      .compose(v -> Registry.register(vertx, ChannelAddresses.SOCKET_CLOSED, self()))
      .map(v -> InitResult.ok());
  }

  @Override
  protected CallResult<Void> handleCall(Object request, From from, Void state) {
    TopicChannelMsg msg;
    try {
      msg = switch (from.address()) {
        case ChannelAddresses.JOIN -> TopicChannelMsg.join(request);
        case ChannelAddresses.PUSH -> TopicChannelMsg.push(request, options);
        case ChannelAddresses.LEAVE -> TopicChannelMsg.leave(request);
        case ChannelAddresses.SOCKET_CLOSED -> TopicChannelMsg.socketClosed(request);
        default -> throw new IllegalArgumentException("address " + from.address() + " takes no channel requests: send to "
          + ChannelAddresses.JOIN + ", " + ChannelAddresses.PUSH + " or " + ChannelAddresses.LEAVE);
      };
    } catch (IllegalArgumentException bad) {
      return CallResult.error("bad_request", bad.getMessage());
    }
    if (msg instanceof Join plain) {
      Join join = plain.via(self().toString());
      // Remembered now, not on success: a socket_closed overtaking the reply must still reach the topic.
      remember(join.socketId(), join.topic(), join.username());
      forward(join.topic(), join, join.socketId(), true).onComplete(ar -> {
        if (ar.failed() && forget(join.socketId(), join.topic(), join.username())) {
          // A restart may have replayed this join before it failed: undo it there too.
          Pid pid = synced.get(join.topic());
          if (pid != null) {
            cast(pid, new Leave(join.topic(), join.username(), join.socketId()));
          }
        }
        relay(from, ar.succeeded() ? ar.result() : null, ar.cause());
      });
    } else if (msg instanceof Push push) {
      if (!isMember(push.socketId(), push.topic(), push.username())) {
        return notJoined(push.socketId(), push.topic());
      }
      forward(push.topic(), push, null, true).onComplete(ar -> relay(from, ar.succeeded() ? ar.result() : null, ar.cause()));
    } else if (msg instanceof Leave leave) {
      if (!isMember(leave.socketId(), leave.topic(), leave.username())) {
        return notJoined(leave.socketId(), leave.topic());
      }
      forget(leave.socketId(), leave.topic(), leave.username());
      Pid running = synced.get(leave.topic());
      if (running == null) {
        // No process this router has told of its sockets (none, or one that restarted and will be
        // told when next needed, without this one): nothing to undo there.
        return CallResult.reply(new JsonObject().put("status", "ok"));
      }
      GenServer.<Object>call(vertx, running, wire(running, leave)).onComplete(ar -> relay(from, ar.succeeded() ? ar.result() : null, ar.cause()));
    } else {
      socketClosed((SocketClosed) msg);
      return CallResult.reply(new JsonObject().put("status", "ok"));
    }
    return CallResult.noReply();
  }

  @Override
  protected CastResult<Void> handleCast(Object message, Void state) {
    if (!ChannelAddresses.SOCKET_CLOSED.equals(castAddress())) {
      // A browser's join, post or leave sent without a reply address: there is no one to answer.
      log.debug("channel router ignored a send without a reply address to {}", castAddress());
      return CastResult.noReply();
    }
    try {
      socketClosed(TopicChannelMsg.socketClosed(message));
    } catch (IllegalArgumentException bad) {
      log.warn("channel router ignored a socket_closed notice ({}): {}", bad.getMessage(), LogText.quote(message));
    }
    return CastResult.noReply();
  }

  @Override
  protected CastResult<Void> handleInfo(Object message, Void state) {
    if (message instanceof Down down && monitors.containsKey(down.ref())) {
      String topic = monitors.remove(down.ref());
      if (down.pid().equals(synced.get(topic))) {
        synced.remove(topic);
      }
      if (!down.reason().isNormal() && members.containsKey(topic)) {
        log.warn("channel {} exited with {} while {} socket(s) were in it: starting it again",
          topic, down.reason(), members.get(topic).size());
        ensure(topic, null).onFailure(err -> log.warn("channel {} could not be started again: {}", topic, err.toString()));
      }
      return CastResult.noReply();
    }
    return super.handleInfo(message, state);
  }

  // ---------------------------------------------------------------- forwarding

  /**
   * Calls the topic's process (started if needed). A process that exited normally or vanished just
   * before the call (an idle stop racing the request), or whose node left the cluster, is started
   * again once; a post whose topic's node left is answered {@code unavailable} instead, since it may
   * already be stored.
   */
  private Future<Object> forward(String topic, TopicChannelMsg msg, String joiningSocket, boolean retry) {
    return ensure(topic, joiningSocket).compose(pid -> GenServer.call(vertx, pid, wire(pid, msg)).recover(err -> {
      boolean nodeLeft = err instanceof OtpException otp && otp.failure() == OtpException.Failure.EXIT
        && ExitReason.NOCONNECTION.equals(otp.reason());
      if (nodeLeft && msg instanceof TopicChannelMsg.Push) {
        // The post may have been stored just before the topic's node went: asking again could store
        // it twice, so the client is told to look (rejoin with its last_seen_id) before it posts again.
        return Future.failedFuture(OtpException.error("unavailable",
          "the topic's node left the cluster before answering; rejoin with last_seen_id to see whether the post was stored"));
      }
      if (retry && err instanceof OtpException otp
        && (otp.failure() == OtpException.Failure.NOPROC || nodeLeft
          || otp.failure() == OtpException.Failure.EXIT && otp.reason() != null && otp.reason().isNormal())) {
        // Its callers are failed before its name is freed: wait for the DOWN, which comes after.
        // A dead process's global name may outlive its DOWN for a moment: free it (only if that
        // dead process still holds it), or the retry would find the same pid again.
        return onOwnContext(Processes.monitor(vertx, pid).down()
          .compose(down -> Global.unregister(vertx, TopicChannel.name(topic), pid).otherwiseEmpty())).compose(freed -> {
          synced.remove(topic, pid);
          return forward(topic, msg, joiningSocket, false);
        });
      }
      return Future.failedFuture(err);
    }));
  }

  /**
   * The topic's process, running and told about every member (but {@code joiningSocket}, whose
   * join is on its way).
   */
  private Future<Pid> ensure(String topic, String joiningSocket) {
    Pid known = synced.get(topic);
    if (known != null) {
      // Watched: a DOWN removes it, so it is the topic's process or about to be reported gone.
      return Future.succeededFuture(known);
    }
    Future<Pid> pid = Global.whereis(vertx, TopicChannel.name(topic))
      .compose(running -> running.isPresent() ? Future.succeededFuture(running.get()) : start(topic));
    return onOwnContext(pid).map(p -> {
      sync(topic, p, joiningSocket);
      return p;
    });
  }

  /** A message as it can reach {@code pid}: the record on this node, its JSON form across nodes. */
  private Object wire(Pid pid, TopicChannelMsg msg) {
    return pid.node().equals(Nodes.self(vertx)) ? msg : msg.toWire();
  }

  private void cast(Pid pid, TopicChannelMsg msg) {
    GenServer.cast(vertx, pid, wire(pid, msg));
  }

  private Future<Pid> start(String topic) {
    Future<Pid> inFlight = starting.get(topic);
    if (inFlight != null) {
      return inFlight;
    }
    Optional<Pid> supervisor = Registry.whereis(vertx, ChannelAddresses.TOPICS);
    if (supervisor.isEmpty()) {
      return Future.failedFuture(OtpException.error("unavailable", ChannelAddresses.TOPICS + " is not running"));
    }
    Future<Pid> started = onOwnContext(videoExists(topic)
      .compose(exists -> DynamicSupervisor.startChild(vertx, supervisor.get(), TopicChannel.childSpec(topic, options)))
      .recover(err -> {
        if (err instanceof OtpException otp && otp.failure() == OtpException.Failure.ALREADY_STARTED && otp.pid() != null) {
          return Future.succeededFuture(otp.pid());
        }
        return Future.failedFuture(err);
      })
      .compose(pid -> claim(topic, supervisor.get(), pid)));
    // Only a start still under way is shared: one that completed at once (its removal would have
    // run before the put) must not be left behind, or every later start would get its dead pid.
    if (!started.isComplete()) {
      starting.put(topic, started);
      started.onComplete(ar -> starting.remove(topic, started));
    }
    return started;
  }

  /**
   * Makes a process started here the topic's one in the cluster, under the global name
   * {@link TopicChannel#name}: when a router of another node was quicker, its process serves the
   * topic and ours stops, so that every node's browsers meet in one process.
   */
  private Future<Pid> claim(String topic, Pid supervisor, Pid pid) {
    String name = TopicChannel.name(topic);
    return Global.register(vertx, name, pid).map(v -> pid).recover(err -> {
      if (err instanceof OtpException otp && otp.failure() == OtpException.Failure.ALREADY_STARTED && otp.pid() != null) {
        if (otp.pid().equals(pid)) {
          return Future.succeededFuture(pid);
        }
        DynamicSupervisor.terminateChild(vertx, supervisor, pid)
          .onFailure(e -> log.debug("channel {}: the spare process {} was already gone: {}", topic, pid, e.toString()));
        return Future.succeededFuture(otp.pid());
      }
      return Future.failedFuture(err);
    });
  }

  /**
   * Succeeds when the topic's video is in the store: {@code not_found} when it is not (no process is
   * started for it), {@code unavailable} when the database does not answer. Asked only before a
   * start: a running topic's video exists, since videos are never deleted.
   */
  private Future<Void> videoExists(String topic) {
    long videoId = ChannelAddresses.videoId(topic);
    Future<Boolean> exists;
    try {
      exists = Store.shared(vertx).videos().exists(videoId);
    } catch (IllegalStateException noStore) {
      return Future.failedFuture(OtpException.error("unavailable", "the store is not open"));
    }
    return exists.transform(ar -> {
      if (ar.succeeded()) {
        return ar.result()
          ? Future.<Void>succeededFuture()
          : Future.failedFuture(OtpException.error("not_found", "video " + videoId + " does not exist"));
      }
      String code = ar.cause() instanceof StoreException failed ? failed.failure().code() : "internal";
      return Future.failedFuture(OtpException.error(code, "the videos are unavailable for now; try again"));
    });
  }

  /** Tells a process it has not met yet who is in its topic, and watches it. */
  private void sync(String topic, Pid pid, String joiningSocket) {
    if (pid.equals(synced.get(topic))) {
      return;
    }
    synced.put(topic, pid);
    monitors.put(monitor(pid), topic);
    Map<String, String> present = new LinkedHashMap<>(members.getOrDefault(topic, Map.of()));
    if (joiningSocket != null) {
      present.remove(joiningSocket);
    }
    if (!present.isEmpty()) {
      cast(pid, new Resync(topic, self().toString(), present));
    }
  }

  private void socketClosed(SocketClosed closed) {
    String socketId = closed.socketId();
    // Without the bridge's word on its topics (a sender that does not know them), every topic is
    // looked at: one lookup per topic this router serves.
    List<String> topics = closed.topics() != null ? closed.topics() : List.copyOf(members.keySet());
    for (String topic : topics) {
      Map<String, String> present = members.get(topic);
      String username = present == null ? null : present.get(socketId);
      if (username == null) {
        continue;
      }
      removeMember(topic, socketId);
      Pid pid = synced.get(topic);
      if (pid != null) {
        cast(pid, new Leave(topic, username, socketId));
      }
    }
  }

  /** Answers the browser with the topic's reply, or its failure as it came. */
  private static void relay(From from, Object reply, Throwable failure) {
    if (failure == null) {
      from.reply(reply);
    } else if (failure instanceof OtpException otp) {
      String prefix = otp.code() + ": ";
      String text = otp.getMessage() != null && otp.getMessage().startsWith(prefix)
        ? otp.getMessage().substring(prefix.length())
        : String.valueOf(otp.getMessage());
      from.replyError(otp.code(), text);
    } else {
      log.warn("channel router relays an unexpected failure: {}", failure.toString());
      from.replyError("internal", failure.toString());
    }
  }

  private CallResult<Void> notJoined(String socketId, String topic) {
    return CallResult.error("not_joined", "socket " + socketId + " has not joined " + topic);
  }

  // ---------------------------------------------------------------- membership

  private boolean isMember(String socketId, String topic, String username) {
    return username.equals(members.getOrDefault(topic, Map.of()).get(socketId));
  }

  private void remember(String socketId, String topic, String username) {
    members.computeIfAbsent(topic, t -> new LinkedHashMap<>()).put(socketId, username);
  }

  /** Forgets a membership, unless it has changed hands since (a later join on the same socket). */
  private boolean forget(String socketId, String topic, String username) {
    if (!isMember(socketId, topic, username)) {
      return false;
    }
    removeMember(topic, socketId);
    return true;
  }

  private void removeMember(String topic, String socketId) {
    Map<String, String> present = members.get(topic);
    if (present != null) {
      present.remove(socketId);
      if (present.isEmpty()) {
        members.remove(topic);
      }
    }
  }
}
