package dev.otpx.channels;

import java.util.regex.Pattern;

/** The channels' event-bus addresses and topic rules, in one place. */
public final class ChannelAddresses {

  /** Join a topic (request). */
  public static final String JOIN = "channels.join";
  /** Post to a topic (request). */
  public static final String PUSH = "channels.push";
  /** Leave a topic (request). */
  public static final String LEAVE = "channels.leave";
  /** Internal: the bridge reports a closed socket here; never permitted from a browser. */
  public static final String SOCKET_CLOSED = "channels.socket_closed";
  /** Prefix of a topic's broadcast address: browsers register on {@code channels.topic.<topic>}. */
  public static final String TOPIC_PREFIX = "channels.topic.";
  /** Prefix of a topic process's registered name. */
  public static final String CHANNEL_PREFIX = "channels.channel.";
  /** The dynamic supervisor of the topic processes. */
  public static final String TOPICS = "channels.topics";
  /** The only topics there are: Rumbl's video topics. */
  public static final Pattern TOPIC = Pattern.compile("videos:[0-9]{1,18}");

  private ChannelAddresses() {
  }

  /**
   * @param topic e.g. {@code videos:42}
   * @return the address browsers register on for it
   */
  public static String topicAddress(String topic) {
    return TOPIC_PREFIX + topic;
  }

  /**
   * The video a topic is about.
   *
   * @param topic a valid topic, e.g. {@code videos:42}
   * @return its video's id, e.g. 42
   * @throws IllegalArgumentException naming the topic when it is not valid
   */
  public static long videoId(String topic) {
    if (!validTopic(topic)) {
      throw new IllegalArgumentException("topic must be videos:<digits>, got " + topic);
    }
    return Long.parseLong(topic.substring(topic.indexOf(':') + 1));
  }

  /**
   * @param topic a topic
   * @return whether it is a valid topic
   */
  public static boolean validTopic(String topic) {
    return topic != null && TOPIC.matcher(topic).matches();
  }
}
