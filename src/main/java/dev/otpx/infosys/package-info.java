/**
 * InfoSys: asks every backend at once, keeps what arrives by the deadline, caches it in a shared
 * local map owned by a process. It knows no channel, route or concrete backend.
 *
 * <p>Usage: {@code InfoSys.compute(vertx, "what is 2 + 2", QueryOptions.defaults())}.
 */
package dev.otpx.infosys;
