package dev.otpx.accounts;

/**
 * How passwords are hashed: Argon2id (password4j), the winner of the Password Hashing Competition,
 * with OWASP's recommended minimum cost by default (19 MiB, 2 passes, 1 lane). Hashes are run on a
 * small worker pool of their own, never on an event loop, and at most {@code maxPending} wait for
 * it, so a flood of sign-ins costs bounded memory and CPU.
 *
 * @param memoryKib Argon2's memory cost in KiB, at least 1024
 * @param iterations Argon2's passes, at least 1
 * @param parallelism Argon2's lanes, at least 1
 * @param threads the worker threads that hash, at least 1 (each holds {@code memoryKib} while it hashes)
 * @param maxPending the most hashes waiting or running at once; beyond it, {@code busy}
 */
public record PasswordHashing(int memoryKib, int iterations, int parallelism, int threads, int maxPending) {

  /** OWASP's Argon2id minimum: m=19456 KiB, t=2, p=1; two threads; 64 waiting. */
  public static final PasswordHashing DEFAULTS = new PasswordHashing(19_456, 2, 1, 2, 64);

  /** Checks every field; the error names the field at fault. */
  public PasswordHashing {
    if (memoryKib < 1024) {
      throw new IllegalArgumentException("memoryKib must be at least 1024, got " + memoryKib);
    }
    if (iterations < 1) {
      throw new IllegalArgumentException("iterations must be at least 1, got " + iterations);
    }
    if (parallelism < 1) {
      throw new IllegalArgumentException("parallelism must be at least 1, got " + parallelism);
    }
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be at least 1, got " + threads);
    }
    if (maxPending < threads) {
      throw new IllegalArgumentException("maxPending must be at least threads (" + threads + "), got " + maxPending);
    }
  }
}
