package dev.otpx.channels.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class UsernamesTest {

  @Nested
  class Accepted {

    @ParameterizedTest
    @ValueSource(strings = {"al", "alice", "bob_42", "j.doe", "mary-jane", "a1234567890123456789012x"})
    void validNamesComeBackUnchanged(String name) {
      assertThat(Usernames.validate(name)).isEqualTo(name);
    }

    @Test
    void namesAreFoldedToLowerCase() {
      assertThat(Usernames.validate("Alice.B")).isEqualTo("alice.b");
    }

    @Test
    void surroundingWhitespaceIsDropped() {
      assertThat(Usernames.validate("  alice\t")).isEqualTo("alice");
    }
  }

  @Nested
  class Refused {

    @Test
    void aMissingNameIsRefused() {
      assertThatThrownBy(() -> Usernames.validate(null)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("username is missing");
      assertThatThrownBy(() -> Usernames.validate("   ")).hasMessage("username is missing");
    }

    @Test
    void namesOutsideTwoToTwentyFourCharactersAreRefused() {
      assertThatThrownBy(() -> Usernames.validate("a")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("username must be 2 to 24 characters long, got 1");
      assertThatThrownBy(() -> Usernames.validate("a".repeat(25)))
        .hasMessage("username must be 2 to 24 characters long, got 25");
    }

    @ParameterizedTest
    @ValueSource(strings = {"al ice", "alice!", "al/ice", "élodie", "ali\u212Ae", "al\u0000x", "bob@home"})
    void namesWithOtherCharactersAreRefused(String name) {
      assertThatThrownBy(() -> Usernames.validate(name)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("may contain only letters a-z, digits and the characters _ . -");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1alice", "_alice", ".alice", "-alice"})
    void namesNotStartingWithALetterAreRefused(String name) {
      assertThatThrownBy(() -> Usernames.validate(name)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("username must start with a letter");
    }

    @ParameterizedTest
    @ValueSource(strings = {"wolfram", "calculator", "clock", "system", "admin", "Wolfram", "ADMIN"})
    void reservedNamesAreRefusedWhateverTheirCase(String name) {
      assertThatThrownBy(() -> Usernames.validate(name)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageEndingWith("is reserved");
    }

    @Test
    void theReservedNamesIncludeEveryInfoSysBackend() {
      assertThat(Usernames.RESERVED).contains("wolfram", "calculator", "clock", "system", "admin");
    }
  }
}
