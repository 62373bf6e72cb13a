package dev.otpx.channels;

import dev.otpx.process.JsonOptions;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings the channel processes share: how long an empty topic lives, how long a post may be, how
 * much history a join gets, how long InfoSys may take to answer a post, and how presence is batched
 * and paged.
 *
 * <p>Read from the {@code channels} section of the configuration (or a process's args) with
 * {@link #fromJson}; keys the channels do not use (the bridge's, the tokens') are ignored. A record
 * built in Java is checked the same way, and every error names the config key at fault.
 *
 * @param idleStop a topic process with nobody present for this long stops ({@code idle_stop_ms})
 * @param maxBodyLength the longest annotation body accepted, in characters ({@code max_body_length})
 * @param historyLimit the most annotations a join returns ({@code history_limit})
 * @param infosysTimeout InfoSys's deadline for answering a post ({@code infosys_timeout_ms}, at most 60 s)
 * @param presenceBatch presence changes within this interval go out as one diff ({@code presence_batch_ms};
 *     0 publishes each change at once)
 * @param presencePage the most metas a join's reply lists ({@code presence_page}); the rest come on request
 * @param presenceDetailLimit the most metas a topic may have for its diffs to carry every join and leave
 *     ({@code presence_detail_limit}); above it a diff carries the number and the count only, and
 *     clients that want the members ask for pages
 * @param presenceLargeBatch above the detail limit, presence changes within this interval go out as one diff
 *     ({@code presence_large_batch_ms}): the count a client shows is at most this old
 * @param presenceLargePage above the detail limit, the most metas a join's first page lists
 *     ({@code presence_large_page}); pages asked for with {@code presence_after} list {@code presence_page}
 */
public record ChannelOptions(Duration idleStop, int maxBodyLength, int historyLimit, Duration infosysTimeout,
                             Duration presenceBatch, int presencePage, int presenceDetailLimit, Duration presenceLargeBatch,
                             int presenceLargePage) {

  /** Key of {@link #idleStop}. */
  public static final String IDLE_STOP_MS = "idle_stop_ms";
  /** Key of {@link #maxBodyLength}. */
  public static final String MAX_BODY_LENGTH = "max_body_length";
  /** Key of {@link #historyLimit}. */
  public static final String HISTORY_LIMIT = "history_limit";
  /** Key of {@link #infosysTimeout}. */
  public static final String INFOSYS_TIMEOUT_MS = "infosys_timeout_ms";
  /** Key of {@link #presenceBatch}. */
  public static final String PRESENCE_BATCH_MS = "presence_batch_ms";
  /** Key of {@link #presencePage}. */
  public static final String PRESENCE_PAGE = "presence_page";
  /** Key of {@link #presenceDetailLimit}. */
  public static final String PRESENCE_DETAIL_LIMIT = "presence_detail_limit";
  /** Key of {@link #presenceLargeBatch}. */
  public static final String PRESENCE_LARGE_BATCH_MS = "presence_large_batch_ms";
  /** Key of {@link #presenceLargePage}. */
  public static final String PRESENCE_LARGE_PAGE = "presence_large_page";

  /** Default idle stop: one minute. */
  public static final Duration DEFAULT_IDLE_STOP = Duration.ofMinutes(1);
  /** Default longest body: 1000 characters. */
  public static final int DEFAULT_MAX_BODY_LENGTH = 1000;
  /** Default history on join: 500 annotations, as Rumbl's. */
  public static final int DEFAULT_HISTORY_LIMIT = 500;
  /** Default InfoSys deadline: 10 s, as Rumbl's. */
  public static final Duration DEFAULT_INFOSYS_TIMEOUT = Duration.ofSeconds(10);
  /** Default presence batch: 50 ms, one diff per topic per 50 ms at most. */
  public static final Duration DEFAULT_PRESENCE_BATCH = Duration.ofMillis(50);
  /** Longest presence batch: a second, beyond which presence would look stale. */
  public static final Duration MAX_PRESENCE_BATCH = Duration.ofSeconds(1);
  /** Default presence page: 100 metas. */
  public static final int DEFAULT_PRESENCE_PAGE = 100;
  /**
   * Default presence detail limit: 1000 metas. Up to it every client is sent every join and leave
   * (at most 1000 metas a diff); beyond it, that would cost N²/2 metas in a storm of N joins.
   */
  public static final int DEFAULT_PRESENCE_DETAIL_LIMIT = 1000;
  /**
   * Default presence batch above the detail limit: one second. Each diff goes to every client
   * present: at 10,000 clients, one every 50 ms was 200,000 frames a second from one event loop,
   * most of a reconnect storm's cost; one a second is 10,000.
   */
  public static final Duration DEFAULT_PRESENCE_LARGE_BATCH = Duration.ofSeconds(1);
  /**
   * Default first page above the detail limit: 10 metas. Every joiner of a storm gets one: at
   * 10,000 clients, pages of 100 were a million metas built, copied and encoded on the way out.
   */
  public static final int DEFAULT_PRESENCE_LARGE_PAGE = 10;
  /** Longest presence batch above the detail limit: 10 s. */
  public static final Duration MAX_PRESENCE_LARGE_BATCH = Duration.ofSeconds(10);
  /** Longest InfoSys deadline: InfoSys's own maximum. */
  public static final Duration MAX_INFOSYS_TIMEOUT = Duration.ofSeconds(60);

  public ChannelOptions {
    Objects.requireNonNull(idleStop, IDLE_STOP_MS);
    Objects.requireNonNull(infosysTimeout, INFOSYS_TIMEOUT_MS);
    Objects.requireNonNull(presenceBatch, PRESENCE_BATCH_MS);
    if (presenceBatch.isNegative() || presenceBatch.compareTo(MAX_PRESENCE_BATCH) > 0) {
      throw new IllegalArgumentException(PRESENCE_BATCH_MS + " must be between 0 and " + MAX_PRESENCE_BATCH.toMillis()
        + ", got " + presenceBatch.toMillis());
    }
    if (presencePage < 1) {
      throw new IllegalArgumentException(PRESENCE_PAGE + " must be at least 1, got " + presencePage);
    }
    Objects.requireNonNull(presenceLargeBatch, PRESENCE_LARGE_BATCH_MS);
    if (presenceLargeBatch.isNegative() || presenceLargeBatch.compareTo(MAX_PRESENCE_LARGE_BATCH) > 0) {
      throw new IllegalArgumentException(PRESENCE_LARGE_BATCH_MS + " must be between 0 and " + MAX_PRESENCE_LARGE_BATCH.toMillis()
        + ", got " + presenceLargeBatch.toMillis());
    }
    if (presenceLargePage < 1) {
      throw new IllegalArgumentException(PRESENCE_LARGE_PAGE + " must be at least 1, got " + presenceLargePage);
    }
    if (presenceDetailLimit < 0) {
      throw new IllegalArgumentException(PRESENCE_DETAIL_LIMIT + " must be at least 0, got " + presenceDetailLimit);
    }
    if (idleStop.toMillis() < 1) {
      throw new IllegalArgumentException(IDLE_STOP_MS + " must be at least 1, got " + idleStop.toMillis());
    }
    if (maxBodyLength < 1) {
      throw new IllegalArgumentException(MAX_BODY_LENGTH + " must be at least 1, got " + maxBodyLength);
    }
    if (historyLimit < 1) {
      throw new IllegalArgumentException(HISTORY_LIMIT + " must be at least 1, got " + historyLimit);
    }
    if (infosysTimeout.toMillis() < 1 || infosysTimeout.compareTo(MAX_INFOSYS_TIMEOUT) > 0) {
      throw new IllegalArgumentException(INFOSYS_TIMEOUT_MS + " must be between 1 and " + MAX_INFOSYS_TIMEOUT.toMillis()
        + ", got " + infosysTimeout.toMillis());
    }
  }

  /** The options before the presence ones were added: their defaults. */
  public ChannelOptions(Duration idleStop, int maxBodyLength, int historyLimit, Duration infosysTimeout) {
    this(idleStop, maxBodyLength, historyLimit, infosysTimeout, DEFAULT_PRESENCE_BATCH, DEFAULT_PRESENCE_PAGE);
  }

  /** The options before the large-topic ones were added: their defaults. */
  public ChannelOptions(Duration idleStop, int maxBodyLength, int historyLimit, Duration infosysTimeout,
                        Duration presenceBatch, int presencePage) {
    this(idleStop, maxBodyLength, historyLimit, infosysTimeout, presenceBatch, presencePage, DEFAULT_PRESENCE_DETAIL_LIMIT,
      DEFAULT_PRESENCE_LARGE_BATCH, DEFAULT_PRESENCE_LARGE_PAGE);
  }

  /**
   * @return one minute idle stop, 1000 characters, 500 annotations, 10 s for InfoSys, 50 ms presence batches, pages of
   *     100, detailed diffs up to 1000 metas, one diff a second and first pages of 10 above
   */
  public static ChannelOptions defaults() {
    return new ChannelOptions(DEFAULT_IDLE_STOP, DEFAULT_MAX_BODY_LENGTH, DEFAULT_HISTORY_LIMIT, DEFAULT_INFOSYS_TIMEOUT,
      DEFAULT_PRESENCE_BATCH, DEFAULT_PRESENCE_PAGE, DEFAULT_PRESENCE_DETAIL_LIMIT, DEFAULT_PRESENCE_LARGE_BATCH,
      DEFAULT_PRESENCE_LARGE_PAGE);
  }

  /**
   * Reads the options; a missing (or null) key takes its default.
   *
   * @param json the {@code channels} section or a process's args; other keys are ignored
   * @return the options
   * @throws IllegalArgumentException naming the key whose value is not a whole number or out of range
   *     ({@link JsonOptions}'s rules)
   */
  public static ChannelOptions fromJson(JsonObject json) {
    // Keys named as they are, with no path: the section is the channels' own or a process's args.
    JsonOptions source = JsonOptions.of(json, "");
    return new ChannelOptions(
      source.millis(IDLE_STOP_MS, DEFAULT_IDLE_STOP, Duration.ofMillis(1), Duration.ofMillis(Long.MAX_VALUE)),
      source.intValue(MAX_BODY_LENGTH, DEFAULT_MAX_BODY_LENGTH, 1, Integer.MAX_VALUE),
      source.intValue(HISTORY_LIMIT, DEFAULT_HISTORY_LIMIT, 1, Integer.MAX_VALUE),
      source.millis(INFOSYS_TIMEOUT_MS, DEFAULT_INFOSYS_TIMEOUT, Duration.ofMillis(1), MAX_INFOSYS_TIMEOUT),
      source.millis(PRESENCE_BATCH_MS, DEFAULT_PRESENCE_BATCH, Duration.ZERO, MAX_PRESENCE_BATCH),
      source.intValue(PRESENCE_PAGE, DEFAULT_PRESENCE_PAGE, 1, Integer.MAX_VALUE),
      source.intValue(PRESENCE_DETAIL_LIMIT, DEFAULT_PRESENCE_DETAIL_LIMIT, 0, Integer.MAX_VALUE),
      source.millis(PRESENCE_LARGE_BATCH_MS, DEFAULT_PRESENCE_LARGE_BATCH, Duration.ZERO, MAX_PRESENCE_LARGE_BATCH),
      source.intValue(PRESENCE_LARGE_PAGE, DEFAULT_PRESENCE_LARGE_PAGE, 1, Integer.MAX_VALUE));
  }

  /** @return the options under their config keys, readable by {@link #fromJson} */
  public JsonObject toJson() {
    return new JsonObject()
      .put(IDLE_STOP_MS, idleStop.toMillis())
      .put(MAX_BODY_LENGTH, maxBodyLength)
      .put(HISTORY_LIMIT, historyLimit)
      .put(INFOSYS_TIMEOUT_MS, infosysTimeout.toMillis())
      .put(PRESENCE_BATCH_MS, presenceBatch.toMillis())
      .put(PRESENCE_PAGE, presencePage)
      .put(PRESENCE_DETAIL_LIMIT, presenceDetailLimit)
      .put(PRESENCE_LARGE_BATCH_MS, presenceLargeBatch.toMillis())
      .put(PRESENCE_LARGE_PAGE, presenceLargePage);
  }

  /** @param value the idle stop @return a copy with it */
  public ChannelOptions withIdleStop(Duration value) {
    return new ChannelOptions(value, maxBodyLength, historyLimit, infosysTimeout, presenceBatch, presencePage, presenceDetailLimit, presenceLargeBatch,
      presenceLargePage);
  }

  /** @param value the longest body @return a copy with it */
  public ChannelOptions withMaxBodyLength(int value) {
    return new ChannelOptions(idleStop, value, historyLimit, infosysTimeout, presenceBatch, presencePage, presenceDetailLimit, presenceLargeBatch,
      presenceLargePage);
  }

  /** @param value the history limit @return a copy with it */
  public ChannelOptions withHistoryLimit(int value) {
    return new ChannelOptions(idleStop, maxBodyLength, value, infosysTimeout, presenceBatch, presencePage, presenceDetailLimit, presenceLargeBatch,
      presenceLargePage);
  }

  /** @param value the InfoSys deadline @return a copy with it */
  public ChannelOptions withInfosysTimeout(Duration value) {
    return new ChannelOptions(idleStop, maxBodyLength, historyLimit, value, presenceBatch, presencePage, presenceDetailLimit, presenceLargeBatch,
      presenceLargePage);
  }

  /** @param value the presence batch interval (0: each change at once) @return a copy with it */
  public ChannelOptions withPresenceBatch(Duration value) {
    return new ChannelOptions(idleStop, maxBodyLength, historyLimit, infosysTimeout, value, presencePage, presenceDetailLimit, presenceLargeBatch,
      presenceLargePage);
  }

  /** @param value the presence page size @return a copy with it */
  public ChannelOptions withPresencePage(int value) {
    return new ChannelOptions(idleStop, maxBodyLength, historyLimit, infosysTimeout, presenceBatch, value, presenceDetailLimit, presenceLargeBatch,
      presenceLargePage);
  }

  /** @param value the presence detail limit (metas) @return a copy with it */
  public ChannelOptions withPresenceDetailLimit(int value) {
    return new ChannelOptions(idleStop, maxBodyLength, historyLimit, infosysTimeout, presenceBatch, presencePage, value, presenceLargeBatch,
      presenceLargePage);
  }

  /** @param value the presence batch interval above the detail limit (0: each change at once) @return a copy with it */
  public ChannelOptions withPresenceLargeBatch(Duration value) {
    return new ChannelOptions(idleStop, maxBodyLength, historyLimit, infosysTimeout, presenceBatch, presencePage,
      presenceDetailLimit, value, presenceLargePage);
  }

  /** @param value the first page's size above the detail limit @return a copy with it */
  public ChannelOptions withPresenceLargePage(int value) {
    return new ChannelOptions(idleStop, maxBodyLength, historyLimit, infosysTimeout, presenceBatch, presencePage,
      presenceDetailLimit, presenceLargeBatch, value);
  }
}
