/*
 * A video topic's channel, as Phoenix's JavaScript channel is: join (and rejoin after every
 * reconnect) with the last annotation id the page has, receive new annotations and presence, post.
 *
 * Protocol (see the README): request channels.join {topic, last_seen_id, register: true,
 * presence_after?} -> {annotations, presence_state, presence_seq, presence_count, presence_detail,
 * presence_more?, epoch, socket_id, truncated?}; new_annotation, presence_diff {seq, count, joins,
 * leaves} (above the server's presence_detail_limit {seq, count}; back below it {seq, count, state})
 * and presence_state {seq, count, state?} events on channels.topic.<topic>; request channels.push {topic,
 * event: "new_annotation", payload: {body, at}} -> {status, id}; request channels.leave {topic}.
 *
 * Nothing the server has is lost silently:
 *  - The join reply names the epoch of the topic's annotations. Ids mean something only within one
 *    epoch: when a rejoin brings another one (the server restarted and its ids start again at 1),
 *    the page's view is of a history that is gone, so it is dropped and the topic joined from 0.
 *  - The join asks the bridge to register the socket on the topic before the server handles it,
 *    so nothing published after the reply is missed; what comes before the reply is held:
 *    annotations count once by id, presence diffs by their numbers (see Presence).
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
 *
 * The server numbers its presence diffs per topic (seq) and says which number a join's state is
 * as of (presence_seq). While a join is under way the page holds every presence event; each
 * page of the join's state takes the held diffs up to its own number first (those at or below the
 * number the page already holds are dropped), then its metas; once the last page is in, the rest
 * are applied in order and later ones as they come. A presence_state event replaces the whole state.
 *
 * A large topic (presence_detail false: more metas than the server's presence_detail_limit) sends
 * diffs with the count only. The page then shows the count, lists the members of the pages it has
 * read (the first, more on request: Channel.morePresence), and knows the list is partial; the
 * first diff back within the limit brings the whole state, and the list is exact again.
 *
 * The state is marked stale (and the channel fetches it again with a join) when a diff's number is
 * not the next one (a diff was lost: the state would stay wrong for good), and when a presence_state
 * came during a join: the topic's process started again meanwhile, and its numbers with it, so the
 * page cannot tell whether it is older or newer than that state.
 */
export class Presence {
  constructor() {
    this.state = {};
    this.pastSockets = new Set();
    this.seq = null; // the number of the state held; null while none is
    this.held = null; // presence events that came during a join, in order
    this.stale = false; // a diff was missed, or a restart raced a join: fetch the state again
    this.count = 0; // the server's count of metas, as of seq
    this.detailed = true; // whether diffs carry every join and leave (the topic is within the limit)
  }

  /** @return how many connections are present: the metas listed while detailed, else the server's count */
  total() {
    if (!this.detailed) return this.count;
    return Object.keys(this.state).reduce((n, name) => n + this.state[name].metas.length, 0);
  }

  /** @return whether the list names everyone present (a large topic's lists only the pages read) */
  complete() {
    return this.detailed || Object.keys(this.state).reduce((n, name) => n + this.state[name].metas.length, 0) >= this.count;
  }

  /** Forgets everyone (the page is offline: it cannot know who is there). */
  clear() {
    this.state = {};
    this.seq = null;
    this.held = null;
    this.stale = false;
  }

  /** Remembers a socket of this page that has closed: its metas are stale wherever they appear. */
  socketGone(socketId) {
    if (socketId) this.pastSockets.add(socketId);
  }

  /** A join starts: from now until done(), presence events are held. */
  hold() {
    this.held = [];
    this.stale = false;
  }

  /**
   * One page of a join's state (as of its presence_seq): the first replaces the state, later
   * ones add their metas. The held events numbered up to the page's are applied before it.
   */
  page(reply, first) {
    const seq = typeof reply.presence_seq === 'number' ? reply.presence_seq : 0;
    if (first) {
      this.state = {};
      this.seq = seq;
    }
    this.drain(seq);
    if (seq >= this.seq) {
      if (typeof reply.presence_count === 'number') this.count = reply.presence_count;
      this.detailed = reply.presence_detail !== false;
    }
    this.seq = Math.max(this.seq, seq);
    this.add(reply.presence_state);
  }

  /**
   * A page of a large topic's members read on request (its diffs carry no metas): its metas join
   * the list, which stays partial until the topic is back within the limit. The first page
   * replaces the list, so that a read from the start drops who has left since.
   */
  morePage(reply, first) {
    if (first) this.state = {};
    this.add(reply.presence_state);
    this.prune();
  }

  /** The join's last page is in: what was held after it is applied, and later events as they come. */
  done() {
    this.drain(Infinity);
    this.held = null;
    this.prune();
  }

  /** A presence_diff or presence_state event; true when the state changed (and may be drawn). */
  onEvent(event, payload) {
    if (this.held) {
      this.held.push({ event, payload });
      return false;
    }
    if (this.seq === null) return false; // not joined: nothing to change
    if (!this.apply(event, payload)) return false;
    this.prune();
    return true;
  }

  /** Applies held events, in order, up to those numbered above {@code upTo}. */
  drain(upTo) {
    while (this.held && this.held.length) {
      const { event, payload } = this.held[0];
      if (typeof payload.seq === 'number' && payload.seq > upTo) return;
      this.held.shift();
      // A state numbered at or below the page's: older than the page from the same process, or
      // newer from a process started again (numbered from 0). Which one cannot be told: the page
      // is kept for now and the state fetched again once the join is done.
      if (upTo !== Infinity && event === 'presence_state') {
        this.stale = true;
        continue;
      }
      this.apply(event, payload);
    }
  }

  apply(event, payload) {
    if (event === 'presence_state') {
      // The topic's process started again (its numbers with it): its whole state replaces ours
      // (a large topic's has the count only: the list is read in pages again).
      this.state = {};
      this.add(payload.state);
      this.seq = typeof payload.seq === 'number' ? payload.seq : 0;
      this.detailed = payload.state !== undefined;
      if (typeof payload.count === 'number') this.count = payload.count;
      return true;
    }
    if (typeof payload.seq !== 'number' || payload.seq <= this.seq) return false;
    // Diffs are numbered one after the other: a gap is a diff this page never got.
    if (payload.seq !== this.seq + 1) this.stale = true;
    this.seq = payload.seq;
    if (typeof payload.count === 'number') this.count = payload.count;
    if (payload.state) {
      // Back within the limit: the whole state, in place of the pages read.
      this.state = {};
      this.add(payload.state);
      this.detailed = true;
    } else if (payload.joins || payload.leaves) {
      this.merge(payload);
      this.detailed = true;
    } else {
      this.detailed = false; // a large topic: the count only
    }
    return true;
  }

  add(state) {
    Object.keys(state || {}).forEach((name) => {
      const current = this.state[name] || { metas: [] };
      ((state[name] && state[name].metas) || []).forEach((meta) => {
        if (!current.metas.some((m) => m.socket_id === meta.socket_id)) current.metas.push(meta);
      });
      if (current.metas.length) this.state[name] = current;
    });
  }

  /** Leaves first, then joins: a socket that moved within one batch leaves as it was and joins as it is. */
  merge(diff) {
    const leaves = diff.leaves || {};
    Object.keys(leaves).forEach((name) => {
      const current = this.state[name];
      if (!current) return;
      const gone = (leaves[name].metas || []).map((m) => m.socket_id);
      current.metas = current.metas.filter((m) => gone.indexOf(m.socket_id) < 0);
      if (!current.metas.length) delete this.state[name];
    });
    this.add(diff.joins);
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
    this.presenceAfter = 0; // the cursor of the presence page a join asks for next
    this.presenceMore = null; // in a large topic, the cursor of the next page to read on request
    this.presenceRefetches = 0; // joins in a row made to fetch a stale presence again
    this.joinRequests = 0; // channels.join requests sent, pages included
    this.state = 'closed';
  }

  get joined() {
    return this.state === 'joined';
  }

  /**
   * Joins on the current socket (after the socket opened, or when the user asks): one join, which
   * registers the socket on the topic (register: true) before the server handles it, so whatever
   * the topic publishes after its reply reaches the handler, registered right after the join is
   * sent. Further joins only for further pages (of annotations, or of presence).
   */
  join() {
    const attempt = ++this.attempt;
    clearTimeout(this.retryTimer);
    this.state = 'joining';
    const rejoin = this.joinedOnce;
    const known = this.annotations.size;
    let reset = false;
    const current = () => attempt === this.attempt && this.socket.isOpen;
    this.presenceAfter = 0;
    this.presenceMore = null;
    this.presence.hold();
    const first = this.requestJoin(true, 0);
    this.listen();
    return first
      .then((reply) => {
        if (!current()) return null;
        this.socketId = reply.socket_id || null;
        const newEpoch = this.epoch !== null && reply.epoch !== undefined && reply.epoch !== this.epoch;
        if (reply.epoch !== undefined) this.epoch = reply.epoch;
        if (!newEpoch) return this.morePages(reply, current, MAX_PAGES, true);
        // Another epoch: the ids this page holds belong to a history the server no longer has, and
        // the reply's annotations are of ids above one that means nothing now: join again from 0.
        reset = true;
        this.dropView();
        this.presence.page(reply, true);
        if (reply.presence_more !== undefined) this.presenceAfter = reply.presence_more;
        return this.requestJoin(false, this.presenceAfter)
          .then((next) => (current() ? this.morePages(next, current, MAX_PAGES, false) : null));
      })
      .then((last) => {
        if (last === null || !current()) return;
        // Every page is in: whatever came live meanwhile is the newest, so a rejoin asks from there.
        this.annotations.forEach((a, id) => { this.lastSeenId = Math.max(this.lastSeenId, id); });
        this.presence.done();
        this.state = 'joined';
        this.joinedOnce = true;
        this.retries = 0;
        this.emit('onPresence', this.presence);
        this.emit('onJoined', { rejoin, reset, missed: reset ? 0 : this.annotations.size - known });
        if (!this.presence.stale) this.presenceRefetches = 0;
        this.refetchIfStale();
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
   * Takes a join's reply and, while the server says more follow, joins again: from the largest
   * annotation id received (pages go by id, so none is skipped; at most {@code pages} more) and
   * from the presence cursor it gave. The last reply.
   */
  morePages(reply, current, pages, first) {
    const moreAnnotations = reply.truncated === true && pages > 0;
    this.take(reply, false, moreAnnotations);
    this.presence.page(reply, first);
    // A large topic's pages are read on request (morePresence), not by every joining page.
    const large = reply.presence_detail === false;
    if (large && reply.presence_more !== undefined) this.presenceMore = reply.presence_more;
    const after = large ? undefined : reply.presence_more;
    if (!moreAnnotations && after === undefined) return reply;
    if (!current()) return null;
    // With no presence page left, the cursor stays where it was: the reply lists that last page
    // again (as of its own number) and whoever came since, which changes nothing that is right.
    this.presenceAfter = after !== undefined ? after : this.presenceAfter;
    return this.requestJoin(false, this.presenceAfter)
      .then((next) => (current() ? this.morePages(next, current, moreAnnotations ? pages - 1 : 0, false) : null));
  }

  /**
   * Reads the next page of a large topic's members (from the first once the last was read): one
   * join on the same socket, which changes nothing on the server. Resolves with whether more follow.
   */
  morePresence() {
    if (!this.joined) return Promise.resolve(false);
    const first = this.presenceMore === null;
    const attempt = this.attempt;
    return this.requestJoin(false, first ? 0 : this.presenceMore).then((reply) => {
      if (attempt !== this.attempt) return false;
      this.presence.morePage(reply, first);
      this.presenceMore = reply.presence_more !== undefined ? reply.presence_more : null;
      this.emit('onPresence', this.presence);
      return this.presenceMore !== null;
    });
  }

  requestJoin(register, presenceAfter) {
    this.joinRequests++;
    const body = { topic: this.topic, last_seen_id: this.lastSeenId };
    if (register) body.register = true;
    if (presenceAfter) body.presence_after = presenceAfter;
    return this.socket.request('channels.join', body);
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
      } else if ((event.event === 'presence_diff' || event.event === 'presence_state') && event.payload) {
        if (this.presence.onEvent(event.event, event.payload)) this.emit('onPresence', this.presence);
        this.refetchIfStale();
      }
    });
  }

  /**
   * Presence the page can no longer trust (a missed diff, a restart during the join) is fetched
   * again by joining again on the same socket, which the server answers with its state as of now
   * (and changes nothing else). At most a few times in a row, so that a server that keeps
   * skipping numbers cannot make the page join forever.
   */
  refetchIfStale() {
    if (!this.presence.stale || this.state !== 'joined') return;
    this.presence.stale = false;
    this.presenceRefetches++;
    if (this.presenceRefetches > 3) return;
    this.join();
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
