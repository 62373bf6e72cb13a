package dev.otpx.store;

import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The videos people annotate: added by a signed-in person, listed for everyone, and looked up by
 * the channels (topic {@code videos:<id>} exists only for a video that does).
 *
 * <p>The rules for a video's fields are here too ({@link #checkTitle}, {@link #checkUrl}), so every
 * way in applies the same ones. Safe to use from any context.
 */
public final class Videos {

  /** Longest title, in characters. */
  public static final int MAX_TITLE_LENGTH = 200;
  /** Longest URL, in characters. */
  public static final int MAX_URL_LENGTH = 2048;

  private static final Pattern CONTROL = Pattern.compile("\\p{Cntrl}");
  private static final String COLUMNS = "SELECT v.id, u.username, v.title, v.url FROM videos v JOIN users u ON u.id = v.user_id";
  private static final String ADD = "INSERT INTO videos (user_id, title, url)"
    + " SELECT id, CAST($2 AS VARCHAR(200)), CAST($3 AS VARCHAR(2048)) FROM users WHERE username = $1 AND kind = 'person'";
  private static final String LIST = COLUMNS + " WHERE v.id < $1 ORDER BY v.id DESC LIMIT $2";
  private static final String FIND = COLUMNS + " WHERE v.id = $1";
  private static final String EXISTS = "SELECT id FROM videos WHERE id = $1";

  private final Database db;

  Videos(Database db) {
    this.db = db;
  }

  /**
   * Checks a title: 1 to {@value #MAX_TITLE_LENGTH} characters once surrounding whitespace is
   * dropped, and no control characters.
   *
   * @param title what the person typed
   * @return the title without surrounding whitespace
   * @throws IllegalArgumentException naming {@code title} and the rule it breaks
   */
  public static String checkTitle(String title) {
    if (title == null || title.isBlank()) {
      throw new IllegalArgumentException("title is missing");
    }
    String stripped = title.strip();
    if (stripped.length() > MAX_TITLE_LENGTH) {
      throw new IllegalArgumentException("title must be at most " + MAX_TITLE_LENGTH + " characters, got " + stripped.length());
    }
    if (CONTROL.matcher(stripped).find()) {
      throw new IllegalArgumentException("title must not contain control characters");
    }
    return stripped;
  }

  /**
   * Checks a URL: an absolute {@code http} or {@code https} URL with a host, no user name or
   * password in it, no spaces, at most {@value #MAX_URL_LENGTH} characters.
   *
   * @param url what the person typed
   * @return the URL without surrounding whitespace
   * @throws IllegalArgumentException naming {@code url} and the rule it breaks
   */
  public static String checkUrl(String url) {
    if (url == null || url.isBlank()) {
      throw new IllegalArgumentException("url is missing");
    }
    String stripped = url.strip();
    if (stripped.length() > MAX_URL_LENGTH) {
      throw new IllegalArgumentException("url must be at most " + MAX_URL_LENGTH + " characters, got " + stripped.length());
    }
    URI uri;
    try {
      uri = new URI(stripped);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("url must be a valid URL, e.g. https://www.youtube.com/watch?v=...");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new IllegalArgumentException("url must start with http:// or https://");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw new IllegalArgumentException("url must name a host");
    }
    if (uri.getRawUserInfo() != null) {
      throw new IllegalArgumentException("url must not contain a user name or password");
    }
    return stripped;
  }

  /**
   * Adds a video for a person. Checks the title and URL with {@link #checkTitle} and
   * {@link #checkUrl}.
   *
   * @param username who adds it, in normal form
   * @param title its title
   * @param url where it is watched
   * @return the stored video; fails {@code not_found} when no person has that name
   * @throws IllegalArgumentException when the title or URL breaks a rule
   */
  public Future<Video> add(String username, String title, String url) {
    Objects.requireNonNull(username, "username");
    String checkedTitle = checkTitle(title);
    String checkedUrl = checkUrl(url);
    return db.insert(ADD, username, checkedTitle, checkedUrl).compose(id -> id.isPresent()
      ? Future.succeededFuture(new Video(id.get(), username, checkedTitle, checkedUrl))
      : Future.failedFuture(new StoreException(StoreException.Failure.NOT_FOUND, "no person is named " + username, null)));
  }

  /**
   * Lists videos, newest first, a page at a time.
   *
   * @param beforeId only videos with an id below this ({@link Long#MAX_VALUE} for the newest)
   * @param limit the most to return, at least 0
   * @return the videos
   * @throws IllegalArgumentException for a negative limit
   */
  public Future<List<Video>> list(long beforeId, int limit) {
    if (limit < 0) {
      throw new IllegalArgumentException("limit must be >= 0, got " + limit);
    }
    return db.all(LIST, Videos::video, beforeId, limit);
  }

  /**
   * Looks a video up.
   *
   * @param id its id
   * @return the video, or empty when there is none
   */
  public Future<Optional<Video>> find(long id) {
    return db.first(FIND, id).map(row -> row.map(Videos::video));
  }

  /**
   * Whether a video exists: the channels' rule for joining {@code videos:<id>}.
   *
   * @param id its id
   * @return true when it does
   */
  public Future<Boolean> exists(long id) {
    return db.first(EXISTS, id).map(Optional::isPresent);
  }

  private static Video video(Row row) {
    return new Video(row.getLong(0), row.getString(1), row.getString(2), row.getString(3));
  }
}
