/**
 * The engine behind the process runtime: the node's process table, each process's core (mailbox,
 * status machine, timers, links and monitors seen from inside, exit), its event-bus adapter, the one
 * exit protocol, the placement of processes on Vert.x contexts, the node's clock and event stream.
 * Only {@code dev.otpx.process} uses it; {@code RuntimeBoundaryTest} fails when anything else does.
 *
 * <p>Usage: none outside the runtime; a {@code GenServer} reaches its core through
 * {@link dev.otpx.process.engine.Behaviour}.
 */
package dev.otpx.process.engine;
