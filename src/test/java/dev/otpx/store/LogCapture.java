package dev.otpx.store;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.LoggerFactory;

/**
 * Collects every line logged while it is open, from every logger at every level (the levels it
 * lowers are restored on {@link #close()}), formatted with its arguments and any exception's
 * messages: what an operator's log file would hold.
 */
public final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {

  private final List<ILoggingEvent> events = new CopyOnWriteArrayList<>();
  private final Logger root;
  private final Level rootLevel;

  private LogCapture() {
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    rootLevel = root.getLevel();
    setContext(context);
    setName("test-capture");
  }

  /**
   * Starts capturing everything, at every level, from every logger.
   *
   * @return the capture; close it to stop
   */
  public static LogCapture everything() {
    LogCapture capture = new LogCapture();
    capture.start();
    capture.root.setLevel(Level.ALL);
    capture.root.addAppender(capture);
    return capture;
  }

  @Override
  protected void append(ILoggingEvent event) {
    events.add(event);
  }

  /** @return every line so far: level, logger, message, and the messages of its exception's causes */
  public List<String> lines() {
    return events.stream().map(LogCapture::line).toList();
  }

  /**
   * @param level the level
   * @param loggerName the logger
   * @return the messages logged at exactly that level by that logger
   */
  public List<String> messages(Level level, String loggerName) {
    return events.stream().filter(e -> e.getLevel() == level && e.getLoggerName().equals(loggerName))
      .map(ILoggingEvent::getFormattedMessage).toList();
  }

  private static String line(ILoggingEvent event) {
    StringBuilder line = new StringBuilder(event.getLevel() + " " + event.getLoggerName() + " - " + event.getFormattedMessage());
    for (var thrown = event.getThrowableProxy(); thrown != null; thrown = thrown.getCause()) {
      line.append(" | ").append(thrown.getClassName()).append(": ").append(thrown.getMessage());
    }
    return line.toString();
  }

  @Override
  public void close() {
    root.detachAppender(this);
    root.setLevel(rootLevel);
    stop();
  }
}
