package dev.otpx.web;

import dev.otpx.channels.TopicActivity;
import dev.otpx.process.ExitReason;
import dev.otpx.process.OtpException;
import dev.otpx.process.Pid;
import dev.otpx.process.Processes;
import dev.otpx.system.SystemSummary;
import dev.otpx.system.SystemTree;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * The operator's view into the node, every route behind {@link OperatorAuth} (403
 * {@code operator_disabled}, saying how to enable it, while {@code OTPX_ADMIN_TOKEN} is unset):
 * <ul>
 *   <li>{@code GET /api/system/tree}: the live process trees ({@link SystemTree#tree});</li>
 *   <li>{@code GET /api/system/summary}: InfoSys backends (circuit, calls, failures, results,
 *       latency), the cache, the channels and the database pool, from the metrics
 *       ({@link SystemSummary}), and the {@value #BUSIEST_TOPICS} busiest topics with their
 *       presence and posts in the last minute ({@link TopicActivity});</li>
 *   <li>{@code GET /api/system/processes/{pid}}: one process's status; 404 {@code noproc};</li>
 *   <li>{@code POST /api/system/processes/{pid}/exit} {@code {"reason": "kill" | "shutdown" |
 *       "normal" | text}}: sends that exit signal (202), and its supervisor does what its policy
 *       says;</li>
 *   <li>{@code POST /api/system/processes/{pid}/trace} {@code {"messages": n}}: traces its next n
 *       messages (at most {@value Processes#MAX_TRACE}; 0 stops), streamed on {@code system.events}.</li>
 * </ul>
 * A pid is written {@code <node.id>} (URL-encoded) or {@code node.id}.
 */
final class SystemRoutes {

  /** The largest body these routes read. */
  static final int MAX_BODY_BYTES = 1024;
  /** How many topics the summary lists, the busiest first. */
  static final int BUSIEST_TOPICS = 20;

  private SystemRoutes() {
  }

  static void mount(Router router, Vertx vertx, OperatorAuth operator) {
    router.get("/api/system/tree").handler(operator).handler(ctx -> SystemTree.tree(vertx)
      .onSuccess(tree -> Replies.sendPrivate(ctx, 200, tree))
      .onFailure(err -> Replies.failure(ctx, err)));
    router.get("/api/system/summary").handler(operator).handler(ctx -> {
      JsonObject summary = SystemSummary.summary(vertx);
      // Per topic: not metrics (a topic is never a label), the channels' own bounded list.
      summary.getJsonObject("channels").put("topics", TopicActivity.busiest(vertx, BUSIEST_TOPICS));
      Replies.sendPrivate(ctx, 200, summary);
    });
    router.get("/api/system/processes/:pid").handler(operator).handler(ctx -> {
      Pid pid = pid(ctx);
      if (pid != null) {
        SystemTree.process(vertx, pid)
          .onSuccess(status -> Replies.sendPrivate(ctx, 200, status))
          .onFailure(err -> notFoundOr(ctx, pid, err));
      }
    });
    // Vert.x wants the body read before any user handler; it is bounded, and only the operator gets further.
    BodyHandler body = BodyHandler.create(false).setBodyLimit(MAX_BODY_BYTES);
    router.post("/api/system/processes/:pid/exit").handler(body).handler(operator).handler(ctx -> {
      Pid pid = pid(ctx);
      if (pid == null) {
        return;
      }
      ExitReason reason;
      try {
        reason = SystemTree.parseReason(Replies.text(Replies.body(ctx, "{\"reason\": \"kill\"}"), "reason"));
      } catch (IllegalArgumentException bad) {
        Replies.failure(ctx, bad);
        return;
      }
      SystemTree.exit(vertx, pid, reason)
        .onSuccess(v -> Replies.sendPrivate(ctx, 202, new JsonObject().put("pid", pid.toString()).put("reason", reason.toString())))
        .onFailure(err -> notFoundOr(ctx, pid, err));
    }).failureHandler(Replies.tooLarge(MAX_BODY_BYTES));
    router.post("/api/system/processes/:pid/trace").handler(body).handler(operator).handler(ctx -> {
      Pid pid = pid(ctx);
      if (pid == null) {
        return;
      }
      int messages;
      try {
        Object value = Replies.body(ctx, "{\"messages\": 20}").getValue("messages");
        if (!(value instanceof Integer n) || n < 0 || n > Processes.MAX_TRACE) {
          throw new IllegalArgumentException("messages must be a whole number from 0 (off) to " + Processes.MAX_TRACE);
        }
        messages = n;
      } catch (IllegalArgumentException bad) {
        Replies.failure(ctx, bad);
        return;
      }
      Processes.trace(vertx, pid, messages)
        .onSuccess(v -> Replies.sendPrivate(ctx, 200, new JsonObject().put("pid", pid.toString()).put("trace_remaining", messages)))
        .onFailure(err -> notFoundOr(ctx, pid, err));
    }).failureHandler(Replies.tooLarge(MAX_BODY_BYTES));
  }

  private static Pid pid(RoutingContext ctx) {
    try {
      return SystemTree.parsePid(ctx.pathParam("pid"));
    } catch (IllegalArgumentException bad) {
      Replies.failure(ctx, bad);
      return null;
    }
  }

  /** A process that is not there is this resource's 404, not the runtime's 503. */
  private static void notFoundOr(RoutingContext ctx, Pid pid, Throwable err) {
    if (err instanceof OtpException otp && otp.failure() == OtpException.Failure.NOPROC) {
      Replies.sendPrivate(ctx, 404, Replies.error("noproc", "no process " + pid + " lives on this node"));
    } else {
      Replies.failure(ctx, err);
    }
  }
}
