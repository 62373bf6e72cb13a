package dev.otpx.channels;

import dev.otpx.channels.TopicChannelMsg.Join;
import dev.otpx.channels.TopicChannelMsg.Leave;
import dev.otpx.channels.TopicChannelMsg.Push;
import dev.otpx.channels.TopicChannelMsg.SocketClosed;
import dev.otpx.infosys.InfoSys;
import dev.otpx.infosys.QueryOptions;
import dev.otpx.infosys.Result;
import dev.otpx.logging.LogText;
import dev.otpx.process.CallResult;
import dev.otpx.process.CastResult;
import dev.otpx.process.ChildDefaults;
import dev.otpx.process.ChildSpec;
import dev.otpx.process.ExitReason;
import dev.otpx.process.From;
import dev.otpx.process.GenServer;
import dev.otpx.process.InitResult;
import dev.otpx.process.Processes;
import dev.otpx.process.Restart;
import dev.otpx.store.Annotation;
import dev.otpx.store.Store;
import dev.otpx.store.StoreException;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import dev.otpx.channels.TopicChannelMsg.Resync;
import dev.otpx.process.Down;
import dev.otpx.process.Pid;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One video topic's channel, Rumbl's video channel as a process: it answers joins with the history
 * a client missed, stores and broadcasts annotations, posts InfoSys's answers back into the topic,
 * and tracks who is present.
 *
 * <p>Registered as {@code channels.channel.<topic>} ({@link #name}) on its node and, by the router
 * that started it, under the same global name: one process per topic in the cluster, which every
 * node's router forwards to (in the records' JSON form, {@link TopicChannelMsg#toWire}, across
 * nodes). Started on the first join by
 * {@link ChannelRouter} under the {@code channels.topics} dynamic supervisor, and temporary, as
 * Phoenix's channel processes are: a crashed one is started again by the router, which tells it
 * who had joined. Args: {@code topic} plus the {@link ChannelOptions} keys. The annotations are
 * the node's {@link Store} ({@link Store#shared}), in the database: a topic process holds none, so
 * it can crash, stop or move without losing one.
 *
 * <p><b>Calls</b> (the {@link TopicChannelMsg} records; JSON is for the router's addresses, which say
 * what a body is): a {@link Join} replies
 * {@code {"annotations": [...], "presence_state": {...}, "presence_seq", "presence_count", "epoch": "...",
 * "socket_id": "..."}}: a page
 * of the annotations with an id above {@code last_seen_id}, the oldest {@code history_limit} of
 * them in id order, with {@code "truncated": true} when more follow (join again with the largest id
 * received for the next page; {@link dev.otpx.store.Annotations#after} says why this never skips
 * one); the presence state (see below) includes the joiner; the epoch is the {@link Store#epoch()
 * store's}, the same across restarts, which a client keeps with its {@code last_seen_id}: when a
 * rejoin brings another one, the ids it holds are of a database that is gone, and it joins again
 * from 0; {@code socket_id} is the joiner's own, so that a client can drop the metas of its earlier
 * connections, which the server may not have noticed are gone yet. A {@link Push} from a socket
 * that has joined stores the annotation, and once it is committed publishes
 * {@code {"event": "new_annotation", "payload": annotation}} on {@code channels.topic.<topic>} and
 * replies {@code {"status": "ok", "id": n}}; a {@link Leave} replies {@code {"status": "ok"}}.
 * Errors: {@code bad_request} naming the field, {@code not_joined} for a push or leave from a
 * socket that has not joined, {@code unavailable} while the database does not answer (within the
 * store's timeout: never a hang; the next post after it is back succeeds), {@code not_found} for a
 * user the database does not have. Each call is answered only once its store operation is done,
 * and the channel handles nothing else meanwhile, so ids and broadcasts keep one order per topic.
 *
 * <p><b>Casts</b> (from the router): a {@link Join} only tracks presence (a restarted channel
 * learning who is there), a {@link Leave} or {@link SocketClosed} (or its JSON
 * {@code {"socket_id"}}) untracks without a reply; {@link SocketClosed} is also accepted as info.
 *
 * <p><b>Presence</b>, as Phoenix has it: per username, one meta per socket,
 * {@code {"socket_id", "online_at"}} ({@code online_at} in epoch ms). The changes of one
 * {@code presence_batch_ms} go out as one diff, {@code {"event": "presence_diff", "payload":
 * {"seq": n, "joins": {...}, "leaves": {...}}}}, numbered from 1 per process: a client applies the
 * leaves, then the joins, of each diff numbered above the state it holds. A join's reply carries
 * that state: {@code presence_state} as of {@code presence_seq}, plus the joiner (also in the next
 * diff), at most {@code presence_page} metas, with {@code presence_count} (all the metas) and
 * {@code presence_more} (the cursor of the next page, asked for by a join with
 * {@code presence_after}) when more follow. So a storm of N joins costs one diff per batch and a
 * page per join, not a whole state per join and a diff per join. Every diff also carries
 * {@code count}, the metas present after it. <b>Large topics:</b> above
 * {@code presence_detail_limit} metas (1000) a diff carries {@code {"seq", "count"}} only, since
 * sending each join to everyone present costs N²/2 metas in a storm of N, and diffs go out once per
 * {@code presence_large_batch_ms} (1 s), since each is a frame to every client; a join's reply says so
 * ({@code "presence_detail": false}) and lists at most {@code presence_large_page} (10) metas on its
 * first page, and a client that wants the members reads the pages (joins
 * with {@code presence_after}), which are exact as of their {@code presence_seq}. The first diff
 * back at or below the limit carries the whole state, {@code {"seq", "count", "state"}}, which
 * clients take in place of theirs; numbers never skip, whatever a diff carries. Each socket came through a router
 * (its pid is in the join), which the process watches: when the router goes (its node left the
 * cluster), its sockets leave. A {@link TopicChannelMsg.Resync} (a router meeting a new process)
 * tracks its members, then the whole state goes out as {@code {"event": "presence_state",
 * "payload": {"seq", "count", "state"}}}, which clients take in place of theirs (above the detail
 * limit without {@code state}: clients keep the count and read pages for the members).
 *
 * <p><b>InfoSys.</b> After each accepted post the channel asks InfoSys in the background (the body,
 * limit 1, {@code infosys_timeout_ms}); each result is stored and published as an annotation by
 * user {@code result.backend()} at the post's {@code at} (a backend without a user yet gets one,
 * {@link dev.otpx.store.Users#ensureBackend}). The poster's reply never waits for it, and
 * a failure is logged once at WARN and changes nothing else. A body InfoSys would refuse (longer
 * than its {@code max_query_length}, which is below {@code max_body_length} by default) is not
 * asked at all ({@link InfoSys#accepts}): a long annotation is rarely a question, and asking would
 * only earn a {@code bad_request} and a WARN per post.
 *
 * <p><b>Idle stop.</b> With nobody present for {@code idle_stop_ms} (and no InfoSys answer pending)
 * the channel stops with reason normal; a join cancels the countdown. The annotations stay in the
 * database.
 */
@ChildDefaults(restart = Restart.TEMPORARY)
public final class TopicChannel extends GenServer<Void> {

  private static final Logger log = LoggerFactory.getLogger(TopicChannel.class);

  /** The idle countdown's tick; only the latest generation counts. */
  private record IdleCheck(long generation) { }

  /** InfoSys has answered (or failed: no results) for a post at {@code at}. */
  private record Answered(long at, List<Result> results) { }

  private String topic;
  private String address;
  private ChannelOptions options;
  private Store store;
  private long videoId;
  /**
   * One socket's presence: who, since when (epoch ms), the router it came through (its pid as
   * text; null when none vouches for it) and its place in join order (the page cursor). Small on
   * purpose: a topic holds one per socket, twice (live and as last published).
   */
  private record Meta(String socketId, String username, long onlineAt, String router, long order) {
    JsonObject toJson() {
      return new JsonObject().put("socket_id", socketId).put("online_at", onlineAt);
    }
  }

  /** Time to publish the presence changes of the current batch. */
  private record FlushPresence() { }

  /** socket id → its meta, now. */
  private final Map<String, Meta> live = new HashMap<>();
  /**
   * The presence as last published (at {@link #seq}), in join order (by {@link Meta#order}, which
   * only grows): what joins' replies and pages show. A list and not a sorted map: a tree's entry
   * and boxed key per socket were about 60 bytes of each client's heap at 10,000 in one topic.
   */
  private final List<Meta> published = new ArrayList<>();
  /** Sockets changed since the last diff → their meta as last published (null: absent then). */
  private final Map<String, Meta> pending = new LinkedHashMap<>();
  /**
   * router → how many of its sockets are here, to watch it while it has some; a router that goes
   * takes its sockets' presences with it (found then in {@link #live}: rare, so no set per router).
   */
  private final Map<String, Integer> byRouter = new HashMap<>();
  /** monitor ref → the router it watches. */
  private final Map<Long, String> routerMonitors = new HashMap<>();
  /**
   * An annotation id that no annotation of this video above it exists but those this process has
   * stored since (so their ids are in here too): -1 while unknown. A join read that is not cut
   * sets it; each annotation this process stores moves it. A topic's annotations are written only
   * by its one process in the cluster, so a join whose {@code last_seen_id} is at or above it has
   * nothing to read: a reconnect storm of clients that missed nothing costs no database read, and
   * joins no longer queue behind one read each.
   */
  private long caughtUp = -1;
  /** The number of the last published diff; a join's reply says which state it shows. */
  private long seq;
  /**
   * Whether the published state has at most {@code presence_detail_limit} metas, so that its diffs
   * carry every join and leave. Above the limit, a diff that sent every meta to every client would
   * make a storm of N joins cost N²/2 metas on the wire (50 million for 10,000 clients): there a
   * diff carries its number and the count, and the members are read in pages.
   */
  private boolean detailed = true;
  private long order;
  private long flushTimer = -1;
  private long idleTimer = -1;
  private long idleGeneration;
  private int pendingAnswers;
  /** The node's list of topics with their presence and posts, for the observer. */
  private TopicActivity activity;

  /**
   * The registered name of a topic's process.
   *
   * @param topic the topic
   * @return {@code channels.channel.<topic>}
   */
  public static String name(String topic) {
    return ChannelAddresses.CHANNEL_PREFIX + topic;
  }

  /**
   * The init args of a topic's process.
   *
   * @param topic the topic
   * @param options the options
   * @return {@code {"topic", ...options}}
   */
  public static JsonObject args(String topic, ChannelOptions options) {
    return options.toJson().put("topic", topic);
  }

  /**
   * The child spec that starts a topic's process under the topics' dynamic supervisor: temporary,
   * registered as {@link #name}.
   *
   * @param topic the topic
   * @param options the options
   * @return the spec
   */
  public static ChildSpec childSpec(String topic, ChannelOptions options) {
    return ChildSpec.of(name(topic), TopicChannel.class, args(topic, options)).withName(name(topic));
  }

  @Override
  protected Future<InitResult<Void>> init(JsonObject args) {
    topic = args.getString("topic");
    if (!ChannelAddresses.validTopic(topic)) {
      throw new IllegalArgumentException("topic channel arg 'topic' must be videos:<digits>, got " + args.getValue("topic"));
    }
    options = ChannelOptions.fromJson(args);
    address = ChannelAddresses.topicAddress(topic);
    videoId = ChannelAddresses.videoId(topic);
    // The node's store, shared by the application before the channels start.
    store = Store.shared(vertx);
    activity = TopicActivity.of(vertx);
    activity.presence(topic, 0);
    // Started by a join that is on its way; should it never come, the topic stops anyway.
    scheduleIdleStop();
    return Future.succeededFuture(InitResult.ok());
  }

  @Override
  protected Future<Void> terminate(ExitReason reason, Void state) {
    if (activity != null) { // null when init refused the topic
      activity.ended(topic);
    }
    return Future.succeededFuture();
  }

  @Override
  protected CallResult<Void> handleCall(Object request, From from, Void state) {
    if (request instanceof JsonObject wire && wire.containsKey("kind")) {
      // A router on another node: the records' wire form.
      try {
        request = TopicChannelMsg.fromWire(wire);
      } catch (IllegalArgumentException bad) {
        return CallResult.error("bad_request", bad.getMessage());
      }
    }
    if (!(request instanceof TopicChannelMsg msg)) {
      // One address serves every kind, so a JSON body could not say which it is: browsers go
      // through the router's addresses, which do.
      return CallResult.error("bad_request", "a topic process takes the router's messages only: send joins, posts and"
        + " leaves to " + ChannelAddresses.JOIN + ", " + ChannelAddresses.PUSH + " and " + ChannelAddresses.LEAVE);
    }
    if (msg.topic() != null && !msg.topic().equals(topic)) {
      return CallResult.error("bad_request", "topic " + msg.topic() + " is not served by the channel of " + topic);
    }
    if (msg instanceof Join join) {
      return join(join);
    } else if (msg instanceof Push push) {
      return push(push);
    } else if (msg instanceof Leave leave) {
      return untrack(leave.socketId(), leave.username())
        ? CallResult.reply(new JsonObject().put("status", "ok"))
        : notJoined(leave.socketId(), leave.username());
    }
    untrack(((SocketClosed) msg).socketId(), null);
    return CallResult.reply(new JsonObject().put("status", "ok"));
  }

  @Override
  protected CastResult<Void> handleCast(Object message, Void state) {
    try {
      Object msg = message instanceof JsonObject json
        ? json.containsKey("kind") ? TopicChannelMsg.fromWire(json) : TopicChannelMsg.socketClosed(json)
        : message;
      if (msg instanceof TopicChannelMsg typed && typed.topic() != null && !typed.topic().equals(topic)) {
        log.warn("channel {} ignored a cast for topic {}: {}", topic, typed.topic(), typed);
      } else if (msg instanceof Join join) {
        track(join.username(), join.socketId(), join.router());
      } else if (msg instanceof Resync resync) {
        resync(resync);
      } else if (msg instanceof Leave leave) {
        untrack(leave.socketId(), leave.username());
      } else if (msg instanceof SocketClosed closed) {
        untrack(closed.socketId(), null);
      } else {
        log.warn("channel {} ignored an unexpected cast: {}", topic, LogText.quote(message));
      }
    } catch (IllegalArgumentException bad) {
      log.warn("channel {} ignored a bad cast ({}): {}", topic, bad.getMessage(), LogText.quote(message));
    }
    return CastResult.noReply();
  }

  @Override
  protected CastResult<Void> handleInfo(Object message, Void state) {
    if (message instanceof IdleCheck check) {
      return idleCheck(check);
    } else if (message instanceof Answered answered) {
      return storeAnswers(answered);
    } else if (message instanceof SocketClosed closed) {
      untrack(closed.socketId(), null);
      return CastResult.noReply();
    } else if (message instanceof FlushPresence) {
      flushTimer = -1;
      flush();
      return CastResult.noReply();
    } else if (message instanceof Down down && routerMonitors.containsKey(down.ref())) {
      routerGone(routerMonitors.remove(down.ref()), down);
      return CastResult.noReply();
    }
    return super.handleInfo(message, state);
  }

  // ---------------------------------------------------------------- join, push

  private CallResult<Void> join(Join join) {
    if (caughtUp >= 0 && join.lastSeenId() >= caughtUp) {
      // Nothing above last_seen_id to read: a reconnect storm of clients that missed nothing costs no read.
      return CallResult.reply(joined(join, new JsonObject().put("epoch", store.epoch()).put("annotations", new JsonArray())));
    }
    // Presence changes once the history is read, so a failed read leaves nothing half done.
    int limit = options.historyLimit();
    // One more than the limit is read only to tell whether there are more: a client is told so.
    Future<JsonObject> read = store.annotations().after(videoId, join.lastSeenId(), limit == Integer.MAX_VALUE ? limit : limit + 1)
      .map(history -> {
        JsonObject reply = new JsonObject().put("epoch", store.epoch());
        if (history.size() > limit) {
          history = history.subList(0, limit);
          reply.put("truncated", true);
        }
        long newest = history.isEmpty() ? join.lastSeenId() : Math.max(join.lastSeenId(), history.get(history.size() - 1).id());
        return reply.put("annotations", Annotation.toJson(history)).put("newest", newest);
      });
    return CallResult.deferred(onOwnContext(read)
      .map(reply -> {
        // Not cut: nothing of this video above the newest id read (or last_seen_id) but what this process stores next.
        Object newest = reply.remove("newest");
        if (!reply.containsKey("truncated")) {
          caughtUp = Math.max(caughtUp, (Long) newest);
        }
        return CallResult.<Void>reply(joined(join, reply));
      })
      .recover(err -> storeFailed("history for a join", err)));
  }

  /** Tracks the joiner and completes its reply with the presence. */
  private JsonObject joined(Join join, JsonObject reply) {
    track(join.username(), join.socketId(), join.router());
    // The joiner's own socket id: a client tells its metas from its past connections' by it.
    return presencePage(reply, join.presenceAfter(), join.socketId()).put("socket_id", join.socketId());
  }

  private CallResult<Void> push(Push push) {
    if (!joined(push.socketId(), push.username())) {
      return notJoined(push.socketId(), push.username());
    }
    try {
      push.checkLength(options.maxBodyLength());
    } catch (IllegalArgumentException bad) {
      return CallResult.error("bad_request", bad.getMessage());
    }
    // Answered only once the annotation is committed: an acknowledged post is never lost.
    return CallResult.deferred(onOwnContext(store.annotations().add(videoId, push.username(), push.body(), push.at()))
      .map(annotation -> {
        activity.posted(topic, clock().millis());
        if (caughtUp >= 0) {
          caughtUp = Math.max(caughtUp, annotation.id());
        }
        publishAnnotation(annotation);
        askInfoSys(push.body(), push.at());
        return CallResult.<Void>reply(new JsonObject().put("status", "ok").put("id", annotation.id()));
      })
      .recover(err -> {
        // A failed (timed-out) insert may have committed all the same: the next join reads again.
        caughtUp = -1;
        return storeFailed("a new annotation", err);
      }));
  }

  /**
   * Answers a store failure with its name: {@code unavailable} while the database is away (it is
   * logged once, by the store, when the outage starts), {@code not_found} for a user the database
   * does not have, {@code internal} for anything else. The client is not told where the database is.
   */
  private Future<CallResult<Void>> storeFailed(String what, Throwable err) {
    String code = err instanceof StoreException failed ? failed.failure().code() : StoreException.Failure.INTERNAL.code();
    if (err instanceof StoreException failed && failed.isUnavailable()) {
      log.debug("channel {} could not store or read {}: {}", topic, what, err.toString());
      return Future.succeededFuture(CallResult.error(code, "the annotations of " + topic + " are unavailable for now; try again", null));
    }
    log.warn("channel {} could not store or read {}: {}", topic, what, err.toString());
    return Future.succeededFuture(CallResult.error(code, "could not store or read " + what + " of " + topic));
  }

  private CallResult<Void> notJoined(String socketId, String username) {
    return CallResult.error("not_joined", "socket " + socketId + " has not joined " + topic + " as " + username);
  }

  private void publishAnnotation(Annotation annotation) {
    vertx.eventBus().publish(address, new JsonObject().put("event", TopicChannelMsg.NEW_ANNOTATION).put("payload", annotation.toJson()));
  }

  // ---------------------------------------------------------------- InfoSys

  /** Asks in the background; the answer comes back through the mailbox, so this process stays the only writer. */
  private void askInfoSys(String body, long at) {
    if (!InfoSys.accepts(vertx, body)) {
      log.debug("channel {} does not ask InfoSys about a post of {} characters: longer than it takes", topic, body.length());
      return;
    }
    pendingAnswers++;
    Future<List<Result>> answer;
    try {
      answer = InfoSys.compute(vertx, body, QueryOptions.defaults().withLimit(1).withTimeout(options.infosysTimeout()));
    } catch (RuntimeException e) {
      answer = Future.failedFuture(e);
    }
    answer.onComplete(ar -> {
      if (ar.failed()) {
        log.warn("channel {} got no InfoSys answer for a post at {}: {}", topic, at, ar.cause().toString());
      }
      Processes.send(vertx, self(), new Answered(at, ar.succeeded() ? List.copyOf(ar.result()) : List.of()));
    });
  }

  private CastResult<Void> storeAnswers(Answered answered) {
    pendingAnswers--;
    if (answered.results().isEmpty()) {
      return CastResult.noReply();
    }
    // Stored and published off this process's context, and rarely: the next join reads again.
    caughtUp = -1;
    Future<Void> chain = Future.succeededFuture();
    for (Result result : answered.results()) {
      chain = chain.compose(v -> addAnswer(result, answered.at()))
        .map(annotation -> {
          publishAnnotation(annotation);
          return null;
        });
    }
    return CastResult.deferred(onOwnContext(chain)
      .<CastResult<Void>>map(v -> CastResult.noReply())
      .recover(err -> {
        log.warn("channel {} could not store an InfoSys answer: {}", topic, err.toString());
        return Future.succeededFuture(CastResult.noReply());
      }));
  }

  /**
   * Stores an answer under its backend's user. A backend configured after the migrations that
   * seeded the others has no user yet: it is added on its first answer.
   */
  private Future<Annotation> addAnswer(Result result, long at) {
    return store.annotations().add(videoId, result.backend(), result.text(), at).recover(err ->
      err instanceof StoreException missing && missing.failure() == StoreException.Failure.NOT_FOUND
        ? store.users().ensureBackend(result.backend())
          .compose(user -> store.annotations().add(videoId, result.backend(), result.text(), at))
        : Future.failedFuture(err));
  }

  // ---------------------------------------------------------------- presence

  private boolean joined(String socketId, String username) {
    Meta meta = live.get(socketId);
    return meta != null && meta.username().equals(username);
  }

  /** Tracks a socket under a username; a socket that was there under another name moves. */
  private void track(String username, String socketId, String router) {
    Meta was = live.get(socketId);
    if (was != null && was.username().equals(username)) {
      return;
    }
    if (was != null) {
      forgetRouter(was);
    }
    changing(socketId, was);
    Meta meta = new Meta(socketId, username, System.currentTimeMillis(), router, ++order);
    live.put(socketId, meta);
    activity.presence(topic, live.size());
    if (router != null && byRouter.merge(router, 1, Integer::sum) == 1) {
      watchRouter(router);
    }
    cancelIdleStop();
    changed();
  }

  /** Untracks a socket (only under {@code username} unless null); false when it was not there. */
  private boolean untrack(String socketId, String username) {
    Meta was = live.get(socketId);
    if (was == null || username != null && !username.equals(was.username())) {
      return false;
    }
    changing(socketId, was);
    live.remove(socketId);
    activity.presence(topic, live.size());
    forgetRouter(was);
    changed();
    if (live.isEmpty()) {
      scheduleIdleStop();
    }
    return true;
  }

  /** Remembers how a socket was last published, the first time it changes in a batch. */
  private void changing(String socketId, Meta was) {
    if (!pending.containsKey(socketId)) {
      pending.put(socketId, was);
    }
  }

  /**
   * A change is in the batch: publish now (no batching) or when the batch's interval is over,
   * {@code presence_batch_ms} within the detail limit and {@code presence_large_batch_ms} above it,
   * where each diff is one frame to each of thousands of clients and carries only the count.
   */
  private void changed() {
    Duration batch = detailed ? options.presenceBatch() : options.presenceLargeBatch();
    if (batch.isZero()) {
      flush();
    } else if (flushTimer == -1) {
      flushTimer = sendAfter(new FlushPresence(), batch);
    }
  }

  /**
   * Publishes the batch as one diff, numbered: for each changed socket, its meta as last
   * published leaves and its meta now joins, unless they are the same (a join and a leave within
   * one batch publish nothing). Clients apply a diff's leaves, then its joins. Every diff carries
   * {@code count}, the metas present after it. Above {@code presence_detail_limit} metas it carries
   * nothing else (see {@link #detailed}); the first diff back at or below the limit carries the
   * whole {@code state} in place of joins and leaves.
   */
  private void flush() {
    if (pending.isEmpty()) {
      return;
    }
    List<Meta> joined = new ArrayList<>();
    List<Meta> left = new ArrayList<>();
    pending.forEach((socketId, before) -> {
      Meta now = live.get(socketId);
      if (before == now) {
        return;
      }
      if (before != null) {
        left.add(before);
      }
      if (now != null) {
        joined.add(now);
      }
    });
    pending.clear();
    if (!left.isEmpty()) {
      // One pass for the whole batch: a leave storm must not shift the list once per leave.
      Set<Meta> gone = Collections.newSetFromMap(new IdentityHashMap<>(left.size() * 2));
      gone.addAll(left);
      published.removeIf(gone::contains);
    }
    // Every meta changed in this batch was made after the last flush, so it is newer than all
    // published ones: appended in its own order, the list stays in join order.
    joined.sort(Comparator.comparingLong(Meta::order));
    published.addAll(joined);
    if (joined.isEmpty() && left.isEmpty()) {
      return;
    }
    boolean wasDetailed = detailed;
    detailed = published.size() <= options.presenceDetailLimit();
    JsonObject payload = new JsonObject().put("seq", ++seq).put("count", published.size());
    if (detailed && wasDetailed) {
      JsonObject joins = new JsonObject();
      JsonObject leaves = new JsonObject();
      joined.forEach(meta -> addMeta(joins, meta));
      left.forEach(meta -> addMeta(leaves, meta));
      payload.put("joins", joins).put("leaves", leaves);
    } else if (detailed) {
      // Back within the limit: clients that held only the count (and maybe some pages) get all of it.
      payload.put("state", presenceState());
    }
    vertx.eventBus().publish(address, new JsonObject().put("event", "presence_diff").put("payload", payload));
  }

  private static void addMeta(JsonObject state, Meta meta) {
    JsonObject entry = state.getJsonObject(meta.username());
    if (entry == null) {
      entry = new JsonObject().put("metas", new JsonArray());
      state.put(meta.username(), entry);
    }
    entry.getJsonArray("metas").add(meta.toJson());
  }

  /**
   * Puts a page of the published presence into a join's reply: {@code presence_state} (Phoenix's
   * shape, the metas after {@code after} in join order, at most {@code presence_page} of them; the
   * first page also lists the joiner, who is in the next diff if not yet published),
   * {@code presence_seq} (the diff the page is as of: apply only later ones), {@code presence_count}
   * (the metas in all) and {@code presence_more} (the cursor of the next page) when more follow.
   */
  private JsonObject presencePage(JsonObject reply, long after, String joiner) {
    JsonObject state = new JsonObject();
    // A storm's joiners each get a first page: in a large topic a short one, the rest on request.
    int limit = after == 0 && !detailed ? options.presenceLargePage() : options.presencePage();
    int listed = 0;
    long last = after;
    Meta self = live.get(joiner);
    // How the joiner was published: its meta in the published state (null when not there yet).
    Meta selfPublished = pending.containsKey(joiner) ? pending.get(joiner) : self;
    for (Meta meta : published.subList(firstAfter(after), published.size())) {
      if (listed == limit) {
        reply.put("presence_more", last);
        break;
      }
      addMeta(state, meta == selfPublished && self != null ? self : meta);
      listed++;
      last = meta.order();
    }
    if (after == 0 && self != null && selfPublished == null) {
      addMeta(state, self);
    }
    int count = published.size() + (self != null && selfPublished == null ? 1 : 0);
    return reply.put("presence_state", state).put("presence_seq", seq).put("presence_count", count)
      .put("presence_detail", detailed);
  }

  /** @return the index in {@link #published} of its first meta after {@code order} in join order */
  private int firstAfter(long order) {
    int low = 0;
    int high = published.size();
    while (low < high) {
      int mid = (low + high) >>> 1;
      if (published.get(mid).order() <= order) {
        low = mid + 1;
      } else {
        high = mid;
      }
    }
    return low;
  }

  /** The whole published state, Phoenix's shape. */
  private JsonObject presenceState() {
    JsonObject state = new JsonObject();
    published.forEach(meta -> addMeta(state, meta));
    return state;
  }

  /**
   * A router tells who joined through it (this process is new to it: a restart, maybe on another
   * node). Once they are tracked, the whole state goes out as a {@code presence_state} event, which
   * clients take in place of theirs: so the members of a node that died with the previous process
   * leave every client's presence, though no diff could name them.
   */
  private void resync(Resync resync) {
    resync.members().forEach((socketId, username) -> track(username, socketId, resync.router()));
    flush();
    JsonObject payload = new JsonObject().put("seq", seq).put("count", published.size());
    // Above the limit the state would be N metas to each of N clients: the count only, then pages.
    vertx.eventBus().publish(address, new JsonObject().put("event", "presence_state")
      .put("payload", detailed ? payload.put("state", presenceState()) : payload));
  }

  private void watchRouter(String router) {
    Pid pid;
    try {
      pid = Pid.parse(router);
    } catch (IllegalArgumentException bad) {
      log.warn("channel {} got a join through a router it cannot watch: {}", topic, LogText.quote(router));
      return;
    }
    routerMonitors.put(monitor(pid), router);
  }

  private void forgetRouter(Meta meta) {
    if (meta.router() == null) {
      return;
    }
    Integer sockets = byRouter.get(meta.router());
    if (sockets == null) {
      return;
    }
    if (sockets > 1) {
      byRouter.put(meta.router(), sockets - 1);
    } else {
      byRouter.remove(meta.router());
      routerMonitors.entrySet().removeIf(e -> {
        if (e.getValue().equals(meta.router())) {
          demonitor(e.getKey());
          return true;
        }
        return false;
      });
    }
  }

  /**
   * A router went (its node left the cluster, or it crashed and forgot its sockets): the sockets
   * that joined through it leave, in the next diff.
   */
  private void routerGone(String router, Down down) {
    if (!byRouter.containsKey(router)) {
      return;
    }
    List<String> sockets = live.values().stream().filter(meta -> router.equals(meta.router())).map(Meta::socketId).toList();
    log.info("channel {}: router {} is gone ({}), its {} socket(s) leave", topic, router, down.reason(), sockets.size());
    for (String socketId : sockets) {
      untrack(socketId, null);
    }
  }

  // ---------------------------------------------------------------- idle stop

  private void scheduleIdleStop() {
    if (idleTimer == -1) {
      idleTimer = sendAfter(new IdleCheck(++idleGeneration), options.idleStop());
    }
  }

  private void cancelIdleStop() {
    if (idleTimer != -1) {
      cancelTimer(idleTimer);
      idleTimer = -1;
      // A tick already in the mailbox is now stale.
      idleGeneration++;
    }
  }

  private CastResult<Void> idleCheck(IdleCheck check) {
    if (check.generation() != idleGeneration) {
      return CastResult.noReply();
    }
    idleTimer = -1;
    if (!live.isEmpty()) {
      return CastResult.noReply();
    }
    if (pendingAnswers > 0) {
      // An InfoSys answer on its way still belongs in the topic; wait for it.
      scheduleIdleStop();
      return CastResult.noReply();
    }
    log.debug("channel {} has been empty for {} ms: stopping", topic, options.idleStop().toMillis());
    return CastResult.stop(ExitReason.NORMAL);
  }
}
