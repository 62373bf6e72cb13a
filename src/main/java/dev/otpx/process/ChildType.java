package dev.otpx.process;

import dev.otpx.process.engine.WireNames;

/** Whether a child is a worker or a supervisor; it sets the default shutdown. */
public enum ChildType {
  /** A worker: shutdown defaults to 5 s. */
  WORKER,
  /** A supervisor: shutdown defaults to infinity, so it can stop its own children. */
  SUPERVISOR;

  /** @return the lower-case name used in configuration */
  public String wireName() {
    return WireNames.of(this);
  }

  /**
   * @param text worker or supervisor
   * @return the value
   * @throws IllegalArgumentException for anything else
   */
  public static ChildType parse(String text) {
    return WireNames.parse(values(), text);
  }
}
