package dev.otpx.process;

/**
 * The message a process that traps exits gets instead of dying: Erlang's
 * {@code {'EXIT', From, Reason}}. It comes to {@link GenServer#handleInfo} when a linked process
 * ends (with its own reason: one that stopped itself with {@code kill} sends {@code kill}, one killed
 * from outside sends {@code killed}) or when another process sends an exit
 * signal with {@link Processes#exit}; see {@link GenServer#trapExits}.
 *
 * @param pid the process the signal came from, or null when it came from code outside any process
 * @param reason the reason carried by the signal
 */
public record Exit(Pid pid, ExitReason reason) { }
