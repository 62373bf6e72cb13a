package dev.otpx.channels;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.AsyncMap;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * Where a topic's annotations live, outside any process, so that a channel process can crash and
 * restart without losing one.
 *
 * <p>Annotations are kept in the Vert.x shared-data {@link AsyncMap} {@value #MAP} (the cluster's
 * map when Vert.x is clustered), each annotation {@code {"id", "user": {"username"}, "body", "at"}}.
 * Ids come from the shared counter {@code channels.ids.<topic>}, so they are unique and increasing
 * per topic, across restarts of its process. A topic's annotations are stored in chunks of
 * {@value #CHUNK} by id, under the key {@code <topic>#<chunk>} (chunk = (id - 1) / {@value #CHUNK}):
 * the shared map copies a value on every read and write, so one array per topic made each post copy
 * the topic's whole history three times.
 *
 * <p><b>One writer per topic.</b> {@link #add} reads the id's chunk, appends and writes it back.
 * That is safe because only the topic's own process ({@link TopicChannel}) writes a topic, one add at
 * a time: it waits for each add to complete before it handles its next message, InfoSys answers
 * included. Two processes adding to one topic at once could lose an annotation (a killed process's
 * last add still in flight while its successor adds is the one such window), but never reuse an id.
 *
 * <p><b>Epochs.</b> An id, and so a client's {@code last_seen_id}, means something only within one
 * incarnation of a topic's annotations: this store lives as long as the shared data does (the JVM,
 * or the cluster), so after a restart ids start at 1 again and a client that rejoins with its old
 * {@code last_seen_id} would be sent nothing it recognises as new. {@link #epoch} names the
 * incarnation, and the join reply carries it, so a client that sees it change knows its view is of
 * a history that no longer exists and fetches the topic afresh.
 *
 * <p>Safe to use from any context; the futures complete on the caller's context.
 */
public final class AnnotationStore {

  /** The shared-data map of annotations: {@code <topic>#<chunk>} → JSON array. */
  public static final String MAP = "channels.annotations";
  /** Annotations per stored chunk. */
  static final int CHUNK = 64;
  /** Prefix of a topic's id counter. */
  public static final String IDS_PREFIX = "channels.ids.";
  /** The shared-data map of each topic's epoch: topic → epoch. */
  public static final String EPOCHS = "channels.epochs";

  /** History order: by {@code at}, then by {@code id}. */
  private static final Comparator<JsonObject> ORDER =
    Comparator.<JsonObject>comparingLong(a -> a.getLong("at")).thenComparingLong(a -> a.getLong("id"));

  private final Vertx vertx;

  /** @param vertx the Vert.x instance whose shared data holds the annotations */
  public AnnotationStore(Vertx vertx) {
    this.vertx = Objects.requireNonNull(vertx, "vertx");
  }

  /**
   * Stores a new annotation with the topic's next id. Does not validate: the channel does.
   *
   * @param topic the topic
   * @param username who wrote it
   * @param body the text
   * @param at where in the video, in ms
   * @return the stored annotation {@code {"id", "user": {"username"}, "body", "at"}}
   */
  public Future<JsonObject> add(String topic, String username, String body, long at) {
    Objects.requireNonNull(topic, "topic");
    Objects.requireNonNull(username, "username");
    Objects.requireNonNull(body, "body");
    return vertx.sharedData().getCounter(IDS_PREFIX + topic)
      .compose(counter -> counter.incrementAndGet())
      .compose(id -> {
        JsonObject annotation = new JsonObject()
          .put("id", id)
          .put("user", new JsonObject().put("username", username))
          .put("body", body)
          .put("at", at);
        String key = chunkKey(topic, chunk(id));
        return map().compose(map -> map.get(key)
          .compose(stored -> map.put(key, appended(stored, annotation))))
          .map(v -> annotation.copy());
      });
  }

  /**
   * The epoch of a topic's annotations: an opaque id that stays the same as long as its ids do, and
   * changes when they may be issued again (a new store). Ids are comparable only within one epoch.
   *
   * <p>Here it is a random id made the first time it is asked for (a topic's first join, which comes
   * before any post: a client sees ids only through a join's topic), kept in the
   * shared map {@value #EPOCHS} beside the annotations and lost with them, so it changes on every
   * restart of the node (of the cluster, when clustered). A durable store keeps its epoch with the
   * topic, the same across restarts, and changes it only if the topic's history is wiped or its ids
   * restart; clients then keep their {@code last_seen_id} across restarts.
   *
   * @param topic the topic
   * @return the epoch, never empty
   */
  public Future<String> epoch(String topic) {
    Objects.requireNonNull(topic, "topic");
    String fresh = UUID.randomUUID().toString();
    // putIfAbsent: when two nodes of a cluster make one at once, both end up with the first.
    return vertx.sharedData().<String, String>getAsyncMap(EPOCHS)
      .compose(epochs -> epochs.putIfAbsent(topic, fresh))
      .map(existing -> existing != null ? existing : fresh);
  }

  /**
   * Reads what a client has not seen yet, Rumbl's rejoin rule.
   *
   * @param topic the topic
   * @param lastSeenId the newest id the client has; 0 for everything
   * @param limit the most annotations to return
   * @return the annotations with id greater than {@code lastSeenId}, ordered by {@code at} then
   *     {@code id}, at most {@code limit} (the first ones in that order)
   */
  public Future<JsonArray> history(String topic, long lastSeenId, int limit) {
    Objects.requireNonNull(topic, "topic");
    if (limit < 0) {
      throw new IllegalArgumentException("limit must be >= 0, got " + limit);
    }
    return vertx.sharedData().getCounter(IDS_PREFIX + topic).compose(counter -> counter.get())
      .compose(newest -> map().compose(map -> {
        // Only the chunks that can hold an id above lastSeenId.
        List<Future<JsonArray>> chunks = new ArrayList<>();
        for (long chunk = chunk(Math.max(1, lastSeenId + 1)); newest > lastSeenId && chunk <= chunk(newest); chunk++) {
          chunks.add(map.get(chunkKey(topic, chunk)));
        }
        return Future.all(chunks).map(all -> chunks);
      }))
      .map(chunks -> newest(chunks, lastSeenId, limit));
  }

  private static JsonArray newest(List<Future<JsonArray>> chunks, long lastSeenId, int limit) {
    List<JsonObject> newer = new ArrayList<>();
    for (Future<JsonArray> chunk : chunks) {
      JsonArray stored = chunk.result();
      if (stored != null) {
        for (Object item : stored) {
          JsonObject annotation = (JsonObject) item;
          if (annotation.getLong("id") > lastSeenId) {
            newer.add(annotation);
          }
        }
      }
    }
    newer.sort(ORDER);
    JsonArray result = new JsonArray();
    for (JsonObject annotation : newer.subList(0, Math.min(limit, newer.size()))) {
      result.add(annotation.copy());
    }
    return result;
  }

  private static long chunk(long id) {
    return (id - 1) / CHUNK;
  }

  private static String chunkKey(String topic, long chunk) {
    return topic + '#' + chunk;
  }

  private Future<AsyncMap<String, JsonArray>> map() {
    return vertx.sharedData().getAsyncMap(MAP);
  }

  /** A new array (the stored one is never changed in place): the old annotations plus one. */
  private static JsonArray appended(JsonArray stored, JsonObject annotation) {
    JsonArray next = stored == null ? new JsonArray() : stored.copy();
    return next.add(annotation);
  }
}
