package dev.otpx.infosys.backends.wolfram;

import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** The recorded-format WolframAlpha replies under {@code src/test/resources/fixtures/wolfram}. */
final class WolframFixtures {

  private WolframFixtures() {
  }

  /**
   * @param name the file name, e.g. {@code result.xml}
   * @return its bytes
   */
  static Buffer read(String name) {
    try (InputStream in = WolframFixtures.class.getResourceAsStream("/fixtures/wolfram/" + name)) {
      if (in == null) {
        throw new IllegalArgumentException("no fixture fixtures/wolfram/" + name);
      }
      return Buffer.buffer(in.readAllBytes());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
