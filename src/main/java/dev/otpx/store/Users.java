package dev.otpx.store;

import io.vertx.core.Future;
import io.vertx.sqlclient.Row;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * The users table: people, who sign in with a password, and the InfoSys backends, which cannot. It
 * stores and returns password hashes, never passwords; hashing and checking them is
 * {@code dev.otpx.accounts}' job.
 *
 * <p>Usernames are stored in their normal, lower-case form (the database refuses any other), so
 * names that differ only in case are the same name. Safe to use from any context.
 */
public final class Users {

  private static final String CREATE = "INSERT INTO users (username, kind, password_hash) VALUES ($1, 'person', $2)";
  private static final String UPDATE_HASH = "UPDATE users SET password_hash = $2 WHERE id = $1 AND kind = 'person'";
  private static final String ADD_BACKEND = "INSERT INTO users (username, kind)"
    + " SELECT CAST($1 AS VARCHAR(24)), 'backend' WHERE NOT EXISTS (SELECT 1 FROM users WHERE username = $1)";
  private static final String FIND = "SELECT id, username, kind, password_hash FROM users WHERE username = $1";

  /**
   * What signing in needs to know about a user.
   *
   * @param user the user
   * @param passwordHash the stored hash (a PHC string); null for a backend, which has none
   */
  public record Credentials(User user, String passwordHash) {

    /** Checks every field. */
    public Credentials {
      Objects.requireNonNull(user, "user");
    }

    /** Leaves the hash out: it must not reach a log. */
    @Override
    public String toString() {
      return "Credentials[" + user + ", passwordHash=" + (passwordHash == null ? "none" : "<hidden>") + "]";
    }
  }

  private final Database db;

  Users(Database db) {
    this.db = db;
  }

  /**
   * Adds a person.
   *
   * @param username the name in normal form (lower case; the caller has checked the rules)
   * @param passwordHash the password's hash
   * @return the new user; fails {@code duplicate} when the name is taken (whatever its case)
   */
  public Future<User> create(String username, String passwordHash) {
    Objects.requireNonNull(username, "username");
    Objects.requireNonNull(passwordHash, "passwordHash");
    return db.insert(CREATE, username, passwordHash)
      .map(id -> new User(id.orElseThrow(), username, User.Kind.PERSON));
  }

  /**
   * Looks a user up with the stored password hash, to check a sign-in.
   *
   * @param username the name in normal form
   * @return the user and its hash, or empty when there is no such user
   */
  public Future<Optional<Credentials>> credentials(String username) {
    Objects.requireNonNull(username, "username");
    return db.first(FIND, username).map(row -> row.map(r -> new Credentials(user(r), r.getString(3))));
  }

  /**
   * Looks a user up.
   *
   * @param username the name in normal form
   * @return the user, or empty when there is none
   */
  public Future<Optional<User>> find(String username) {
    return credentials(username).map(found -> found.map(Credentials::user));
  }

  /**
   * Makes sure an InfoSys backend has its user, whose name its answers are stored under: the
   * migrations add the backends otpx ships with, and this adds one configured later. A backend has
   * no password, so nobody can sign in as it.
   *
   * @param name the backend's name in normal form
   * @return the backend's user, once it exists; fails {@code duplicate} when a person has that name
   *     (the backend's answers must not pass for theirs)
   */
  public Future<User> ensureBackend(String name) {
    Objects.requireNonNull(name, "name");
    return db.query(ADD_BACKEND, name)
      // Another node adding it at the same moment: it exists either way.
      .recover(err -> err instanceof StoreException store && store.failure() == StoreException.Failure.DUPLICATE
        ? Future.succeededFuture() : Future.failedFuture(err))
      .compose(added -> find(name))
      .compose(found -> found.isPresent() && found.get().kind() == User.Kind.BACKEND
        ? Future.succeededFuture(found.get())
        : Future.failedFuture(new StoreException(StoreException.Failure.DUPLICATE,
          "the name " + name + " belongs to a person, not to the InfoSys backend", null)));
  }

  /**
   * Replaces a person's password hash, e.g. with one made with stronger settings.
   *
   * @param id the person's id
   * @param passwordHash the new hash
   * @return completes once stored; fails {@code not_found} when no person has that id
   */
  public Future<Void> updatePasswordHash(long id, String passwordHash) {
    Objects.requireNonNull(passwordHash, "passwordHash");
    return db.query(UPDATE_HASH, id, passwordHash).compose(rows -> rows.rowCount() == 1
      ? Future.<Void>succeededFuture()
      : Future.failedFuture(new StoreException(StoreException.Failure.NOT_FOUND, "no person has id " + id, null)));
  }

  private static User user(Row row) {
    return new User(row.getLong(0), row.getString(1), User.Kind.valueOf(row.getString(2).toUpperCase(Locale.ROOT)));
  }
}
