/*
 * The observer page: the node's supervision trees, live. The tree is read once from
 * /api/system/tree, then redrawn when system.events (the bridge, operator sessions only) says
 * something changed: no polling for the tree. A process's details on click, a kill button and a
 * trace toggle per process; InfoSys, cache, channels and database from /api/system/summary.
 * Everything the server sends is put in the page as text, never as HTML.
 */

const TOKEN_KEY = 'otpx.operator';
const EVENTS = 'system.events';
const MAX_LINES = 60;
const TRACE_MESSAGES = 20;
const SUMMARY_EVERY_MS = 3000;

const $ = (id) => document.getElementById(id);
let token = sessionStorage.getItem(TOKEN_KEY);
let bus = null;
let selected = null;
let redraw = null;
const traced = new Set();
/** A supervisor's pid → the child id its parent knows it by: an unnamed supervisor's label in events. */
const labels = new Map();

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === 'class') node.className = value;
    else if (key.startsWith('data-') || key.startsWith('aria-') || key === 'title' || key === 'type') node.setAttribute(key, value);
    else node[key] = value;
  }
  for (const child of children) {
    if (child != null) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: Object.assign({ Authorization: `Bearer ${token}` }, body ? { 'Content-Type': 'application/json' } : {}),
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error(json.message || `${response.status}`);
    error.status = response.status;
    throw error;
  }
  return json;
}

const processPath = (pid) => `/api/system/processes/${encodeURIComponent(pid)}`;

// ---------------------------------------------------------------- sign-in

async function signIn(candidate) {
  token = candidate;
  try {
    await api('GET', '/api/system/tree');
  } catch (error) {
    token = null;
    $('obs-signin-error').textContent = error.status === 401 ? 'That is not the operator token.' : error.message;
    return;
  }
  sessionStorage.setItem(TOKEN_KEY, candidate);
  $('obs-signin').hidden = true;
  $('obs-main').hidden = false;
  await drawTree();
  connect();
  summary();
  setInterval(summary, SUMMARY_EVERY_MS);
}

$('obs-signin-form').addEventListener('submit', (event) => {
  event.preventDefault();
  signIn($('obs-token').value.trim());
});

// ---------------------------------------------------------------- the tree

async function drawTree() {
  const tree = await api('GET', '/api/system/tree');
  const root = el('ul');
  for (const process of tree.roots) root.append(processItem(process, null));
  $('obs-tree').replaceChildren(root);
  $('obs-count').textContent = `${tree.processes} processes`;
  if (selected) showDetails(selected, false);
}

/** A process, or a child spec without one (restarting, undefined...). */
function processItem(process, spec) {
  const pid = process ? process.pid : null;
  const label = (spec && spec.id) || (process && (process.name || (process.names || [])[0])) || pid;
  if (pid) labels.set(pid, label);
  const status = process ? (spec ? spec.status : process.status) : spec.status;
  const row = el('div', { class: 'obs-row', 'data-pid': pid || '', 'data-child': (spec && spec.id) || '' },
    el('span', { class: 'obs-name' }, label),
    process ? el('span', { class: 'obs-kind' }, process.kind) : null,
    pid ? el('span', { class: 'obs-pid' }, pid) : null,
    el('span', { class: `obs-badge ${status}` }, status));
  if (spec) {
    row.append(el('span', { class: 'obs-restarts', 'data-count': spec.restarts, title: 'restarts by its supervisor' },
      `↻ ${spec.restarts}`));
  }
  if (process && process.supervisor) {
    const sup = process.supervisor;
    row.append(el('span', { class: 'obs-sup' },
      `${sup.strategy} · ${sup.restarts_in_window}/${sup.max_restarts} in ${sup.max_seconds}s`));
  }
  if (pid) {
    const trace = el('button', { type: 'button', class: 'trace', 'aria-pressed': String(traced.has(pid)), title: 'trace its next messages' }, 'trace');
    trace.addEventListener('click', (event) => { event.stopPropagation(); toggleTrace(pid, trace); });
    const kill = el('button', { type: 'button', class: 'kill', title: 'send it exit(kill)' }, 'kill');
    kill.addEventListener('click', (event) => { event.stopPropagation(); killProcess(pid); });
    row.append(el('span', { class: 'obs-actions' }, trace, kill));
    row.addEventListener('click', () => showDetails(pid, true));
    if (pid === selected) row.classList.add('selected');
  }
  const item = el('li', {}, row);
  const children = process ? process.children || [] : [];
  if (children.length) {
    const list = el('ul');
    for (const child of children) {
      list.append(child.process ? processItem(child.process, child.id ? child : null) : processItem(null, child));
    }
    item.append(list);
  }
  return item;
}

/** Redraws once for a burst of events (a restart is four or five of them). */
function treeChanged() {
  if (redraw) return;
  redraw = setTimeout(() => {
    redraw = null;
    drawTree().catch((error) => line(`tree: ${error.message}`, 'ev-error'));
  }, 60);
}

async function showDetails(pid, fromClick) {
  selected = pid;
  document.querySelectorAll('.obs-row.selected').forEach((row) => row.classList.remove('selected'));
  const row = document.querySelector(`.obs-row[data-pid="${CSS.escape(pid)}"]`);
  if (row) row.classList.add('selected');
  try {
    const status = await api('GET', processPath(pid));
    const list = el('dl');
    for (const [key, value] of Object.entries(status)) {
      if (key === 'supervisor' && value) {
        list.append(el('dt', {}, 'supervisor'), el('dd', {}, `${value.strategy}, ${value.max_restarts} in ${value.max_seconds}s, ${value.restarts} restarts`));
      } else {
        list.append(el('dt', {}, key), el('dd', {}, typeof value === 'object' ? JSON.stringify(value) : String(value)));
      }
    }
    $('obs-details').replaceChildren(list);
  } catch (error) {
    if (fromClick || error.status !== 404) $('obs-details').replaceChildren(el('p', { class: 'obs-muted' }, `${pid}: ${error.message}`));
    else $('obs-details').replaceChildren(el('p', { class: 'obs-muted' }, `${pid} has ended.`));
  }
}

async function killProcess(pid) {
  try {
    await api('POST', `${processPath(pid)}/exit`, { reason: 'kill' });
  } catch (error) {
    line(`kill ${pid}: ${error.message}`, 'ev-error');
  }
}

async function toggleTrace(pid, button) {
  const on = !traced.has(pid);
  try {
    await api('POST', `${processPath(pid)}/trace`, { messages: on ? TRACE_MESSAGES : 0 });
    if (on) traced.add(pid); else traced.delete(pid);
    button.setAttribute('aria-pressed', String(on));
  } catch (error) {
    line(`trace ${pid}: ${error.message}`, 'ev-error');
  }
}

// ---------------------------------------------------------------- events

function connect() {
  bus = new EventBus(`${location.origin}/eventbus`);
  bus.enableReconnect(true);
  bus.onopen = () => {
    bus.registerHandler(EVENTS, { authorization: `Bearer ${token}` }, (error, message) => {
      if (error) {
        live('lost', error.message || error.body || 'refused');
        return;
      }
      // A batch of events in the order they happened; the feed's own notices come alone.
      (Array.isArray(message.body) ? message.body : [message.body]).forEach(onEvent);
    });
    live('live', 'live: system.events');
  };
  bus.onreconnect = () => drawTree();
  bus.onclose = () => live('lost', 'connection lost, reconnecting…');
  bus.onerror = (error) => live('lost', (error && (error.message || error.body)) || 'refused');
}

function live(state, text) {
  $('obs-live').dataset.state = state;
  $('obs-live').textContent = text;
}

function onEvent(event) {
  switch (event.event) {
    case 'trace':
      traceLine(event);
      if (event.remaining === 0) { traced.delete(event.pid); treeChanged(); }
      return;
    case 'dropped':
      line(`${event.count} events dropped (too many at once): tree re-read`, 'ev-warn');
      treeChanged();
      return;
    case 'process_started':
      return treeChanged();
    case 'process_exited':
      if (event.pid === selected) showDetails(event.pid, false);
      return treeChanged();
    default:
      break;
  }
  const supervisor = event.supervisor_id && event.supervisor_id.startsWith('<') ? (labels.get(event.supervisor) || event.supervisor_id)
    : event.supervisor_id;
  const who = `${supervisor} / ${event.child_id}`;
  const text = {
    child_started: `${who} started ${event.pid || ''}`,
    child_restarted: `${who} restarted (${event.restarts})`,
    child_terminated: `${who} ${event.pid || ''} exited: ${event.reason}`,
    gave_up: `${supervisor} gave up: ${event.child_id} restarted more than ${event.max_restarts} times in ${event.max_seconds}s`,
    backoff: `${who} backs off ${event.delay_ms} ms`,
    start_error: `${who} failed to start: ${event.reason}`,
    shutdown_error: `${who} did not stop cleanly: ${event.reason}`,
    auto_shutdown: `${supervisor} shuts down: ${event.child_id} ended`,
  }[event.event] || JSON.stringify(event);
  const kind = event.event === 'gave_up' || event.event === 'start_error' ? 'ev-error'
    : event.event === 'child_terminated' || event.event === 'backoff' ? 'ev-warn' : '';
  line(text, kind);
  treeChanged();
  if (event.event === 'child_started') {
    requestAnimationFrame(() => setTimeout(() => {
      const row = document.querySelector(`.obs-row[data-pid="${CSS.escape(event.pid || '')}"]`);
      if (row) row.classList.add('flash');
    }, 120));
  }
}

function line(text, kind) {
  prepend($('obs-events'), el('li', { class: kind || '' }, el('time', {}, new Date().toLocaleTimeString()), text));
}

function traceLine(event) {
  const list = $('obs-trace');
  if (list.firstElementChild && list.firstElementChild.classList.contains('obs-muted')) list.replaceChildren();
  prepend(list, el('li', {}, el('time', {}, new Date().toLocaleTimeString()),
    `${event.name || event.pid} ${event.kind} (${event.size}): ${event.body}`));
}

function prepend(list, item) {
  list.prepend(item);
  while (list.children.length > MAX_LINES) list.lastElementChild.remove();
}

// ---------------------------------------------------------------- summaries

async function summary() {
  let data;
  try {
    data = await api('GET', '/api/system/summary');
  } catch (error) {
    return;
  }
  const table = $('obs-infosys');
  const head = el('tr', {}, ...['backend', 'circuit', 'calls', 'results', 'failures', 'mean ms', 'max ms'].map((h) => el('th', {}, h)));
  const rows = Object.entries(data.infosys.backends).map(([name, b]) => el('tr', { 'data-backend': name },
    el('td', {}, name), el('td', { class: `circuit-${b.circuit}` }, b.circuit.replace('_', '-')), el('td', {}, b.calls),
    el('td', {}, b.results), el('td', {}, b.failures), el('td', {}, b.mean_ms), el('td', {}, b.max_ms)));
  table.replaceChildren(head, ...(rows.length ? rows : [el('tr', {}, el('td', { colSpan: 7, class: 'obs-muted' }, 'no queries yet'))]));
  const c = data.cache;
  kv('obs-cache', { size: c.size, 'hit ratio': c.hit_ratio == null ? '–' : `${Math.round(c.hit_ratio * 100)}%`, hits: c.hits, misses: c.misses, evictions: c.evictions });
  const ch = data.channels;
  const refusals = Object.entries(ch.refusals).map(([code, n]) => `${code} ${n}`).join(', ') || 'none';
  kv('obs-channels', { sockets: ch.sockets, joins: ch.joins, posts: ch.posts, refusals });
  const topics = ch.topics || [];
  $('obs-topics').replaceChildren(el('tr', {}, ...['topic', 'present', 'posts / min', 'posts'].map((h) => el('th', {}, h))),
    ...(topics.length ? topics.map((t) => el('tr', { 'data-topic': t.topic }, el('td', {}, t.topic), el('td', {}, t.presence),
      el('td', {}, t.posts_last_minute), el('td', {}, t.posts)))
      : [el('tr', {}, el('td', { colSpan: 4, class: 'obs-muted' }, 'no topic open on this node'))]));
  const db = data.database;
  kv('obs-database', { 'pool in use': db.pool_in_use, 'pool queued': db.pool_queued, statements: db.queries, errors: db.errors, 'mean ms': db.mean_ms, 'max ms': db.max_ms });
}

function kv(id, values) {
  $(id).replaceChildren(...Object.entries(values).flatMap(([key, value]) => [el('dt', {}, key), el('dd', {}, value)]));
}

if (token) signIn(token);
