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
