package dev.otpx.accounts;

import com.password4j.Argon2Function;
import com.password4j.HashUpdate;
import com.password4j.Password;
import com.password4j.types.Argon2;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Hashes and checks passwords with Argon2id (password4j), off the event loops: on a worker pool of
 * its own, with a bound on how many may wait. Hashes are PHC strings
 * ({@code $argon2id$v=19$m=...,t=...,p=...$salt$hash}) with a random 16-byte salt, so they carry
 * their own parameters, and a check against a hash made with weaker ones also gives the hash to
 * store instead.
 */
final class PasswordHasher {

  /** The outcome of a check. */
  record Verdict(boolean verified, String upgradedHash) { }

  private static final int SALT_BYTES = 16;
  private static final int HASH_BYTES = 32;
  private static final int VERSION = 0x13;

  private final PasswordHashing options;
  private final Argon2Function function;
  private final WorkerExecutor workers;
  private final AtomicInteger pending = new AtomicInteger();
  private Future<String> dummy;

  PasswordHasher(Vertx vertx, PasswordHashing options) {
    this.options = Objects.requireNonNull(options, "options");
    this.function = Argon2Function.getInstance(options.memoryKib(), options.iterations(), options.parallelism(),
      HASH_BYTES, Argon2.ID, VERSION);
    this.workers = vertx.createSharedWorkerExecutor("otpx-password-hashing", options.threads());
  }

  /** A new hash of a password, with a fresh salt. */
  Future<String> hash(String password) {
    Objects.requireNonNull(password, "password");
    return onWorker(() -> Password.hash(password).addRandomSalt(SALT_BYTES).with(function).getResult());
  }

  /**
   * Checks a password against a stored hash. With no hash (no such user, or a backend, which has
   * none) it checks against a hash of a random password instead, which never matches, so that the
   * answer takes as long as for a real user.
   *
   * @param password what was typed
   * @param hash the stored hash, or null
   * @return whether it matches, and a stronger hash to store when the stored one used weaker settings
   */
  Future<Verdict> verify(String password, String hash) {
    Objects.requireNonNull(password, "password");
    if (hash == null) {
      return dummy().compose(standIn -> onWorker(() -> {
        Password.check(password, standIn).with(function);
        return new Verdict(false, null);
      }));
    }
    return onWorker(() -> {
      Argon2Function stored = Argon2Function.getInstanceFromHash(hash);
      if (stored.equals(function)) {
        return new Verdict(Password.check(password, hash).with(function), null);
      }
      HashUpdate update = Password.check(password, hash).andUpdate().addNewRandomSalt(SALT_BYTES).with(stored, function);
      return update.isVerified() ? new Verdict(true, update.getHash().getResult()) : new Verdict(false, null);
    });
  }

  /** Releases the worker threads. */
  Future<Void> close() {
    return workers.close();
  }

  /** The stand-in hash, made once, lazily, on the worker pool. */
  private synchronized Future<String> dummy() {
    if (dummy == null || dummy.failed()) {
      byte[] random = new byte[24];
      new SecureRandom().nextBytes(random);
      dummy = hash(Base64.getEncoder().encodeToString(random));
    }
    return dummy;
  }

  private <T> Future<T> onWorker(Callable<T> job) {
    if (pending.incrementAndGet() > options.maxPending()) {
      pending.decrementAndGet();
      return Future.failedFuture(new AccountException(AccountException.Failure.BUSY,
        "too many sign-ins at once; try again in a moment", Duration.ofSeconds(1)));
    }
    return workers.executeBlocking(job, false).andThen(done -> pending.decrementAndGet());
  }
}
