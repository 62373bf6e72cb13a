package dev.otpx.infosys;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.LoggerFactory;

/**
 * Collects what one logger and its children log, from any thread, for tests that assert how many
 * lines a behaviour writes and what they say. While started it lowers the logger to {@code level}
 * (DEBUG sees the per-query lines too); {@link #stop} puts the old level back.
 */
public final class LogCapture extends AppenderBase<ILoggingEvent> {

  private final Logger logger;
  private final Level level;
  private Level previous;
  private final List<ILoggingEvent> events = new CopyOnWriteArrayList<>();

  /**
   * @param name the logger, e.g. {@code dev.otpx.infosys} for the package and its backends
   * @param level the level to capture from
   */
  public LogCapture(String name, Level level) {
    this.logger = (Logger) LoggerFactory.getLogger(name);
    this.level = level;
  }

  /** @param type whose logger to capture, from INFO (the level the service runs at) */
  public LogCapture(Class<?> type) {
    this(type.getName(), Level.INFO);
  }

  @Override
  public void start() {
    super.start();
    previous = logger.getLevel();
    logger.setLevel(level);
    logger.addAppender(this);
  }

  @Override
  public void stop() {
    logger.detachAppender(this);
    logger.setLevel(previous);
    super.stop();
  }

  @Override
  protected void append(ILoggingEvent event) {
    events.add(event);
  }

  /** @return every message, formatted, in order */
  public List<String> messages() {
    return events.stream().map(ILoggingEvent::getFormattedMessage).toList();
  }

  /** @return the messages at WARN and above */
  public List<String> warnings() {
    return events.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN)).map(ILoggingEvent::getFormattedMessage).toList();
  }

  /** @return the messages at exactly this level */
  public List<String> at(Level wanted) {
    return events.stream().filter(e -> e.getLevel() == wanted).map(ILoggingEvent::getFormattedMessage).toList();
  }
}
