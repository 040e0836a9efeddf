import { examples, type ReportlineEvent } from '@reportline/contracts';
import { describe, expect, it } from 'vitest';
import { evolveView, ImportView, initialView, storedView } from '../src/domain/import-view.ts';
import { overdueFailure } from '../src/domain/stall.ts';

const ex = <T extends ReportlineEvent['type']>(type: T) =>
  examples.find((e) => e.type === type) as Extract<ReportlineEvent, { type: T }>;
/** The example of one version of an event: the newer versions are what the data-calendar fetcher publishes. */
const exv = <T extends ReportlineEvent['type'], V extends Extract<ReportlineEvent, { type: T }>['version']>(
  type: T,
  version: V,
) =>
  examples.find((e) => e.type === type && e.version === version) as Extract<ReportlineEvent, { type: T; version: V }>;
const fold = (events: ReportlineEvent[]) =>
  events.reduce(evolveView, initialView(ex('ImportRequested').importId, '338047'));

describe('import view', () => {
  it('follows the flow from requested to completed', () => {
    const view = fold([
      ex('ImportRequested'),
      ex('LockGranted'),
      ex('ChunkDownloaded'),
      ex('ReportsDownloaded'),
      ex('RowsProcessed'),
      ex('SheetWritten'),
      ex('ImportCompleted'),
    ]);
    expect(view).toMatchObject({
      status: 'completed',
      naverRequests: 31,
      rowsWritten: 812,
      failure: null,
    });
    expect(view.steps.map((s) => s.type)).toContain('LockGranted');
    // People read this view: a fencing token there would let anyone impersonate the holder.
    expect(JSON.stringify(view)).not.toContain('fencingToken');
  });

  it('given a SheetWritten v2, when folded, then the view says what became of each date', () => {
    const view = fold([ex('ImportRequested'), exv('SheetWritten', 2)]);
    expect(view.sheet).toEqual({
      rowsInTab: 24_310,
      writtenDates: ['2026-11-15', '2026-11-16'],
      skippedDates: [],
      pendingDates: ['2026-11-21'],
      trimmedDates: ['2025-11-16'],
      policy: null,
    });
    expect(fold([ex('ImportRequested'), exv('SheetWritten', 1)]).sheet).toBeNull();
  });

  it('folds into exactly the shape the API documents, no field more or less', () => {
    const views = [
      initialView(ex('ImportRequested').importId, '338047'),
      fold([ex('ImportRequested'), ex('LockGranted'), ex('ChunkDownloaded'), ex('ReportsDownloaded')]),
      fold([ex('ImportRequested'), ex('ImportFailed'), ex('ImportCompleted')]),
      fold([ex('ImportRequested'), exv('LeaseRequested', 1), exv('ChunkDownloaded', 2), exv('ReportsDownloaded', 3)]),
    ];
    // parse() drops unknown keys, so equality also catches a field the fold adds that the schema does not have.
    for (const view of views) expect(ImportView.parse(view)).toEqual(view);
  });

  it('never moves backwards when events of different topics arrive out of order', () => {
    const view = fold([ex('ImportRequested'), ex('ReportsDownloaded'), ex('LockGranted'), ex('ChunkDownloaded')]);
    expect(view.status).toBe('processing');
    expect(view.progress).toEqual({ completed: 2, total: 2 });
  });

  it('keeps the first failure as the reason and ignores redelivered events', () => {
    const failed = ex('ImportFailed');
    const later = { ...failed, id: '0f0f0f0f-0f0f-4f0f-8f0f-0f0f0f0f0f0f', data: { ...failed.data, code: 'later' } };
    const view = fold([ex('ImportRequested'), failed, failed, later]);
    expect(view.status).toBe('failed');
    expect(view.failure?.code).toBe('naver-credentials-invalid');
    // Steps are summarised by kind: the redelivered failure is not counted, the later one is.
    expect(view.steps.map((s) => [s.type, s.count])).toEqual([
      ['ImportRequested', 1],
      ['ImportFailed', 2],
    ]);
  });

  it('does not let a late failure undo a completed import', () => {
    expect(fold([ex('ImportRequested'), ex('ImportCompleted'), ex('ImportFailed')]).status).toBe('completed');
  });
});

describe('import view: the data-calendar fetcher', () => {
  it('given a requested import, when the fetcher asks for a lease, then it is a step and the import still waits', () => {
    const view = fold([ex('ImportRequested'), exv('LeaseRequested', 1)]);
    expect(view.status).toBe('requested');
    expect(view.steps.map((s) => s.type)).toEqual(['ImportRequested', 'LeaseRequested']);
    expect(view.progress).toBeNull();
  });

  it('given a requested import, when the stored days arrive as one ChunkDownloaded v2, then it downloads with their count', () => {
    const view = fold([ex('ImportRequested'), exv('ChunkDownloaded', 2)]);
    expect(view.status).toBe('downloading');
    expect(view.progress).toEqual({ completed: 2, total: 14 });
  });

  it('given NAVER days after the stored ones, when a later v1 or v2 chunk arrives, then progress moves on, never back', () => {
    const stored = exv('ChunkDownloaded', 2);
    const naverDay = {
      ...exv('ChunkDownloaded', 1),
      id: '0e0e0e0e-0e0e-4e0e-8e0e-0e0e0e0e0e01',
      data: { ...exv('ChunkDownloaded', 1).data, completed: 3, total: 14 },
    };
    const lateStored = {
      ...stored,
      id: '0e0e0e0e-0e0e-4e0e-8e0e-0e0e0e0e0e02',
      data: { ...stored.data, completed: 1 },
    };
    const view = fold([ex('ImportRequested'), stored, naverDay, lateStored]);
    expect(view.progress).toEqual({ completed: 3, total: 14 });
  });

  it('given a download, when ReportsDownloaded v3 arrives, then the view has its store reports, jobs, pending and clamped days', () => {
    const clamped = [
      { reportType: 'AD' as const, dateRange: { from: '2025-01-01', to: '2025-01-31' }, reason: 'beyond AD look-back' },
    ];
    const downloaded = exv('ReportsDownloaded', 3);
    const view = fold([
      ex('ImportRequested'),
      exv('LeaseRequested', 1),
      ex('LockGranted'),
      { ...downloaded, data: { ...downloaded.data, clamped } },
    ]);
    expect(view).toMatchObject({
      status: 'processing',
      naverRequests: 9,
      storeReports: 1,
      reportJobs: 2,
      // two reports and one pending date
      progress: { completed: 3, total: 3 },
      pending: [
        {
          reportType: 'AD',
          statDate: '2026-11-21',
          code: 'not-ready',
          reason: 'NAVER is still aggregating 2026-11-21 (20007); asked again later',
        },
      ],
      clamped: [
        { reportType: 'AD', dateRange: { from: '2025-01-01', to: '2025-01-31' }, reason: 'beyond AD look-back' },
      ],
    });
  });

  it('given an import whose every date is pending, when ReportsDownloaded v3 arrives, then progress counts the pending dates', () => {
    const downloaded = exv('ReportsDownloaded', 3);
    const pending = [
      { reportType: 'AD' as const, statDate: '2026-11-20', code: 'early-none' as const, reason: 'NONE before 06:00' },
      { reportType: 'AD' as const, statDate: '2026-11-21', code: 'not-ready' as const, reason: 'still aggregating' },
    ];
    const view = fold([
      ex('ImportRequested'),
      { ...downloaded, data: { ...downloaded.data, reports: [], pending, naverRequests: 3, reportJobs: 0 } },
    ]);
    expect(view).toMatchObject({
      status: 'processing',
      progress: { completed: 2, total: 2 },
      storeReports: 0,
      reportJobs: 0,
      naverRequests: 3,
    });
    expect(view.pending.map((p) => p.statDate)).toEqual(['2026-11-20', '2026-11-21']);
  });

  it('given an older ReportsDownloaded (v1, v2), when folded, then store reports and jobs are unknown and nothing is pending', () => {
    for (const version of [1, 2] as const) {
      const view = fold([ex('ImportRequested'), ex('LockGranted'), exv('ReportsDownloaded', version)]);
      expect(view).toMatchObject({
        status: 'processing',
        naverRequests: 31,
        progress: { completed: 2, total: 2 },
        storeReports: null,
        reportJobs: null,
        pending: [],
        clamped: [],
      });
    }
  });

  it('given a view stored before these fields existed, when read, then it has their initial values', () => {
    // As the previous release stored it: no storeReports, reportJobs, pending nor clamped.
    const older = {
      importId: ex('ImportRequested').importId,
      customerId: '338047',
      status: 'downloading',
      requestedAt: '2026-11-22T05:10:58.000Z',
      progress: null,
      naverRequests: null,
      rowsWritten: null,
      failure: null,
      steps: [{ type: 'ImportRequested', time: '2026-11-22T05:10:58.000Z', eventId: ex('ImportRequested').id }],
    };
    const read = storedView(older as ImportView);
    expect(read).toMatchObject({
      status: 'downloading',
      storeReports: null,
      reportJobs: null,
      pending: [],
      clamped: [],
    });
    expect(ImportView.parse(read)).toEqual(read);
  });
});

describe('overdue imports', () => {
  const bounds = { queueAckMs: 2 * 60_000, stallMs: 30 * 60_000, maxLifetimeMs: 180 * 60_000 };
  const at = (iso: string, minutes: number) => new Date(Date.parse(iso) + minutes * 60_000);
  const step = <T extends ReportlineEvent['type']>(type: T, time: string) => ({
    ...ex(type),
    id: crypto.randomUUID(),
    time,
  });
  const requested = ex('ImportRequested');
  const t0 = requested.time;
  const min = (m: number) => at(t0, m).toISOString();

  it('given a started import with no work for the stall bound, when swept, then it fails naming the stage', () => {
    const view = fold([requested, step('LockGranted', min(1)), step('ReportsDownloaded', min(2))]);
    expect(overdueFailure(view, at(t0, 31), bounds)).toBeUndefined();
    expect(overdueFailure(view, at(t0, 32), bounds)).toMatchObject({
      stage: 'process',
      code: 'import-stalled',
      retryable: true,
    });
  });

  it('given a holder that only renews its lease, when swept, then renewals do not count as progress', () => {
    const renewals = Array.from({ length: 40 }, (_, i) => step('LeaseRenewed', min(2 + i)));
    const view = fold([requested, step('LockGranted', min(1)), ...renewals]);
    expect(view.status).toBe('downloading');
    expect(overdueFailure(view, at(t0, 31), bounds)).toMatchObject({ stage: 'download', code: 'import-stalled' });
  });

  it('given a request the lock-service never acknowledged, when swept after the ack bound, then it is lost', () => {
    const lost = fold([requested]);
    expect(overdueFailure(lost, at(t0, 1), bounds)).toBeUndefined();
    expect(overdueFailure(lost, at(t0, 2), bounds)).toMatchObject({ stage: 'queue', code: 'lock-request-lost' });
  });

  it('given a request, when neither the fetcher nor the lock answered within the ack bound, then the message says so', () => {
    expect(overdueFailure(fold([requested]), at(t0, 2), bounds)?.message).toBe(
      'neither the naver-fetcher nor the lock-service acknowledged this import within 2 minutes (they may be down, or the request was lost); run the import again',
    );
  });

  it('given a request the fetcher answered with LeaseRequested, when it waits for the lock past the ack bound, then it is not lost', () => {
    const asked = fold([requested, step('LeaseRequested', min(0))]);
    expect(asked.status).toBe('requested');
    expect(overdueFailure(asked, at(t0, 179), bounds)).toBeUndefined();
    expect(overdueFailure(asked, at(t0, 180), bounds)).toMatchObject({ stage: 'queue', code: 'import-timeout' });
  });

  it('given an import served from the store (never queued at the lock), when swept, then its downloads acknowledged it', () => {
    const chunked = fold([requested, step('ChunkDownloaded', min(1))]);
    expect(overdueFailure(chunked, at(t0, 3), bounds)).toBeUndefined();
    const downloaded = fold([requested, step('ReportsDownloaded', min(1))]);
    expect(overdueFailure(downloaded, at(t0, 3), bounds)).toBeUndefined();
  });

  it('given stored days reported before the lease was asked for, when it waits in the lock queue, then it is not stalled', () => {
    const waiting = fold([requested, step('ChunkDownloaded', min(0)), step('LeaseRequested', min(1))]);
    expect(waiting.status).toBe('downloading');
    expect(overdueFailure(waiting, at(t0, 90), bounds)).toBeUndefined();
    expect(overdueFailure(waiting, at(t0, 180), bounds)).toMatchObject({ stage: 'download', code: 'import-timeout' });
  });

  it('given stored days, a lease asked for and granted, when no work follows for the stall bound, then it stalled', () => {
    const granted = fold([
      requested,
      step('ChunkDownloaded', min(0)),
      step('LeaseRequested', min(1)),
      step('LockGranted', min(40)),
    ]);
    expect(overdueFailure(granted, at(t0, 69), bounds)).toBeUndefined();
    expect(overdueFailure(granted, at(t0, 70), bounds)).toMatchObject({ stage: 'download', code: 'import-stalled' });
  });

  it('given a queued import acknowledged by the lock-service, when it waits, then only the lifetime bound ends it', () => {
    const acknowledged = fold([requested, step('LockQueued', min(0))]);
    expect(acknowledged.status).toBe('requested');
    expect(overdueFailure(acknowledged, at(t0, 179), bounds)).toBeUndefined();
    expect(overdueFailure(acknowledged, at(t0, 180), bounds)).toMatchObject({ stage: 'queue', code: 'import-timeout' });
  });

  it('given steady progress, when the lifetime bound passes, then it still ends', () => {
    const chunks = Array.from({ length: 200 }, (_, i) => step('ChunkDownloaded', min(1 + i)));
    const view = fold([requested, step('LockGranted', min(0)), ...chunks]);
    expect(overdueFailure(view, at(t0, 179), bounds)).toBeUndefined();
    expect(overdueFailure(view, at(t0, 180), bounds)).toMatchObject({ code: 'import-timeout', stage: 'download' });
  });

  it('never fails a finished import', () => {
    const done = fold([requested, step('ImportCompleted', min(1))]);
    expect(overdueFailure(done, at(t0, 600), bounds)).toBeUndefined();
    const failed = fold([requested, step('ImportFailed', min(1))]);
    expect(overdueFailure(failed, at(t0, 600), bounds)).toBeUndefined();
  });

  it('lets a completion that arrives after a declared failure win, keeping the failure on record', () => {
    const view = fold([ex('ImportRequested'), ex('ImportFailed'), ex('ImportCompleted')]);
    expect(view.status).toBe('completed');
    expect(view.failure?.code).toBe('naver-credentials-invalid');
  });
});
