import { examples, type ReportlineEvent } from '@reportline/contracts';
import { describe, expect, it } from 'vitest';
import { evolveView, ImportView, initialView } from '../src/domain/import-view.ts';
import { overdueFailure } from '../src/domain/stall.ts';

const ex = <T extends ReportlineEvent['type']>(type: T) =>
  examples.find((e) => e.type === type) as Extract<ReportlineEvent, { type: T }>;
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

  it('folds into exactly the shape the API documents, no field more or less', () => {
    const views = [
      initialView(ex('ImportRequested').importId, '338047'),
      fold([ex('ImportRequested'), ex('LockGranted'), ex('ChunkDownloaded'), ex('ReportsDownloaded')]),
      fold([ex('ImportRequested'), ex('ImportFailed'), ex('ImportCompleted')]),
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
    expect(view.steps).toHaveLength(3);
  });

  it('does not let a late failure undo a completed import', () => {
    expect(fold([ex('ImportRequested'), ex('ImportCompleted'), ex('ImportFailed')]).status).toBe('completed');
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

  it('given a queued import acknowledged by the lock-service, when it waits, then only the lifetime bound ends it', () => {
    const waiting = fold([requested]);
    const acknowledged = { ...waiting, steps: [...waiting.steps, { type: 'LockQueued', time: min(0), eventId: 'q' }] };
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
