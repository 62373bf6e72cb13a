/*
 * What the page shows: alerts, the connection status, the annotations and their markers on the
 * track, who is present, the counter and the stand-in video clock. Views only draw what they are
 * given; they hold no connection state and send nothing.
 */

/** The InfoSys backends post under these reserved names; no person can sign in as one. */
export const BACKENDS = { calculator: '∑', clock: '◷', wolfram: 'W' };

export const $ = (id) => document.getElementById(id);

export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export function isBackend(name) {
  return Object.prototype.hasOwnProperty.call(BACKENDS, name);
}

const pad = (n) => (n < 10 ? '0' + n : String(n));

/** Video time in milliseconds as mm:ss, or h:mm:ss past the hour. */
export function formatAt(ms) {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return h > 0 ? `${h}:${pad(m)}:${pad(s)}` : `${pad(m)}:${pad(s)}`;
}

function hue(name) {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) % 360;
  return h;
}

export function fillAvatar(node, name) {
  node.textContent = BACKENDS[name] || name.charAt(0).toUpperCase();
  if (isBackend(name)) {
    node.classList.add('avatar-bot');
    node.style.removeProperty('--avatar-hue');
  } else {
    node.classList.remove('avatar-bot');
    node.style.setProperty('--avatar-hue', String(hue(name)));
  }
}

// ------------------------------------------------------------------------------------- alerts

/**
 * Problems the user should see, above the room (never over it), until dismissed. One alert per
 * problem: showing a key again moves its alert to the top with the newer text instead of stacking
 * copies. At most four are kept.
 */
export class Alerts {
  constructor(container) {
    this.container = container;
    this.shown = new Map(); // key -> element
  }

  /**
   * @param {string} key what the problem is, e.g. 'session' or 'post:rate_limited'
   * @param {string} text the sentence to show
   * @param {{label: string, run: function()}=} action a button, e.g. "Sign in again"
   */
  show(key, text, action) {
    this.remove(key);
    const box = el('div', 'alert');
    box.dataset.key = key;
    box.appendChild(el('span', 'alert-text', text));
    if (action) {
      const button = el('button', 'btn btn-sm alert-action', action.label);
      button.type = 'button';
      button.addEventListener('click', action.run);
      box.appendChild(button);
    }
    const close = el('button', 'alert-close', '×');
    close.type = 'button';
    close.setAttribute('aria-label', 'Dismiss');
    close.addEventListener('click', () => this.remove(key));
    box.appendChild(close);
    this.container.prepend(box);
    this.shown.set(key, box);
    while (this.container.children.length > 4) {
      const last = this.container.lastElementChild;
      this.remove(last.dataset.key);
    }
  }

  /** Shows the problem unless an alert already says it (a request's own failure says more). */
  ensure(key, text) {
    if (!this.shown.has(key)) this.show(key, text);
  }

  remove(key) {
    const box = this.shown.get(key);
    if (box) box.remove();
    this.shown.delete(key);
  }

  clear() {
    this.container.textContent = '';
    this.shown.clear();
  }
}

// -------------------------------------------------------------------------- connection status

const CONNECTION_TEXT = {
  idle: 'Not connected',
  connecting: 'Connecting…',
  joining: 'Joining…',
  open: 'Connected',
  reconnecting: 'Connection lost, reconnecting…',
  refused: 'Signed out by the server',
  closed: 'Disconnected'
};

/**
 * The status pill. Green ("open") only once the page is where the user asked to be: connected,
 * and in the room when one was asked for.
 */
export function showConnection(kind, text) {
  $('conn').dataset.state = kind;
  $('conn-text').textContent = text || CONNECTION_TEXT[kind];
  // What is shown of the room is only as fresh as the last connection.
  $('room-view').classList.toggle('is-offline', kind !== 'open');
}

// -------------------------------------------------------------------------------- annotations

const compareAnnotations = (a, b) => a.at - b.at || a.id - b.id;

/** The feed, in (at, id) order, and a marker per annotation on the video's track. */
export class AnnotationFeed {
  constructor(onSeek) {
    this.onSeek = onSeek;
    this.byId = new Map();
  }

  clear(emptyText) {
    this.byId.clear();
    this.note(null);
    $('annotations').textContent = '';
    $('track-markers').textContent = '';
    this.renderCount();
    if (emptyText) $('feed-empty').textContent = emptyText;
  }

  add(a, live, me, totalMs) {
    this.byId.set(a.id, a);
    const item = this.render(a, me);
    const list = $('annotations');
    let next = null;
    for (const child of list.children) {
      const other = this.byId.get(Number(child.dataset.id));
      if (other && compareAnnotations(a, other) < 0) {
        next = child;
        break;
      }
    }
    list.insertBefore(item, next);
    if (live) {
      item.classList.add('is-new');
      setTimeout(() => item.classList.remove('is-new'), 2500);
    }
    if (!next) list.scrollTop = list.scrollHeight;
    const marker = el('span', 'marker' + (isBackend(a.user && a.user.username) ? ' is-bot' : ''));
    marker.dataset.at = String(a.at);
    marker.style.left = (100 * a.at / totalMs).toFixed(2) + '%';
    $('track-markers').appendChild(marker);
    this.renderCount();
  }

  render(a, me) {
    const user = (a.user && a.user.username) || 'unknown';
    const bot = isBackend(user);
    const li = el('li', 'annotation' + (bot ? ' is-bot' : '') + (user === me ? ' is-mine' : ''));
    li.dataset.id = String(a.id);
    li.dataset.user = user;
    li.dataset.at = String(a.at);

    const avatar = el('span', 'avatar', '');
    avatar.setAttribute('aria-hidden', 'true');
    fillAvatar(avatar, user);
    li.appendChild(avatar);

    const content = el('div', 'annotation-content');
    const meta = el('div', 'annotation-meta');
    meta.appendChild(el('span', 'annotation-user', user));
    if (bot) meta.appendChild(el('span', 'badge', 'InfoSys'));
    if (user === me) meta.appendChild(el('span', 'you', 'you'));
    const at = el('button', 'annotation-at', formatAt(a.at));
    at.type = 'button';
    at.title = 'Jump to ' + formatAt(a.at);
    at.setAttribute('aria-label', `at ${formatAt(a.at)}, jump there`);
    at.addEventListener('click', () => this.onSeek(a.at));
    meta.appendChild(at);
    content.appendChild(meta);
    content.appendChild(el('p', 'annotation-body', String(a.body)));
    li.appendChild(content);
    return li;
  }

  /** A line above the feed about what it shows; null removes it. */
  note(text) {
    $('feed-note').hidden = !text;
    $('feed-note').textContent = text || '';
  }

  renderCount() {
    const n = this.byId.size;
    $('ann-count').textContent = String(n);
    $('feed-empty').hidden = n > 0;
  }

  /** The latest `at` of any annotation, so the track can make room for it. */
  longest() {
    let longest = 0;
    this.byId.forEach((a) => { longest = Math.max(longest, a.at); });
    return longest;
  }

  static repositionMarkers(totalMs) {
    for (const marker of $('track-markers').children) {
      marker.style.left = (100 * Number(marker.dataset.at) / totalMs).toFixed(2) + '%';
    }
  }
}

// ----------------------------------------------------------------------------------- presence

/**
 * Who is here, the user first. When the page cannot know (offline, not in a room), it says so
 * instead of showing whoever was there last. A large topic's list is the pages read so far
 * ({@code large}: {total, complete}): the count is the server's, and a button reads more.
 */
export function renderPresence(people, me, emptyText, large) {
  const list = $('presence');
  list.textContent = '';
  const sorted = people.slice().sort((a, b) => {
    if (a.name === me) return -1;
    if (b.name === me) return 1;
    return a.name.localeCompare(b.name);
  });
  sorted.forEach(({ name, tabs }) => {
    const li = el('li', 'presence-item');
    li.dataset.user = name;
    const avatar = el('span', 'avatar avatar-sm', '');
    avatar.setAttribute('aria-hidden', 'true');
    fillAvatar(avatar, name);
    li.appendChild(avatar);
    li.appendChild(el('span', 'presence-name', name));
    if (name === me) li.appendChild(el('span', 'you', 'you'));
    if (tabs > 1) li.appendChild(el('span', 'presence-tabs', tabs + ' tabs'));
    li.appendChild(el('span', 'online-dot', ''));
    list.appendChild(li);
  });
  $('presence-count').textContent = large ? String(large.total) : String(sorted.length);
  $('presence-more').hidden = !large;
  $('presence-more').textContent = large && !large.complete ? 'Show more' : 'Refresh the list';
  $('presence-empty').hidden = sorted.length > 0;
  $('presence-empty').textContent = emptyText || 'Nobody yet.';
}

// ------------------------------------------------------------------------------------ counter

export function showCounter(value) {
  $('counter-value').textContent = String(value);
  $('counter-value').classList.remove('is-stale');
  $('counter-error').textContent = '';
}

export function showCounterError(text) {
  $('counter-value').classList.add('is-stale');
  $('counter-error').textContent = text;
}

export function enableControls({ connected, joined, topicWanted }) {
  ['counter-inc', 'counter-dec', 'counter-refresh'].forEach((id) => { $(id).disabled = !connected; });
  $('body').disabled = !joined;
  $('post').disabled = !joined;
  $('play').disabled = !topicWanted;
}

// -------------------------------------------------------------------------------------- video

/** The page's stand-in for a video player: a clock that runs while "playing". */
export class VideoClock {
  constructor(feed) {
    this.feed = feed;
    this.reset(false, false);
    this.shownDuration = null;
  }

  now() {
    return this.baseMs + (this.playing ? performance.now() - this.since : 0);
  }

  reset(play, inRoom) {
    this.playing = play;
    this.baseMs = 0;
    this.since = performance.now();
    this.inRoom = inRoom;
    this.renderPlay();
    this.render();
  }

  /** Whether a room is joined or asked for: the hint under the clock says what to do. */
  setRoom(inRoom) {
    this.inRoom = inRoom;
    this.renderPlay();
  }

  seek(ms) {
    this.baseMs = ms;
    this.since = performance.now();
    this.render();
  }

  toggle() {
    this.baseMs = this.now();
    this.since = performance.now();
    this.playing = !this.playing;
    this.renderPlay();
  }

  /** Whole five minutes, with room to grow, so the markers do not jump every second. */
  duration() {
    const longest = Math.max(this.now(), this.feed.longest());
    return Math.max(300000, Math.ceil((longest + 1000) / 300000) * 300000);
  }

  renderPlay() {
    $('play').setAttribute('aria-label', this.playing ? 'Pause' : 'Play');
    $('play').setAttribute('aria-pressed', String(this.playing));
    $('player').classList.toggle('is-playing', this.playing);
    $('screen-hint').textContent = !this.inRoom ? 'Join to start watching'
      : (this.playing ? 'Playing · annotations are stamped with this time' : 'Paused');
  }

  render() {
    const now = this.now();
    const total = this.duration();
    const text = formatAt(now);
    $('timecode').textContent = text;
    $('post-at').textContent = '@ ' + text;
    $('track-fill').style.width = (100 * now / total).toFixed(2) + '%';
    if (this.shownDuration !== total) {
      this.shownDuration = total;
      $('duration').textContent = formatAt(total);
      AnnotationFeed.repositionMarkers(total);
    }
  }
}
