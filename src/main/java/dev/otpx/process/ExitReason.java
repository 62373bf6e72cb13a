package dev.otpx.process;

import io.vertx.core.json.JsonObject;
import java.util.Objects;

/**
 * Why a process ended, with Erlang's vocabulary.
 *
 * <p>{@code normal}, {@code shutdown} and {@code {shutdown, term}} are the <em>normal</em> exits:
 * they do not restart a transient child and are not logged as errors. Everything else is abnormal.
 * {@code kill} is what a process that stops itself with reason kill reports, while {@code killed} is
 * what an external, untrappable kill reports (no {@code terminate} runs). {@code noproc} is the reason
 * given to a monitor of a process that was already gone.
 *
 * <p>Reasons travel as JSON when they cross the event bus ({@link #toJson()}, {@link #fromJson}).
 */
public sealed interface ExitReason {

  /** The process finished its work. */
  ExitReason NORMAL = new Normal();
  /** The process was asked to stop, e.g. by its supervisor. */
  ExitReason SHUTDOWN = new Shutdown(null);
  /** The process stopped itself with reason kill. */
  ExitReason KILL = new Kill();
  /** The process was killed from outside, without running terminate. */
  ExitReason KILLED = new Killed();
  /** There was no process to observe. */
  ExitReason NOPROC = new NoProc();
  /** The process's node left the cluster (or cannot be reached): Erlang's {@code noconnection}. */
  ExitReason NOCONNECTION = new NoConnection();

  /** Normal exit. */
  record Normal() implements ExitReason {
    @Override
    public String toString() {
      return "normal";
    }
  }

  /**
   * Shutdown, plain or with a term ({@code {shutdown, term}}).
   *
   * @param term the extra term, or null for plain shutdown
   * @param failedChild when a supervisor failed to start because a child did (OTP's
   *     {@code {shutdown, {failed_to_start_child, Id, Reason}}}): which child and why, as values, so
   *     a nested start failure can be followed down to its cause; else null
   */
  record Shutdown(String term, FailedChild failedChild) implements ExitReason {
    /** @param term the extra term, or null for plain shutdown */
    public Shutdown(String term) {
      this(term, null);
    }

    @Override
    public String toString() {
      return term == null ? "shutdown" : "{shutdown, " + term + "}";
    }
  }

  /**
   * The child whose failed start made its supervisor fail to start.
   *
   * @param id the child's id
   * @param reason why it did not start (itself a {@link Shutdown} with a failed child when the child
   *     is a supervisor that failed the same way)
   */
  record FailedChild(String id, ExitReason reason) {
    public FailedChild {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(reason, "reason");
    }
  }

  /** The process stopped itself with reason kill. */
  record Kill() implements ExitReason {
    @Override
    public String toString() {
      return "kill";
    }
  }

  /** Killed from outside. */
  record Killed() implements ExitReason {
    @Override
    public String toString() {
      return "killed";
    }
  }

  /** No such process. */
  record NoProc() implements ExitReason {
    @Override
    public String toString() {
      return "noproc";
    }
  }

  /** The node of the process left the cluster before its exit could be told: {@code noconnection}. */
  record NoConnection() implements ExitReason {
    @Override
    public String toString() {
      return "noconnection";
    }
  }

  /**
   * A crash: an exception thrown by a callback, or any reason a process chose.
   *
   * @param message what went wrong, for people
   * @param cause the exception, when there was one in this JVM (null after crossing the bus)
   */
  record Error(String message, Throwable cause) implements ExitReason {
    public Error {
      Objects.requireNonNull(message, "message");
    }

    @Override
    public String toString() {
      return "{error, " + message + "}";
    }
  }

  /**
   * A {@code {shutdown, term}} reason.
   *
   * @param term the term
   * @return the reason
   */
  static ExitReason shutdown(String term) {
    return new Shutdown(Objects.requireNonNull(term, "term"));
  }

  /**
   * The reason a supervisor fails to start with when one of its children does:
   * {@code {shutdown, failed_to_start_child <id>: <reason>}}, with the child and its reason kept as
   * values in {@link Shutdown#failedChild()}.
   *
   * @param childId the child that failed
   * @param reason why it failed
   * @return the shutdown reason
   */
  static ExitReason failedToStartChild(String childId, ExitReason reason) {
    FailedChild failed = new FailedChild(childId, reason);
    return new Shutdown("failed_to_start_child " + childId + ": " + reason, failed);
  }

  /**
   * The reason for a crash by an exception.
   *
   * @param t the exception
   * @return the error reason, whose message names the exception type and its message
   */
  static ExitReason error(Throwable t) {
    String text = t.getMessage() == null ? t.getClass().getName() : t.getClass().getName() + ": " + t.getMessage();
    return new Error(text, t);
  }

  /**
   * A custom abnormal reason.
   *
   * @param message the reason
   * @return the error reason
   */
  static ExitReason error(String message) {
    return new Error(message, null);
  }

  /**
   * Whether this is one of the normal exits (normal, shutdown, {shutdown, term}).
   *
   * @return true when a transient child would not be restarted for it
   */
  default boolean isNormal() {
    return this instanceof Normal || this instanceof Shutdown;
  }

  /**
   * The snake_case name of the kind of reason.
   *
   * @return normal, shutdown, kill, killed, noproc, noconnection or error
   */
  default String code() {
    if (this instanceof Normal) {
      return "normal";
    } else if (this instanceof Shutdown) {
      return "shutdown";
    } else if (this instanceof Kill) {
      return "kill";
    } else if (this instanceof Killed) {
      return "killed";
    } else if (this instanceof NoProc) {
      return "noproc";
    } else if (this instanceof NoConnection) {
      return "noconnection";
    }
    return "error";
  }

  /**
   * The reason as JSON: {@code {"reason": code}} plus {@code term} or {@code message}.
   *
   * @return a new JSON object
   */
  default JsonObject toJson() {
    JsonObject json = new JsonObject().put("reason", code());
    if (this instanceof Shutdown s && s.term() != null) {
      json.put("term", s.term());
      if (s.failedChild() != null) {
        json.put("failed_child", new JsonObject().put("id", s.failedChild().id()).put("reason", s.failedChild().reason().toJson()));
      }
    } else if (this instanceof Error e) {
      json.put("message", e.message());
    }
    return json;
  }

  /**
   * Reads a reason written by {@link #toJson()}.
   *
   * @param json the JSON form
   * @return the reason
   * @throws IllegalArgumentException when the reason is missing or unknown
   */
  static ExitReason fromJson(JsonObject json) {
    String code = json.getString("reason");
    if (code == null) {
      throw new IllegalArgumentException("exit reason: missing field 'reason'");
    }
    return switch (code) {
      case "normal" -> NORMAL;
      case "shutdown" -> {
        String term = json.getString("term");
        JsonObject failed = json.getJsonObject("failed_child");
        yield term == null ? SHUTDOWN
          : new Shutdown(term, failed == null ? null : new FailedChild(failed.getString("id"), fromJson(failed.getJsonObject("reason"))));
      }
      case "kill" -> KILL;
      case "killed" -> KILLED;
      case "noproc" -> NOPROC;
      case "noconnection" -> NOCONNECTION;
      case "error" -> error(json.getString("message", "error"));
      default -> throw new IllegalArgumentException("exit reason: unknown reason '" + code + "'");
    };
  }
}
