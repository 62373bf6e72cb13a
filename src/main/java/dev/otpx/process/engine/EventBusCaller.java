package dev.otpx.process.engine;

import dev.otpx.process.From;
import dev.otpx.process.OtpException;
import io.vertx.core.eventbus.Message;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A call that came over the event bus (a browser, another node, plain Vert.x code): answered with
 * {@code reply}, failures with {@code fail(code, "snake_code: text")} so a JavaScript client can
 * read the code from the message.
 */
final class EventBusCaller implements From {

  private final Message<?> message;
  private final AtomicBoolean done = new AtomicBoolean();

  /** @param message the request */
  public EventBusCaller(Message<?> message) {
    this.message = message;
  }

  @Override
  public void reply(Object reply) {
    if (done.compareAndSet(false, true)) {
      try {
        message.reply(reply);
      } catch (IllegalArgumentException notEncodable) {
        message.fail(OtpException.Failure.ERROR.failureCode(),
          "bad_reply: the reply cannot cross the event bus (" + notEncodable.getMessage() + ")");
      }
    }
  }

  @Override
  public void replyError(String code, String text) {
    fail(OtpException.error(code, text));
  }

  @Override
  public void fail(OtpException failure) {
    if (done.compareAndSet(false, true)) {
      message.fail(failure.failure().failureCode(), failure.getMessage());
    }
  }

  @Override
  public String address() {
    return message.address();
  }

  @Override
  public boolean isDone() {
    return done.get();
  }
}
