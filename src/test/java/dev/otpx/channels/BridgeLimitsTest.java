package dev.otpx.channels;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class BridgeLimitsTest {

  @Test
  void theDefaultsAreTheDocumentedOnes() {
    assertThat(BridgeLimits.DEFAULTS).isEqualTo(new BridgeLimits(5, 65536, 20, 20, 10));
  }

  @Test
  void everyLimitMustBeAtLeastOneAndIsNamed() {
    assertThatThrownBy(() -> new BridgeLimits(0, 1, 1, 1, 1)).hasMessageContaining("postsPerSecond");
    assertThatThrownBy(() -> new BridgeLimits(1, 0, 1, 1, 1)).hasMessageContaining("maxFrameBytes");
    assertThatThrownBy(() -> new BridgeLimits(1, 1, 0, 1, 1)).hasMessageContaining("maxHandlersPerSocket");
    assertThatThrownBy(() -> new BridgeLimits(1, 1, 1, 0, 1)).hasMessageContaining("messagesPerSecond");
    assertThatThrownBy(() -> new BridgeLimits(1, 1, 1, 1, 0)).hasMessageContaining("maxTopicsPerSocket");
  }

  @Test
  void theTransportReadsMessagesUpToFourFramesAndBuffersFramesAndBodiesUpToSixteen() {
    BridgeLimits limits = new BridgeLimits(1, 1000, 1, 1, 1);
    assertThat(limits.maxWebSocketMessageBytes()).isEqualTo(4000);
    assertThat(limits.maxBodyBytes()).isEqualTo(16000);
  }
}
