package dev.otpx.process;

import dev.otpx.process.engine.WireNames;

/**
 * Whether a supervisor stops itself when significant children end (OTP 24's auto_shutdown). Only
 * an exit that is not followed by a restart counts: a transient significant child ending normally,
 * a temporary one ending for any reason. Stopping a child by hand never triggers it.
 */
public enum AutoShutdown {
  /** Never (the default); no child may then be significant. */
  NEVER,
  /** When any significant child ends. */
  ANY_SIGNIFICANT,
  /** When the last running significant child ends. */
  ALL_SIGNIFICANT;

  /** @return the snake_case name used in configuration */
  public String wireName() {
    return WireNames.of(this);
  }

  /**
   * @param text never, any_significant or all_significant
   * @return the value
   * @throws IllegalArgumentException for anything else
   */
  public static AutoShutdown parse(String text) {
    return WireNames.parse(values(), text);
  }
}
