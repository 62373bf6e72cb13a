/**
 * The HTTP front: a router with a liveness check and thin JSON endpoints that call the facades of the
 * counters, InfoSys, accounts ({@link dev.otpx.accounts.Accounts}) and the videos
 * ({@link dev.otpx.store.Videos}), the operator's credential ({@link dev.otpx.web.OperatorAuth}) in
 * front of the routes that control processes, and JSON for every error. It holds no business rules;
 * the one stateful part it creates, the accounts' sign-in throttle, lives in {@code dev.otpx.accounts}.
 *
 * <p>Usage: {@code vertx.deployVerticle(new HttpVerticle(options, tokens, limits, store,
 * OperatorAuth.fromEnvironment(System.getenv())))}, then {@code actualPort()}.
 */
package dev.otpx.web;
