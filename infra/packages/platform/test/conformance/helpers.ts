import { randomUUID } from 'node:crypto';
import { ChunkDownloadedV1, ImportRequestedV1, makeEvent, type ReportlineEvent } from '@reportline/contracts';

/** Polls `predicate` until it holds; fails with `what` and the last state when the deadline passes. */
export async function waitFor(
  predicate: () => boolean | Promise<boolean>,
  what: string,
  { timeoutMs = 20_000, intervalMs = 10 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export const uniqueGroup = (label: string) => `conformance-${label}-${randomUUID().slice(0, 8)}`;

/** A fresh NAVER-style customer id, so events of one case never share a key with another's. */
export const uniqueCustomerId = () => String(Math.floor(1e8 + Math.random() * 9e8));

const now = () => new Date();

export function importRequested(customerId: string, importId: string = randomUUID()): ReportlineEvent {
  return makeEvent(
    ImportRequestedV1,
    {
      connectionId: randomUUID(),
      trigger: 'manual',
      priority: 'on-demand',
      reportTypes: ['AD'],
      dateRange: { from: '2026-11-01', to: '2026-11-07' },
      target: { spreadsheetId: 'sheet-conformance', sheetName: 'Raw' },
    },
    { source: 'bus-conformance', importId, customerId, now: now() },
  );
}

export function chunkDownloaded(importId: string, customerId: string, completed: number): ReportlineEvent {
  return makeEvent(
    ChunkDownloadedV1,
    { reportType: 'AD', statDate: '2026-11-01', outcome: 'built', bytes: 100, completed, total: 1000 },
    { source: 'bus-conformance', importId, customerId, fencingToken: 7, now: now() },
  );
}

/** Deals one list per key round-robin into a single stream, so keys interleave the way real traffic does. */
export function interleave<T>(lists: readonly T[][]): T[] {
  const out: T[] = [];
  const longest = Math.max(0, ...lists.map((l) => l.length));
  for (let i = 0; i < longest; i++) for (const list of lists) if (i < list.length) out.push(list[i]!);
  return out;
}

/** Resolves when `signal` aborts (immediately if it already has). */
export const aborted = (signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
