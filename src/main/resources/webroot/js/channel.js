/*
 * A video topic's channel, as Phoenix's JavaScript channel is: join (and rejoin after every
 * reconnect) with the last annotation id the page has, receive new annotations and presence, post.
 *
 * Protocol (see the README): request channels.join {topic, last_seen_id} -> {annotations,
 * presence_state, epoch, socket_id, truncated?}; register on channels.topic.<topic> for new_annotation and
 * presence_diff events; request channels.push {topic, event: "new_annotation", payload: {body,
 * at}} -> {status, id}; request channels.leave {topic}.
 *
 * Nothing the server has is lost silently:
 *  - The join reply names the epoch of the topic's annotations. Ids mean something only within one
 *    epoch: when a rejoin brings another one (the server restarted and its ids start again at 1),
 *    the page's view is of a history that is gone, so it is dropped and the topic joined from 0.
 *  - Events published between a join's reply and the registration of the handler would reach no
 *    one: after registering, the channel joins once more (same socket, so the server changes
 *    nothing) and its reply brings what that window held.
 */

const TOPIC_PREFIX = 'channels.topic.';

/** Phoenix's rejoin schedule after a join that failed for a reason that may pass. */
const REJOIN_AFTER_MS = [1000, 2000, 5000, 10000];

/** Failures a later join may not meet; any other (timeout, no process yet, ...) is retried. */
const FINAL = new Set(['access_denied', 'bad_request', 'not_connected', 'not_found']);
/** History pages a join reads at most (of history_limit annotations each, 500 by default). */
const MAX_PAGES = 20;

/**
 * Who is present: per username, one meta {socket_id, online_at} per socket, Phoenix's shape. Metas
 * of this page's own earlier connections are dropped as soon as the page knows them: the server
 * may take a while to notice that a connection it cannot reach has gone.
 */
export class Presence {
  constructor() {
    this.state = {};
    this.pastSockets = new Set();
    this.pendingDiffs = null;
  }

  /** Forgets everyone (the page is offline: it cannot know who is there). */
  clear() {
    this.state = {};
    this.pendingDiffs = null;
  }

  /** Remembers a socket of this page that has closed: its metas are stale wherever they appear. */
  socketGone(socketId) {
    if (socketId) this.pastSockets.add(socketId);
  }

  /** From now until sync(), diffs are held, so that none older than the state is lost or misapplied. */
  hold() {
    this.pendingDiffs = [];
  }

  /** Replaces the state with a join's snapshot, then applies the diffs held meanwhile, in order. */
  sync(presenceState) {
    this.state = {};
    Object.keys(presenceState || {}).forEach((name) => {
      const metas = (presenceState[name] && presenceState[name].metas) || [];
      this.state[name] = { metas: metas.slice() };
    });
    const held = this.pendingDiffs || [];
    this.pendingDiffs = null;
    held.forEach((diff) => this.merge(diff));
    this.prune();
  }

  /** Phoenix's syncDiff: joins add metas, leaves remove them by socket; a user with none is gone. */
  applyDiff(diff) {
    if (this.pendingDiffs) {
      this.pendingDiffs.push(diff);
      return false;
    }
    this.merge(diff);
    this.prune();
    return true;
  }

  merge(diff) {
    const joins = diff.joins || {};
    const leaves = diff.leaves || {};
    Object.keys(joins).forEach((name) => {
      const current = this.state[name] || { metas: [] };
      (joins[name].metas || []).forEach((meta) => {
        if (!current.metas.some((m) => m.socket_id === meta.socket_id)) current.metas.push(meta);
      });
      this.state[name] = current;
    });
    Object.keys(leaves).forEach((name) => {
      const current = this.state[name];
      if (!current) return;
      const gone = (leaves[name].metas || []).map((m) => m.socket_id);
      current.metas = current.metas.filter((m) => gone.indexOf(m.socket_id) < 0);
    });
  }

  prune() {
    Object.keys(this.state).forEach((name) => {
      const metas = this.state[name].metas.filter((m) => !this.pastSockets.has(m.socket_id));
      if (metas.length) this.state[name] = { metas }; else delete this.state[name];
    });
  }

  /** @return {Array<{name: string, tabs: number}>} */
  list() {
    return Object.keys(this.state).map((name) => ({ name, tabs: this.state[name].metas.length }));
  }
}

/**
 * One topic, joined on the current socket and again on every new one until left.
 *
 * Listeners: onAnnotation(annotation, live), onReset() (the view must be emptied),
 * onPresence(presence), onJoined({rejoin, missed, reset}), onJoinError(error, retryInMs),
 * onTruncated(count) (the server had more than it sends in one join), each optional.
 */
export class Channel {
  constructor(socket, topic, listeners) {
    this.socket = socket;
    this.topic = topic;
    this.listeners = listeners;
    this.annotations = new Map(); // id -> annotation
    this.lastSeenId = 0;
    this.epoch = null;
    this.presence = new Presence();
    this.socketId = null;
    this.unregister = null;
    this.joinedOnce = false;
    this.attempt = 0; // bumped by every (re)join and leave: a late answer to an older one is ignored
    this.retries = 0;
    this.retryTimer = null;
    this.state = 'closed';
  }

  get joined() {
    return this.state === 'joined';
  }

  /** Joins on the current socket (after the socket opened, or when the user asks). */
  join() {
    const attempt = ++this.attempt;
    clearTimeout(this.retryTimer);
    this.state = 'joining';
    const rejoin = this.joinedOnce;
    const known = this.annotations.size;
    let reset = false;
    const current = () => attempt === this.attempt && this.socket.isOpen;
    return this.requestJoin()
      .then((first) => {
        if (!current()) return null;
        this.socketId = first.socket_id || null;
        if (this.epoch !== null && first.epoch !== undefined && first.epoch !== this.epoch) {
          // Another epoch: the ids this page holds belong to a history the server no longer has.
          reset = true;
          this.dropView();
        } else {
          this.take(first, false, true);
        }
        if (first.epoch !== undefined) this.epoch = first.epoch;
        this.presence.hold();
        this.listen();
        // The catch-up join: what was published before the handler was registered, and a fresh
        // presence snapshot to apply the held diffs to.
        return this.requestJoin();
      })
      .then((second) => (second === null || !current() ? null : this.morePages(second, current, MAX_PAGES)))
      .then((second) => {
        if (second === null || !current()) return;
        // Every page is in: whatever came live meanwhile is the newest, so a rejoin asks from there.
        this.annotations.forEach((a, id) => { this.lastSeenId = Math.max(this.lastSeenId, id); });
        this.presence.sync(second.presence_state);
        this.state = 'joined';
        this.joinedOnce = true;
        this.retries = 0;
        this.emit('onPresence', this.presence);
        this.emit('onJoined', { rejoin, reset, missed: reset ? 0 : this.annotations.size - known });
      })
      .catch((error) => {
        if (attempt !== this.attempt) return;
        this.state = 'errored';
        const retry = !FINAL.has(error.code) && this.socket.isOpen;
        const delay = REJOIN_AFTER_MS[Math.min(this.retries, REJOIN_AFTER_MS.length - 1)];
        if (retry) {
          this.retries++;
          this.retryTimer = setTimeout(() => {
            if (attempt === this.attempt && this.socket.isOpen) this.join();
          }, delay);
        }
        this.emit('onJoinError', error, retry ? delay : null);
      });
  }

  /**
   * Takes a join's reply and, while the server says more follow, joins again from the largest id
   * received: pages go by id, so none is skipped. At most {@code pages} more; the last reply.
   */
  morePages(reply, current, pages) {
    this.take(reply, false, pages > 0);
    if (!reply.truncated || pages <= 0 || !current()) return reply;
    return this.requestJoin().then((next) => (current() ? this.morePages(next, current, pages - 1) : null));
  }

  requestJoin() {
    return this.socket.request('channels.join', { topic: this.topic, last_seen_id: this.lastSeenId });
  }

  listen() {
    if (this.unregister) return;
    this.unregister = this.socket.register(TOPIC_PREFIX + this.topic, (failure, message) => {
      if (failure) {
        this.emit('onEventError', failure);
        return;
      }
      const event = message.body || {};
      if (event.event === 'new_annotation' && event.payload) {
        this.add(event.payload, true);
      } else if (event.event === 'presence_diff' && event.payload) {
        if (this.presence.applyDiff(event.payload)) this.emit('onPresence', this.presence);
      }
    });
  }

  /** The socket closed: its handler went with it; whoever is present is unknown until the rejoin. */
  socketClosed() {
    this.attempt++;
    clearTimeout(this.retryTimer);
    this.unregister = null;
    this.state = 'closed';
    this.presence.socketGone(this.socketId);
    this.socketId = null;
    this.presence.clear();
    this.emit('onPresence', this.presence);
  }

  /** Leaves the topic for good. */
  leave() {
    this.attempt++;
    clearTimeout(this.retryTimer);
    if (this.unregister) this.unregister();
    this.unregister = null;
    this.state = 'closed';
    if (this.socket.isOpen) {
      this.socket.request('channels.leave', { topic: this.topic }).catch(() => { /* best effort */ });
    }
  }

  /** Posts an annotation; the broadcast brings it back to this page too. */
  push(body, at) {
    return this.socket.request('channels.push', { topic: this.topic, event: 'new_annotation', payload: { body, at } });
  }

  take(reply, live, morePagesWanted) {
    (reply.annotations || []).forEach((a) => this.add(a, live));
    // More than the page loads: say so rather than let it pass for the whole.
    if (reply.truncated && !morePagesWanted) this.emit('onTruncated', this.annotations.size);
  }

  /** Adds an annotation once (ids are unique within an epoch); false if known. */
  add(annotation, live) {
    if (!annotation || typeof annotation.id !== 'number' || this.annotations.has(annotation.id)) return false;
    this.annotations.set(annotation.id, annotation);
    // A live one during a join may be newer than pages not read yet: only pages move the cursor
    // then, or the next page would start after what it has not read.
    if (!live || this.state === 'joined') this.lastSeenId = Math.max(this.lastSeenId, annotation.id);
    this.emit('onAnnotation', annotation, live);
    return true;
  }

  dropView() {
    this.annotations.clear();
    this.lastSeenId = 0;
    this.emit('onReset');
  }

  emit(name, ...args) {
    const listener = this.listeners[name];
    if (listener) listener(...args);
  }
}
