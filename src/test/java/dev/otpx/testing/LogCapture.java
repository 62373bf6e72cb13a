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
 * wait for a line as an event ({@link #next}) or count lines afterwards. Attach in a test, {@link
 * #close} at its end.
 */
public final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {

  private record Waiter(Predicate<ILoggingEvent> matches, Promise<ILoggingEvent> promise) { }

  private final Logger logger;
  private final List<ILoggingEvent> events = new ArrayList<>();
  private final List<Waiter> waiters = new ArrayList<>();

  private LogCapture(Logger logger) {
    this.logger = logger;
  }

  /**
   * @param name the logger, e.g. a class name or a package
   * @return a capture, already attached
   */
  public static LogCapture of(String name) {
    LogCapture capture = new LogCapture((Logger) LoggerFactory.getLogger(name));
    capture.setContext(capture.logger.getLoggerContext());
    capture.start();
    capture.logger.addAppender(capture);
    return capture;
  }

  /**
   * @param type a class whose logger to watch
   * @return a capture, already attached
   */
  public static LogCapture of(Class<?> type) {
    return of(type.getName());
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
   * The first event so far, or the next one, whose formatted message matches.
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

  /** @return the events so far */
  public synchronized List<ILoggingEvent> events() {
    return List.copyOf(events);
  }

  /** @return the formatted messages so far */
  public synchronized List<String> messages() {
    return events.stream().map(ILoggingEvent::getFormattedMessage).toList();
  }

  /**
   * @param level the least level
   * @return the formatted messages at that level or above
   */
  public synchronized List<String> atLeast(Level level) {
    return events.stream().filter(event -> event.getLevel().isGreaterOrEqual(level))
      .map(event -> event.getLevel() + " " + event.getLoggerName() + " - " + event.getFormattedMessage()).toList();
  }

  @Override
  public void close() {
    logger.detachAppender(this);
    stop();
  }
}
