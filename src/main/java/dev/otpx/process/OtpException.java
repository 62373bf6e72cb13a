package dev.otpx.process;

import java.util.Objects;

/**
 * A named failure of the process runtime: every way a call, a start or a registration can fail has
 * its own {@link Failure}, so callers branch on {@link #failure()} rather than on message text.
 */
public final class OtpException extends RuntimeException {

  /** The kinds of failure, each with the snake_case code used in logs and on the wire. */
  public enum Failure {
    /** No process has that name or pid (at once, never after a timeout). */
    NOPROC("noproc", 404),
    /** The server exited before replying; {@link #reason()} says why. Also a start whose init stopped. */
    EXIT("exit", 500),
    /** No reply within the call's timeout; a reply that comes later is dropped. */
    TIMEOUT("timeout", 504),
    /** A process called itself, which could never be answered. */
    CALLING_SELF("calling_self", 508),
    /** The name is already registered; {@link #pid()} is the holder. */
    ALREADY_STARTED("already_started", 409),
    /** The process's init chose not to start; not an error for a supervisor. */
    IGNORE("ignore", 204),
    /** The server replied with an application error; {@link #code()} is the server's own code. */
    ERROR("error", 400);

    private final String code;
    private final int failureCode;

    Failure(String code, int failureCode) {
      this.code = code;
      this.failureCode = failureCode;
    }

    /** @return the snake_case code */
    public String code() {
      return code;
    }

    /** @return the number used as the event-bus failure code ({@code Message.fail}) */
    public int failureCode() {
      return failureCode;
    }
  }

  private final Failure failure;
  private final String code;
  private final transient ExitReason reason;
  private final Pid pid;

  private OtpException(Failure failure, String code, String message, ExitReason reason, Pid pid) {
    super(message, null, false, false);
    this.failure = Objects.requireNonNull(failure, "failure");
    this.code = Objects.requireNonNull(code, "code");
    this.reason = reason;
    this.pid = pid;
  }

  /**
   * No such process.
   *
   * @param target the name or pid that was asked for
   * @return the failure
   */
  public static OtpException noproc(Object target) {
    return new OtpException(Failure.NOPROC, Failure.NOPROC.code, "noproc: no process " + target, ExitReason.NOPROC, null);
  }

  /**
   * The server exited.
   *
   * @param pid the server
   * @param reason its exit reason
   * @return the failure
   */
  public static OtpException exit(Pid pid, ExitReason reason) {
    return new OtpException(Failure.EXIT, Failure.EXIT.code, "exit: process " + pid + " exited with " + reason, reason, pid);
  }

  /**
   * No reply in time.
   *
   * @param target the name or pid called
   * @param timeoutMillis the timeout that ran out
   * @return the failure
   */
  public static OtpException timeout(Object target, long timeoutMillis) {
    return new OtpException(Failure.TIMEOUT, Failure.TIMEOUT.code,
      "timeout: no reply from " + target + " within " + timeoutMillis + " ms", null, null);
  }

  /**
   * A process called itself.
   *
   * @param pid the process
   * @return the failure
   */
  public static OtpException callingSelf(Pid pid) {
    return new OtpException(Failure.CALLING_SELF, Failure.CALLING_SELF.code, "calling_self: process " + pid + " called itself", null, pid);
  }

  /**
   * The name is taken.
   *
   * @param name the name
   * @param holder the pid that holds it
   * @return the failure
   */
  public static OtpException alreadyStarted(String name, Pid holder) {
    return new OtpException(Failure.ALREADY_STARTED, Failure.ALREADY_STARTED.code,
      "already_started: name '" + name + "' is held by " + holder, null, holder);
  }

  /**
   * Init said ignore.
   *
   * @return the failure
   */
  public static OtpException ignore() {
    return new OtpException(Failure.IGNORE, Failure.IGNORE.code, "ignore: init chose not to start", null, null);
  }

  /**
   * An application error reply.
   *
   * @param code the server's snake_case error code, e.g. unknown_action
   * @param message the explanation
   * @return the failure
   */
  public static OtpException error(String code, String message) {
    return new OtpException(Failure.ERROR, code, code + ": " + message, null, null);
  }

  /** @return the kind of failure */
  public Failure failure() {
    return failure;
  }

  /** @return the snake_case code: the failure's own, or the server's code for {@link Failure#ERROR} */
  public String code() {
    return code;
  }

  /** @return the exit reason for {@link Failure#EXIT} (and noproc), else null */
  public ExitReason reason() {
    return reason;
  }

  /** @return the pid involved (the exited server, the name's holder), else null */
  public Pid pid() {
    return pid;
  }
}
