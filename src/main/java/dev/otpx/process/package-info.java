/**
 * The OTP runtime on Vert.x 5: processes ({@link dev.otpx.process.GenServer}, {@link dev.otpx.process.Agent}),
 * names ({@link dev.otpx.process.Registry}), monitors and links, supervisors with Erlang/OTP's
 * semantics ({@link dev.otpx.process.Supervisor}), and applications whose type decides whether
 * their end stops the node ({@link dev.otpx.process.ApplicationController}). It depends on Vert.x
 * core only.
 *
 * <p>Usage: {@code GenServer.start(vertx, new MyServer(), "name").compose(pid -> GenServer.call(vertx, "name", request))}.
 */
package dev.otpx.process;
