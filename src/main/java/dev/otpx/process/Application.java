package dev.otpx.process;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * An OTP application: a named supervision tree that starts and stops as a unit, with a {@link
 * ApplicationType type} that says whether the node outlives it. A node runs several (see {@link
 * ApplicationController}), so that a demo that crashes for fun does not take the services beside
 * it down with it.
 *
 * <pre>{@code
 * Application counters = Application.of("counters", SupervisorSpec.of(SupervisorFlags.of(Strategy.ONE_FOR_ONE), children));
 * Application channels = Application.of("channels", tree).withType(ApplicationType.PERMANENT);
 * }</pre>
 *
 * @param name lower-case letters, digits and {@code _}, starting with a letter; unique on the node
 * @param type what its end means for the node
 * @param supervisor its top supervisor, registered as {@link #supervisorName()}
 */
public record Application(String name, ApplicationType type, SupervisorSpec supervisor) {

  /** The prefix of a top supervisor's registered name: {@code otpx.app.<name>}. */
  public static final String SUPERVISOR_PREFIX = "otpx.app.";

  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]{0,63}");

  /**
   * @throws IllegalArgumentException naming the field at fault
   */
  public Application {
    Objects.requireNonNull(name, "name");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("application name must be lower-case letters, digits and _ starting with a letter"
        + " (at most 64), got '" + name + "'");
    }
    Objects.requireNonNull(type, "type");
    Objects.requireNonNull(supervisor, "supervisor");
  }

  /**
   * A temporary application, the default type of OTP's {@code application:start/1}.
   *
   * @param name its name
   * @param supervisor its top supervisor
   * @return the application
   */
  public static Application of(String name, SupervisorSpec supervisor) {
    return new Application(name, ApplicationType.TEMPORARY, supervisor);
  }

  /**
   * @param value the type
   * @return a copy with it
   */
  public Application withType(ApplicationType value) {
    return new Application(name, value, supervisor);
  }

  /** @return the registered name of its top supervisor, {@code otpx.app.<name>} */
  public String supervisorName() {
    return SUPERVISOR_PREFIX + name;
  }
}
