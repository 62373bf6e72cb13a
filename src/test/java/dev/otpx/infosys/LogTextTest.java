package dev.otpx.infosys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LogTextTest {

  @Test
  void aPlainValueIsQuoted() {
    assertThat(LogText.quote("what is 2 + 2")).isEqualTo("\"what is 2 + 2\"");
  }

  @Test
  void lineBreaksCannotStartANewLogLine() {
    String forged = "x\r\n00:00:00.000 ERROR [main] dev.otpx - forged";

    String quoted = LogText.quote(forged, 500);

    assertThat(quoted).doesNotContain("\r", "\n").isEqualTo("\"x\\r\\n00:00:00.000 ERROR [main] dev.otpx - forged\"");
  }

  @Test
  void quotesAndBackslashesAreEscapedAsInJson() {
    assertThat(LogText.quote("say \"hi\" \\ bye")).isEqualTo("\"say \\\"hi\\\" \\\\ bye\"");
  }

  @Test
  void controlSeparatorAndBidiCharactersAreEscaped() {
    assertThat(LogText.quote("a\u0000b\u007fc\u0085d\u2028e\u2029f\u202eg\th"))
      .isEqualTo("\"a\\u0000b\\u007fc\\u0085d\\u2028e\\u2029f\\u202eg\\th\"");
  }

  @Test
  void lettersOfAnyScriptAndEmojiStayReadable() {
    assertThat(LogText.quote("café 東京 😀")).isEqualTo("\"café 東京 😀\"");
  }

  @Test
  void anUnpairedSurrogateIsEscaped() {
    assertThat(LogText.quote("a\ud800b")).isEqualTo("\"a\\ud800b\"");
  }

  @Test
  void aLongValueIsCutAndSaysHowLongItWas() {
    assertThat(LogText.quote("x".repeat(600), 10)).isEqualTo("\"xxxxxxxxxx\"… (600 chars)");
    assertThat(LogText.quote("x".repeat(600))).startsWith("\"" + "x".repeat(LogText.DEFAULT_MAX_CHARS) + "\"…");
  }

  @Test
  void theCutNeverSplitsASurrogatePair() {
    assertThat(LogText.quote("ab😀cd", 3)).isEqualTo("\"ab\"… (6 chars)");
  }

  @Test
  void nullIsShownAsNull() {
    assertThat(LogText.quote(null)).isEqualTo("null");
  }

  @Test
  void aLimitBelowOneIsRefused() {
    assertThatThrownBy(() -> LogText.quote("x", 0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxChars");
  }
}
