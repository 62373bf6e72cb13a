package dev.otpx.store;

import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The child JVM of the crash test: opens a store, adds annotations one after the other, prints
 * {@value #ACKED}{@code <id>} as soon as each add has succeeded, and halts the JVM right after the
 * last one, the way {@code kill -9} would: no shutdown hook, no close, no flush.
 *
 * <p>Arguments: video id, count, then {@code <postgres url> <schema>} or {@code embedded <data dir>}.
 */
public final class AddThenHalt {

  /** The prefix of an acknowledged id on standard output. */
  static final String ACKED = "acked ";
  /** The exit status of the halt. */
  static final int HALT_STATUS = 137;

  private AddThenHalt() {
  }

  /**
   * Runs the child.
   *
   * @param args video id, count, then the database
   * @throws Exception when the store cannot be opened or an add fails
   */
  public static void main(String[] args) throws Exception {
    long videoId = Long.parseLong(args[0]);
    int count = Integer.parseInt(args[1]);
    StoreOptions options = args[2].equals("embedded")
      ? StoreOptions.embedded(Path.of(args[3]))
      : StoreOptions.postgres(args[2]).withSchema(args[3]);
    Vertx vertx = Vertx.vertx();
    Store store = Store.open(vertx, options).await(60, TimeUnit.SECONDS);
    for (int i = 0; i < count; i++) {
      Annotation added = store.annotations().add(videoId, "alice", "post " + i, i).await(30, TimeUnit.SECONDS);
      System.out.println(ACKED + added.id());
      System.out.flush();
    }
    Runtime.getRuntime().halt(HALT_STATUS);
  }
}
