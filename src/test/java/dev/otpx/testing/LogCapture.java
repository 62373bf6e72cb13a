package dev.otpx.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.slf4j.LoggerFactory;

/**
 * Collects what one logger (and the loggers below it) writes, from any thread, so that a test can
 * wait for a line as an event ({@link #next}) or count and read lines afterwards. Attached when
 * made; {@link #close} detaches it and puts back the level it lowered.
 */
public final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {

  private record Waiter(Predicate<ILoggingEvent> matches, Promise<ILoggingEvent> promise) { }

  private final Logger logger;
  private final Level previousLevel;
  private final List<ILoggingEvent> events = new ArrayList<>();
  private final List<Waiter> waiters = new ArrayList<>();

  private LogCapture(Logger logger, Level level) {
    this.logger = logger;
    this.previousLevel = logger.getLevel();
    setContext(logger.getLoggerContext());
    start();
    if (level != null) {
      logger.setLevel(level);
    }
    logger.addAppender(this);
  }

  /**
   * @param name the logger, e.g. a class name or a package
   * @return a capture at the logger's own level, already attached
   */
  public static LogCapture of(String name) {
    return new LogCapture((Logger) LoggerFactory.getLogger(name), null);
  }

  /**
   * @param type a class whose logger to watch
   * @return a capture at the logger's own level, already attached
   */
  public static LogCapture of(Class<?> type) {
    return of(type.getName());
  }

  /**
   * @param name the logger, e.g. {@code dev.otpx.infosys} for the package and its backends
   * @param level the level to capture from: the logger is set to it until {@link #close}
   * @return a capture, already attached
   */
  public static LogCapture of(String name, Level level) {
    return new LogCapture((Logger) LoggerFactory.getLogger(name), level);
  }

  /**
   * Everything, from every logger at every level until {@link #close}: what an operator's log file
   * would hold at its most verbose.
   *
   * @return a capture, already attached
   */
  public static LogCapture everything() {
    return of(org.slf4j.Logger.ROOT_LOGGER_NAME, Level.ALL);
  }

  @Override
  protected void append(ILoggingEvent event) {
    List<Waiter> matched = new ArrayList<>();
    synchronized (this) {
      events.add(event);
      waiters.removeIf(waiter -> {
        if (waiter.matches.test(event)) {
          matched.add(waiter);
          return true;
        }
        return false;
      });
    }
    matched.forEach(waiter -> waiter.promise.tryComplete(event));
  }

  /**
   * The first event so far, or the next one, that matches.
   *
   * @param matches what to wait for
   * @return completes with the event
   */
  public Future<ILoggingEvent> next(Predicate<ILoggingEvent> matches) {
    Promise<ILoggingEvent> promise = Promise.promise();
    synchronized (this) {
      for (ILoggingEvent event : events) {
        if (matches.test(event)) {
          return Future.succeededFuture(event);
        }
      }
      waiters.add(new Waiter(matches, promise));
    }
    return promise.future();
  }

  /**
   * @param text a fragment of a message
   * @return completes with the first event whose message contains it
   */
  public Future<ILoggingEvent> line(String text) {
    return next(event -> event.getFormattedMessage().contains(text));
  }

  /** Forgets the events so far: what the test counts starts here. */
  public synchronized void clear() {
    events.clear();
  }

  /** @return the events so far */
  public synchronized List<ILoggingEvent> events() {
    return List.copyOf(events);
  }

  /** @return the formatted messages so far */
  public synchronized List<String> messages() {
    return events.stream().map(ILoggingEvent::getFormattedMessage).toList();
  }

  /**
   * @param level the level
   * @param loggerName the logger
   * @return the formatted messages logged at exactly that level by that logger
   */
  public synchronized List<String> messages(Level level, String loggerName) {
    return events.stream().filter(event -> event.getLevel() == level && event.getLoggerName().equals(loggerName))
      .map(ILoggingEvent::getFormattedMessage).toList();
  }

  /**
   * @param level the level
   * @return the formatted messages at exactly that level
   */
  public synchronized List<String> at(Level level) {
    return events.stream().filter(event -> event.getLevel() == level).map(ILoggingEvent::getFormattedMessage).toList();
  }

  /** @return the formatted messages at WARN and above */
  public synchronized List<String> warnings() {
    return events.stream().filter(event -> event.getLevel().isGreaterOrEqual(Level.WARN))
      .map(ILoggingEvent::getFormattedMessage).toList();
  }

  /**
   * @param level the least level
   * @return {@code LEVEL logger - message} of the events at that level or above
   */
  public synchronized List<String> atLeast(Level level) {
    return events.stream().filter(event -> event.getLevel().isGreaterOrEqual(level))
      .map(event -> event.getLevel() + " " + event.getLoggerName() + " - " + event.getFormattedMessage()).toList();
  }

  /** @return every line so far: level, logger, message, and the messages of its exception and causes */
  public synchronized List<String> lines() {
    return events.stream().map(LogCapture::line).toList();
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
    logger.detachAppender(this);
    logger.setLevel(previousLevel);
    stop();
  }
}
