import { shortTime, table } from './format.ts';
import type { LockView } from './views.ts';

/** `1h02m`, `3m05s`, `42s`, `850ms`: short enough for a column, exact enough to compare holds. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/**
 * A customer id's NAVER lock as text: one row per lease hold, oldest first, with its start, end, duration and how it
 * ended, then the queue. A hold that starts before the previous one ended is marked: two imports using NAVER at once
 * is the bug this table was first drawn by hand to find.
 */
export function renderLockTimeline(view: LockView, now: Date): string {
  const out: string[] = [];
  const holder = view.holder;
  out.push(
    holder
      ? `NAVER lock of customer ${view.customerId}: held by import ${holder.importId} since ${shortTime(holder.grantedAt)}, expires ${shortTime(holder.expiresAt)} unless renewed`
      : `NAVER lock of customer ${view.customerId}: free`,
  );
  if (view.lockDelayUntil && Date.parse(view.lockDelayUntil) > now.getTime()) {
    out.push(`lock delay: nobody is granted before ${shortTime(view.lockDelayUntil)} (after an expiry)`);
  }

  const holds = [...view.history].sort((a, b) => a.grantedAt.localeCompare(b.grantedAt));
  out.push('');
  if (holds.length === 0) {
    out.push('no lease holds yet');
  } else {
    let latestEnd = Number.NEGATIVE_INFINITY;
    const rows = holds.map((h, i) => {
      const start = Date.parse(h.grantedAt);
      const end = h.endedAt === null ? now.getTime() : Date.parse(h.endedAt);
      const overlaps = start < latestEnd;
      latestEnd = Math.max(latestEnd, end);
      const ended = h.endedBy ?? (h.endedAt === null ? 'holding' : 'ended');
      return [
        String(i + 1),
        h.importId,
        shortTime(h.grantedAt),
        h.endedAt === null ? '-' : shortTime(h.endedAt),
        h.endedAt === null ? `${duration(end - start)}+` : duration(end - start),
        ended + (h.renewals ? ` (${h.renewals} renewals)` : '') + (overlaps ? '  OVERLAPS AN EARLIER HOLD' : ''),
      ];
    });
    out.push(table(['#', 'IMPORT', 'START', 'END', 'DURATION', 'ENDED'], rows));
  }

  out.push('');
  if (view.queue.length === 0) {
    out.push('queue: empty');
  } else {
    out.push(`queue: ${view.queue.length} waiting, in grant order`);
    const queue = [...view.queue].sort((a, b) => a.position - b.position);
    out.push(
      table(
        ['POS', 'IMPORT', 'PRIORITY', 'SINCE', 'WAITED'],
        queue.map((w) => [
          String(w.position),
          w.importId,
          w.priority,
          shortTime(w.requestedAt),
          duration(now.getTime() - Date.parse(w.requestedAt)),
        ]),
      ),
    );
  }
  return out.join('\n');
}
