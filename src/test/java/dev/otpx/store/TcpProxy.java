package dev.otpx.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP proxy in front of a real server that a test controls, to take the server away without
 * touching it: {@link #down()} cuts every connection and refuses new ones (a crashed or restarted
 * database), {@link #freeze()} keeps connections open but carries nothing either way (a silent
 * network), {@link #up()} carries traffic again. Public for the jar tests, which put one between
 * the service and the machine's PostgreSQL.
 */
public final class TcpProxy {

  private enum State { UP, DOWN, FROZEN }

  /** One client connection and, once connected, its upstream. */
  private static final class Link {
    final NetSocket client;
    volatile NetSocket upstream;

    Link(NetSocket client) {
      this.client = client;
    }

    void pause() {
      client.pause();
      if (upstream != null) {
        upstream.pause();
      }
    }

    void resume() {
      client.resume();
      if (upstream != null) {
        upstream.resume();
      }
    }

    void close() {
      client.close();
      if (upstream != null) {
        upstream.close();
      }
    }
  }

  private final NetClient upstreamClient;
  private final String host;
  private final int port;
  private final Set<Link> links = ConcurrentHashMap.newKeySet();
  private volatile State state = State.UP;
  private NetServer server;

  private TcpProxy(Vertx vertx, String host, int port) {
    this.upstreamClient = vertx.createNetClient();
    this.host = host;
    this.port = port;
  }

  /**
   * Starts a proxy on a free loopback port.
   *
   * @param vertx the Vert.x instance
   * @param host the real server's host
   * @param port the real server's port
   * @return the proxy, listening
   */
  public static Future<TcpProxy> start(Vertx vertx, String host, int port) {
    TcpProxy proxy = new TcpProxy(vertx, host, port);
    return vertx.createNetServer().connectHandler(proxy::accept).listen(0, "127.0.0.1").map(server -> {
      proxy.server = server;
      return proxy;
    });
  }

  /** @return the port clients connect to */
  public int port() {
    return server.actualPort();
  }

  /** Closes every connection and refuses new ones until {@link #up()}. */
  public void down() {
    state = State.DOWN;
    links.forEach(Link::close);
    links.clear();
  }

  /** Stops carrying bytes, in both directions, on every connection old and new, until {@link #up()}. */
  public void freeze() {
    state = State.FROZEN;
    links.forEach(Link::pause);
  }

  /** Carries traffic again; frozen connections resume where they stopped. */
  public void up() {
    state = State.UP;
    for (Link link : links) {
      if (link.upstream == null) {
        connect(link);
      } else {
        link.resume();
      }
    }
  }

  /** @return completes once the proxy stopped listening and every connection is closed */
  public Future<Void> close() {
    down();
    return server.close().compose(v -> upstreamClient.close());
  }

  private void accept(NetSocket client) {
    if (state == State.DOWN) {
      client.close();
      return;
    }
    Link link = new Link(client);
    links.add(link);
    client.pause();
    client.closeHandler(v -> {
      links.remove(link);
      if (link.upstream != null) {
        link.upstream.close();
      }
    });
    if (state == State.UP) {
      connect(link);
    }
  }

  private void connect(Link link) {
    upstreamClient.connect(port, host).onComplete(ar -> {
      if (ar.failed() || state == State.DOWN || !links.contains(link)) {
        link.client.close();
        if (ar.succeeded()) {
          ar.result().close();
        }
        return;
      }
      NetSocket upstream = ar.result();
      link.upstream = upstream;
      upstream.handler(link.client::write);
      upstream.closeHandler(v -> link.client.close());
      link.client.handler(upstream::write);
      if (state == State.UP) {
        link.client.resume();
      } else {
        link.pause();
      }
    });
  }
}
