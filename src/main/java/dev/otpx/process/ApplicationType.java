package dev.otpx.process;

import dev.otpx.process.engine.WireNames;

/**
 * What an application's end means for the node, with Erlang/OTP's meanings
 * ({@code application:start/2}): whether the node keeps running after the application's top
 * supervisor exited on its own. Stopping an application on purpose
 * ({@link ApplicationController#stop}) never stops the node, whatever its type.
 */
public enum ApplicationType {
  /** Its end, for any reason, stops every other application and the node. */
  PERMANENT,
  /**
   * Its end with reason {@code normal} is reported and the node keeps running; any other reason
   * stops the node. A top supervisor that gives up exits with {@code shutdown}, which stops it.
   */
  TRANSIENT,
  /** Its end is reported and nothing else stops: the default, as for {@code application:start/1}. */
  TEMPORARY;

  /** @return the lower-case name used in configuration */
  public String wireName() {
    return WireNames.of(this);
  }

  /**
   * @param reason why the application's top supervisor exited on its own
   * @return whether that stops the node
   */
  public boolean stopsNodeOn(ExitReason reason) {
    return switch (this) {
      case PERMANENT -> true;
      case TRANSIENT -> !ExitReason.NORMAL.equals(reason);
      case TEMPORARY -> false;
    };
  }

  /**
   * @param text permanent, transient or temporary
   * @return the value
   * @throws IllegalArgumentException for anything else
   */
  public static ApplicationType parse(String text) {
    return WireNames.parse(values(), text);
  }
}
