// The dashboard's pure parts, free of the page: unit-tested from services/scheduler/test/dashboard.unit.test.ts and
// loaded by app.js in the browser as an ES module (no bundler).

/** The id of a spreadsheet from its URL (…/spreadsheets/d/<id>/…) or the id itself, as pasted. */
export function spreadsheetIdFrom(input) {
  const s = String(input).trim();
  const m = /\/spreadsheets\/d\/([A-Za-z0-9_-]+)/.exec(s);
  return m ? m[1] : s;
}

const FORM_FIELDS = [
  'customerId',
  'apiKey',
  'secret',
  'spreadsheetId',
  'sheetName',
  'reportTypes',
  'layout',
  'historyDays',
  'scheduleTime',
  'name',
  'firstImportRange',
];

/**
 * A problem answer split by the form field each part concerns. The connection rules answer 400 with
 * "field: message; field: message" (layout.columns.0: …), request validation with "invalid request: body/field …",
 * a preflight refusal 422 about the spreadsheet. What names no field lands in `general`.
 */
export function problemByField(status, problem) {
  const detail = String(problem?.detail ?? problem?.title ?? '');
  const out = { fields: {}, general: [] };
  if (status === 422) {
    out.fields.spreadsheetId = detail;
    return out;
  }
  const body = detail.replace(/^invalid request:\s*/, '');
  for (const part of body.split(/;\s+|,\s+(?=body[/.])/)) {
    const m = /^(?:body[/.]([A-Za-z][\w./]*)\s+|([A-Za-z][\w.]*):\s*)(.+)$/.exec(part.trim());
    const name = m ? (m[1] ?? m[2]) : '';
    const field = m && FORM_FIELDS.find((f) => name === f || name.startsWith(`${f}.`) || name.startsWith(`${f}/`));
    if (field) out.fields[field] = out.fields[field] ? `${out.fields[field]}; ${m[3]}` : m[3];
    else if (part.trim()) out.general.push(part.trim());
  }
  return out;
}

/** Reads the event-stream format incrementally: feed it text as it arrives, get whole events back. */
export class SseParser {
  constructor() {
    this.buffer = '';
  }
  push(text) {
    this.buffer += text.replace(/\r\n?/g, '\n');
    const blocks = this.buffer.split('\n\n');
    this.buffer = blocks.pop() ?? '';
    const events = [];
    for (const block of blocks) {
      let id = null;
      let event = 'message';
      const data = [];
      for (const line of block.split('\n')) {
        if (line === '' || line.startsWith(':')) continue;
        const i = line.indexOf(':');
        const name = i < 0 ? line : line.slice(0, i);
        const value = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
        if (name === 'id') id = value;
        else if (name === 'event') event = value;
        else if (name === 'data') data.push(value);
      }
      if (data.length > 0) events.push({ id, event, data: data.join('\n') });
    }
    return events;
  }
}

const KST_MS = 9 * 3_600_000;

/** The next daily run at `scheduleTime` (HH:MM KST) after `now`, as the schedule's rules start it. */
export function nextRunKst(scheduleTime, now = new Date()) {
  const [hh, mm] = scheduleTime.split(':').map(Number);
  const kst = new Date(now.getTime() + KST_MS);
  let at = Date.UTC(kst.getUTCFullYear(), kst.getUTCMonth(), kst.getUTCDate(), hh, mm) - KST_MS;
  if (at <= now.getTime()) at += 86_400_000;
  return new Date(at);
}

/** A time as KST wall clock, YYYY-MM-DD HH:MM (HH:MM:SS with `seconds`, for the lock timeline's short holds). */
export const kst = (d, seconds = false) =>
  new Date(new Date(d).getTime() + KST_MS)
    .toISOString()
    .slice(0, seconds ? 19 : 16)
    .replace('T', ' ');

/**
 * How far an import is, 0–100, and what the bar says: the download counts days (it is most of the time), then
 * processing and writing each take a step; a completed import is 100 whatever it skipped.
 */
export function importProgress(view) {
  const days = view.progress ? `${view.progress.completed}/${view.progress.total}` : '–';
  if (view.status === 'completed') return { percent: 100, days };
  const share = view.progress && view.progress.total > 0 ? view.progress.completed / view.progress.total : 0;
  const percent = { requested: 0, downloading: 70 * share, processing: 80, writing: 90 }[view.status];
  return { percent: Math.round(percent ?? 70 * share), days };
}

/**
 * The lock timeline's geometry: one lane per hold, oldest at the top; each hold's wait in the queue, its hold, and
 * the lock-delay an expiry or an aborted release left; waiters still queued after. Times in ms, x in SVG units.
 */
export function timelineLayout(timeline, now = Date.now(), width = 900, lane = 22, left = 190) {
  const holds = [...timeline.holds].reverse();
  const times = [now];
  for (const h of holds) {
    times.push(Date.parse(h.grantedAt));
    if (h.queuedAt) times.push(Date.parse(h.queuedAt));
    if (h.lockDelayUntil) times.push(Date.parse(h.lockDelayUntil));
  }
  for (const q of timeline.queue) times.push(Date.parse(q.requestedAt));
  const from = Math.min(...times);
  const to = Math.max(...times, from + 1_000);
  const x = (t) => left + ((t - from) / (to - from)) * (width - left - 10);
  const rows = holds.map((h, i) => {
    const start = Date.parse(h.grantedAt);
    const end = h.endedAt ? Date.parse(h.endedAt) : now;
    const ended = h.endedAt ? (h.endedBy ?? 'released') : 'held';
    const delayEnd = h.lockDelayUntil ? Date.parse(h.lockDelayUntil) : null;
    return {
      hold: h,
      y: 20 + i * lane,
      wait: h.queuedAt && Date.parse(h.queuedAt) < start ? { x1: x(Date.parse(h.queuedAt)), x2: x(start) } : null,
      bar: { x1: x(start), x2: Math.max(x(end), x(start) + 2) },
      delay: delayEnd && delayEnd > end ? { x1: x(end), x2: x(delayEnd) } : null,
      ended,
      kind: ended === 'expired' ? 'expired' : ended === 'held' ? 'held' : (h.releasedAs ?? 'done'),
    };
  });
  const queued = timeline.queue.map((q, i) => ({
    waiter: q,
    y: 20 + (rows.length + i) * lane,
    wait: { x1: x(Date.parse(q.requestedAt)), x2: x(now) },
  }));
  return { from, to, rows, queued, height: 30 + (rows.length + queued.length) * lane, width, left };
}
