/**
 * The HTTP front: a router with a liveness check and thin JSON endpoints that call the counters'
 * facades. It holds no state and no business rules.
 *
 * <p>Usage: {@code vertx.deployVerticle(new HttpVerticle(options))}, then {@code actualPort()}.
 */
package dev.otpx.web;
