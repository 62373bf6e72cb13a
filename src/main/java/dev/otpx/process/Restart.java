package dev.otpx.process;

import java.util.Locale;

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
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * @param text permanent, transient or temporary
   * @return the value
   * @throws IllegalArgumentException for anything else
   */
  public static Restart parse(String text) {
    for (Restart value : values()) {
      if (value.wireName().equals(text)) {
        return value;
      }
    }
    throw new IllegalArgumentException("expected permanent, transient or temporary, got '" + text + "'");
  }
}
