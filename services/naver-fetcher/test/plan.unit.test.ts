import type { BlobRef } from '@reportline/contracts';
import { describe, expect, it } from 'vitest';
import { initialBuildEstimate, observeBuild } from '../src/domain/build-estimate.ts';
import { decideRequest, importOutcome } from '../src/domain/outcome.ts';
import {
  type CalendarEntry,
  type CalendarPolicy,
  calendarKey,
  isEarlyNone,
  planImport,
  recordDay,
  runs,
} from '../src/domain/plan.ts';

const policy: CalendarPolicy = {
  lookBackDays: { AD: 365, AD_DETAIL: 30, AD_CONVERSION: 365, AD_CONVERSION_DETAIL: 45 },
  restatementDays: 2,
  freshMs: 30 * 60_000,
};
const now = new Date('2026-11-22T03:00:00Z'); // 12:00 KST: today 2026-11-22, yesterday 2026-11-21
const file = (sha = 'a'): BlobRef => ({
  uri: 'blob://pg/raw/x',
  bytes: 10,
  sha256: sha.repeat(64),
  contentType: 'text/tab-separated-values',
});

/** A calendar holding these (type, date) entries, each checked at `checkedAt`. */
function calendar(
  entries: {
    reportType?: 'AD' | 'AD_DETAIL';
    statDate: string;
    state?: CalendarEntry['state'];
    checkedAt?: string;
    rows?: number;
    none?: boolean;
  }[],
) {
  return new Map(
    entries.map((e) => {
      const entry: CalendarEntry = {
        reportType: e.reportType ?? 'AD',
        statDate: e.statDate,
        state: e.state ?? (e.none ? 'none' : 'fetched'),
        checkedAt: e.checkedAt ?? '2026-11-01T00:00:00Z',
        stored: e.none
          ? { outcome: 'none', generatedAt: '2026-11-01T00:00:00Z', rows: 0 }
          : { outcome: 'built', generatedAt: '2026-11-01T00:00:00Z', file: file(), rows: e.rows ?? 5 },
      };
      return [calendarKey(entry.reportType, entry.statDate), entry];
    }),
  );
}
const days = (from: string, to: string) => {
  const out: string[] = [];
  for (let d = new Date(`${from}T00:00:00Z`); d <= new Date(`${to}T00:00:00Z`); d.setUTCDate(d.getUTCDate() + 1)) {
    out.push(d.toISOString().slice(0, 10));
  }
  return out;
};

describe('the calendar plan', () => {
  it('given an empty calendar, asks NAVER for every day of every type up to yesterday', () => {
    const plan = planImport(
      { reportTypes: ['AD', 'AD_CONVERSION'], dateRange: { from: '2026-11-19', to: '2026-11-21' } },
      new Map(),
      policy,
      now,
    );
    expect(plan.naver).toHaveLength(6);
    expect(plan.store).toEqual([]);
    expect(plan.clamped).toEqual([]);
  });

  it('given stored days, asks NAVER only for the missing ones and the restatement window', () => {
    const stored = calendar(days('2026-11-10', '2026-11-21').map((statDate) => ({ statDate })));
    const plan = planImport(
      { reportTypes: ['AD'], dateRange: { from: '2026-11-08', to: '2026-11-21' } },
      stored,
      policy,
      now,
    );
    // Missing: 08, 09. Window (today − 2 .. yesterday): 20, 21.
    expect(plan.naver.map((t) => t.statDate)).toEqual(['2026-11-08', '2026-11-09', '2026-11-20', '2026-11-21']);
    expect(plan.store.map((r) => r.statDate)).toEqual(days('2026-11-10', '2026-11-19'));
    expect(plan.naver.find((t) => t.statDate === '2026-11-20')?.hadRows).toBe(true);
    expect(plan.naver.find((t) => t.statDate === '2026-11-08')?.hadRows).toBe(false);
  });

  it('counts a window date NAVER answered within the freshness time as fresh: five connections, one fetch', () => {
    const justNow = new Date(now.getTime() - 10 * 60_000).toISOString();
    const stored = calendar([
      { statDate: '2026-11-20', checkedAt: justNow },
      { statDate: '2026-11-21', checkedAt: justNow, none: true },
    ]);
    const plan = planImport(
      { reportTypes: ['AD'], dateRange: { from: '2026-11-20', to: '2026-11-21' } },
      stored,
      policy,
      now,
    );
    expect(plan.naver).toEqual([]);
    expect(plan.store.map((r) => [r.statDate, r.outcome])).toEqual([
      ['2026-11-20', 'built'],
      ['2026-11-21', 'none'],
    ]);
  });

  it('asks again for dates that are pending, changed or failed, even with a stored copy', () => {
    const stored = calendar([
      { statDate: '2026-11-01', state: 'pending' },
      { statDate: '2026-11-02', state: 'changed' },
      { statDate: '2026-11-03', state: 'failed' },
    ]);
    const plan = planImport(
      { reportTypes: ['AD'], dateRange: { from: '2026-11-01', to: '2026-11-03' } },
      stored,
      policy,
      now,
    );
    expect(plan.naver.map((t) => t.statDate)).toEqual(['2026-11-01', '2026-11-02', '2026-11-03']);
  });

  it("serves a date beyond NAVER's look-back from the store, and clamps the rest with the reason", () => {
    // AD_DETAIL: 30 days → earliest 2026-10-23.
    const stored = calendar([{ reportType: 'AD_DETAIL', statDate: '2026-10-20' }]);
    const plan = planImport(
      { reportTypes: ['AD_DETAIL'], dateRange: { from: '2026-10-18', to: '2026-10-24' } },
      stored,
      policy,
      now,
    );
    expect(plan.store.map((r) => r.statDate)).toEqual(['2026-10-20']);
    expect(plan.naver.map((t) => t.statDate)).toEqual(['2026-10-23', '2026-10-24']);
    expect(plan.clamped).toEqual([
      {
        reportType: 'AD_DETAIL',
        dateRange: { from: '2026-10-18', to: '2026-10-19' },
        reason: 'NAVER keeps AD_DETAIL for 30 days and Reportline has no stored copy',
      },
      {
        reportType: 'AD_DETAIL',
        dateRange: { from: '2026-10-21', to: '2026-10-22' },
        reason: 'NAVER keeps AD_DETAIL for 30 days and Reportline has no stored copy',
      },
    ]);
  });

  it('never asks for today (KST) or later', () => {
    const plan = planImport(
      { reportTypes: ['AD'], dateRange: { from: '2026-11-21', to: '2026-11-23' } },
      new Map(),
      policy,
      now,
    );
    expect(plan.naver.map((t) => t.statDate)).toEqual(['2026-11-21']);
    expect(plan.clamped).toEqual([
      {
        reportType: 'AD',
        dateRange: { from: '2026-11-22', to: '2026-11-23' },
        reason: 'NAVER has no report for today or later',
      },
    ]);
  });

  it('groups consecutive dates into ranges', () => {
    expect(runs(['2026-01-03', '2026-01-01', '2026-01-02', '2026-01-05'])).toEqual([
      { from: '2026-01-01', to: '2026-01-03' },
      { from: '2026-01-05', to: '2026-01-05' },
    ]);
  });
});

describe('recording NAVER answers in the calendar', () => {
  const task = { reportType: 'AD' as const, statDate: '2026-11-20' };
  const before = calendar([{ statDate: '2026-11-20', rows: 7 }]).get(calendarKey('AD', '2026-11-20'));

  it('a new file becomes the stored generation', () => {
    const entry = recordDay(
      before,
      task,
      { kind: 'built', generatedAt: '2026-11-22T02:59:00.000Z', file: file('b'), rows: 9 },
      now,
    );
    expect(entry).toMatchObject({
      state: 'fetched',
      checkedAt: now.toISOString(),
      stored: { rows: 9, generatedAt: '2026-11-22T02:59:00.000Z' },
    });
  });

  it('the same content again keeps its generation: nothing changed at NAVER', () => {
    const entry = recordDay(
      before,
      task,
      { kind: 'built', generatedAt: '2026-11-22T02:59:00.000Z', file: file('a'), rows: 5 },
      now,
    );
    expect(entry.stored).toEqual(before?.stored);
    expect(entry.checkedAt).toBe(now.toISOString());
  });

  it('a pending answer keeps the stored rows: an unconfirmed answer never replaces them', () => {
    const entry = recordDay(before, task, { kind: 'pending', code: 'early-none', reason: 'not yet' }, now);
    expect(entry).toMatchObject({ state: 'pending', reason: 'not yet', stored: before?.stored });
  });

  it('a restated answer marks the date changed, keeping the last good generation', () => {
    const entry = recordDay(before, task, { kind: 'pending', code: 'restated', reason: 'CHANGED' }, now);
    expect(entry).toMatchObject({ state: 'changed', stored: before?.stored });
  });

  it('a confirmed NONE replaces the stored rows with an empty day', () => {
    const entry = recordDay(before, task, { kind: 'none', generatedAt: '2026-11-22T02:59:00.000Z' }, now);
    expect(entry).toMatchObject({ state: 'none', stored: { outcome: 'none', rows: 0 } });
  });
});

describe('early NONE', () => {
  it('is early for yesterday before the data-ready hour (KST) only', () => {
    const at4 = new Date('2026-11-21T19:00:00Z'); // 04:00 KST on 2026-11-22
    const at7 = new Date('2026-11-21T22:00:00Z'); // 07:00 KST
    expect(isEarlyNone('2026-11-21', at4, 6)).toBe(true);
    expect(isEarlyNone('2026-11-21', at7, 6)).toBe(false);
    expect(isEarlyNone('2026-11-20', at4, 6)).toBe(false);
  });
});

describe('deciding on a request before any lease', () => {
  const stored = calendar(days('2026-11-01', '2026-11-10').map((statDate) => ({ statDate })));
  const allStored = planImport(
    { reportTypes: ['AD'], dateRange: { from: '2026-11-01', to: '2026-11-10' } },
    stored,
    policy,
    now,
  );

  it('serves an import whose every report is stored, to verified credentials, without a lease', () => {
    expect(decideRequest(allStored, true)).toEqual({ kind: 'serve' });
  });

  it('asks for a lease to verify credentials NAVER never accepted, even when everything is stored', () => {
    expect(decideRequest(allStored, false)).toMatchObject({ kind: 'lease' });
  });

  it('asks for a lease when NAVER has reports to give', () => {
    const plan = planImport(
      { reportTypes: ['AD'], dateRange: { from: '2026-11-10', to: '2026-11-12' } },
      stored,
      policy,
      now,
    );
    expect(decideRequest(plan, true)).toMatchObject({ kind: 'lease', reason: '2 reports to ask NAVER for' });
  });

  it('refuses an import with nothing to fetch, naming the clamps', () => {
    const plan = planImport(
      { reportTypes: ['AD'], dateRange: { from: '2026-11-22', to: '2026-11-23' } },
      new Map(),
      policy,
      now,
    );
    const decision = decideRequest(plan, true);
    expect(decision).toMatchObject({ kind: 'refuse', code: 'nothing-to-fetch' });
    expect(decision.kind === 'refuse' && decision.message).toContain('NAVER has no report for today or later');
  });
});

describe('the import outcome', () => {
  it('lists stored and fetched reports in (type, date) order and pending dates apart', () => {
    const stored = calendar([{ statDate: '2026-11-01' }]);
    const plan = planImport(
      { reportTypes: ['AD'], dateRange: { from: '2026-11-01', to: '2026-11-03' } },
      stored,
      policy,
      now,
    );
    const [t2, t3] = plan.naver;
    const outcome = importOutcome(plan, [
      { task: t3!, result: { kind: 'pending', code: 'not-ready', reason: 'wait' } },
      { task: t2!, result: { kind: 'built', generatedAt: '2026-11-22T03:00:00.000Z', file: file('c'), rows: 3 } },
    ]);
    expect(outcome.reports.map((r) => [r.statDate, r.source])).toEqual([
      ['2026-11-01', 'store'],
      ['2026-11-02', 'naver'],
    ]);
    expect(outcome.pending).toEqual([{ reportType: 'AD', statDate: '2026-11-03', code: 'not-ready', reason: 'wait' }]);
  });
});

describe('the learnt build time', () => {
  it('settles near the real build time: creeping down while first polls find jobs built, up when they do not', () => {
    // A NAVER that builds every job in 2 s; a job polled at t is built iff t >= 2000.
    let estimate = initialBuildEstimate();
    const pollsPerJob: number[] = [];
    for (let job = 0; job < 200; job++) {
      const first = Math.max(estimate.ms, 250);
      const polls = first >= 2_000 ? 1 : 2;
      const builtAfterMs = first >= 2_000 ? first : first + Math.max(250, first / 4);
      estimate = observeBuild(estimate, { builtAfterMs: Math.max(builtAfterMs, 2_000), polls }, 5_000);
      pollsPerJob.push(polls);
    }
    const last100 = pollsPerJob.slice(100);
    expect(last100.reduce((a, b) => a + b) / last100.length).toBeLessThan(1.5);
    expect(estimate.ms).toBeGreaterThan(1_500);
    expect(estimate.ms).toBeLessThan(3_000);
  });
});
