// The dashboard's rendering: the state (app.js) drawn into the page's sections. Everything from the API goes in as
// text nodes or attributes through `el`, never as HTML.
import { importProgress, kst, nextRunKst, timelineLayout } from './ui.js';

const SVG = 'http://www.w3.org/2000/svg';
const $ = (sel) => document.querySelector(sel);

/** Builds an element; strings become text nodes, so nothing from the API is ever parsed as HTML. */
export function el(tag, attrs = {}, ...children) {
  const node = attrs.svg ? document.createElementNS(SVG, tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'svg' || v === undefined || v === null || v === false) continue;
    // CSSOM, not a style attribute: the page's CSP allows no inline styles.
    if (k === 'style') Object.assign(node.style, v);
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, String(v));
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) node.append(c);
  return node;
}

/** The renderers over `state`, labelled with `t`; `actions` are the buttons' handlers. */
export function createView({ state, t, hasLabel, currentLang, actions, customerIds }) {
  const { retry, updateNow } = actions;
  let renderQueued = false;
  function scheduleRender() {
    if (renderQueued) return;
    renderQueued = true;
    requestAnimationFrame(() => {
      renderQueued = false;
      render();
    });
  }

  function render() {
    renderImports();
    renderConnections();
  }

  const connectionLabel = (c) => (c ? (c.name ?? c.customerId) : '–');
  const statusLabel = (s) => el('span', { class: `status ${s}` }, t(`status.${s}`));

  function failureBlock(failure, connection) {
    // The API says what to do (in English); a Korean page prefers its own words for the codes it knows.
    const ours = hasLabel(`fail.${failure.code}`) ? t(`fail.${failure.code}`) : null;
    const hint =
      (currentLang() === 'en' ? (failure.action ?? ours) : (ours ?? failure.action)) ??
      t(failure.retryable ? 'retryable' : 'notRetryable');
    const email =
      connection?.principalEmail && /sheet|shar|editor/.test(failure.code) ? ` (${connection.principalEmail})` : '';
    return el(
      'div',
      { class: 'failure' },
      el('code', {}, failure.code),
      ' ',
      failure.message,
      el('div', { class: 'todo' }, el('strong', {}, `${t('whatToDo')}: `), hint + email),
    );
  }

  function renderImports() {
    const byConnection = $('#filter-connection').value;
    const byStatus = $('#filter-status').value;
    const rows = [...state.imports.values()]
      .filter(
        ({ view, connectionId }) =>
          (!byConnection || connectionId === byConnection) && (!byStatus || view.status === byStatus),
      )
      .sort((a, b) => (b.view.requestedAt ?? '').localeCompare(a.view.requestedAt ?? ''));
    $('#imports tbody').replaceChildren(
      ...rows.map(({ view, connectionId }) => {
        const c = state.connections.get(connectionId);
        const { percent, days } = importProgress(view);
        const rowsDone = view.rowsWritten ?? view.sheet?.rowsInTab ?? null;
        return el(
          'tr',
          { 'data-import-id': view.importId, 'data-status': view.status },
          el('td', {}, connectionLabel(c), el('div', { class: 'sub' }, view.customerId)),
          el('td', {}, statusLabel(view.status), view.failure && failureBlock(view.failure, c)),
          el(
            'td',
            {},
            el(
              'div',
              {
                class: `bar ${view.status}`,
                role: 'progressbar',
                'aria-valuemin': 0,
                'aria-valuemax': 100,
                'aria-valuenow': percent,
              },
              el('div', { class: 'fill', style: { width: `${percent}%` } }),
            ),
            el('div', { class: 'sub' }, `${days} · ${percent}%`),
          ),
          el('td', { class: 'num' }, rowsDone === null ? '–' : rowsDone.toLocaleString()),
          el('td', {}, view.requestedAt ? `${kst(view.requestedAt)} KST` : '–'),
          el(
            'td',
            {},
            view.status === 'failed' &&
              el('button', { type: 'button', class: 'retry', onclick: () => retry(view) }, t('retry')),
          ),
        );
      }),
    );
    $('#imports-empty').hidden = rows.length > 0;
  }

  function renderConnections() {
    const connections = [...state.connections.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    const select = $('#filter-connection');
    const chosen = select.value;
    select.replaceChildren(
      el('option', { value: '', 'data-i18n': 'all' }, t('all')),
      ...connections.map((c) => el('option', { value: c.id, selected: c.id === chosen }, connectionLabel(c))),
    );
    $('#connections tbody').replaceChildren(
      ...connections.map((c) => {
        const last = [...state.imports.values()]
          .filter((i) => i.connectionId === c.id)
          .sort((a, b) => (b.view.requestedAt ?? '').localeCompare(a.view.requestedAt ?? ''))[0];
        const next = c.paused
          ? t('paused')
          : c.status !== 'healthy'
            ? t('notScheduled')
            : `${kst(nextRunKst(c.scheduleTime))} KST`;
        return el(
          'tr',
          { 'data-connection-id': c.id, 'data-status': c.status },
          el(
            'td',
            {},
            connectionLabel(c),
            el('div', { class: 'sub' }, `${c.customerId} → ${c.spreadsheetId} / ${c.sheetName}`),
          ),
          el(
            'td',
            {},
            statusLabel(c.status),
            c.health &&
              el(
                'div',
                { class: 'failure' },
                c.health.message,
                el('div', { class: 'todo' }, el('strong', {}, `${t('whatToDo')}: `), c.health.action),
              ),
          ),
          el('td', {}, next),
          el(
            'td',
            {},
            last
              ? [
                  statusLabel(last.view.status),
                  el('div', { class: 'sub' }, last.view.requestedAt ? kst(last.view.requestedAt) : ''),
                ]
              : '–',
          ),
          el(
            'td',
            {},
            el(
              'button',
              { type: 'button', class: 'update-now', onclick: (e) => updateNow(c, e.target) },
              t('updateNow'),
            ),
          ),
        );
      }),
    );
    $('#connections-empty').hidden = connections.length > 0;
  }

  function renderLocks() {
    $('#locks').replaceChildren(...customerIds().map((id) => lockBlock(id, state.timelines.get(id))));
  }

  function lockBlock(customerId, timeline) {
    if (!timeline) return el('div', { class: 'lock', 'data-customer-id': customerId }, el('h3', {}, customerId));
    const who = (h) =>
      h.own
        ? `${connectionLabel(state.connections.get(h.connectionId)) ?? ''} · ${h.trigger ?? ''}`
        : t('anotherTenant');
    const L = timelineLayout(timeline);
    const svg = el('svg', {
      svg: true,
      viewBox: `0 0 ${L.width} ${L.height}`,
      width: '100%',
      role: 'img',
      'data-customer-id': customerId,
    });
    svg.append(
      el('text', { svg: true, x: L.left, y: 12, class: 'axis' }, `${kst(L.from, true)} KST`),
      el('text', { svg: true, x: L.width - 10, y: 12, class: 'axis', 'text-anchor': 'end' }, `${kst(L.to, true)} KST`),
    );
    const span = (cls, r, y, title, extra = {}) =>
      el(
        'rect',
        { svg: true, class: cls, x: r.x1, y: y - 8, width: Math.max(r.x2 - r.x1, 1), height: 14, ...extra },
        el('title', { svg: true }, title),
      );
    for (const row of L.rows) {
      const h = row.hold;
      const label = `${who(h)} · ${t(`end.${row.ended}`)}`;
      svg.append(el('text', { svg: true, x: 4, y: row.y + 4, class: 'lane' }, who(h)));
      if (row.wait)
        svg.append(
          span('wait', row.wait, row.y, `${t('waited')}: ${kst(h.queuedAt, true)} → ${kst(h.grantedAt, true)}`),
        );
      svg.append(
        span(
          `hold ${row.kind}`,
          row.bar,
          row.y,
          `${h.importId ?? ''}\n${label}\n${kst(h.grantedAt, true)} → ${h.endedAt ? kst(h.endedAt, true) : t('end.held')}`,
          {
            'data-import-id': h.importId,
            'data-ended': row.ended,
          },
        ),
      );
      if (row.delay) svg.append(span('delay', row.delay, row.y, `${t('lockDelay')} ${kst(h.lockDelayUntil, true)}`));
    }
    for (const q of L.queued) {
      svg.append(
        el(
          'text',
          { svg: true, x: 4, y: q.y + 4, class: 'lane' },
          `${t('queue')} #${q.waiter.position} · ${who(q.waiter)}`,
        ),
      );
      svg.append(
        span('queued', q.wait, q.y, `${t('queue')} #${q.waiter.position} ${q.waiter.priority}`, {
          'data-import-id': q.waiter.importId,
        }),
      );
    }
    const table = el(
      'table',
      { class: 'holds' },
      el(
        'thead',
        {},
        el(
          'tr',
          {},
          ...['import', 'connection', 'trigger', 'waited', 'start', 'end', 'ended'].map((k) =>
            el('th', { 'data-i18n': k }, t(k)),
          ),
        ),
      ),
      el(
        'tbody',
        {},
        ...timeline.holds.map((h) =>
          el(
            'tr',
            {},
            el('td', {}, el('code', {}, h.importId ? h.importId.slice(0, 8) : '–')),
            el('td', {}, h.own ? connectionLabel(state.connections.get(h.connectionId)) : t('anotherTenant')),
            el('td', {}, h.trigger ?? '–'),
            el(
              'td',
              {},
              h.queuedAt ? `${Math.round((Date.parse(h.grantedAt) - Date.parse(h.queuedAt)) / 1000)} s` : '–',
            ),
            el('td', {}, kst(h.grantedAt, true)),
            el('td', {}, h.endedAt ? kst(h.endedAt, true) : '–'),
            el(
              'td',
              {},
              `${t(`end.${h.endedAt ? (h.endedBy ?? 'released') : 'held'}`)}${h.releasedAs ? ` (${h.releasedAs})` : ''}`,
            ),
          ),
        ),
      ),
    );
    const holder = timeline.holder
      ? `${t('holder')}: ${timeline.holder.importId?.slice(0, 8) ?? t('anotherTenant')}`
      : `${t('holder')}: ${t('nobody')}`;
    const delay = timeline.lockDelayUntil ? ` · ${t('lockDelay')} ${kst(timeline.lockDelayUntil, true)}` : '';
    return el(
      'div',
      { class: 'lock', 'data-customer-id': customerId },
      el('h3', {}, customerId),
      el('p', { class: 'sub' }, `${holder} · ${t('queue')}: ${timeline.queue.length}${delay}`),
      timeline.holds.length || timeline.queue.length ? [svg, table] : el('p', { class: 'empty' }, t('noHolds')),
    );
  }

  return { render, scheduleRender, renderImports, renderLocks };
}
