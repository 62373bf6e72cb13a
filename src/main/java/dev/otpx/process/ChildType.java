package dev.otpx.process;

import java.util.Locale;

/** Whether a child is a worker or a supervisor; it sets the default shutdown. */
public enum ChildType {
  /** A worker: shutdown defaults to 5 s. */
  WORKER,
  /** A supervisor: shutdown defaults to infinity, so it can stop its own children. */
  SUPERVISOR;

  /** @return the lower-case name used in configuration */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * @param text worker or supervisor
   * @return the value
   * @throws IllegalArgumentException for anything else
   */
  public static ChildType parse(String text) {
    for (ChildType value : values()) {
      if (value.wireName().equals(text)) {
        return value;
      }
    }
    throw new IllegalArgumentException("expected worker or supervisor, got '" + text + "'");
  }
}
