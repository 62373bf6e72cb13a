package dev.otpx.infosys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ComputeOptionsTest {

  private static final Cancellation NEVER = new Cancellation() {
    @Override
    public void onCancel(Runnable action) {
    }

    @Override
    public boolean cancelled() {
      return false;
    }
  };

  @Test
  void holdsWhatABackendNeeds() {
    ComputeOptions options = new ComputeOptions(3, Duration.ofMillis(200), NEVER);
    assertThat(options.limit()).isEqualTo(3);
    assertThat(options.timeout()).isEqualTo(Duration.ofMillis(200));
    assertThat(options.cancellation()).isSameAs(NEVER);
  }

  @Test
  void refusesALimitBelowOneAndMissingParts() {
    assertThatThrownBy(() -> new ComputeOptions(0, Duration.ofMillis(1), NEVER)).hasMessageContaining("limit");
    assertThatThrownBy(() -> new ComputeOptions(1, null, NEVER)).hasMessageContaining("timeout");
    assertThatThrownBy(() -> new ComputeOptions(1, Duration.ofMillis(1), null)).hasMessageContaining("cancellation");
  }
}
