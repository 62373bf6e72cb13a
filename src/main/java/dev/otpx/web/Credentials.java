package dev.otpx.web;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/**
 * A username and a password as a client sends them to sign up or sign in, read with the front's
 * one set of body rules; both routes read them here so that they refuse the same bodies the same way.
 *
 * @param username the name as sent (the accounts normalize it)
 * @param password the password as sent; never logged
 */
record Credentials(String username, String password) {

  private static final String SHAPE = "{\"username\": \"...\", \"password\": \"...\"}";

  /**
   * Reads the request's JSON body.
   *
   * @param ctx the request, its body read
   * @return the credentials
   * @throws IllegalArgumentException naming what is wrong with the body (a {@code bad_request})
   */
  static Credentials read(RoutingContext ctx) {
    JsonObject body = Replies.body(ctx, SHAPE);
    return new Credentials(Replies.text(body, "username"), Replies.text(body, "password"));
  }

  @Override
  public String toString() {
    // A record prints its components: never the password.
    return "Credentials[username=" + username + "]";
  }
}
