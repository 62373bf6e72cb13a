package dev.otpx.web;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class HttpOptionsTest {

  @Test
  void aPortOutsideTheRangeIsRefusedNamingIt() {
    assertThatThrownBy(() -> new HttpOptions("h", 70000, "c", "r", Duration.ofSeconds(1))).hasMessageContaining("port");
    assertThatThrownBy(() -> new HttpOptions("h", -1, "c", "r", Duration.ofSeconds(1))).hasMessageContaining("port");
  }

  @Test
  void aCallTimeoutMustBePositive() {
    assertThatThrownBy(() -> new HttpOptions("h", 0, "c", "r", Duration.ZERO)).hasMessageContaining("callTimeout");
  }

  @Test
  void everyPartIsRequired() {
    assertThatThrownBy(() -> new HttpOptions(null, 0, "c", "r", Duration.ofSeconds(1))).hasMessageContaining("host");
    assertThatThrownBy(() -> new HttpOptions("h", 0, null, "r", Duration.ofSeconds(1))).hasMessageContaining("counter");
  }
}
