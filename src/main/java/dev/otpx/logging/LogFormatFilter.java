package dev.otpx.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.spi.FilterReply;
import java.util.Locale;

/**
 * Lets an appender write only when it is the log format the environment chose
 * ({@code OTPX_LOG_FORMAT=json}, else {@code text}): logback.xml keeps both appenders attached,
 * so neither is ever "not referenced", and the choice costs one boolean per event.
 */
public final class LogFormatFilter extends Filter<ILoggingEvent> {

  /** The environment variable choosing the format. */
  public static final String ENV = "OTPX_LOG_FORMAT";

  private String format = "text";
  private boolean chosen;

  /** @param format the format of the appender this filter guards: {@code text} or {@code json} */
  public void setFormat(String format) {
    this.format = format;
  }

  @Override
  public void start() {
    String wanted = System.getProperty(ENV, System.getenv(ENV));
    String effective = wanted != null && wanted.strip().toLowerCase(Locale.ROOT).equals("json") ? "json" : "text";
    chosen = effective.equals(format);
    super.start();
  }

  @Override
  public FilterReply decide(ILoggingEvent event) {
    return chosen ? FilterReply.NEUTRAL : FilterReply.DENY;
  }
}
