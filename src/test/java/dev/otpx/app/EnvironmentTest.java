package dev.otpx.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class EnvironmentTest {

  @Test
  void everyConfigKeysVariableAndEverySecretIsListed() {
    for (AppConfig.Key key : AppConfig.Key.values()) {
      assertThat(Environment.variables()).contains(key.env());
    }
    assertThat(Environment.variables()).contains(AppConfig.CONFIG_ENV).containsAll(Environment.secrets())
      .containsAll(dev.otpx.cluster.ClusterOptions.VARIABLES);
    assertThat(Environment.secrets())
      .containsExactlyInAnyOrder("OTPX_TOKEN_SECRET", "OTPX_ADMIN_TOKEN", "OTPX_DATABASE_URL", "WOLFRAM_APP_ID");
  }

  @Test
  void theReadmeNamesEveryVariableTheServiceReads() throws Exception {
    String readme = Files.readString(Path.of("README.md"));
    assertThat(Environment.variables()).allSatisfy(name -> assertThat(readme).as("README names %s", name).contains("`" + name + "`"));
  }
}
