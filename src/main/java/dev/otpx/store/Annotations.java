package dev.otpx.store;

import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import java.util.List;
import java.util.Objects;

/**
 * The videos' annotations: what a channel stores when someone posts, and what a join reads back.
 *
 * <p>Safe to use from any context; futures complete on the caller's context. Every call is bounded
 * by the store's timeout and fails with a {@link StoreException}.
 */
public final class Annotations {

  /**
   * Locks the video's row until the transaction ends: the adds of one video take their ids and
   * commit one after the other, so an id is visible only once every smaller id of its video is (see
   * {@link #after}).
   */
  private static final String LOCK_VIDEO = "SELECT id FROM videos WHERE id = $1 FOR UPDATE";
  private static final String ADD = "INSERT INTO annotations (video_id, user_id, body, at_ms)"
    + " SELECT CAST($1 AS BIGINT), u.id, CAST($3 AS TEXT), CAST($4 AS BIGINT) FROM users u WHERE u.username = $2";
  private static final String AFTER = "SELECT a.id, a.video_id, u.username, a.body, a.at_ms"
    + " FROM annotations a JOIN users u ON u.id = a.user_id"
    + " WHERE a.video_id = $1 AND a.id > $2 ORDER BY a.id LIMIT $3";

  private final Database db;

  Annotations(Database db) {
    this.db = db;
  }

  /**
   * Stores a new annotation. The future succeeds only once it is committed, so an acknowledged
   * annotation survives whatever crashes next. Adds to one video are serialized by the database
   * (each holds the video's row until it commits), which keeps {@link #after}'s paging exact. Does
   * not check the body: the channel does.
   *
   * @param videoId the video
   * @param username who wrote it, in normal form: a person or an InfoSys backend
   * @param body the text
   * @param at where in the video, in milliseconds, at least 0
   * @return the stored annotation with its new id; fails {@code not_found} when the video or the
   *     user does not exist, {@code unavailable} when the database does not answer
   * @throws IllegalArgumentException for a negative {@code at}
   */
  public Future<Annotation> add(long videoId, String username, String body, long at) {
    Objects.requireNonNull(username, "username");
    Objects.requireNonNull(body, "body");
    if (at < 0) {
      throw new IllegalArgumentException("at must be >= 0, got " + at);
    }
    String insert = db.dialect().returningId(ADD);
    return db.transaction(tx -> tx.first(LOCK_VIDEO, videoId).compose(video -> video.isEmpty()
      ? Future.failedFuture(new StoreException(StoreException.Failure.NOT_FOUND, "video " + videoId + " does not exist", null))
      : tx.first(insert, videoId, username, body, at)).compose(row -> row.isPresent()
        ? Future.succeededFuture(new Annotation(row.get().getLong(0), videoId, username, body, at))
        : Future.failedFuture(new StoreException(StoreException.Failure.NOT_FOUND, "user " + username + " does not exist", null))));
  }

  /**
   * A page of what a client has not seen yet: the video's annotations with an id above
   * {@code lastSeenId}, in id order, at most {@code limit} (the oldest ones).
   *
   * <p>Paging never skips one: ids have gaps (a rolled-back add uses one up) but only grow, and an
   * add commits only after every add of its video that took a smaller id has (each add holds its
   * video's row until it commits, whichever node or connection makes it). So the ids a client has
   * received always form a prefix of what the video will ever hold, and the next page starts
   * after the largest of them. A client shows them in video order ({@code at}, then {@code id})
   * itself.
   *
   * @param videoId the video
   * @param lastSeenId the largest id the client has received in pages so far; 0 for everything
   * @param limit the most annotations to return, at least 0
   * @return the annotations (empty for a video that does not exist)
   * @throws IllegalArgumentException for a negative limit
   */
  public Future<List<Annotation>> after(long videoId, long lastSeenId, int limit) {
    if (limit < 0) {
      throw new IllegalArgumentException("limit must be >= 0, got " + limit);
    }
    return db.all(AFTER, Annotations::annotation, videoId, lastSeenId, limit);
  }

  private static Annotation annotation(Row row) {
    return new Annotation(row.getLong(0), row.getLong(1), row.getString(2), row.getString(3), row.getLong(4));
  }
}
