/**
 * Log hygiene: the log layout's converters that keep every event on one line whatever text it
 * carries ({@link dev.otpx.logging.EscapedMessageConverter}, {@link
 * dev.otpx.logging.EscapedThrowableConverter}), and {@link dev.otpx.logging.LogText}, the one escaping
 * they and every package use, which also quotes a client's value before it is logged. A client can
 * therefore never forge a log line. It depends on nothing of otpx, so any package may use it.
 *
 * <p>Usage, in {@code logback.xml}: {@code %msg} becomes {@code %escapedMsg} and the throwable
 * {@code %escapedEx}; see the jar's own {@code logback.xml}.
 */
package dev.otpx.logging;
