import { describe, expect, it } from 'vitest';
import { type ImportStatus, type ImportView, initialView } from '../src/domain/import-view.ts';
import {
  decideRun,
  dueRunDay,
  missingAlert,
  type PendingReport,
  runCutoff,
  runFailedAlert,
  type ScheduledConnection,
  type ScheduledRun,
} from '../src/domain/schedule.ts';

// Instants are written in UTC; 06:30 KST is 21:30 UTC the day before.
const at = (iso: string) => new Date(iso);
const MIN = 60_000;

const connection = (over: Partial<ScheduledConnection> = {}): ScheduledConnection => ({
  status: 'healthy',
  scheduleTime: '06:30',
  pausedAt: null,
  deletedAt: null,
  createdAt: '2026-11-01T00:00:00.000Z',
  ...over,
});

describe('which run is due', () => {
  it('given 06:30 KST, when it is 21:29 UTC the day before, then the previous day is due, not the new one', () => {
    expect(dueRunDay(connection(), '2026-11-30', at('2026-11-30T21:29:59Z'))).toBeNull();
    expect(dueRunDay(connection(), '2026-11-29', at('2026-11-30T21:29:59Z'))).toBe('2026-11-30');
  });

  it('given 06:30 KST, when it is 21:30 UTC the day before, then the new KST day is due', () => {
    expect(dueRunDay(connection(), '2026-11-30', at('2026-11-30T21:30:00Z'))).toBe('2026-12-01');
  });

  it('given the day already has its run, then nothing is due', () => {
    expect(dueRunDay(connection(), '2026-12-01', at('2026-12-01T05:00:00Z'))).toBeNull();
  });

  it('given the scheduler was down 3 days, then only the latest day is due: one run', () => {
    const now = at('2026-12-04T01:00:00Z'); // 10:00 KST on 12-04
    expect(dueRunDay(connection(), '2026-12-01', now)).toBe('2026-12-04');
    expect(dueRunDay(connection(), '2026-12-04', now)).toBeNull();
  });

  it('given the scheduler came back before the time, then the missed yesterday is due once', () => {
    const now = at('2026-12-03T20:00:00Z'); // 05:00 KST on 12-04
    expect(dueRunDay(connection(), '2026-12-01', now)).toBe('2026-12-03');
    expect(dueRunDay(connection(), '2026-12-03', now)).toBeNull();
  });

  it('given a connection that never ran, then the latest passed day is due', () => {
    expect(dueRunDay(connection(), null, at('2026-12-01T00:00:00Z'))).toBe('2026-12-01');
  });

  it('given a connection created today after its time, then it waits for tomorrow', () => {
    const c = connection({ createdAt: '2026-12-01T00:00:00.000Z' }); // 09:00 KST, after 06:30
    expect(dueRunDay(c, null, at('2026-12-01T05:00:00Z'))).toBeNull();
    expect(dueRunDay(c, null, at('2026-12-01T21:29:00Z'))).toBeNull();
    expect(dueRunDay(c, null, at('2026-12-01T21:30:00Z'))).toBe('2026-12-02');
  });

  it('given a connection created today before its time, then it runs today', () => {
    const c = connection({ createdAt: '2026-11-30T20:00:00.000Z' }); // 05:00 KST on 12-01
    expect(dueRunDay(c, null, at('2026-11-30T21:30:00Z'))).toBe('2026-12-01');
  });

  it.each([
    ['paused', { pausedAt: '2026-11-20T00:00:00.000Z' }],
    ['unhealthy', { status: 'unhealthy' as const }],
    ['verifying', { status: 'verifying' as const }],
    ['deleted', { deletedAt: '2026-11-20T00:00:00.000Z' }],
  ])('given a %s connection, then nothing is due', (_, over) => {
    expect(dueRunDay(connection(over), null, at('2026-12-01T00:00:00Z'))).toBeNull();
  });

  it('given a custom time of 09:15 KST, then it is due from 00:15 UTC', () => {
    const c = connection({ scheduleTime: '09:15' });
    expect(dueRunDay(c, '2026-11-30', at('2026-12-01T00:14:59Z'))).toBeNull();
    expect(dueRunDay(c, '2026-11-30', at('2026-12-01T00:15:00Z'))).toBe('2026-12-01');
  });
});

const policy = { pendingRetryMs: 30 * MIN, pendingCutoffKst: '12:00', failedRetryMs: 5 * MIN, failedRetries: 2 };
const RUN_START = at('2026-11-30T21:30:00Z'); // 06:30 KST on 12-01
const CUTOFF = at('2026-12-01T03:00:00Z'); // 12:00 KST on 12-01
const notReady: PendingReport = {
  reportType: 'AD',
  statDate: '2026-11-30',
  code: 'not-ready',
  reason: 'NAVER is still building the report',
};

const run = (over: Partial<ScheduledRun> = {}): ScheduledRun => ({
  runDay: '2026-12-01',
  startedAt: RUN_START,
  importId: 'a0000000-0000-4000-8000-000000000000',
  retries: 0,
  lastRetryAt: null,
  endedAt: null,
  ...over,
});

const view = (
  status: ImportStatus,
  pending: PendingReport[] = [],
  downloaded = status !== 'requested',
): ImportView => ({
  ...initialView(crypto.randomUUID(), '338047'),
  status,
  pending,
  steps: downloaded
    ? [
        {
          type: 'ReportsDownloaded',
          count: 1,
          firstAt: RUN_START.toISOString(),
          lastAt: RUN_START.toISOString(),
          time: RUN_START.toISOString(),
          eventId: crypto.randomUUID(),
        },
      ]
    : [],
});

describe('what an open run does', () => {
  it('given no scheduled import yet, then it requests it with the run day key', () => {
    expect(decideRun(run({ importId: null }), [], connection(), RUN_START, policy)).toEqual({
      kind: 'request-scheduled',
      idempotencyKey: 'scheduled:2026-12-01',
    });
  });

  it('given its import is still running, then it waits, even past the cut-off', () => {
    expect(decideRun(run(), [view('writing', [notReady])], connection(), at('2026-12-01T04:00:00Z'), policy)).toEqual({
      kind: 'wait',
    });
  });

  it('given its import completed with nothing pending, then the run is complete', () => {
    expect(decideRun(run(), [view('completed')], connection(), RUN_START, policy)).toEqual({
      kind: 'end',
      outcome: 'complete',
    });
  });

  it('given its import failed before downloading, then the run ends failed (the failure alert says why)', () => {
    expect(decideRun(run(), [view('failed', [], false)], connection(), RUN_START, policy)).toMatchObject({
      outcome: 'failed',
    });
  });

  it('given the connection was paused or deleted meanwhile, then the run stops', () => {
    const now = at('2026-12-01T00:00:00Z');
    expect(decideRun(run(), [view('completed', [notReady])], connection({ pausedAt: 'x' }), now, policy)).toMatchObject(
      {
        outcome: 'stopped',
      },
    );
    expect(decideRun(run(), [view('completed', [notReady])], undefined, now, policy)).toMatchObject({
      outcome: 'stopped',
    });
  });

  it('given yesterday pending, then it is asked again at each 30 min step, and only that date', () => {
    const done = [view('completed', [notReady])];
    expect(decideRun(run(), done, connection(), new Date(RUN_START.getTime() + 30 * MIN - 1), policy)).toEqual({
      kind: 'wait',
    });
    expect(decideRun(run(), done, connection(), new Date(RUN_START.getTime() + 30 * MIN), policy)).toEqual({
      kind: 'retry',
      attempt: 1,
      idempotencyKey: 'pending:2026-12-01:1',
      dateRange: { from: '2026-11-30', to: '2026-11-30' },
      pending: [notReady],
    });
    const retried = run({ retries: 1, lastRetryAt: new Date(RUN_START.getTime() + 30 * MIN) });
    const twice = [...done, view('completed', [notReady])];
    expect(decideRun(retried, twice, connection(), new Date(RUN_START.getTime() + 59 * MIN), policy)).toEqual({
      kind: 'wait',
    });
    expect(decideRun(retried, twice, connection(), new Date(RUN_START.getTime() + 60 * MIN), policy)).toMatchObject({
      kind: 'retry',
      attempt: 2,
      idempotencyKey: 'pending:2026-12-01:2',
    });
  });

  it('given several pending dates, then the retry spans the earliest to the latest', () => {
    const older = { ...notReady, statDate: '2026-11-28', code: 'restated' as const };
    const step = decideRun(run(), [view('completed', [notReady, older])], connection(), CUTOFF, {
      ...policy,
      pendingCutoffKst: '13:00',
    });
    expect(step).toMatchObject({ kind: 'retry', dateRange: { from: '2026-11-28', to: '2026-11-30' } });
  });

  it('given a retry that failed before downloading, then the earlier pending dates are still asked for', () => {
    const r = run({ retries: 1, lastRetryAt: new Date(RUN_START.getTime() + 30 * MIN) });
    const views = [view('completed', [notReady]), view('failed', [], false)];
    expect(decideRun(r, views, connection(), new Date(RUN_START.getTime() + 60 * MIN), policy)).toMatchObject({
      kind: 'retry',
      attempt: 2,
    });
  });

  it("given a retry's import not stored yet, then it waits for it", () => {
    const r = run({ retries: 1, lastRetryAt: new Date(RUN_START.getTime() + 30 * MIN) });
    expect(decideRun(r, [view('completed', [notReady])], connection(), CUTOFF, policy)).toEqual({ kind: 'wait' });
  });

  it('given still pending at 12:00 KST, then the run ends missing them, once', () => {
    const r = run({ retries: 9, lastRetryAt: new Date(CUTOFF.getTime() - 30 * MIN) });
    const views = Array.from({ length: 10 }, () => view('completed', [notReady]));
    expect(decideRun(r, views, connection(), new Date(CUTOFF.getTime() - 1), policy)).toEqual({ kind: 'wait' });
    expect(decideRun(r, views, connection(), CUTOFF, policy)).toEqual({
      kind: 'end',
      outcome: 'missing',
      missing: [notReady],
    });
    expect(decideRun({ ...r, endedAt: CUTOFF }, views, connection(), CUTOFF, policy)).toEqual({ kind: 'wait' });
  });

  it('given a retry that found the date, then the run is complete', () => {
    const r = run({ retries: 1, lastRetryAt: new Date(RUN_START.getTime() + 30 * MIN) });
    const views = [view('completed', [notReady]), view('completed')];
    expect(decideRun(r, views, connection(), CUTOFF, policy)).toMatchObject({ outcome: 'complete' });
  });
});

const failed = (retryable: boolean, failedAtIso: string, downloaded = false): ImportView => {
  const v = view('failed', [], downloaded);
  return {
    ...v,
    failure: {
      stage: 'lease',
      code: retryable ? 'lease-expired' : 'sheet-not-found',
      message: retryable ? 'the NAVER lease expired' : 'the spreadsheet is gone',
      retryable,
      action: 'Run the import again.',
    },
    steps: [
      ...v.steps,
      { type: 'ImportFailed', count: 1, firstAt: failedAtIso, lastAt: failedAtIso, time: failedAtIso, eventId: 'f' },
    ],
  };
};

describe('a run whose import failed', () => {
  const FAILED_AT = '2026-11-30T21:40:00.000Z'; // 06:40 KST, ten minutes into the run
  const after = (ms: number) => new Date(Date.parse(FAILED_AT) + ms);

  it('given a passing failure of the scheduled import, then the whole window is asked again 5 min after it', () => {
    const views = [failed(true, FAILED_AT)];
    expect(decideRun(run(), views, connection(), after(5 * MIN - 1), policy)).toEqual({ kind: 'wait' });
    expect(decideRun(run(), views, connection(), after(5 * MIN), policy)).toEqual({
      kind: 'retry',
      attempt: 1,
      idempotencyKey: 'pending:2026-12-01:1',
      pending: [],
    });
  });

  it('given it failed after downloading, then it is asked again too: nothing reached the sheet', () => {
    const step = decideRun(run(), [failed(true, FAILED_AT, true)], connection(), after(5 * MIN), policy);
    expect(step).toMatchObject({ kind: 'retry', attempt: 1 });
    expect(step).not.toHaveProperty('dateRange');
  });

  it('given a failure that will not pass by itself, then the run ends failed at once, even after downloading', () => {
    for (const downloaded of [false, true]) {
      expect(decideRun(run(), [failed(false, FAILED_AT, downloaded)], connection(), after(0), policy)).toMatchObject({
        kind: 'end',
        outcome: 'failed',
        failure: { code: 'sheet-not-found' },
      });
    }
  });

  it('given the retries failed too, then after the second retry the run ends failed with the last failure', () => {
    const r = run({ retries: 2, lastRetryAt: after(10 * MIN) });
    const views = [failed(true, FAILED_AT), failed(true, FAILED_AT), failed(true, after(11 * MIN).toISOString())];
    expect(decideRun(r, views, connection(), after(60 * MIN), policy)).toMatchObject({
      kind: 'end',
      outcome: 'failed',
      failure: { code: 'lease-expired', retryable: true },
    });
    const once = run({ retries: 1, lastRetryAt: after(5 * MIN) });
    expect(decideRun(once, views.slice(0, 2), connection(), after(60 * MIN), policy)).toMatchObject({
      kind: 'retry',
      attempt: 2,
    });
  });

  it('given a passing failure at the cut-off, then the run ends failed instead of asking again', () => {
    expect(decideRun(run(), [failed(true, FAILED_AT)], connection(), CUTOFF, policy)).toMatchObject({
      outcome: 'failed',
    });
  });

  it("given a failed retry of pending dates, then it is those dates that are asked again, after the failure's wait", () => {
    const r = run({ retries: 1, lastRetryAt: new Date(RUN_START.getTime() + 30 * MIN) });
    const retryFailedAt = new Date(RUN_START.getTime() + 31 * MIN).toISOString();
    const views = [view('completed', [notReady]), failed(true, retryFailedAt)];
    expect(decideRun(r, views, connection(), new Date(RUN_START.getTime() + 35 * MIN), policy)).toEqual({
      kind: 'wait',
    });
    expect(decideRun(r, views, connection(), new Date(RUN_START.getTime() + 36 * MIN), policy)).toMatchObject({
      kind: 'retry',
      attempt: 2,
      dateRange: { from: '2026-11-30', to: '2026-11-30' },
    });
  });
});

describe('the alert of a run that gave up on a failure', () => {
  it('names the day, the last failure and what to do, and is one per connection-day', () => {
    const c = { id: 'c1', tenantId: 't1', customerId: '338047', sheetName: '로우데이터' };
    const failure = failed(true, '2026-11-30T21:40:00.000Z').failure!;
    const alert = runFailedAlert(c, { runDay: '2026-12-01', importId: 'i3' }, failure, CUTOFF);
    expect(alert).toMatchObject({ kind: 'import-failed', importId: 'i3', dedupeKey: 'run-failed:c1:2026-12-01' });
    expect(alert.message).toContain('2026-12-01');
    expect(alert.message).toContain('the NAVER lease expired');
    expect(alert.action).toContain('Run the import again.');
  });
});

describe('the cut-off of a run', () => {
  it('given a morning start, then it is 12:00 KST that day', () => {
    expect(runCutoff(RUN_START, '12:00')).toEqual(CUTOFF);
  });

  it('given a start after 12:00 KST, then it is 12:00 KST the next day', () => {
    expect(runCutoff(at('2026-12-01T04:00:00Z'), '12:00')).toEqual(at('2026-12-02T03:00:00Z'));
  });
});

describe('the data-pending alert', () => {
  it('lists the dates with the NAVER reason, says nobody needs to act, and is one per connection-day', () => {
    const c = { id: 'c1', tenantId: 't1', customerId: '338047', sheetName: '로우데이터' };
    const alert = missingAlert(c, { runDay: '2026-12-01', importId: 'i1' }, [notReady], CUTOFF);
    expect(alert).toMatchObject({
      tenantId: 't1',
      kind: 'data-pending',
      connectionId: 'c1',
      customerId: '338047',
      importId: 'i1',
      at: CUTOFF,
      dedupeKey: 'data-pending:c1:2026-12-01',
    });
    expect(alert.title).toContain('2026-11-30');
    expect(alert.message).toContain('2026-11-30 (AD not-ready: NAVER is still building the report)');
    expect(alert.action).toContain("tomorrow's run");
  });
});
