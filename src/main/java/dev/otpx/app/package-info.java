/**
 * Start-up: the jar's {@link dev.otpx.app.Main}, the typed {@link dev.otpx.app.AppConfig} and the
 * {@link dev.otpx.app.AppVerticle} that starts everything else. The only package that imports all
 * the others; it contains no logic.
 *
 * <p>Usage: {@code java -jar target/otpx.jar [-conf <file>]}.
 */
package dev.otpx.app;
