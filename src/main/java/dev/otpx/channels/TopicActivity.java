package dev.otpx.channels;

import dev.otpx.process.Clock;
import dev.otpx.process.Registry;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The topics this node serves, each with its presence now and its posts in the last minute: what
 * the observer page lists (through {@code GET /api/system/summary}). Kept here and not as metrics,
 * since a topic must never be a metrics label (one series per topic is unbounded). Bounded: one
 * entry per topic process alive on the node; a topic whose process is gone is dropped when read.
 */
public final class TopicActivity implements Shareable {

  /** The window of the post rate. */
  public static final long WINDOW_MILLIS = 60_000;
  private static final int BUCKETS = 6;
  private static final long BUCKET_MILLIS = WINDOW_MILLIS / BUCKETS;
  private static final String MAP = "otpx.channels.activity";

  private final Map<String, Topic> topics = new ConcurrentHashMap<>();

  private TopicActivity() {
  }

  /** One topic's counts; written by its process only, read by the summary. */
  private static final class Topic {
    volatile int presence;
    private final long[] bucket = new long[BUCKETS];
    private final long[] posts = new long[BUCKETS];
    private long total;

    synchronized void posted(long now) {
      long index = Math.floorDiv(now, BUCKET_MILLIS);
      int slot = (int) Math.floorMod(index, (long) BUCKETS);
      if (bucket[slot] != index) {
        bucket[slot] = index;
        posts[slot] = 0;
      }
      posts[slot]++;
      total++;
    }

    /** Posts in the last {@value #BUCKETS} buckets, the current one included. */
    synchronized long lastMinute(long now) {
      long index = Math.floorDiv(now, BUCKET_MILLIS);
      long sum = 0;
      for (int i = 0; i < BUCKETS; i++) {
        if (bucket[i] > index - BUCKETS && bucket[i] <= index) {
          sum += posts[i];
        }
      }
      return sum;
    }

    synchronized long total() {
      return total;
    }
  }

  /**
   * @param vertx the node
   * @return its topics' activity
   */
  static TopicActivity of(Vertx vertx) {
    LocalMap<String, TopicActivity> map = vertx.sharedData().getLocalMap(MAP);
    TopicActivity activity = map.get(MAP);
    if (activity == null) {
      TopicActivity created = new TopicActivity();
      activity = map.putIfAbsent(MAP, created);
      if (activity == null) {
        activity = created;
      }
    }
    return activity;
  }

  void presence(String topic, int count) {
    topics.computeIfAbsent(topic, t -> new Topic()).presence = count;
  }

  void posted(String topic, long clockMillis) {
    topics.computeIfAbsent(topic, t -> new Topic()).posted(clockMillis);
  }

  void ended(String topic) {
    topics.remove(topic);
  }

  /**
   * The busiest topics served here: most posts in the last minute first, then most present.
   *
   * @param vertx the node
   * @param limit how many at most
   * @return {@code [{"topic", "presence", "posts_last_minute", "posts"}]}
   */
  public static JsonArray busiest(Vertx vertx, int limit) {
    TopicActivity activity = of(vertx);
    long now = Clock.of(vertx).millis();
    // A topic's process ends when idle, and a killed one runs no code to say so: read, check.
    activity.topics.keySet().removeIf(topic -> Registry.whereis(vertx, TopicChannel.name(topic)).isEmpty());
    record Row(String topic, int presence, long lastMinute, long total) { }
    JsonArray rows = new JsonArray();
    activity.topics.entrySet().stream()
      .map(e -> new Row(e.getKey(), e.getValue().presence, e.getValue().lastMinute(now), e.getValue().total()))
      .sorted(Comparator.comparingLong(Row::lastMinute).thenComparingInt(Row::presence).reversed().thenComparing(Row::topic))
      .limit(limit)
      .forEach(row -> rows.add(new JsonObject().put("topic", row.topic()).put("presence", row.presence())
        .put("posts_last_minute", row.lastMinute()).put("posts", row.total())));
    return rows;
  }
}
