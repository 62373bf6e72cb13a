package dev.otpx.logging;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;

/**
 * The log layout's message, {@code %escapedMsg}: Logback's {@code %msg} with {@link
 * LogText#escape} applied, so an event is one line whatever its arguments carry. It covers every
 * logger, Vert.x's and Netty's included, which is why the escaping lives here and not at each call.
 */
public final class EscapedMessageConverter extends ClassicConverter {

  @Override
  public String convert(ILoggingEvent event) {
    return LogText.escape(event.getFormattedMessage());
  }
}
