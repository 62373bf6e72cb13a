/**
 * The engine behind the process runtime: the node's process table, mailbox envelopes, callers,
 * placement of processes on Vert.x contexts. Not for use outside {@code dev.otpx.process}.
 */
package dev.otpx.process.engine;
