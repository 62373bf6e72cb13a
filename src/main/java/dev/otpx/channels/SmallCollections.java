package dev.otpx.channels;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Copy-on-write changes to the JDK's immutable sets and maps, for the per-socket state the channels
 * keep: a socket joins one topic or a handful (the count is bounded by {@link BridgeLimits}), and
 * changes its joins rarely next to its life. {@code Set.of(topic)} and {@code Map.of(address, sub)}
 * take 24 and 32 bytes, where a {@link HashSet} or {@link HashMap} with one entry takes about 170; at
 * 10,000 sockets that is what separates otpx's heap per idle client from a plain bridge's
 * (docs/benchmarks.md). A change copies the collection, which costs O(n) for n at most the bound.
 */
final class SmallCollections {

  private SmallCollections() {
  }

  /** @return {@code set} with {@code element} in it: the same set if it was there already */
  static <T> Set<T> with(Set<T> set, T element) {
    if (set.contains(element)) {
      return set;
    }
    if (set.isEmpty()) {
      return Set.of(element);
    }
    Set<T> copy = new HashSet<>(set);
    copy.add(element);
    return Set.copyOf(copy);
  }

  /** @return {@code set} without {@code element}: the same set if it was not there */
  static <T> Set<T> without(Set<T> set, Object element) {
    if (!set.contains(element)) {
      return set;
    }
    if (set.size() == 1) {
      return Set.of();
    }
    Set<T> copy = new HashSet<>(set);
    copy.remove(element);
    return Set.copyOf(copy);
  }

  /** @return {@code map} with {@code key} mapped to {@code value} */
  static <K, V> Map<K, V> with(Map<K, V> map, K key, V value) {
    if (map.isEmpty()) {
      return Map.of(key, value);
    }
    Map<K, V> copy = new HashMap<>(map);
    copy.put(key, value);
    return Map.copyOf(copy);
  }

  /** @return {@code map} without {@code key}: the same map if it had no such key */
  static <K, V> Map<K, V> without(Map<K, V> map, Object key) {
    if (!map.containsKey(key)) {
      return map;
    }
    if (map.size() == 1) {
      return Map.of();
    }
    Map<K, V> copy = new HashMap<>(map);
    copy.remove(key);
    return Map.copyOf(copy);
  }
}
