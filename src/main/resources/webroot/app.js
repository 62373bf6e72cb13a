/*
 * The otpx browser client: sign in, join a video's channel over the SockJS event-bus bridge, post
 * and receive annotations, follow presence, and drive the counter. Plain JavaScript on the official
 * clients (sockjs-client and @vertx/eventbus-bridge-client.js, served from vendor/).
 *
 * Protocol (see the README): every frame carries the header {"token": <session token>};
 * request channels.join {topic, last_seen_id} -> {annotations, presence_state}, then REGISTER on
 * channels.topic.<topic> for new_annotation and presence_diff events; request channels.push
 * {topic, event: "new_annotation", payload: {body, at}} -> {status, id}; request channels.leave.
 */
(function () {
  'use strict';

  var STORAGE = { token: 'otpx.token', username: 'otpx.username', video: 'otpx.video' };
  /** The InfoSys backends post under these reserved names; no person can sign in as one. */
  var BACKENDS = { calculator: '∑', clock: '◷', wolfram: 'W' };
  var REQUEST_TIMEOUT_MS = 10000;
  var COUNTER_POLL_MS = 2000;
  var TOPIC_PREFIX = 'channels.topic.';

  var $ = function (id) { return document.getElementById(id); };

  var state = {
    token: null,
    username: null,
    eb: null,
    opened: false,          // the current EventBus has been open at least once
    wantedTopic: null,      // the topic the user asked for: (re)joined on every open
    topic: null,            // the topic joined on the current socket
    topicHandler: null,
    annotations: new Map(), // id -> annotation of the current topic
    lastSeenId: 0,
    presence: {},           // username -> {metas: [...]}, Phoenix's presence shape
    pending: new Set(),     // in-flight requests, failed together when the socket closes
    recentFailures: new Map(), // failure text -> time, so onerror does not repeat a request's error
    counterTimer: null,
    video: { playing: false, baseMs: 0, since: 0 }
  };

  // ---------------------------------------------------------------------------------- helpers

  function ClientError(code, message) {
    this.code = code;
    this.message = message;
  }

  /** "bad_request: body must not be empty" -> code bad_request, the whole text as message. */
  function fromFailure(failure, address) {
    var text = (failure && (failure.message || failure.body)) || '';
    var type = failure && failure.failureType;
    if (type === 'NO_HANDLERS') {
      return new ClientError('no_handlers', 'Nothing on the server answers ' + address + ' right now.');
    }
    if (type === 'TIMEOUT') {
      return new ClientError('timeout', 'The server did not answer ' + address + ' in time.');
    }
    var match = /^([a-z_]+):\s*/.exec(text);
    return new ClientError(match ? match[1] : (type || 'error').toLowerCase(), text || 'request failed');
  }

  function describe(error) {
    switch (error.code) {
      case 'access_denied':
      case 'rejected':
        // access_denied: no valid token (or an address the bridge does not permit); rejected: the
        // bridge's generic refusal. The message names the reason when the server gave one.
        return 'The server refused this (' +
          (error.message && error.message !== error.code ? error.message : error.code) + ').';
      case 'rate_limited':
        return 'Slow down: too many posts at once (' + error.message + ').';
      case 'max_handlers_reached':
        return 'Too many subscriptions on this connection (max_handlers_reached).';
      default:
        return error.message;
    }
  }

  function pad(n) { return n < 10 ? '0' + n : String(n); }

  /** Video time in milliseconds as mm:ss, or h:mm:ss past the hour. */
  function formatAt(ms) {
    var total = Math.max(0, Math.floor(ms / 1000));
    var h = Math.floor(total / 3600);
    var m = Math.floor((total % 3600) / 60);
    var s = total % 60;
    return h > 0 ? h + ':' + pad(m) + ':' + pad(s) : pad(m) + ':' + pad(s);
  }

  function hue(name) {
    var h = 0;
    for (var i = 0; i < name.length; i++) {
      h = (h * 31 + name.charCodeAt(i)) % 360;
    }
    return h;
  }

  function fillAvatar(el, name) {
    el.textContent = BACKENDS[name] || name.charAt(0).toUpperCase();
    if (BACKENDS[name]) {
      el.classList.add('avatar-bot');
      el.style.removeProperty('--avatar-hue');
    } else {
      el.classList.remove('avatar-bot');
      el.style.setProperty('--avatar-hue', String(hue(name)));
    }
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // ----------------------------------------------------------------------------------- alerts

  var shownAlerts = new Map();

  function isRefusal(error) {
    return error.code === 'access_denied' || error.code === 'rejected';
  }

  /**
   * Shows an error until dismissed. A refusal of the session gets a "Sign in again" button: the
   * usual cause is a token that expired or a server that restarted with a new secret.
   */
  function showError(text, error) {
    var existing = shownAlerts.get(text);
    if (existing) {
      // The same problem again: move it to the top instead of stacking copies.
      existing.remove();
    }
    var box = el('div', 'alert');
    box.appendChild(el('span', 'alert-text', text));
    if (error && isRefusal(error) && state.token) {
      var again = el('button', 'btn btn-sm alert-action', 'Sign in again');
      again.type = 'button';
      again.addEventListener('click', signOut);
      box.appendChild(again);
    }
    var close = el('button', 'alert-close', '×');
    close.type = 'button';
    close.setAttribute('aria-label', 'Dismiss');
    close.addEventListener('click', function () { box.remove(); shownAlerts.delete(text); });
    box.appendChild(close);
    $('alerts').prepend(box);
    shownAlerts.set(text, box);
    while ($('alerts').children.length > 4) {
      var last = $('alerts').lastElementChild;
      shownAlerts.forEach(function (v, k) { if (v === last) shownAlerts.delete(k); });
      last.remove();
    }
  }

  function clearAlerts() {
    $('alerts').textContent = '';
    shownAlerts.clear();
  }

  // ------------------------------------------------------------------------- connection state

  var CONN_TEXT = {
    idle: 'Not connected',
    connecting: 'Connecting…',
    open: 'Connected',
    reconnecting: 'Connection lost, reconnecting…',
    closed: 'Disconnected'
  };

  function setConn(kind, text) {
    $('conn').dataset.state = kind;
    $('conn-text').textContent = text || CONN_TEXT[kind];
    var open = kind === 'open';
    // What is shown of the room is only as fresh as the last connection.
    $('room-view').classList.toggle('is-offline', !open);
    ['counter-inc', 'counter-dec', 'counter-refresh'].forEach(function (id) { $(id).disabled = !open; });
    updatePostEnabled();
  }

  function isOpen() {
    return state.eb !== null && state.eb.state === EventBus.OPEN;
  }

  function headers() {
    // A fresh object each time: the client merges its default headers into the one it is given.
    return { token: state.token };
  }

  /** A request over the bridge, as a Promise that always settles (reply, failure or timeout). */
  function request(address, body) {
    return new Promise(function (resolve, reject) {
      if (!isOpen()) {
        reject(new ClientError('not_connected', 'Not connected to the server yet.'));
        return;
      }
      var entry = { settled: false, reject: null };
      var timer = setTimeout(function () {
        settle(new ClientError('timeout', 'No answer from ' + address + ' within ' +
          (REQUEST_TIMEOUT_MS / 1000) + ' s.'));
      }, REQUEST_TIMEOUT_MS);
      function settle(error, reply) {
        if (entry.settled) return;
        entry.settled = true;
        clearTimeout(timer);
        state.pending.delete(entry);
        if (error) reject(error); else resolve(reply);
      }
      entry.reject = settle;
      state.pending.add(entry);
      try {
        state.eb.send(address, body, headers(), function (failure, message) {
          if (failure) {
            if (failure.message) state.recentFailures.set(failure.message, Date.now());
            settle(fromFailure(failure, address));
          } else {
            settle(null, message.body);
          }
        });
      } catch (e) {
        settle(new ClientError('not_connected', 'Not connected to the server.'));
      }
    });
  }

  function failPending(error) {
    Array.from(state.pending).forEach(function (entry) { entry.reject(error); });
  }

  function connect() {
    disconnect();
    setConn('connecting');
    var eb = new EventBus(location.origin + '/eventbus', {
      vertxbus_reconnect_delay_min: 500,
      vertxbus_reconnect_delay_max: 5000
    });
    eb.enableReconnect(true);
    state.eb = eb;
    state.opened = false;

    eb.onopen = function () {
      if (state.eb !== eb) return;
      var again = state.opened;
      state.opened = true;
      setConn('open');
      // Handlers belong to the socket: a new socket must join and register again.
      if (state.wantedTopic) {
        joinTopic(state.wantedTopic, again);
      }
      refreshCounter();
      startCounterPolling();
    };
    eb.onreconnect = function () {
      if (state.eb !== eb) return;
      setConn('open', 'Reconnected');
    };
    eb.onclose = function () {
      if (state.eb !== eb) return;
      state.topic = null;
      state.topicHandler = null;
      stopCounterPolling();
      failPending(new ClientError('not_connected', 'The connection closed before the answer came.'));
      setConn(eb.reconnectEnabled ? 'reconnecting' : 'closed');
    };
    eb.onerror = function (err) {
      if (state.eb !== eb) return;
      // A refused frame comes back as {"type":"err","body":code,"message":...} on no address.
      // When it was a request, the server has already failed that request with the same text,
      // and whoever sent it reports that: show the rest only.
      var text = err && err.message;
      var seen = text && state.recentFailures.get(text);
      state.recentFailures.forEach(function (at, key) {
        if (Date.now() - at > 5000) state.recentFailures.delete(key);
      });
      if (seen && Date.now() - seen < 5000) return;
      var code = String((err && (err.body || err.failureType)) || 'error');
      var error = new ClientError(code, text || code);
      showError(describe(error), error);
    };
  }

  function disconnect() {
    stopCounterPolling();
    if (state.eb) {
      var eb = state.eb;
      state.eb = null;
      try { eb.close(); } catch (e) { /* already closed */ }
    }
    failPending(new ClientError('not_connected', 'Disconnected.'));
    state.topic = null;
    state.topicHandler = null;
  }

  // ---------------------------------------------------------------------------- sign in / out

  function signIn(username) {
    $('signin-error').textContent = '';
    $('sign-in').disabled = true;
    return fetch('/api/sessions', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ username: username })
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (!response.ok || !body.token) {
          throw new ClientError(body.error || 'http_' + response.status,
            body.message || ('Sign-in failed (HTTP ' + response.status + ').'));
        }
        return body;
      });
    }, function () {
      throw new ClientError('network', 'Cannot reach the server. Check your connection and try again.');
    }).then(function (session) {
      sessionStorage.setItem(STORAGE.token, session.token);
      sessionStorage.setItem(STORAGE.username, session.username);
      enterRoom(session.token, session.username);
    }).catch(function (error) {
      $('signin-error').textContent = describe(error);
      $('username').setAttribute('aria-invalid', 'true');
      $('username').focus();
    }).finally(function () {
      $('sign-in').disabled = false;
    });
  }

  function enterRoom(token, username) {
    state.token = token;
    state.username = username;
    clearAlerts();
    $('signin-view').hidden = true;
    $('room-view').hidden = false;
    $('whoami').hidden = false;
    $('whoami-name').textContent = username;
    fillAvatar($('whoami-avatar'), username);
    var video = sessionStorage.getItem(STORAGE.video);
    if (video !== null) {
      $('video').value = video;
      state.wantedTopic = 'videos:' + video;
      showTopic(state.wantedTopic);
    }
    connect();
    $('video').focus();
  }

  function signOut() {
    if (state.topic && isOpen()) {
      request('channels.leave', { topic: state.topic }).catch(function () { /* closing anyway */ });
    }
    disconnect();
    Object.keys(STORAGE).forEach(function (k) { sessionStorage.removeItem(STORAGE[k]); });
    state.token = null;
    state.username = null;
    state.wantedTopic = null;
    resetRoom();
    clearAlerts();
    setConn('idle');
    $('room-view').hidden = true;
    $('whoami').hidden = true;
    $('signin-view').hidden = false;
    $('username').value = '';
    $('username').focus();
  }

  // ------------------------------------------------------------------------------ the channel

  function resetRoom() {
    state.annotations.clear();
    state.lastSeenId = 0;
    state.presence = {};
    $('annotations').textContent = '';
    $('track-markers').textContent = '';
    renderCount();
    renderPresence();
    resetVideo(false);
    $('feed-empty').textContent = 'Join a video to see its annotations.';
    $('topic-label').textContent = 'Not in a room yet';
  }

  function showTopic(topic) {
    var n = topic.slice('videos:'.length);
    $('screen-title').textContent = 'Video ' + n;
    $('topic-label').textContent = 'Joining ' + topic + '…';
  }

  function requestJoin(topic) {
    if (state.topic === topic) {
      $('topic-label').textContent = 'Already in ' + topic;
      return;
    }
    if (state.topic && state.topic !== topic) {
      leaveTopic(state.topic);
    }
    if (state.wantedTopic !== topic) {
      resetRoom();
    }
    state.wantedTopic = topic;
    showTopic(topic);
    if (isOpen()) {
      joinTopic(topic, false);
    }
  }

  function leaveTopic(topic) {
    if (state.topicHandler && isOpen()) {
      try {
        state.eb.unregisterHandler(TOPIC_PREFIX + topic, headers(), state.topicHandler);
      } catch (e) { /* the socket is going anyway */ }
    }
    state.topic = null;
    state.topicHandler = null;
    request('channels.leave', { topic: topic }).catch(function () { /* best effort */ });
  }

  /**
   * Joins on the current socket. A rejoin (after a reconnect, or a repeated join of the same
   * topic) asks only for what this page has not seen: ids above the highest one it holds.
   */
  function joinTopic(topic, isRejoin) {
    var since = state.lastSeenId;
    $('join').disabled = true;
    request('channels.join', { topic: topic, last_seen_id: since }).then(function (reply) {
      // A user who moved on, or a socket that closed meanwhile (the next open joins again).
      if (state.wantedTopic !== topic || !isOpen()) return;
      if (state.topic !== topic) {
        var handler = function (failure, message) { onTopicMessage(topic, failure, message); };
        state.eb.registerHandler(TOPIC_PREFIX + topic, headers(), handler);
        state.topic = topic;
        state.topicHandler = handler;
      }
      // After a rejoin the server sends only what came after last_seen_id: what was missed.
      var missed = (reply.annotations || []).length;
      (reply.annotations || []).forEach(function (a) { addAnnotation(a); });
      setPresence(reply.presence_state || {});
      $('topic-label').textContent = 'In ' + topic;
      $('feed-empty').textContent = 'No annotations yet. Be the first!';
      renderCount();
      if (!state.video.playing && !isRejoin) {
        resetVideo(true);
      }
      if (isRejoin) {
        setConn('open', missed > 0 ? 'Rejoined: caught up on ' + missed + ' missed' : 'Rejoined, nothing missed');
      }
      updatePostEnabled();
    }).catch(function (error) {
      if (state.wantedTopic !== topic) return;
      $('topic-label').textContent = 'Could not join ' + topic;
      showError('Could not join ' + topic + ': ' + describe(error), error);
    }).finally(function () {
      $('join').disabled = false;
    });
  }

  function onTopicMessage(topic, failure, message) {
    if (failure) {
      var error = fromFailure(failure, TOPIC_PREFIX + topic);
      showError('Topic ' + topic + ': ' + describe(error), error);
      return;
    }
    if (topic !== state.topic) return;
    var event = message.body || {};
    if (event.event === 'new_annotation' && event.payload) {
      if (addAnnotation(event.payload, true)) renderCount();
    } else if (event.event === 'presence_diff' && event.payload) {
      applyPresenceDiff(event.payload);
    } else if (event.event === 'presence_state' && event.payload) {
      setPresence(event.payload);
    }
  }

  // ------------------------------------------------------------------------------ annotations

  function compareAnnotations(a, b) {
    return a.at - b.at || a.id - b.id;
  }

  /** Adds an annotation once (ids are unique per topic), in (at, id) order; false if known. */
  function addAnnotation(a, live) {
    if (!a || typeof a.id !== 'number' || state.annotations.has(a.id)) return false;
    state.annotations.set(a.id, a);
    state.lastSeenId = Math.max(state.lastSeenId, a.id);

    var item = renderAnnotation(a);
    var list = $('annotations');
    var next = null;
    for (var i = 0; i < list.children.length; i++) {
      var other = state.annotations.get(Number(list.children[i].dataset.id));
      if (other && compareAnnotations(a, other) < 0) { next = list.children[i]; break; }
    }
    list.insertBefore(item, next);
    if (live) {
      item.classList.add('is-new');
      setTimeout(function () { item.classList.remove('is-new'); }, 2500);
      if (!next) list.scrollTop = list.scrollHeight;
    } else if (!next) {
      list.scrollTop = list.scrollHeight;
    }
    addMarker(a);
    return true;
  }

  function renderAnnotation(a) {
    var user = (a.user && a.user.username) || 'unknown';
    var bot = Object.prototype.hasOwnProperty.call(BACKENDS, user);
    var li = el('li', 'annotation' + (bot ? ' is-bot' : '') + (user === state.username ? ' is-mine' : ''));
    li.dataset.id = String(a.id);
    li.dataset.user = user;
    li.dataset.at = String(a.at);

    var avatar = el('span', 'avatar', '');
    avatar.setAttribute('aria-hidden', 'true');
    fillAvatar(avatar, user);
    li.appendChild(avatar);

    var content = el('div', 'annotation-content');
    var meta = el('div', 'annotation-meta');
    meta.appendChild(el('span', 'annotation-user', user));
    if (bot) meta.appendChild(el('span', 'badge', 'InfoSys'));
    if (user === state.username) meta.appendChild(el('span', 'you', 'you'));
    var at = el('button', 'annotation-at', formatAt(a.at));
    at.type = 'button';
    at.title = 'Jump to ' + formatAt(a.at);
    at.setAttribute('aria-label', 'at ' + formatAt(a.at) + ', jump there');
    at.addEventListener('click', function () { seek(a.at); });
    meta.appendChild(at);
    content.appendChild(meta);
    content.appendChild(el('p', 'annotation-body', String(a.body)));
    li.appendChild(content);
    return li;
  }

  function renderCount() {
    var n = state.annotations.size;
    $('ann-count').textContent = String(n);
    $('feed-empty').hidden = n > 0;
  }

  // --------------------------------------------------------------------------------- presence

  function setPresence(presenceState) {
    state.presence = {};
    Object.keys(presenceState).forEach(function (name) {
      var metas = (presenceState[name] && presenceState[name].metas) || [];
      if (metas.length) state.presence[name] = { metas: metas.slice() };
    });
    renderPresence();
  }

  /** Phoenix's syncDiff: joins add metas, leaves remove them by socket; a user with none is gone. */
  function applyPresenceDiff(diff) {
    var joins = diff.joins || {};
    var leaves = diff.leaves || {};
    Object.keys(joins).forEach(function (name) {
      var current = state.presence[name] || { metas: [] };
      (joins[name].metas || []).forEach(function (meta) {
        var known = current.metas.some(function (m) { return m.socket_id === meta.socket_id; });
        if (!known) current.metas.push(meta);
      });
      state.presence[name] = current;
    });
    Object.keys(leaves).forEach(function (name) {
      var current = state.presence[name];
      if (!current) return;
      var gone = (leaves[name].metas || []).map(function (m) { return m.socket_id; });
      current.metas = current.metas.filter(function (m) { return gone.indexOf(m.socket_id) < 0; });
      if (!current.metas.length) delete state.presence[name];
    });
    renderPresence();
  }

  function renderPresence() {
    var list = $('presence');
    list.textContent = '';
    var names = Object.keys(state.presence).sort(function (a, b) {
      if (a === state.username) return -1;
      if (b === state.username) return 1;
      return a.localeCompare(b);
    });
    names.forEach(function (name) {
      var li = el('li', 'presence-item');
      li.dataset.user = name;
      var avatar = el('span', 'avatar avatar-sm', '');
      avatar.setAttribute('aria-hidden', 'true');
      fillAvatar(avatar, name);
      li.appendChild(avatar);
      li.appendChild(el('span', 'presence-name', name));
      if (name === state.username) li.appendChild(el('span', 'you', 'you'));
      var tabs = state.presence[name].metas.length;
      if (tabs > 1) li.appendChild(el('span', 'presence-tabs', tabs + ' tabs'));
      li.appendChild(el('span', 'online-dot', ''));
      list.appendChild(li);
    });
    $('presence-count').textContent = String(names.length);
    $('presence-empty').hidden = names.length > 0;
  }

  // ------------------------------------------------------------------------------------ posts

  function updatePostEnabled() {
    var ready = isOpen() && state.topic !== null;
    $('body').disabled = !ready;
    $('post').disabled = !ready;
    $('play').disabled = state.wantedTopic === null;
  }

  function post(body) {
    var topic = state.topic;
    var at = Math.floor(videoMs());
    $('post').disabled = true;
    return request('channels.push', {
      topic: topic,
      event: 'new_annotation',
      payload: { body: body, at: at }
    }).then(function () {
      // The broadcast brings the annotation back to this page as well; the reply only confirms.
      $('body').value = '';
    }).catch(function (error) {
      showError('Your annotation was not posted: ' + describe(error), error);
    }).finally(function () {
      updatePostEnabled();
      $('body').focus();
    });
  }

  // ---------------------------------------------------------------------------------- counter

  function refreshCounter() {
    if (!isOpen()) return;
    request('counter', { action: 'val' }).then(function (reply) {
      $('counter-value').textContent = String(reply.value);
      $('counter-value').classList.remove('is-stale');
      $('counter-error').textContent = '';
    }).catch(function (error) {
      $('counter-value').classList.add('is-stale');
      $('counter-error').textContent = error.code === 'noproc' || error.code === 'exit'
        ? 'The counter crashed; its supervisor is restarting it…'
        : isRefusal(error) ? 'Refused (' + error.code + ').' : describe(error);
    });
  }

  function changeCounter(action) {
    if (!isOpen()) return;
    try {
      // A cast: no reply. The value request after it is handled after it, so it shows the change.
      state.eb.send('counter', { action: action }, headers());
    } catch (e) {
      return;
    }
    refreshCounter();
  }

  function startCounterPolling() {
    stopCounterPolling();
    state.counterTimer = setInterval(function () {
      if (!document.hidden) refreshCounter();
    }, COUNTER_POLL_MS);
  }

  function stopCounterPolling() {
    if (state.counterTimer) clearInterval(state.counterTimer);
    state.counterTimer = null;
  }

  // ------------------------------------------------------------------------------------ video

  /** The page's stand-in for a video player: a clock that runs while "playing". */
  function videoMs() {
    var v = state.video;
    return v.baseMs + (v.playing ? performance.now() - v.since : 0);
  }

  function resetVideo(play) {
    state.video = { playing: play, baseMs: 0, since: performance.now() };
    renderPlay();
    renderVideo();
  }

  function seek(ms) {
    state.video.baseMs = ms;
    state.video.since = performance.now();
    renderVideo();
  }

  function togglePlay() {
    var v = state.video;
    v.baseMs = videoMs();
    v.since = performance.now();
    v.playing = !v.playing;
    renderPlay();
  }

  function renderPlay() {
    var playing = state.video.playing;
    $('play').setAttribute('aria-label', playing ? 'Pause' : 'Play');
    $('play').setAttribute('aria-pressed', String(playing));
    $('player').classList.toggle('is-playing', playing);
    $('screen-hint').textContent = state.wantedTopic === null ? 'Join to start watching'
      : (playing ? 'Playing · annotations are stamped with this time' : 'Paused');
  }

  function duration() {
    var longest = videoMs();
    state.annotations.forEach(function (a) { longest = Math.max(longest, a.at); });
    // Whole five minutes, with room to grow, so the markers do not jump every second.
    return Math.max(300000, Math.ceil((longest + 1000) / 300000) * 300000);
  }

  function renderVideo() {
    var now = videoMs();
    var total = duration();
    var text = formatAt(now);
    $('timecode').textContent = text;
    $('post-at').textContent = '@ ' + text;
    $('track-fill').style.width = (100 * now / total).toFixed(2) + '%';
    if ($('duration').textContent !== formatAt(total)) {
      $('duration').textContent = formatAt(total);
      repositionMarkers(total);
    }
  }

  function addMarker(a) {
    var marker = el('span', 'marker' + (Object.prototype.hasOwnProperty.call(BACKENDS, a.user && a.user.username) ? ' is-bot' : ''));
    marker.dataset.at = String(a.at);
    marker.style.left = (100 * a.at / duration()).toFixed(2) + '%';
    $('track-markers').appendChild(marker);
  }

  function repositionMarkers(total) {
    Array.prototype.forEach.call($('track-markers').children, function (m) {
      m.style.left = (100 * Number(m.dataset.at) / total).toFixed(2) + '%';
    });
  }

  // ------------------------------------------------------------------------------------ wiring

  function init() {
    $('signin-form').addEventListener('submit', function (e) {
      e.preventDefault();
      var name = $('username').value.trim();
      if (!name) {
        $('signin-error').textContent = 'Choose a username first.';
        $('username').setAttribute('aria-invalid', 'true');
        $('username').focus();
        return;
      }
      $('username').removeAttribute('aria-invalid');
      signIn(name);
    });
    $('sign-out').addEventListener('click', signOut);

    $('join-form').addEventListener('submit', function (e) {
      e.preventDefault();
      var raw = $('video').value.trim();
      if (!/^[0-9]{1,18}$/.test(raw)) {
        showError('A video is a whole number from 0 up, at most 18 digits.');
        $('video').focus();
        return;
      }
      // videos:01 would be another topic than videos:1: drop leading zeros.
      var n = raw.replace(/^0+(?=\d)/, '');
      sessionStorage.setItem(STORAGE.video, n);
      requestJoin('videos:' + n);
    });

    $('post-form').addEventListener('submit', function (e) {
      e.preventDefault();
      var body = $('body').value.trim();
      if (!body) {
        $('body').focus();
        return;
      }
      post(body);
    });

    $('play').addEventListener('click', togglePlay);
    $('counter-inc').addEventListener('click', function () { changeCounter('inc'); });
    $('counter-dec').addEventListener('click', function () { changeCounter('dec'); });
    $('counter-refresh').addEventListener('click', refreshCounter);
    document.addEventListener('visibilitychange', function () {
      if (!document.hidden) refreshCounter();
    });

    setInterval(renderVideo, 250);
    renderVideo();
    renderPlay();
    updatePostEnabled();

    if (typeof EventBus === 'undefined' || typeof SockJS === 'undefined') {
      showError('The page could not load its event-bus client (vendor/*.js). Is the server built with its web assets?');
    }

    var token = sessionStorage.getItem(STORAGE.token);
    var username = sessionStorage.getItem(STORAGE.username);
    if (token && username) {
      enterRoom(token, username);
    } else {
      $('signin-view').hidden = false;
      $('username').focus();
    }
  }

  init();
}());
