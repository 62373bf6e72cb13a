package dev.otpx.process;

import java.util.Objects;

/**
 * A process identifier: unique for the life of a node, across restarts, and carrying the node's id
 * so that it stays unique when several nodes share one event bus.
 *
 * <p>A restarted process gets a new pid, as in Erlang; a registered name is the way to reach
 * "whichever process currently does this job".
 *
 * @param node the id of the node that spawned the process
 * @param id   a number that the node never hands out twice
 */
public record Pid(String node, long id) {

  /** Prefix of every process mailbox address on the event bus. */
  public static final String ADDRESS_PREFIX = "otpx.pid.";

  public Pid {
    Objects.requireNonNull(node, "node");
    if (node.isEmpty() || node.indexOf('.') >= 0 || node.indexOf('<') >= 0) {
      throw new IllegalArgumentException("node id must be non-empty without '.' or '<': " + node);
    }
    if (id < 0) {
      throw new IllegalArgumentException("id must not be negative: " + id);
    }
  }

  /**
   * The process's mailbox address on the event bus, derived from the pid.
   *
   * @return {@code otpx.pid.<node>.<id>}
   */
  public String address() {
    return ADDRESS_PREFIX + node + "." + id;
  }

  /**
   * Parses the form printed by {@link #toString()}.
   *
   * @param text {@code <node.id>}
   * @return the pid
   * @throws IllegalArgumentException when the text is not a pid
   */
  public static Pid parse(String text) {
    Objects.requireNonNull(text, "text");
    if (!text.startsWith("<") || !text.endsWith(">")) {
      throw new IllegalArgumentException("not a pid: " + text);
    }
    String inner = text.substring(1, text.length() - 1);
    int dot = inner.lastIndexOf('.');
    if (dot <= 0) {
      throw new IllegalArgumentException("not a pid: " + text);
    }
    try {
      return new Pid(inner.substring(0, dot), Long.parseLong(inner.substring(dot + 1)));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a pid: " + text, e);
    }
  }

  // Written out rather than left to the record's generated methods: a pid is the key of every
  // process table and link map, and a task puts and removes its pid several times in its short life.
  @Override
  public boolean equals(Object other) {
    return this == other || other instanceof Pid pid && id == pid.id && node.equals(pid.node);
  }

  @Override
  public int hashCode() {
    return 31 * node.hashCode() + Long.hashCode(id);
  }

  /** Erlang's way of printing a pid: {@code <node.id>}. */
  @Override
  public String toString() {
    return "<" + node + "." + id + ">";
  }
}
