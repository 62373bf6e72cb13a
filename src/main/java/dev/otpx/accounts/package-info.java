/**
 * People's accounts: registering and signing in with a password, kept only as an Argon2id hash, with
 * failed sign-ins slowed down per username and per client address.
 *
 * <p>The public API is {@link dev.otpx.accounts.Accounts} ({@code register}, {@code signIn}), its
 * failures ({@link dev.otpx.accounts.AccountException}), the password rule
 * ({@link dev.otpx.accounts.Passwords}) and the settings ({@link dev.otpx.accounts.PasswordHashing},
 * {@link dev.otpx.accounts.LoginThrottle.Options}). It stores users through
 * {@link dev.otpx.store.Users} and issues no tokens: the HTTP routes do, with
 * {@link dev.otpx.channels.auth.Tokens}.
 */
package dev.otpx.accounts;
