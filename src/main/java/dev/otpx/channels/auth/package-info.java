/**
 * Who is speaking on the channels: signed, expiring session tokens ({@link
 * dev.otpx.channels.auth.Tokens}) and the username rule ({@link dev.otpx.channels.auth.Usernames}).
 * The bridge hook verifies a token on every message from a browser and trusts nothing else.
 *
 * <p>Usage: {@code String name = tokens.verify(tokens.sign(Usernames.validate("Alice")));}
 */
package dev.otpx.channels.auth;
