package dev.otpx.process;

import dev.otpx.process.engine.WireNames;

/** When a supervisor restarts a child, with Elixir's meanings. */
public enum Restart {
  /** Always restarted, whatever the exit reason (even normal). */
  PERMANENT,
  /** Restarted only after an abnormal exit: not normal, shutdown or {shutdown, term}. */
  TRANSIENT,
  /** Never restarted; its spec is dropped once it ends, also when a sibling's restart ends it. */
  TEMPORARY;

  /** @return the lower-case name used in configuration */
  public String wireName() {
    return WireNames.of(this);
  }

  /**
   * @param text permanent, transient or temporary
   * @return the value
   * @throws IllegalArgumentException for anything else
   */
  public static Restart parse(String text) {
    return WireNames.parse(values(), text);
  }
}
