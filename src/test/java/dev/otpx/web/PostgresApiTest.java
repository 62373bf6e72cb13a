package dev.otpx.web;

import dev.otpx.store.TestDatabase;

/** The API contract on the machine's PostgreSQL, each test in a schema of its own. */
class PostgresApiTest extends ApiContract {

  @Override
  TestDatabase newDatabase() {
    return TestDatabase.postgres();
  }
}
