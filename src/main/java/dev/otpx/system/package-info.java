/**
 * What an operator sees of a running node: the live supervision trees and each process's status
 * ({@link dev.otpx.system.SystemTree}), its liveness and readiness ({@link dev.otpx.system.Health}), and its metrics
 * ({@link dev.otpx.system.Metrics}).
 * It reads process state and owns none.
 *
 * <p>Usage: {@code SystemTree.tree(vertx).onSuccess(json -> ...)}.
 */
package dev.otpx.system;
