package dev.otpx.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class LogEscapingTest {

  /** What a client sends to forge an ERROR line: a CR/LF, then a line that looks like ours. */
  private static final String FORGERY = "what is 2+2\r\n00:00:00.000 ERROR [main] dev.otpx.app.Main - forged";

  /** The layout of a logback configuration on the classpath, e.g. the jar's own logback.xml. */
  private static Encoder<ILoggingEvent> encoderOf(String resource) throws Exception {
    LoggerContext context = new LoggerContext();
    JoranConfigurator configurator = new JoranConfigurator();
    configurator.setContext(context);
    URL url = LogEscapingTest.class.getClassLoader().getResource(resource);
    assertThat(url).as(resource).isNotNull();
    configurator.doConfigure(url);
    assertThat(context.getStatusManager().getCopyOfStatusList())
      .noneMatch(status -> status.getLevel() >= ch.qos.logback.core.status.Status.WARN);
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    @SuppressWarnings("unchecked")
    OutputStreamAppender<ILoggingEvent> console = (OutputStreamAppender<ILoggingEvent>) root.getAppender("CONSOLE");
    return console.getEncoder();
  }

  private static String render(Encoder<ILoggingEvent> encoder, String message, Object arg, Throwable thrown) {
    LoggerContext context = new LoggerContext();
    LoggingEvent event = new LoggingEvent("test", context.getLogger("dev.otpx.infosys.InfoSysServer"), Level.WARN,
      message, thrown, new Object[] {arg});
    return new String(encoder.encode(event), StandardCharsets.UTF_8);
  }

  @Nested
  class TheJarsLayout {

    @Test
    void aClientValueWithCrLfStaysOnItsOwnLogLine() throws Exception {
      String line = render(encoderOf("logback.xml"), "query {} dropped from wolfram", FORGERY, null);

      assertThat(line.lines()).hasSize(1);
      assertThat(line).contains("query what is 2+2\\r\\n00:00:00.000 ERROR [main] dev.otpx.app.Main - forged dropped from wolfram");
      assertThat(line).startsWith(line.substring(0, 12)).contains(" WARN  [");
    }

    @Test
    void anExceptionMessageIsEscapedWhileItsFramesKeepTheirLines() throws Exception {
      IllegalArgumentException thrown = new IllegalArgumentException("bad path " + FORGERY,
        new IllegalStateException("cause\nwith a newline"));

      String text = render(encoderOf("logback.xml"), "request failed", null, thrown);

      assertThat(text.lines()).noneMatch(line -> line.startsWith("00:00:00.000 ERROR"));
      assertThat(text.lines()).noneMatch(line -> line.equals("with a newline"));
      assertThat(text).contains("java.lang.IllegalArgumentException: bad path what is 2+2\\r\\n00:00:00.000 ERROR")
        .contains("Caused by: java.lang.IllegalStateException: cause\\nwith a newline")
        .contains("\tat dev.otpx.logging.LogEscapingTest");
    }

    @Test
    void invisibleAndLineSeparatingCharactersBecomeVisible() throws Exception {
      String line = render(encoderOf("logback.xml"), "body {}", "a\u2028b\u202ec\u200bd\u0085e\u0000f", null);

      assertThat(line.lines()).hasSize(1);
      assertThat(line).contains("body a\\u2028b\\u202ec\\u200bd\\u0085e\\u0000f");
    }
  }

  @Test
  void theTestLayoutEscapesAsWell() throws Exception {
    assertThat(render(encoderOf("logback-test.xml"), "{}", FORGERY, null).lines()).hasSize(1);
  }
}
