package dev.otpx.infosys;

import dev.otpx.process.CallResult;
import dev.otpx.process.From;
import dev.otpx.process.GenServer;
import dev.otpx.process.InitResult;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * A process that poses as a backend (register it as {@code infosys.backend.<x>}) but is no
 * {@link BackendServer}: it answers every call with the reply it was made with, whatever that is (a
 * string, a JSON array holding a malformed result, ...). Garbage over the wire, which a
 * {@link Backend} could never produce.
 */
public final class GarbageServer extends GenServer<Void> {

  private final Object reply;

  /** @param reply what every call gets */
  public GarbageServer(Object reply) {
    this.reply = reply;
  }

  @Override
  protected Future<InitResult<Void>> init(JsonObject args) {
    return Future.succeededFuture(InitResult.ok(null));
  }

  @Override
  protected CallResult<Void> handleCall(Object request, From from, Void state) {
    return CallResult.reply(reply, state);
  }
}
