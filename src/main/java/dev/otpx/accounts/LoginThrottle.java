package dev.otpx.accounts;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Slows down password guessing: per username and per client address, the first few failed sign-ins
 * are free; after that each further attempt must wait, twice as long each time, up to a cap. A
 * successful sign-in clears its username's count and takes its own attempt off its address's; counts
 * are forgotten after a quiet spell.
 *
 * <p>An attempt is counted when it starts, not when its password turns out wrong, so that many
 * attempts sent at once cannot all slip through before the first failure is known; {@link #cancel}
 * takes back one that got no verdict (the database was unavailable).
 *
 * <p>Memory is bounded: each table keeps at most {@link Options#maxTracked()} keys, dropping the ones
 * used longest ago. Unknown usernames are tracked exactly like real ones, so the answers never tell
 * which names exist. Thread-safe; time comes from the injected clock.
 */
public final class LoginThrottle {

  /**
   * How one kind of key (username or address) is throttled.
   *
   * @param freeFailures failures allowed before any wait
   * @param firstDelay the wait after the first failure past the free ones; it doubles with each more
   * @param maxDelay the longest wait
   * @param forgetAfter a key with no attempt for this long starts again from zero; at least
   *     {@code maxDelay}
   */
  public record Limit(int freeFailures, Duration firstDelay, Duration maxDelay, Duration forgetAfter) {

    /** Checks every field; the error names the field at fault. */
    public Limit {
      Objects.requireNonNull(firstDelay, "firstDelay");
      Objects.requireNonNull(maxDelay, "maxDelay");
      Objects.requireNonNull(forgetAfter, "forgetAfter");
      if (freeFailures < 0) {
        throw new IllegalArgumentException("freeFailures must be >= 0, got " + freeFailures);
      }
      if (firstDelay.toMillis() < 1 || maxDelay.compareTo(firstDelay) < 0) {
        throw new IllegalArgumentException("firstDelay must be at least 1 ms and maxDelay at least firstDelay, got "
          + firstDelay + " and " + maxDelay);
      }
      if (forgetAfter.compareTo(maxDelay) < 0) {
        throw new IllegalArgumentException("forgetAfter must be at least maxDelay, got " + forgetAfter + " < " + maxDelay);
      }
    }

    /** The wait after {@code failures} counted attempts; zero while they are free. */
    Duration delay(int failures) {
      if (failures < freeFailures) {
        return Duration.ZERO;
      }
      int doublings = Math.min(failures - freeFailures, 30);
      Duration delay = firstDelay.multipliedBy(1L << doublings);
      return delay.compareTo(maxDelay) > 0 || delay.isNegative() ? maxDelay : delay;
    }
  }

  /**
   * The throttle's settings.
   *
   * @param perUser the limit per username
   * @param perAddress the limit per client address; looser, as people share addresses behind NAT
   * @param maxTracked the most keys each table keeps, at least 1
   */
  public record Options(Limit perUser, Limit perAddress, int maxTracked) {

    /** Five free failures per username, twenty per address, then 1 s doubling up to 5 min. */
    public static final Options DEFAULTS = new Options(
      new Limit(5, Duration.ofSeconds(1), Duration.ofMinutes(5), Duration.ofMinutes(15)),
      new Limit(20, Duration.ofSeconds(1), Duration.ofMinutes(5), Duration.ofMinutes(15)),
      10_000);

    /** Checks every field; the error names the field at fault. */
    public Options {
      Objects.requireNonNull(perUser, "perUser");
      Objects.requireNonNull(perAddress, "perAddress");
      if (maxTracked < 1) {
        throw new IllegalArgumentException("maxTracked must be at least 1, got " + maxTracked);
      }
    }
  }

  /** One key's count: attempts not yet cleared, and when the last one started. */
  private static final class Entry {
    int failures;
    Instant last;
  }

  private final Options options;
  private final Clock clock;
  private final Map<String, Entry> users;
  private final Map<String, Entry> addresses;

  /**
   * @param options the limits
   * @param clock the time source
   */
  public LoginThrottle(Options options, Clock clock) {
    this.options = Objects.requireNonNull(options, "options");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.users = bounded(options.maxTracked());
    this.addresses = bounded(options.maxTracked());
  }

  /**
   * Asks to try a password. When allowed, the attempt is counted at once.
   *
   * @param username the username tried (in normal form; unknown names too)
   * @param address the client's address
   * @return empty to go ahead, or how long to wait first (nothing was counted then)
   */
  public synchronized Optional<Duration> attempt(String username, String address) {
    Instant now = clock.instant();
    Entry user = live(users, username, options.perUser(), now);
    Entry from = live(addresses, address, options.perAddress(), now);
    Duration wait = max(remaining(user, options.perUser(), now), remaining(from, options.perAddress(), now));
    if (!wait.isZero()) {
      return Optional.of(wait);
    }
    count(users, username, now);
    count(addresses, address, now);
    return Optional.empty();
  }

  /**
   * The password was right: the username starts afresh, and the address no longer counts this
   * attempt.
   *
   * @param username the username
   * @param address the client's address
   */
  public synchronized void succeeded(String username, String address) {
    users.remove(username);
    uncount(addresses, address);
  }

  /**
   * Takes back an attempt that got no verdict (the database did not answer).
   *
   * @param username the username
   * @param address the client's address
   */
  public synchronized void cancel(String username, String address) {
    uncount(users, username);
    uncount(addresses, address);
  }

  /** @return how many usernames and addresses are tracked, together */
  public synchronized int tracked() {
    return users.size() + addresses.size();
  }

  private static Entry live(Map<String, Entry> table, String key, Limit limit, Instant now) {
    Entry entry = table.get(key);
    if (entry != null && Duration.between(entry.last, now).compareTo(limit.forgetAfter()) > 0) {
      table.remove(key);
      return null;
    }
    return entry;
  }

  private static Duration remaining(Entry entry, Limit limit, Instant now) {
    if (entry == null) {
      return Duration.ZERO;
    }
    Duration left = Duration.between(now, entry.last.plus(limit.delay(entry.failures)));
    return left.isNegative() ? Duration.ZERO : left;
  }

  private static void count(Map<String, Entry> table, String key, Instant now) {
    Entry entry = table.computeIfAbsent(key, k -> new Entry());
    entry.failures++;
    entry.last = now;
  }

  private static void uncount(Map<String, Entry> table, String key) {
    Entry entry = table.get(key);
    if (entry != null && --entry.failures <= 0) {
      table.remove(key);
    }
  }

  private static Duration max(Duration a, Duration b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  /** A map that forgets the key used longest ago once it holds more than {@code max}. */
  private static Map<String, Entry> bounded(int max) {
    return new LinkedHashMap<>(16, 0.75f, true) {
      private static final long serialVersionUID = 1L;

      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest) {
        return size() > max;
      }
    };
  }
}
