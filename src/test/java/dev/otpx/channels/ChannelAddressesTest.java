package dev.otpx.channels;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ChannelAddressesTest {

  @Test
  void onlyVideoTopicsAreTopics() {
    assertThat(ChannelAddresses.validTopic("videos:42")).isTrue();
    assertThat(ChannelAddresses.validTopic("videos:1234567890123456789")).isFalse();
    assertThat(ChannelAddresses.validTopic("videos:")).isFalse();
    assertThat(ChannelAddresses.validTopic("videos:4x")).isFalse();
    assertThat(ChannelAddresses.validTopic("rooms:1")).isFalse();
    assertThat(ChannelAddresses.validTopic(null)).isFalse();
  }

  @Test
  void aTopicsAddressIsUnderTheTopicPrefix() {
    assertThat(ChannelAddresses.topicAddress("videos:42")).isEqualTo("channels.topic.videos:42");
  }
}
