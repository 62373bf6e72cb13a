/**
 * The clock backend: an offline InfoSys source that tells the current time and date in a city or
 * time zone ("what time is it in Tokyo") with {@code java.time}. It scores 80 for a named place and
 * 40 for a bare "what time is it", answered in UTC.
 *
 * <p>Usage: {@code "backend": "dev.otpx.infosys.backends.clock.ClockBackend"} in a child of the
 * {@code infosys} subtree of {@code conf/config.json}.
 */
package dev.otpx.infosys.backends.clock;
