package dev.otpx.process;

import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * Elixir's DynamicSupervisor: starts empty, children come and go at run time, one_for_one only,
 * optionally capped ({@code max_children}, which a child waiting for its restart still occupies).
 * Children are addressed by pid and stopped in parallel when the supervisor stops. The rest of the
 * API ({@link Supervisor#whichChildren}, {@link Supervisor#countChildren}) is the supervisor's.
 */
public final class DynamicSupervisor {

  /** No cap on children. */
  public static final int UNLIMITED = Integer.MAX_VALUE;

  private DynamicSupervisor() {
  }

  /**
   * Starts a dynamic supervisor.
   *
   * @param vertx the Vert.x instance
   * @param maxRestarts intensity: restarts... (Elixir's default 3)
   * @param maxSeconds ...within this many seconds (default 5)
   * @param maxChildren the cap, or {@link #UNLIMITED}
   * @param name the name to register, or null
   * @return its pid
   */
  public static Future<Pid> start(Vertx vertx, int maxRestarts, long maxSeconds, int maxChildren, String name) {
    return Supervisor.start(vertx, SupervisorSpec.dynamic(maxRestarts, maxSeconds, maxChildren), name);
  }

  /**
   * Starts a child; fails with max_children when full, or with the child's own start failure.
   *
   * @param vertx the Vert.x instance
   * @param supervisor the dynamic supervisor
   * @param child the spec; its id is replaced by a generated one
   * @return the child's pid, or null when its init ignored
   */
  public static Future<Pid> startChild(Vertx vertx, Pid supervisor, ChildSpec child) {
    return Supervisor.startChild(vertx, supervisor, child);
  }

  /**
   * Stops a child and forgets it; fails with not_found.
   *
   * @param vertx the Vert.x instance
   * @param supervisor the dynamic supervisor
   * @param child the child's pid
   * @return completes once the child is gone
   */
  public static Future<Void> terminateChild(Vertx vertx, Pid supervisor, Pid child) {
    return Supervisor.terminateChild(vertx, supervisor, child);
  }
}
