/*
 * The page's connection to the server: the Vert.x event-bus bridge over SockJS, through the
 * official client (vendor/vertx-eventbus.js, a classic script that defines the global EventBus).
 *
 * Every frame carries the header {"token": <session token>}. A request settles exactly once: with
 * the reply, with the server's failure, with a timeout, or when the socket closes. A refusal of a
 * frame that awaited no reply comes back as an error frame on no address, handed to onRefusal; a
 * refusal of a request is that request's failure. So each refusal has one answer.
 */

/** How long a request waits for its answer. */
export const REQUEST_TIMEOUT_MS = 10000;

/** A failure the page can explain: a snake_case code, as the server's, and a sentence. */
export class ClientError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

/**
 * Reads a failure of the bridge client: "bad_request: body must not be empty" gives the code
 * bad_request and the whole text as its message.
 */
export function fromFailure(failure, address) {
  const text = (failure && (failure.message || failure.body)) || '';
  const type = failure && failure.failureType;
  if (type === 'NO_HANDLERS') {
    return new ClientError('no_handlers', `Nothing on the server answers ${address} right now.`);
  }
  if (type === 'TIMEOUT') {
    return new ClientError('timeout', `The server did not answer ${address} in time.`);
  }
  const match = /^([a-z_]+):\s*/.exec(text);
  const code = match ? match[1] : String(failure && (failure.body || type) || 'error').toLowerCase();
  return new ClientError(code, text || code);
}

/**
 * Whether the server refused the session itself (no valid token): only signing in again helps.
 * The page sends only to the addresses the bridge permits, so an access_denied is about its token.
 */
export function isSessionRefusal(error) {
  return error instanceof ClientError && error.code === 'access_denied';
}

/**
 * One session's connection, reconnecting by itself (with backoff) after a drop until closed.
 * Handlers, registrations and requests belong to one socket: after a reconnect, onOpen runs with
 * reconnected = true and whoever registered must register (and join) again.
 */
export class Socket {
  /**
   * @param {string} url the bridge, e.g. location.origin + '/eventbus'
   * @param {string} token the session token
   * @param {{onOpen?: function(boolean), onClose?: function(), onRefusal?: function(ClientError)}} listeners
   */
  constructor(url, token, listeners) {
    this.url = url;
    this.token = token;
    this.listeners = listeners;
    this.eb = null;
    this.pending = new Set();
  }

  /** Opens the connection; calling it again starts a fresh one. */
  connect() {
    this.close();
    const eb = new EventBus(this.url, { vertxbus_reconnect_delay_min: 500, vertxbus_reconnect_delay_max: 5000 });
    eb.enableReconnect(true);
    this.eb = eb;
    let opened = false;
    // Each handler ignores an EventBus this socket has let go of: its late events are stale.
    eb.onopen = () => {
      if (this.eb !== eb) return;
      const reconnected = opened;
      opened = true;
      this.listeners.onOpen && this.listeners.onOpen(reconnected);
    };
    eb.onclose = () => {
      if (this.eb !== eb) return;
      this.failPending(new ClientError('not_connected', 'The connection closed before the answer came.'));
      this.listeners.onClose && this.listeners.onClose(eb.reconnectEnabled);
    };
    eb.onerror = (err) => {
      if (this.eb !== eb) return;
      // An error frame on no address: the refusal of a frame that awaited no reply.
      const code = String((err && (err.body || err.failureType)) || 'error');
      this.listeners.onRefusal && this.listeners.onRefusal(new ClientError(code, (err && err.message) || code));
    };
  }

  /** Closes for good (no reconnect); pending requests fail with not_connected. */
  close() {
    if (this.eb) {
      const eb = this.eb;
      this.eb = null;
      try {
        eb.close();
      } catch (e) {
        // already closed
      }
    }
    this.failPending(new ClientError('not_connected', 'Disconnected.'));
  }

  get isOpen() {
    return this.eb !== null && this.eb.state === EventBus.OPEN;
  }

  headers() {
    // A fresh object each time: the client merges its default headers into the one it is given.
    return { token: this.token };
  }

  /** A request, as a Promise that always settles (reply body, failure or timeout). */
  request(address, body) {
    return new Promise((resolve, reject) => {
      if (!this.isOpen) {
        reject(new ClientError('not_connected', 'Not connected to the server yet.'));
        return;
      }
      const entry = { settled: false, settle: null };
      const timer = setTimeout(() => settle(new ClientError('timeout',
        `No answer from ${address} within ${REQUEST_TIMEOUT_MS / 1000} s.`)), REQUEST_TIMEOUT_MS);
      const settle = (error, reply) => {
        if (entry.settled) return;
        entry.settled = true;
        clearTimeout(timer);
        this.pending.delete(entry);
        if (error) reject(error); else resolve(reply);
      };
      entry.settle = settle;
      this.pending.add(entry);
      try {
        this.eb.send(address, body, this.headers(), (failure, message) => {
          if (failure) settle(fromFailure(failure, address)); else settle(null, message.body);
        });
      } catch (e) {
        settle(new ClientError('not_connected', 'Not connected to the server.'));
      }
    });
  }

  /** A message without a reply (a cast); false when not connected. */
  send(address, body) {
    if (!this.isOpen) return false;
    try {
      this.eb.send(address, body, this.headers());
      return true;
    } catch (e) {
      return false;
    }
  }

  /**
   * Registers a handler for an address's messages on this socket.
   *
   * @return {function()} unregisters it (a no-op once the socket has changed)
   */
  register(address, handler) {
    const eb = this.eb;
    eb.registerHandler(address, this.headers(), handler);
    return () => {
      if (this.eb === eb && this.isOpen) {
        try {
          eb.unregisterHandler(address, this.headers(), handler);
        } catch (e) {
          // the socket is going anyway
        }
      }
    };
  }

  failPending(error) {
    Array.from(this.pending).forEach((entry) => entry.settle(error));
  }
}
