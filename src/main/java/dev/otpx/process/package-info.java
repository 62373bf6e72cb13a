/**
 * The OTP runtime on Vert.x 5: processes ({@link dev.otpx.process.GenServer}, {@link dev.otpx.process.Agent},
 * {@link dev.otpx.process.Task}), names ({@link dev.otpx.process.Registry}), monitors, links and exit
 * signals ({@link dev.otpx.process.Processes}), supervisors with Erlang/OTP's semantics
 * ({@link dev.otpx.process.Supervisor}) for GenServers and for any Vert.x verticle, applications whose
 * type decides whether their end stops the node ({@link dev.otpx.process.ApplicationController}), and
 * what happens to them as data ({@link dev.otpx.process.ProcessEvent}). It depends on Vert.x core
 * only; its engine is in {@code dev.otpx.process.engine}, behind this API.
 *
 * <p>Usage: {@code GenServer.start(vertx, new MyServer(), "name").compose(pid -> GenServer.call(vertx, "name", request))}.
 */
package dev.otpx.process;
