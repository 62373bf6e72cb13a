package dev.otpx.process;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.internal.ContextInternal;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * What supervised test workers did, in order ("start:a", "stop:a:shutdown"), with futures that
 * complete when an entry appears, so supervision tests wait on events rather than on time.
 */
final class Journal {

  private final List<String> entries = new ArrayList<>();
  private final List<Waiter> waiters = new ArrayList<>();

  private record Waiter(Predicate<List<String>> until, Promise<List<String>> promise) { }

  synchronized void add(String entry) {
    entries.add(entry);
    List<Waiter> done = new ArrayList<>();
    for (Waiter waiter : waiters) {
      if (waiter.until().test(entries)) {
        done.add(waiter);
      }
    }
    waiters.removeAll(done);
    List<String> snapshot = List.copyOf(entries);
    done.forEach(w -> w.promise().tryComplete(snapshot));
  }

  synchronized List<String> entries() {
    return List.copyOf(entries);
  }

  synchronized void clear() {
    entries.clear();
  }

  /** Completes once {@code entry} has been written {@code times} times in all. */
  Future<List<String>> await(String entry, int times) {
    return awaitUntil(list -> list.stream().filter(entry::equals).count() >= times);
  }

  synchronized Future<List<String>> awaitUntil(Predicate<List<String>> until) {
    // Complete on the waiter's context, not on the worker that writes the entry: a test that then
    // calls that worker must not be calling from inside it.
    ContextInternal waiter = ContextInternal.current();
    Promise<List<String>> promise = waiter == null ? Promise.promise() : waiter.promise();
    if (until.test(entries)) {
      promise.complete(List.copyOf(entries));
    } else {
      waiters.add(new Waiter(until, promise));
    }
    return promise.future();
  }

  long count(String entry) {
    return entries().stream().filter(entry::equals).count();
  }
}
