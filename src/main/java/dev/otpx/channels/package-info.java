/**
 * Phoenix-like channels over the SockJS event-bus bridge: the bridge hook that authenticates
 * browsers and stamps their identity, the router, one process per topic with presence, and the
 * annotation store in Vert.x shared data.
 *
 * <p>Usage: {@code ChannelsBridge.mount(router, vertx, tokens, limits, "counter")} serves {@code /eventbus/*}.
 */
package dev.otpx.channels;
