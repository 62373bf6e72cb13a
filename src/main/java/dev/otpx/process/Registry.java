package dev.otpx.process;

import dev.otpx.process.engine.ProcessCell;
import dev.otpx.process.engine.ProcessTable;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Unique names for processes, Erlang's {@code register/2} on the event bus: a registered name is
 * also the process's well-known event-bus address. A name is held by at most one process; it is
 * freed when that process exits, whatever the reason, before the process's monitors hear of it.
 */
public final class Registry {

  private Registry() {
  }

  /**
   * Registers a name for a live process.
   *
   * @param vertx the Vert.x instance
   * @param name the name: non-blank, no whitespace, not under {@code otpx.pid.}
   * @param pid the process
   * @return completes once the process listens on the name; fails with already_started (naming the
   *     holder) or noproc
   */
  public static Future<Void> register(Vertx vertx, String name, Pid pid) {
    validateName(name);
    ProcessTable table = ProcessTable.of(vertx);
    ProcessCell cell = table.lookup(pid);
    if (cell == null) {
      return Future.failedFuture(OtpException.noproc(pid));
    }
    try {
      table.register(name, cell);
    } catch (OtpException refused) {
      return Future.failedFuture(refused);
    }
    return cell.listenOn(name).onFailure(err -> table.unregister(name));
  }

  /**
   * Removes a name; the process goes on without it.
   *
   * @param vertx the Vert.x instance
   * @param name the name
   * @return true when the name was registered
   */
  public static boolean unregister(Vertx vertx, String name) {
    ProcessCell cell = ProcessTable.of(vertx).unregister(name);
    if (cell == null) {
      return false;
    }
    cell.stopListening(name);
    return true;
  }

  /**
   * @param vertx the Vert.x instance
   * @param name a name
   * @return the pid holding it, if any
   */
  public static Optional<Pid> whereis(Vertx vertx, String name) {
    ProcessCell cell = ProcessTable.of(vertx).lookup(name);
    return cell == null ? Optional.empty() : Optional.of(cell.pid());
  }

  /**
   * @param vertx the Vert.x instance
   * @return every registered name with its pid, sorted by name
   */
  public static Map<String, Pid> registered(Vertx vertx) {
    return ProcessTable.of(vertx).registered();
  }

  static void validateName(String name) {
    Objects.requireNonNull(name, "name");
    if (name.isBlank() || name.chars().anyMatch(Character::isWhitespace)) {
      throw new IllegalArgumentException("name must be non-blank without whitespace: '" + name + "'");
    }
    if (name.startsWith(Pid.ADDRESS_PREFIX)) {
      throw new IllegalArgumentException("name must not start with " + Pid.ADDRESS_PREFIX + " (pid addresses): " + name);
    }
  }
}
