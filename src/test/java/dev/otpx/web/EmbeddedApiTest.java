package dev.otpx.web;

import dev.otpx.store.TestDatabase;

/** The API contract on the embedded default, an H2 file in a directory of its own. */
class EmbeddedApiTest extends ApiContract {

  @Override
  TestDatabase newDatabase() {
    return TestDatabase.embedded();
  }
}
