package dev.otpx.process;

import dev.otpx.process.engine.WireNames;

/** Which children a supervisor restarts when one of them must be restarted. */
public enum Strategy {
  /** Only the child that ended. */
  ONE_FOR_ONE,
  /** Every child: the others are stopped in reverse start order, then all start in order. */
  ONE_FOR_ALL,
  /** The child and those started after it: those stopped in reverse, then all start in order. */
  REST_FOR_ONE;

  /** @return the snake_case name used in configuration */
  public String wireName() {
    return WireNames.of(this);
  }

  /**
   * @param text one_for_one, one_for_all or rest_for_one
   * @return the value
   * @throws IllegalArgumentException for anything else
   */
  public static Strategy parse(String text) {
    return WireNames.parse(values(), text);
  }
}
