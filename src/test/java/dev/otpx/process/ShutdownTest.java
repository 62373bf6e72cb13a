package dev.otpx.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class ShutdownTest {

  @Nested
  class Parse {

    @Test
    void readsBrutalKillInfinityAndMilliseconds() {
      assertThat(Shutdown.parse("brutal_kill")).isSameAs(Shutdown.BRUTAL_KILL);
      assertThat(Shutdown.parse("infinity")).isSameAs(Shutdown.INFINITY);
      assertThat(Shutdown.parse(5000)).isEqualTo(Shutdown.timeout(Duration.ofSeconds(5)));
      assertThat(Shutdown.parse(250L)).isEqualTo(Shutdown.timeout(Duration.ofMillis(250)));
      assertThat(Shutdown.parse(2000.0)).isEqualTo(Shutdown.timeout(Duration.ofSeconds(2)));
      assertThat(Shutdown.parse(0)).isEqualTo(Shutdown.timeout(Duration.ZERO));
    }

    @Test
    void refusesAnythingElseNamingWhatItGot() {
      for (Object bad : Arrays.asList("kill", "5000", "Infinity", -1, 2.5, true, null, List.of())) {
        assertThatThrownBy(() -> Shutdown.parse(bad)).as("shutdown %s", bad)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("brutal_kill").hasMessageContaining(String.valueOf(bad));
      }
    }
  }

  @Nested
  class Values {

    @Test
    void theWorkerDefaultIsFiveSeconds() {
      assertThat(Shutdown.DEFAULT_WORKER).isEqualTo(Shutdown.timeout(Duration.ofMillis(5000)));
    }

    @Test
    void aNegativeTimeoutIsRefused() {
      assertThatThrownBy(() -> Shutdown.timeout(Duration.ofMillis(-1))).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> Shutdown.timeout(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void printsInTheConfigurationForm() {
      assertThat(Shutdown.BRUTAL_KILL).hasToString("brutal_kill");
      assertThat(Shutdown.INFINITY).hasToString("infinity");
      assertThat(Shutdown.timeout(Duration.ofMillis(1500))).hasToString("1500 ms");
    }
  }
}
