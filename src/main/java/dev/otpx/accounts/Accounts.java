package dev.otpx.accounts;

import dev.otpx.accounts.AccountException.Failure;
import dev.otpx.channels.auth.Usernames;
import dev.otpx.store.StoreException;
import dev.otpx.store.User;
import dev.otpx.store.Users;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * People's accounts, as Rumbl has them: registering with a username and a password, and signing in
 * with them. Passwords are kept only as Argon2id hashes ({@link PasswordHashing}), hashed and checked
 * off the event loops.
 *
 * <p>Signing in answers a wrong password, an unknown username and an InfoSys backend's name in
 * exactly the same way ({@link Failure#INVALID_CREDENTIALS}) and after the same work: without a
 * stored hash, the password is checked against a stand-in. Repeated failures per username and per
 * client address are slowed down by a {@link LoginThrottle} ({@link Failure#TOO_MANY_ATTEMPTS} with
 * the time to wait). A hash made with weaker settings than today's is replaced by a new one at the
 * next successful sign-in.
 *
 * <p>Failures: {@link IllegalArgumentException} naming the field for a username or password that
 * breaks the rules ({@link Usernames}, {@link Passwords}), {@link AccountException}, and
 * {@link StoreException} ({@code unavailable}) when the database does not answer. Safe to use from
 * any context; nothing here logs a password or a hash.
 */
public final class Accounts {

  private static final Logger log = LoggerFactory.getLogger(Accounts.class);

  /**
   * The settings of accounts.
   *
   * @param hashing how passwords are hashed
   * @param throttle how failed sign-ins are slowed down
   */
  public record Options(PasswordHashing hashing, LoginThrottle.Options throttle) {

    /** Argon2id at OWASP's minimum cost; 5 free failures per username, 20 per address. */
    public static final Options DEFAULTS = new Options(PasswordHashing.DEFAULTS, LoginThrottle.Options.DEFAULTS);

    /** Checks every field. */
    public Options {
      Objects.requireNonNull(hashing, "hashing");
      Objects.requireNonNull(throttle, "throttle");
    }
  }

  private final Users users;
  private final PasswordHasher hasher;
  private final LoginThrottle throttle;

  private Accounts(Users users, PasswordHasher hasher, LoginThrottle throttle) {
    this.users = users;
    this.hasher = hasher;
    this.throttle = throttle;
  }

  /**
   * @param vertx the Vert.x instance whose worker threads hash the passwords
   * @param users where accounts are stored
   * @param options the hashing cost and the throttle's limits
   * @param clock the throttle's time source
   * @return the accounts; {@link #close()} releases their worker threads
   */
  public static Accounts create(Vertx vertx, Users users, Options options, Clock clock) {
    Objects.requireNonNull(vertx, "vertx");
    Objects.requireNonNull(users, "users");
    Objects.requireNonNull(options, "options");
    return new Accounts(users, new PasswordHasher(vertx, options.hashing()), new LoginThrottle(options.throttle(), clock));
  }

  /**
   * Registers a person.
   *
   * @param username the username as typed; stored in its normal, lower-case form
   * @param password the password as typed
   * @return the new user; fails with {@link IllegalArgumentException} naming the rule broken (a
   *     backend's name is reserved), {@code username_taken} when the name exists in any case,
   *     {@code busy}, or {@code unavailable}
   */
  public Future<User> register(String username, String password) {
    String name;
    try {
      name = Usernames.validate(username);
      Passwords.check(password, name);
    } catch (IllegalArgumentException bad) {
      return Future.failedFuture(bad);
    }
    // A taken name is refused before the costly hash; the unique constraint settles a race.
    return users.find(name).compose(existing -> existing.isPresent()
        ? Future.failedFuture(taken(name))
        : hasher.hash(password).compose(hash -> users.create(name, hash)))
      .recover(err -> err instanceof StoreException store && store.failure() == StoreException.Failure.DUPLICATE
        ? Future.failedFuture(taken(name))
        : Future.failedFuture(err))
      .onSuccess(user -> log.info("accounts: registered {} (user {})", user.username(), user.id()));
  }

  /**
   * Signs a person in.
   *
   * @param username the username as typed
   * @param password the password as typed
   * @param clientAddress where the attempt comes from, for the per-address limit
   * @return the user; fails with {@link IllegalArgumentException} for a username that breaks the
   *     rules or a missing password, {@code invalid_credentials} for a wrong password, an unknown user
   *     or a backend, {@code too_many_attempts} with the time to wait, {@code busy}, or
   *     {@code unavailable}
   */
  public Future<User> signIn(String username, String password, String clientAddress) {
    Objects.requireNonNull(clientAddress, "clientAddress");
    String name;
    try {
      name = Usernames.validate(username);
      if (password == null || password.isEmpty()) {
        throw new IllegalArgumentException("password is missing");
      }
    } catch (IllegalArgumentException bad) {
      return Future.failedFuture(bad);
    }
    var wait = throttle.attempt(name, clientAddress);
    if (wait.isPresent()) {
      return Future.failedFuture(new AccountException(Failure.TOO_MANY_ATTEMPTS,
        "too many failed sign-ins; try again in " + seconds(wait.get()) + " s", wait.get()));
    }
    return users.credentials(name)
      .compose(found -> hasher.verify(password, found.map(Users.Credentials::passwordHash).orElse(null))
        .compose(verdict -> {
          if (!verdict.verified()) {
            return Future.failedFuture(new AccountException(Failure.INVALID_CREDENTIALS,
              "username or password is wrong", Duration.ZERO));
          }
          throttle.succeeded(name, clientAddress);
          User user = found.orElseThrow().user();
          return verdict.upgradedHash() == null ? Future.succeededFuture(user) : upgrade(user, verdict.upgradedHash());
        }))
      .onFailure(err -> {
        if (!(err instanceof AccountException)) {
          // No verdict (the database or the hashing pool failed): the attempt does not count.
          throttle.cancel(name, clientAddress);
        }
      });
  }

  /** Releases the hashing threads. */
  public Future<Void> close() {
    return hasher.close();
  }

  /** Stores the stronger hash; the sign-in succeeds even if that fails (the old hash still works). */
  private Future<User> upgrade(User user, String hash) {
    return users.updatePasswordHash(user.id(), hash)
      .onSuccess(v -> log.info("accounts: rehashed {}'s password with the current settings", user.username()))
      .map(user)
      .recover(err -> {
        log.warn("accounts: could not store {}'s rehashed password: {}", user.username(), err.getMessage());
        return Future.succeededFuture(user);
      });
  }

  private static AccountException taken(String name) {
    return new AccountException(Failure.USERNAME_TAKEN, "username '" + name + "' is taken", Duration.ZERO);
  }

  private static long seconds(Duration wait) {
    return Math.max(1, (wait.toMillis() + 999) / 1000);
  }
}
