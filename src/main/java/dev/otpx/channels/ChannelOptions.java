package dev.otpx.channels;

import dev.otpx.process.JsonOptions;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings the channel processes share: how long an empty topic lives, how long a post may be, how
 * much history a join gets, and how long InfoSys may take to answer a post.
 *
 * <p>Read from the {@code channels} section of the configuration (or a process's args) with
 * {@link #fromJson}; keys the channels do not use (the bridge's, the tokens') are ignored. A record
 * built in Java is checked the same way, and every error names the config key at fault.
 *
 * @param idleStop a topic process with nobody present for this long stops ({@code idle_stop_ms})
 * @param maxBodyLength the longest annotation body accepted, in characters ({@code max_body_length})
 * @param historyLimit the most annotations a join returns ({@code history_limit})
 * @param infosysTimeout InfoSys's deadline for answering a post ({@code infosys_timeout_ms}, at most 60 s)
 */
public record ChannelOptions(Duration idleStop, int maxBodyLength, int historyLimit, Duration infosysTimeout) {

  /** Key of {@link #idleStop}. */
  public static final String IDLE_STOP_MS = "idle_stop_ms";
  /** Key of {@link #maxBodyLength}. */
  public static final String MAX_BODY_LENGTH = "max_body_length";
  /** Key of {@link #historyLimit}. */
  public static final String HISTORY_LIMIT = "history_limit";
  /** Key of {@link #infosysTimeout}. */
  public static final String INFOSYS_TIMEOUT_MS = "infosys_timeout_ms";

  /** Default idle stop: one minute. */
  public static final Duration DEFAULT_IDLE_STOP = Duration.ofMinutes(1);
  /** Default longest body: 1000 characters. */
  public static final int DEFAULT_MAX_BODY_LENGTH = 1000;
  /** Default history on join: 500 annotations, as Rumbl's. */
  public static final int DEFAULT_HISTORY_LIMIT = 500;
  /** Default InfoSys deadline: 10 s, as Rumbl's. */
  public static final Duration DEFAULT_INFOSYS_TIMEOUT = Duration.ofSeconds(10);
  /** Longest InfoSys deadline: InfoSys's own maximum. */
  public static final Duration MAX_INFOSYS_TIMEOUT = Duration.ofSeconds(60);

  public ChannelOptions {
    Objects.requireNonNull(idleStop, IDLE_STOP_MS);
    Objects.requireNonNull(infosysTimeout, INFOSYS_TIMEOUT_MS);
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

  /** @return one minute idle stop, 1000 characters, 500 annotations, 10 s for InfoSys */
  public static ChannelOptions defaults() {
    return new ChannelOptions(DEFAULT_IDLE_STOP, DEFAULT_MAX_BODY_LENGTH, DEFAULT_HISTORY_LIMIT, DEFAULT_INFOSYS_TIMEOUT);
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
      source.millis(INFOSYS_TIMEOUT_MS, DEFAULT_INFOSYS_TIMEOUT, Duration.ofMillis(1), MAX_INFOSYS_TIMEOUT));
  }

  /** @return the options under their config keys, readable by {@link #fromJson} */
  public JsonObject toJson() {
    return new JsonObject()
      .put(IDLE_STOP_MS, idleStop.toMillis())
      .put(MAX_BODY_LENGTH, maxBodyLength)
      .put(HISTORY_LIMIT, historyLimit)
      .put(INFOSYS_TIMEOUT_MS, infosysTimeout.toMillis());
  }

  /** @param value the idle stop @return a copy with it */
  public ChannelOptions withIdleStop(Duration value) {
    return new ChannelOptions(value, maxBodyLength, historyLimit, infosysTimeout);
  }

  /** @param value the longest body @return a copy with it */
  public ChannelOptions withMaxBodyLength(int value) {
    return new ChannelOptions(idleStop, value, historyLimit, infosysTimeout);
  }

  /** @param value the history limit @return a copy with it */
  public ChannelOptions withHistoryLimit(int value) {
    return new ChannelOptions(idleStop, maxBodyLength, value, infosysTimeout);
  }

  /** @param value the InfoSys deadline @return a copy with it */
  public ChannelOptions withInfosysTimeout(Duration value) {
    return new ChannelOptions(idleStop, maxBodyLength, historyLimit, value);
  }
}
