package dev.otpx.web;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** How the operator's and a signed-in user's bearer credentials are read: one rule for both. */
class BearerTest {

  @Test
  void theTokenOfABearerHeaderWhateverTheSchemesCaseOrTheSpaces() {
    assertThat(Bearer.token("Bearer abc.def")).contains("abc.def");
    assertThat(Bearer.token("bearer abc")).contains("abc");
    assertThat(Bearer.token("  BEARER \t abc  ")).contains("abc");
  }

  @Test
  void noTokenForAnotherSchemeNoTokenOrNoHeader() {
    assertThat(Bearer.token("Basic YWxpY2U6c2VjcmV0")).isEmpty();
    assertThat(Bearer.token("Bearerabc")).isEmpty();
    assertThat(Bearer.token("Bearer ")).isEmpty();
    assertThat(Bearer.token("Bearer")).isEmpty();
    assertThat(Bearer.token("")).isEmpty();
    assertThat(Bearer.token((String) null)).isEmpty();
  }
}
