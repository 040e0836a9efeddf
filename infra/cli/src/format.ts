import type { Connection, ImportView } from './views.ts';

/** An HTTP error as the one line the CLI prints: the problem's detail, else its title, else the status text. */
export function problemLine(status: number, body: unknown, statusText = ''): string {
  const problem = body && typeof body === 'object' ? (body as { title?: unknown; detail?: unknown }) : {};
  const text =
    typeof problem.detail === 'string' && problem.detail !== ''
      ? problem.detail
      : typeof problem.title === 'string' && problem.title !== ''
        ? problem.title
        : statusText || 'the API answered without saying why';
  return `reportline: ${status} ${text.replace(/\s*\n\s*/g, ' ')}`;
}

export const isFinished = (view: ImportView) => view.status === 'completed' || view.status === 'failed';

/**
 * `[####------] 12/30 reports  downloading`. The counts are (report type, date) reports, from NAVER or the
 * fetcher's store, so one report type makes them days; a pending date counts once the fetcher has asked for it.
 */
export function progressLine(view: ImportView, width = 10): string {
  const done = view.progress?.completed ?? 0;
  const total = view.progress?.total ?? null;
  const ratio = view.status === 'completed' ? 1 : total ? Math.min(done / total, 1) : 0;
  const filled = Math.round(ratio * width);
  const counts = view.status === 'completed' && total === null ? 'no reports' : `${done}/${total ?? '?'} reports`;
  return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${counts}  ${view.status}`;
}

/** What to do about a failure: the scheduler's own advice when it gives one, else what its retryable flag implies. */
export function failureAdvice(failure: NonNullable<ImportView['failure']>, connection: string): string {
  if (failure.action) return failure.action;
  return failure.retryable
    ? `nothing needs changing: run it again with \`reportline import ${connection}\``
    : `fix the cause above (see \`reportline connections list\`), then run \`reportline import ${connection}\` again`;
}

/** The lines `import --follow` ends with: a summary on success, or the failure's code, message and what to do. */
export function outcomeLines(view: ImportView, connection: string): string[] {
  if (view.status === 'failed' && view.failure) {
    const f = view.failure;
    return [
      `reportline: import ${view.importId} failed at ${f.stage}: ${f.code}: ${f.message}`,
      `reportline: what to do: ${failureAdvice(f, connection)}`,
    ];
  }
  if (view.status === 'failed') return [`reportline: import ${view.importId} failed without a reason recorded`];
  const parts = [`import ${view.importId} completed: ${view.rowsWritten ?? 0} rows written`];
  if (view.naverRequests !== null) parts.push(`${view.naverRequests} NAVER requests`);
  const pending = view.pending ?? [];
  if (pending.length > 0) {
    const dates = [...new Set(pending.map((p) => p.statDate))].sort();
    parts.push(`${dates.length} dates not ready at NAVER yet (${dates.join(', ')}); a later import asks again`);
  }
  return [parts.join(', ')];
}

/** Rows as columns padded to their widest cell; the last column is left ragged. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

export function connectionsTable(items: Connection[]): string {
  if (items.length === 0) return 'no connections yet: create one with `reportline connections create`';
  return table(
    ['ID', 'NAME', 'CUSTOMER', 'STATUS', 'SCHEDULE', 'SHEET'],
    items.map((c) => [
      c.id,
      c.name ?? c.customerId,
      c.customerId,
      c.status + (c.health && c.status === 'unhealthy' ? ` (${c.health.code})` : ''),
      c.paused ? 'paused' : `${c.scheduleTime} KST`,
      `${c.spreadsheetId} / ${c.sheetName}`,
    ]),
  );
}

export function importsTable(items: ImportView[]): string {
  if (items.length === 0) return 'no imports';
  return table(
    ['ID', 'CUSTOMER', 'STATUS', 'PROGRESS', 'REQUESTED', 'RESULT'],
    items.map((v) => [
      v.importId,
      v.customerId,
      v.status,
      v.progress ? `${v.progress.completed}/${v.progress.total}` : '-',
      v.requestedAt ? shortTime(v.requestedAt) : '-',
      v.failure ? `${v.failure.code}: ${v.failure.message}` : v.rowsWritten !== null ? `${v.rowsWritten} rows` : '',
    ]),
  );
}

/** `2026-12-01 10:02:03Z`: a UTC instant to the second, sortable and unambiguous. */
export const shortTime = (iso: string) => `${new Date(iso).toISOString().slice(0, 19).replace('T', ' ')}Z`;

/** A connection as `create` and the actions report it, with what a person has to do next. */
export function connectionSummary(c: Connection): string[] {
  const lines = [`connection ${c.id} (${c.name ?? c.customerId}): ${c.status}${c.paused ? ', paused' : ''}`];
  if (c.status === 'verifying') lines.push('NAVER is checking the credentials; imports wait for the answer');
  if (c.health && c.status === 'unhealthy') lines.push(`${c.health.code}: ${c.health.message}; ${c.health.action}`);
  if (c.principalEmail) lines.push(`the spreadsheet must be shared with ${c.principalEmail} as Editor`);
  return lines;
}
