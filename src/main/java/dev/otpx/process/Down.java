package dev.otpx.process;

/**
 * The one notification a monitor gets when the monitored process ends: Erlang's
 * {@code {'DOWN', Ref, process, Pid, Reason}}. Delivered to {@link GenServer#handleInfo} for
 * monitors set with {@link GenServer#monitor}, and through {@link Monitor#down()} otherwise.
 *
 * @param ref the monitor reference
 * @param pid the process that ended (or was not there)
 * @param reason why: {@link ExitReason#NOPROC} when it was already gone
 */
public record Down(long ref, Pid pid, ExitReason reason) { }
