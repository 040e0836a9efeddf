// The dashboard: signs in with an API token, loads the tenant's connections and imports from the API and keeps them
// current from GET /events. Read with fetch(), not EventSource, since EventSource cannot send the authorization
// header; the token stays in sessionStorage (this tab only) and only ever travels in that header.
import { problemByField, SseParser, spreadsheetIdFrom } from './ui.js';
import { createView } from './view.js';

const $ = (sel) => document.querySelector(sel);
const TOKEN_KEY = 'reportline.token';
const LANG_KEY = 'reportline.lang';
const labels = await (await fetch('/ui/i18n.json')).json();
let lang = localStorage.getItem(LANG_KEY) ?? document.documentElement.lang;
const t = (key) => labels[lang]?.[key] ?? labels.en[key] ?? key;

const state = {
  token: sessionStorage.getItem(TOKEN_KEY),
  connections: new Map(),
  imports: new Map(),
  timelines: new Map(),
  lastEventId: null,
  stream: null,
  pendingLink: null,
};

async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: { authorization: `Bearer ${state.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json = await res.json().catch(() => ({}));
  if (res.status === 401) {
    signOut(t('tokenRejected'));
    throw new Error('unauthenticated');
  }
  return { status: res.status, body: json };
}

// ---- state updates: a view only ever folds more events in, so the one that counts more is the newer, whichever
// arrived last (steps are summarised by kind with a count; older views listed one step per event).
const folded = (view) => view.steps.reduce((n, s) => n + (s.count ?? 1), 0);
function upsertImport(view, connectionId) {
  const known = state.imports.get(view.importId);
  if (known && folded(known.view) > folded(view)) return;
  state.imports.set(view.importId, { view, connectionId: connectionId ?? view.connectionId ?? known?.connectionId });
}

function upsertConnection(c) {
  const known = state.connections.get(c.id);
  if (known && known.updatedAt > c.updatedAt) return;
  state.connections.set(c.id, { ...known, ...c });
}

async function loadAll() {
  const items = [];
  let cursor = null;
  do {
    const r = await api('GET', `/connections?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    items.push(...(r.body.items ?? []));
    cursor = r.body.nextCursor;
  } while (cursor);
  for (const c of items) upsertConnection(c);
  await Promise.all(
    items.map(async (c) => {
      const r = await api('GET', `/connections/${c.id}/imports?limit=20`);
      for (const v of Array.isArray(r.body) ? r.body : []) upsertImport(v, c.id);
    }),
  );
  render();
  for (const customerId of customerIds()) void loadTimeline(customerId);
}

const customerIds = () => [...new Set([...state.connections.values()].map((c) => c.customerId))].sort();

async function loadTimeline(customerId) {
  const r = await api('GET', `/locks/${encodeURIComponent(customerId)}/timeline`);
  if (r.status === 200) state.timelines.set(customerId, r.body);
  renderLocks();
  // The lock-service sees a hold end on its own topic, so the view fetched on a lock event may be a moment behind it:
  // while someone holds or waits, look again shortly.
  if (r.status === 200 && (r.body.holder || r.body.queue.length > 0))
    setTimeout(() => refreshTimeline(customerId), 2_000);
}

const timelineTimers = new Map();
function refreshTimeline(customerId) {
  clearTimeout(timelineTimers.get(customerId));
  timelineTimers.set(
    customerId,
    setTimeout(() => void loadTimeline(customerId), 200),
  );
}

// ---- the event stream
function onEvent(kind, data) {
  if (kind === 'import') {
    upsertImport(data.view, data.connectionId);
    scheduleRender();
  } else if (kind === 'connection') {
    if (data.deleted) state.connections.delete(data.id);
    else if (state.connections.has(data.id)) upsertConnection(data);
    else void fetchConnection(data.id);
    if (data.id === state.pendingLink && data.status === 'unhealthy' && data.health) {
      const field = /sheet|spreadsheet|shar|editor/.test(data.health.code) ? 'spreadsheetId' : 'apiKey';
      $(`#err-${field}`).textContent = `${data.health.message} → ${data.health.action}`;
    }
    scheduleRender();
    if (!state.timelines.has(data.customerId)) refreshTimeline(data.customerId);
  } else if (kind === 'lock') {
    refreshTimeline(data.customerId);
  }
}

async function fetchConnection(id) {
  const r = await api('GET', `/connections/${id}`);
  if (r.status !== 200) return;
  upsertConnection(r.body);
  render();
}

function setLive(on) {
  const live = $('#live');
  live.hidden = false;
  live.className = on ? 'live on' : 'live';
  live.dataset.i18n = on ? 'live' : 'offline';
  live.textContent = t(live.dataset.i18n);
}

async function runStream(opened) {
  const ctrl = new AbortController();
  state.stream = ctrl;
  let delay = 1_000;
  while (!ctrl.signal.aborted) {
    let reset = false;
    try {
      const headers = { authorization: `Bearer ${state.token}` };
      if (state.lastEventId) headers['last-event-id'] = state.lastEventId;
      const res = await fetch('/events', { headers, signal: ctrl.signal, cache: 'no-store' });
      if (res.status === 401) return signOut(t('tokenRejected'));
      if (res.status === 400) {
        // An id the service no longer knows: start from now and reload what may have been missed.
        state.lastEventId = null;
        reset = true;
      } else if (res.ok && res.body) {
        setLive(true);
        opened();
        delay = 1_000;
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        const parser = new SseParser();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          for (const e of parser.push(value)) {
            if (e.id) state.lastEventId = e.id;
            onEvent(e.event, JSON.parse(e.data));
          }
        }
      }
    } catch {
      if (ctrl.signal.aborted) return;
    }
    opened();
    setLive(false);
    if (reset) {
      void loadAll();
      continue;
    }
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 15_000);
  }
}

// ---- actions
async function retry(view) {
  const asked = await api('GET', `/imports/${view.importId}/request`);
  if (asked.status !== 200) return;
  const r = await api('POST', '/imports', { connectionId: asked.body.connectionId, dateRange: asked.body.dateRange });
  if (r.status === 202) upsertImport(r.body, asked.body.connectionId);
  else alert(r.body.detail ?? r.body.title);
  render();
}

async function updateNow(c, button) {
  button.disabled = true;
  const r = await api('POST', '/imports', { connectionId: c.id });
  button.disabled = false;
  if (r.status === 202) upsertImport(r.body, c.id);
  else alert(r.body.detail ?? r.body.title);
  render();
}

async function link(form) {
  for (const p of form.querySelectorAll('.field-error, #link-error, #link-ok')) p.textContent = '';
  const f = new FormData(form);
  const text = (k) => String(f.get(k) ?? '').trim();
  const body = {
    customerId: text('customerId'),
    apiKey: text('apiKey'),
    secret: text('secret'),
    spreadsheetId: spreadsheetIdFrom(text('spreadsheetId')),
    sheetName: text('sheetName'),
    reportTypes: f.getAll('reportTypes'),
    historyDays: Number(text('historyDays') || 30),
    scheduleTime: text('scheduleTime') || '06:30',
    ...(text('name') ? { name: text('name') } : {}),
  };
  const missing = ['customerId', 'apiKey', 'secret', 'spreadsheetId', 'sheetName'].filter((k) => !body[k]);
  if (body.reportTypes.length === 0) missing.push('reportTypes');
  for (const k of missing) $(`#err-${k}`).textContent = '✱';
  if (missing.length > 0) return;
  const r = await api('POST', '/connections', body);
  if (r.status === 201) {
    const { firstImport, ...connection } = r.body;
    state.pendingLink = connection.id;
    upsertConnection(connection);
    upsertImport(firstImport, connection.id);
    form.elements.apiKey.value = '';
    form.elements.secret.value = '';
    $('#link-ok').dataset.i18n = 'created';
    $('#link-ok').textContent = t('created');
    render();
    refreshTimeline(connection.customerId);
    return;
  }
  const { fields, general } = problemByField(r.status, r.body);
  for (const [k, message] of Object.entries(fields)) $(`#err-${k}`).textContent = message;
  $('#link-error').textContent =
    general.join('; ') || (Object.keys(fields).length ? '' : (r.body.detail ?? r.body.title ?? `HTTP ${r.status}`));
}

const { render, scheduleRender, renderImports, renderLocks } = createView({
  state,
  t,
  hasLabel: (key) => key in labels[lang],
  currentLang: () => lang,
  actions: { retry, updateNow },
  customerIds,
});

// ---- sign-in and the page's own controls
function signOut(message = '') {
  state.stream?.abort();
  state.token = null;
  sessionStorage.removeItem(TOKEN_KEY);
  // The next token may be another tenant's: nothing of this one stays in the page.
  for (const map of [state.connections, state.imports, state.timelines]) map.clear();
  state.lastEventId = null;
  state.pendingLink = null;
  render();
  renderLocks();
  $('#app').hidden = true;
  $('#signout').hidden = true;
  $('#live').hidden = true;
  $('#signin').hidden = false;
  $('#signin-error').textContent = message;
}

async function start() {
  $('#signin').hidden = true;
  $('#app').hidden = false;
  $('#signout').hidden = false;
  // The stream opens first, so nothing that changes while the lists load is missed.
  await new Promise((opened) => void runStream(opened));
  await loadAll();
}

function applyLabels() {
  document.documentElement.lang = lang;
  for (const node of document.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
  render();
  renderLocks();
}

$('#signin-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  state.token = $('#token').value.trim();
  const probe = await fetch('/connections?limit=1', { headers: { authorization: `Bearer ${state.token}` } });
  if (probe.status !== 200) return signOut(t('tokenRejected'));
  sessionStorage.setItem(TOKEN_KEY, state.token);
  $('#token').value = '';
  await start();
});
$('#signout').addEventListener('click', () => signOut());
$('#lang').addEventListener('click', () => {
  lang = lang === 'ko' ? 'en' : 'ko';
  localStorage.setItem(LANG_KEY, lang);
  applyLabels();
});
$('#filter-connection').addEventListener('change', renderImports);
$('#filter-status').addEventListener('change', renderImports);
$('#f-spreadsheetId').addEventListener('change', (e) => {
  e.target.value = spreadsheetIdFrom(e.target.value);
});
$('#link-form').addEventListener('submit', (e) => {
  e.preventDefault();
  void link(e.target);
});

if (lang !== document.documentElement.lang) applyLabels();
if (state.token) void start();
