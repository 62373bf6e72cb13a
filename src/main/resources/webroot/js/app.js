/*
 * The otpx browser client: sign up or in, list and add videos, join a video's channel over the SockJS event-bus bridge, post
 * and receive annotations, follow presence, and drive the counter. ES modules, no build step, on
 * the official clients (sockjs-client and @vertx/eventbus-bridge-client.js, served from vendor/ as
 * classic scripts that load before this module runs).
 *
 * socket.js is the connection, channel.js a topic with its presence, views.js what is drawn; this
 * module holds the session and wires them together.
 */
import { Socket, ClientError, isSessionRefusal } from './socket.js';
import { Channel } from './channel.js';
import {
  $, el, Alerts, AnnotationFeed, VideoClock, enableControls, fillAvatar, renderPresence, showConnection,
  showCounter, showCounterError
} from './views.js';

const STORAGE = { token: 'otpx.token', username: 'otpx.username', video: 'otpx.video' };
const COUNTER_POLL_MS = 2000;

const session = {
  token: null,
  username: null,
  socket: null,
  channel: null,      // the topic the user asked for, joined on every (re)connect
  refused: false,     // the server refused the session: only signing in again helps
  counterTimer: null
};

const alerts = new Alerts($('alerts'));
const feed = new AnnotationFeed((ms) => clock.seek(ms));
const clock = new VideoClock(feed);

// ------------------------------------------------------------------------------------ errors

function describe(error) {
  switch (error.code) {
    case 'access_denied':
    case 'rejected':
      // The message names the reason when the server gave one.
      return `The server refused this (${error.message && error.message !== error.code ? error.message : error.code}).`;
    case 'rate_limited':
      return `Slow down: too many posts at once (${error.message}).`;
    case 'max_handlers_reached':
      return 'Too many subscriptions on this connection (max_handlers_reached).';
    default:
      return error.message;
  }
}

/**
 * The server refused the session (its token expired, or the server's secret changed): one answer,
 * whichever request or frame brought the news first. The connection is closed, since everything
 * on it would be refused too, and the page offers to sign in again.
 */
function sessionRefused(error) {
  if (session.refused) return;
  session.refused = true;
  stopCounterPolling();
  if (session.channel) session.channel.socketClosed();
  if (session.socket) session.socket.close();
  showConnection('refused', 'Signed out: the server refused your session');
  renderPresence([], session.username, 'Not in the room: sign in again to rejoin.');
  if (session.channel) $('topic-label').textContent = `Not in ${session.channel.topic}: sign in again`;
  alerts.show('session', `The server refused your session (${error.message}). `
    + 'Sessions end when they expire, or when the server restarts with a new secret.',
  { label: 'Sign in again', run: signOut });
  updateControls();
}

function updateControls() {
  const connected = !session.refused && session.socket !== null && session.socket.isOpen;
  enableControls({
    connected,
    joined: connected && session.channel !== null && session.channel.joined,
    topicWanted: session.channel !== null
  });
  $('join').disabled = session.refused;
}

// -------------------------------------------------------------------------------- connection

/** One socket per session; it reconnects by itself after a drop, until closed. */
function connect() {
  session.refused = false;
  showConnection('connecting');
  session.socket.connect();
}

function newSocket(token) {
  return new Socket(location.origin + '/eventbus', token, {
    onOpen: opened,
    onClose: closed,
    onRefusal: (error) => {
      // A refused frame that awaited no reply (a cast, a registration). Alerts are keyed by the
      // problem's code: a refused request already shows its own, more telling, alert.
      if (isSessionRefusal(error)) {
        sessionRefused(error);
      } else {
        alerts.ensure(error.code, describe(error));
      }
    }
  });
}

function opened(reconnected) {
  const channel = session.channel;
  if (channel) {
    // Not green yet: the page is where the user wants only once the (re)join has succeeded.
    showConnection('joining', `${reconnected ? 'Reconnected' : 'Connected'}, ${reconnected ? 'rejoining' : 'joining'} ${channel.topic}…`);
    channel.join();
  } else {
    showConnection('open', reconnected ? 'Reconnected' : 'Connected');
  }
  refreshCounter();
  startCounterPolling();
  updateControls();
}

function closed(willReconnect) {
  stopCounterPolling();
  if (session.channel) {
    session.channel.socketClosed();
    $('topic-label').textContent = `Offline: rejoins ${session.channel.topic} when back`;
  }
  showConnection(willReconnect ? 'reconnecting' : 'closed');
  renderPresence([], session.username, 'Offline: who is here shows again once you are back.');
  updateControls();
}

function disconnect() {
  stopCounterPolling();
  if (session.socket) session.socket.close();
}

// ---------------------------------------------------------------------------- sign in / out

/** The JSON body of a response, or a ClientError naming what the server said. */
function json(request) {
  return request.then((response) => response.json().catch(() => ({})).then((body) => {
    if (!response.ok) {
      throw new ClientError(body.error || 'http_' + response.status, body.message || `The server said HTTP ${response.status}.`);
    }
    return body;
  }), () => {
    throw new ClientError('network', 'Cannot reach the server. Check your connection and try again.');
  });
}

/** Signs in, or with {@code create} signs up first (which signs in as well). */
function signIn(username, password, create) {
  $('signin-error').textContent = '';
  $('sign-in').disabled = true;
  $('sign-up').disabled = true;
  return json(fetch(create ? '/api/users' : '/api/sessions', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ username, password })
  })).then((signedIn) => {
    if (!signedIn.token) throw new ClientError('internal', 'The server answered without a session.');
    sessionStorage.setItem(STORAGE.token, signedIn.token);
    sessionStorage.setItem(STORAGE.username, signedIn.username);
    $('password').value = '';
    enterRoom(signedIn.token, signedIn.username);
  }).catch((error) => {
    $('signin-error').textContent = describe(error);
    $('password').setAttribute('aria-invalid', 'true');
    $('password').focus();
  }).finally(() => {
    $('sign-in').disabled = false;
    $('sign-up').disabled = false;
  });
}

// ------------------------------------------------------------------------------------ videos

/** Lists the videos, newest first; each one joins its topic when chosen. */
function loadVideos() {
  return json(fetch('/api/videos', { headers: { accept: 'application/json' } })).then((body) => {
    const list = $('videos');
    list.textContent = '';
    (body.videos || []).forEach((video) => {
      const item = el('li', 'video-entry');
      const button = el('button', 'video-item');
      button.type = 'button';
      button.dataset.videoId = String(video.id);
      button.appendChild(el('span', 'video-title', video.title));
      button.appendChild(el('span', 'video-by', `#${video.id} · ${video.user ? video.user.username : ''}`));
      button.addEventListener('click', () => chooseVideo(String(video.id), video.title));
      item.appendChild(button);
      list.appendChild(item);
    });
    $('videos-empty').hidden = list.children.length > 0;
    list.dataset.loaded = 'true';
    markCurrentVideo();
  }).catch((error) => alerts.ensure('videos', 'Could not list the videos: ' + describe(error)));
}

function markCurrentVideo() {
  const current = session.channel ? session.channel.topic.slice('videos:'.length) : null;
  document.querySelectorAll('#videos .video-item').forEach((button) => {
    button.setAttribute('aria-current', button.dataset.videoId === current ? 'true' : 'false');
  });
}

function chooseVideo(id, title) {
  $('video').value = id;
  sessionStorage.setItem(STORAGE.video, id);
  alerts.remove('video');
  requestJoin('videos:' + id, title);
}

function addVideo(title, url) {
  $('video-error').textContent = '';
  $('add-video').disabled = true;
  return json(fetch('/api/videos', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', authorization: 'Bearer ' + session.token },
    body: JSON.stringify({ title, url })
  })).then((video) => {
    $('video-title').value = '';
    $('video-url').value = '';
    return loadVideos().then(() => chooseVideo(String(video.id), video.title));
  }).catch((error) => {
    if (error.code === 'unauthorized' || error.code === 'http_401') {
      sessionRefused(error);
    } else {
      $('video-error').textContent = describe(error);
    }
  }).finally(() => {
    $('add-video').disabled = false;
  });
}

function enterRoom(token, username) {
  session.token = token;
  session.username = username;
  session.socket = newSocket(token);
  alerts.clear();
  $('signin-view').hidden = true;
  $('room-view').hidden = false;
  $('whoami').hidden = false;
  $('whoami-name').textContent = username;
  fillAvatar($('whoami-avatar'), username);
  const video = sessionStorage.getItem(STORAGE.video);
  if (video !== null) {
    $('video').value = video;
    wantTopic('videos:' + video);
  }
  connect();
  loadVideos();
  $('video').focus();
}

function signOut() {
  if (session.channel) session.channel.leave();
  session.channel = null;
  disconnect();
  session.socket = null;
  Object.values(STORAGE).forEach((key) => sessionStorage.removeItem(key));
  session.token = null;
  session.username = null;
  session.refused = false;
  resetRoom();
  alerts.clear();
  showConnection('idle');
  $('room-view').hidden = true;
  $('whoami').hidden = true;
  $('signin-view').hidden = false;
  $('username').value = '';
  $('password').value = '';
  $('username').focus();
  updateControls();
}

// ------------------------------------------------------------------------------- the channel

function resetRoom() {
  feed.clear('Join a video to see its annotations.');
  renderPresence([], session.username);
  clock.reset(false, session.channel !== null);
  $('topic-label').textContent = 'Not in a room yet';
}

function showTopic(topic, title) {
  $('screen-title').textContent = title || 'Video ' + topic.slice('videos:'.length);
  $('topic-label').textContent = `Joining ${topic}…`;
}

/** The topic the user asked for: joined now if connected, and on every (re)connect. */
function wantTopic(topic) {
  const channel = new Channel(session.socket, topic, {
    onAnnotation: (a, live) => feed.add(a, live, session.username, clock.duration()),
    onReset: () => feed.clear(),
    onTruncated: (count) => feed.note(`Only the first ${count} annotations of this video came in; it has more than the page loads at once.`),
    onPresence: (presence) => renderPresence(presence.list(), session.username, undefined,
      presence.detailed ? undefined : { total: presence.total(), complete: channel.presenceMore === null && presence.complete() }),
    onJoined: (outcome) => joined(channel, outcome),
    onJoinError: (error, retryInMs) => joinFailed(channel, error, retryInMs),
    onEventError: (failure) => alerts.show('topic', `Topic ${topic}: ${failure.message || failure.failureType}`)
  });
  session.channel = channel;
  clock.setRoom(true);
  showTopic(topic);
  return channel;
}

function requestJoin(topic, title) {
  const current = session.channel;
  if (current && current.topic === topic) {
    if (current.joined) {
      $('topic-label').textContent = 'Already in ' + topic;
      return;
    }
  } else {
    if (current) current.leave();
    resetRoom();
    wantTopic(topic);
  }
  markCurrentVideo();
  if (session.socket && session.socket.isOpen && !session.refused) {
    showTopic(topic, title);
    $('join').disabled = true;
    session.channel.join().finally(updateControls);
  }
  updateControls();
}

function joined(channel, { rejoin, reset, missed }) {
  if (session.channel !== channel) return;
  alerts.remove('join');
  $('topic-label').textContent = 'In ' + channel.topic;
  // How many join requests this room has cost (pages included): one per (re)join unless the
  // server had more pages. Nothing shows it; it is there for whoever inspects the page.
  $('topic-label').dataset.joinRequests = String(channel.joinRequests);
  $('feed-empty').textContent = 'No annotations yet. Be the first!';
  feed.renderCount();
  if (!clock.playing && !rejoin) clock.reset(true, true);
  let text = 'Connected';
  if (reset) {
    // The server's ids started again (it restarted): what this page showed is gone from it.
    text = `Rejoined: the server's history of ${channel.topic} was reset; showing what it has now`;
  } else if (rejoin) {
    text = missed > 0 ? `Rejoined: caught up on ${missed} missed` : 'Rejoined, nothing missed';
  }
  showConnection('open', text);
  updateControls();
}

function joinFailed(channel, error, retryInMs) {
  if (session.channel !== channel) return;
  if (isSessionRefusal(error)) {
    sessionRefused(error);
    return;
  }
  $('topic-label').textContent = 'Could not join ' + channel.topic;
  const retry = retryInMs ? ` Trying again in ${Math.round(retryInMs / 1000)} s.` : '';
  alerts.show('join', `Could not join ${channel.topic}: ${describe(error)}${retry}`);
  if (session.socket && session.socket.isOpen) {
    showConnection('joining', retryInMs ? `Connected, not in ${channel.topic} yet: retrying…` : `Connected, not in ${channel.topic}`);
  }
  updateControls();
}

// ------------------------------------------------------------------------------------- posts

function post(body) {
  const channel = session.channel;
  $('post').disabled = true;
  return channel.push(body, Math.floor(clock.now())).then(() => {
    // The broadcast brings the annotation back to this page as well; the reply only confirms.
    $('body').value = '';
  }).catch((error) => {
    if (isSessionRefusal(error)) {
      sessionRefused(error);
    } else {
      alerts.show(error.code, 'Your annotation was not posted: ' + describe(error));
    }
  }).finally(() => {
    updateControls();
    $('body').focus();
  });
}

// ----------------------------------------------------------------------------------- counter

function refreshCounter() {
  const socket = session.socket;
  if (!socket || !socket.isOpen || session.refused) return;
  socket.request('counter', { action: 'val' }).then((reply) => showCounter(reply.value)).catch((error) => {
    if (isSessionRefusal(error)) {
      sessionRefused(error);
    } else if (error.code === 'not_connected') {
      // The connection status says why; the value is only stale.
      showCounterError('');
    } else if (error.code === 'noproc' || error.code === 'exit') {
      showCounterError('The counter crashed; its supervisor is restarting it…');
    } else {
      showCounterError(error.code === 'rejected' ? `Refused (${error.code}).` : describe(error));
    }
  });
}

function changeCounter(action) {
  // A cast: no reply. The value request after it is handled after it, so it shows the change.
  if (session.socket && !session.refused && session.socket.send('counter', { action })) refreshCounter();
}

function startCounterPolling() {
  stopCounterPolling();
  session.counterTimer = setInterval(() => {
    if (!document.hidden) refreshCounter();
  }, COUNTER_POLL_MS);
}

function stopCounterPolling() {
  if (session.counterTimer) clearInterval(session.counterTimer);
  session.counterTimer = null;
}

// ------------------------------------------------------------------------------------ wiring

function init() {
  const submitSignIn = (create) => {
    const name = $('username').value.trim();
    const password = $('password').value;
    if (!name) {
      $('signin-error').textContent = 'Choose a username first.';
      $('username').setAttribute('aria-invalid', 'true');
      $('username').focus();
      return;
    }
    if (!password) {
      $('signin-error').textContent = create ? 'Choose a password first.' : 'Type your password first.';
      $('password').setAttribute('aria-invalid', 'true');
      $('password').focus();
      return;
    }
    $('username').removeAttribute('aria-invalid');
    $('password').removeAttribute('aria-invalid');
    signIn(name, password, create);
  };
  $('signin-form').addEventListener('submit', (e) => {
    e.preventDefault();
    submitSignIn(false);
  });
  $('sign-up').addEventListener('click', () => submitSignIn(true));
  $('videos-refresh').addEventListener('click', loadVideos);
  // A large topic's members are read a page at a time, on request.
  $('presence-more').addEventListener('click', () => {
    if (session.channel) session.channel.morePresence().catch(() => { /* the next click tries again */ });
  });
  $('video-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const title = $('video-title').value.trim();
    const url = $('video-url').value.trim();
    if (!title || !url) {
      $('video-error').textContent = 'A video needs a title and a URL.';
      (title ? $('video-url') : $('video-title')).focus();
      return;
    }
    addVideo(title, url);
  });
  $('sign-out').addEventListener('click', signOut);

  $('join-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const raw = $('video').value.trim();
    if (!/^[0-9]{1,18}$/.test(raw)) {
      alerts.show('video', 'A video is a whole number from 0 up, at most 18 digits.');
      $('video').focus();
      return;
    }
    alerts.remove('video');
    // videos:01 would be another topic than videos:1: drop leading zeros.
    const n = raw.replace(/^0+(?=\d)/, '');
    sessionStorage.setItem(STORAGE.video, n);
    requestJoin('videos:' + n);
  });

  $('post-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const body = $('body').value.trim();
    if (!body) {
      $('body').focus();
      return;
    }
    post(body);
  });

  $('play').addEventListener('click', () => clock.toggle());
  $('counter-inc').addEventListener('click', () => changeCounter('inc'));
  $('counter-dec').addEventListener('click', () => changeCounter('dec'));
  $('counter-refresh').addEventListener('click', refreshCounter);
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) refreshCounter();
  });

  setInterval(() => clock.render(), 250);
  clock.render();
  updateControls();

  if (typeof EventBus === 'undefined' || typeof SockJS === 'undefined') {
    alerts.show('vendor', 'The page could not load its event-bus client (vendor/*.js). Is the server built with its web assets?');
  }

  const token = sessionStorage.getItem(STORAGE.token);
  const username = sessionStorage.getItem(STORAGE.username);
  if (token && username) {
    enterRoom(token, username);
  } else {
    $('signin-view').hidden = false;
    $('username').focus();
  }
  document.body.dataset.app = 'ready';
}

init();
