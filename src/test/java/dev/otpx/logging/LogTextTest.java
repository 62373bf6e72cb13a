package dev.otpx.logging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class LogTextTest {

  /** What a client sends to forge an ERROR line: a CR/LF, then a line that looks like ours. */
  private static final String FORGERY = "x\r\n00:00:00.000 ERROR [main] dev.otpx - forged";

  @Nested
  class Escape {

    @Test
    void lineBreaksCannotStartANewLogLine() {
      assertThat(LogText.escape(FORGERY)).doesNotContain("\r", "\n")
        .isEqualTo("x\\r\\n00:00:00.000 ERROR [main] dev.otpx - forged");
    }

    @Test
    void controlSeparatorAndInvisibleCharactersBecomeVisible() {
      assertThat(LogText.escape("a\u0000b\u007fc\u0085d\u2028e\u2029f\u202eg\u200bh\ti"))
        .isEqualTo("a\\u0000b\\u007fc\\u0085d\\u2028e\\u2029f\\u202eg\\u200bh\\ti");
    }

    @Test
    void anUnpairedSurrogateAndAnInvisibleSupplementaryCharacterAreEscaped() {
      // U+E0041 is a tag character: a format character outside the BMP, invisible in most viewers.
      assertThat(LogText.escape("a\ud800b\udc00c" + new String(Character.toChars(0xE0041))))
        .isEqualTo("a\\ud800b\\udc00c\\udb40\\udc41");
    }

    @Test
    void leavesOrdinaryTextAsItIsQuotesAndBackslashesIncluded() {
      String text = "Zürich, 東京, 😀 \"quoted\" \\ path";
      assertThat(LogText.escape(text)).isSameAs(text);
      assertThat(LogText.escape(null)).isNull();
    }
  }

  @Nested
  class Quote {

    @Test
    void aPlainValueIsDoubleQuoted() {
      assertThat(LogText.quote("what is 2 + 2")).isEqualTo("\"what is 2 + 2\"");
    }

    @Test
    void aClientsValueIsEscapedAsAJsonString() {
      assertThat(LogText.quote(FORGERY)).doesNotContain("\r", "\n")
        .isEqualTo("\"x\\r\\n00:00:00.000 ERROR [main] dev.otpx - forged\"");
      // A quote inside the value cannot pretend to end it.
      assertThat(LogText.quote("say \"hi\" \\ bye")).isEqualTo("\"say \\\"hi\\\" \\\\ bye\"");
      assertThat(LogText.quote("a\u0085b\u202ec\ud800")).isEqualTo("\"a\\u0085b\\u202ec\\ud800\"");
    }

    @Test
    void lettersOfAnyScriptAndEmojiStayReadable() {
      assertThat(LogText.quote("café 東京 😀")).isEqualTo("\"café 東京 😀\"");
    }

    @Test
    void anyObjectIsQuotedByItsText() {
      assertThat(LogText.quote(new StringBuilder("videos:1\nERROR"))).isEqualTo("\"videos:1\\nERROR\"");
      assertThat(LogText.quote(null)).isEqualTo("null");
    }

    @Test
    void aLongValueIsCutAndSaysHowLongItWas() {
      assertThat(LogText.quote("x".repeat(600), 10)).isEqualTo("\"xxxxxxxxxx\"… (600 chars)");
      assertThat(LogText.quote("x".repeat(600))).isEqualTo("\"" + "x".repeat(LogText.DEFAULT_MAX_CHARS) + "\"… (600 chars)");
      assertThat(LogText.quote("x".repeat(LogText.DEFAULT_MAX_CHARS))).doesNotContain("…");
    }

    @Test
    void theCutNeverSplitsASurrogatePair() {
      assertThat(LogText.quote("ab😀cd", 3)).isEqualTo("\"ab\"… (6 chars)");
    }

    @Test
    void aLimitBelowOneIsRefused() {
      assertThatThrownBy(() -> LogText.quote("x", 0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxChars");
    }
  }
}
