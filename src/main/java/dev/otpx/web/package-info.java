/**
 * The HTTP front: a router with a liveness check and thin JSON endpoints that call the counters'
 * facades, the operator's credential ({@link dev.otpx.web.OperatorAuth}) in front of the routes that
 * control processes, and JSON for every error. It holds no state and no business rules.
 *
 * <p>Usage: {@code vertx.deployVerticle(new HttpVerticle(options, tokens, limits,
 * OperatorAuth.fromEnvironment(System.getenv())))}, then {@code actualPort()}.
 */
package dev.otpx.web;
