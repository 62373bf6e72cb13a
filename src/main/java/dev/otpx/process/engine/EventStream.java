package dev.otpx.process.engine;

import dev.otpx.process.ProcessEvent;
import java.util.Arrays;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's {@link ProcessEvent}s and their subscribers. The log is the first subscriber, always
 * there; others come and go. Publishing reads one volatile array: no lock and no allocation beyond
 * the event itself, so it stays cheap on the restart path while nobody else listens.
 */
public final class EventStream {

  private static final Logger log = LoggerFactory.getLogger(EventStream.class);

  private final Consumer<ProcessEvent> logReporter = new LogReporter();
  @SuppressWarnings("unchecked")
  private volatile Consumer<? super ProcessEvent>[] subscribers = new Consumer[0];

  /**
   * Whether a task's ordinary start and end would reach anyone: a subscriber, or the log at DEBUG.
   * When not, the engine makes no event for them (a query fanned out to three backends would make
   * six objects nobody reads); a task's crash is always an event.
   *
   * @return true when someone would see them
   */
  public boolean tasksWatched() {
    return subscribers.length > 0 || LogReporter.tasksLogged();
  }

  /**
   * Whether a dynamic supervisor's report of a child's start would reach anyone: a subscriber, or
   * the supervisor log at DEBUG (where those reports go). When not, a task supervisor makes none.
   *
   * @return true when someone would see it
   */
  public boolean dynamicStartsWatched() {
    return subscribers.length > 0 || LogReporter.dynamicStartsLogged();
  }

  /**
   * Hands an event to the log and to every subscriber, on the calling thread.
   *
   * @param event the event
   */
  public void publish(ProcessEvent event) {
    logReporter.accept(event);
    for (Consumer<? super ProcessEvent> subscriber : subscribers) {
      try {
        subscriber.accept(event);
      } catch (RuntimeException e) {
        log.warn("a process event subscriber failed on {}", event, e);
      }
    }
  }

  /**
   * @param handler the subscriber
   * @return what cancels it
   */
  public synchronized ProcessEvent.Subscription subscribe(Consumer<? super ProcessEvent> handler) {
    Consumer<? super ProcessEvent>[] next = Arrays.copyOf(subscribers, subscribers.length + 1);
    next[next.length - 1] = handler;
    subscribers = next;
    return () -> unsubscribe(handler);
  }

  @SuppressWarnings("unchecked")
  private synchronized void unsubscribe(Consumer<? super ProcessEvent> handler) {
    subscribers = Arrays.stream(subscribers).filter(s -> s != handler).toArray(Consumer[]::new);
  }
}
