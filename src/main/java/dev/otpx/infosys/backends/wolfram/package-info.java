/**
 * The WolframAlpha backend of InfoSys: one HTTP client against the v2 query API and an XXE-safe
 * parser of its XML reply. It knows nothing about the cache or the other backends, reads its app id
 * from config or {@code WOLFRAM_APP_ID}, and is left out when it has none.
 *
 * <p>Usage: a {@code BackendServer} child with config {@code {"backend":
 * "dev.otpx.infosys.backends.wolfram.WolframBackend"}} and {@code WOLFRAM_APP_ID} set.
 */
package dev.otpx.infosys.backends.wolfram;
