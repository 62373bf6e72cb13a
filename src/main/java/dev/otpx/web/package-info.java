/**
 * The HTTP front: a router with a liveness check and thin JSON endpoints that call the facades of the
 * counters, InfoSys, accounts ({@link dev.otpx.accounts.Accounts}) and the videos
 * ({@link dev.otpx.store.Videos}). It holds no business rules; the one stateful part it creates, the
 * accounts' sign-in throttle, lives in {@code dev.otpx.accounts}.
 *
 * <p>Usage: {@code vertx.deployVerticle(new HttpVerticle(options))}, then {@code actualPort()}.
 */
package dev.otpx.web;
