package dev.otpx.infosys.backends.wolfram;

import static org.assertj.core.api.Assertions.assertThat;

import dev.otpx.infosys.backends.wolfram.WolframResponse.Answer;
import dev.otpx.infosys.backends.wolfram.WolframResponse.NoAnswer;
import dev.otpx.infosys.backends.wolfram.WolframResponse.Outcome;
import dev.otpx.infosys.backends.wolfram.WolframResponse.Unusable;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WolframResponseTest {

  private static Outcome parse(String xml) {
    return WolframResponse.parse(Buffer.buffer(xml));
  }

  private static Outcome parseFixture(String name) {
    return WolframResponse.parse(WolframFixtures.read(name));
  }

  private static String problem(Outcome outcome) {
    assertThat(outcome).isInstanceOf(Unusable.class);
    return ((Unusable) outcome).problem();
  }

  @Nested
  class RecordedReplies {

    @Test
    void aResultPodGivesItsPlaintext() {
      assertThat(parseFixture("result.xml")).isEqualTo(new Answer("4"));
    }

    @Test
    void aDefinitionsPodGivesItsPlaintext() {
      assertThat(parseFixture("definitions.xml"))
        .isEqualTo(new Answer("noun | good luck in making unexpected and fortunate discoveries"));
    }

    @Test
    void podsWithoutResultOrDefinitionsGiveNoAnswerNamingThePods() {
      assertThat(parseFixture("no-pod.xml"))
        .isEqualTo(new NoAnswer("no Result or Definitions pod, only " + List.of("Input interpretation", "Basic information")));
    }

    @Test
    void successFalseIsNoAnswerNotAFault() {
      // WolframAlpha did not understand the question: asking many such must not count against it.
      assertThat(parseFixture("success-false.xml")).isEqualTo(new NoAnswer("not understood (success=false)"));
    }

    @Test
    void anErrorReplyIsUnusableWithWolframsMessage() {
      assertThat(problem(parseFixture("error.xml"))).contains("WolframAlpha error").contains("Invalid appid");
    }

    @Test
    void aTruncatedReplyIsMalformed() {
      assertThat(problem(parseFixture("malformed.xml"))).startsWith("not well-formed XML");
    }
  }

  @Nested
  class ChoosingTheAnswer {

    @Test
    void theFirstNonBlankPlaintextInDocumentOrderWins() {
      Outcome outcome = parse("""
        <queryresult success='true' error='false'>
         <pod title='Input'><subpod title=''><plaintext>x</plaintext></subpod></pod>
         <pod title='Results'>
          <subpod title=''><plaintext>   </plaintext></subpod>
          <subpod title=''><plaintext>
            first
          </plaintext></subpod>
         </pod>
         <pod title='Result'><subpod title=''><plaintext>second</plaintext></subpod></pod>
        </queryresult>""");
      assertThat(outcome).isEqualTo(new Answer("first"));
    }

    @Test
    void aMultiLineAnswerKeepsItsLines() {
      Outcome outcome = parse("""
        <queryresult success='true'>
         <pod title='Results'><subpod title=''><plaintext>x = -2
        x = 2</plaintext></subpod></pod>
        </queryresult>""");
      assertThat(outcome).isEqualTo(new Answer("x = -2\nx = 2"));
    }

    @Test
    void answerPodsWithoutPlaintextAreNoAnswer() {
      Outcome outcome = parse("""
        <queryresult success='true'>
         <pod title='Result'><subpod title=''><plaintext/></subpod></pod>
        </queryresult>""");
      assertThat(outcome).isEqualTo(new NoAnswer("the Result/Definitions pods carry no plaintext"));
    }

    @Test
    void podsOutsideTheQueryresultRootAreIgnored() {
      assertThat(parse("<queryresult success='true'><extra><pod title='Result'><subpod><plaintext>4</plaintext></subpod></pod></extra></queryresult>"))
        .isEqualTo(new NoAnswer("no Result or Definitions pod, only " + List.of("Result")));
    }
  }

  @Nested
  class Garbage {

    @Test
    void anEmptyBodyIsUnusable() {
      assertThat(problem(parse(""))).isEqualTo("empty body");
    }

    @Test
    void plainTextIsNotXml() {
      assertThat(problem(parse("Service temporarily unavailable"))).startsWith("not well-formed XML");
    }

    @Test
    void wellFormedXmlOfAnotherKindIsNotAQueryresult() {
      assertThat(problem(parse("<html><body>Bad gateway</body></html>"))).contains("not a WolframAlpha queryresult but <html>");
    }

    @Test
    void anExternalEntityIsNeverResolved(@TempDir Path dir) throws IOException {
      Path secret = Files.writeString(dir.resolve("secret.txt"), "TOP-SECRET");
      Outcome outcome = parse("<?xml version='1.0'?>\n<!DOCTYPE queryresult [<!ENTITY xxe SYSTEM '" + secret.toUri() + "'>]>\n"
        + "<queryresult success='true'><pod title='Result'><subpod><plaintext>&xxe;</plaintext></subpod></pod></queryresult>");
      assertThat(problem(outcome)).startsWith("not well-formed XML").doesNotContain("TOP-SECRET");
    }

    @Test
    void entityExpansionBombsAreRefused() {
      Outcome outcome = parse("<?xml version='1.0'?>\n<!DOCTYPE lolz [<!ENTITY lol 'lol'>"
        + "<!ENTITY lol2 '&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;'>"
        + "<!ENTITY lol3 '&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;'>]>\n"
        + "<queryresult success='true'><pod title='Result'><subpod><plaintext>&lol3;</plaintext></subpod></pod></queryresult>");
      assertThat(outcome).isInstanceOf(Unusable.class);
    }

    @Test
    void theDeclaredEncodingIsHonoured() {
      byte[] latin1 = "<?xml version='1.0' encoding='ISO-8859-1'?><queryresult success='true'><pod title='Result'><subpod><plaintext>café</plaintext></subpod></pod></queryresult>"
        .getBytes(StandardCharsets.ISO_8859_1);
      assertThat(WolframResponse.parse(Buffer.buffer(latin1))).isEqualTo(new Answer("café"));
    }
  }
}
