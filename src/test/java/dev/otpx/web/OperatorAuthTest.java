package dev.otpx.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class OperatorAuthTest {

  @Test
  void withoutTheVariableTheOperatorsEndpointsAreOff() {
    assertThat(OperatorAuth.fromEnvironment(Map.of()).enabled()).isFalse();
    assertThat(OperatorAuth.fromEnvironment(Map.of(OperatorAuth.ENV, "")).enabled()).isFalse();
  }

  @Test
  void aTokenLongEnoughTurnsThemOn() {
    assertThat(OperatorAuth.fromEnvironment(Map.of(OperatorAuth.ENV, "x".repeat(OperatorAuth.MIN_TOKEN_LENGTH))).enabled()).isTrue();
  }

  @Test
  void aShortTokenIsRefusedNamingTheVariableButNeverTheToken() {
    assertThatThrownBy(() -> OperatorAuth.fromEnvironment(Map.of(OperatorAuth.ENV, "hunter2")))
      .isInstanceOf(IllegalArgumentException.class)
      .hasMessageContaining(OperatorAuth.ENV)
      .hasMessageNotContaining("hunter2");
  }
}
