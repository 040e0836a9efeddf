import { examples, type ReportlineEvent } from '@reportline/contracts';
import { describe, expect, it } from 'vitest';
import { evolveView, initialView } from '../src/domain/import-view.ts';
import { stallFailure } from '../src/domain/stall.ts';

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
      fencingToken: 42,
      naverRequests: 31,
      rowsWritten: 812,
      failure: null,
    });
    expect(view.steps.map((s) => s.type)).toContain('LockGranted');
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

describe('stalled imports', () => {
  const threshold = 30 * 60_000;
  const at = (iso: string, minutes: number) => new Date(Date.parse(iso) + minutes * 60_000);

  it('fails a started import after the threshold without progress, naming the stage', () => {
    const view = fold([ex('ImportRequested'), ex('LockGranted'), ex('ReportsDownloaded')]);
    const last = view.steps.at(-1)!.time;
    expect(stallFailure(view, at(last, 29), threshold)).toBeUndefined();
    expect(stallFailure(view, at(last, 30), threshold)).toMatchObject({
      stage: 'process',
      code: 'import-stalled',
      retryable: true,
    });
  });

  it('never fails a queued or finished import for waiting', () => {
    const queued = fold([ex('ImportRequested')]);
    expect(stallFailure(queued, at(queued.steps[0]!.time, 600), threshold)).toBeUndefined();
    const done = fold([ex('ImportRequested'), ex('ImportCompleted')]);
    expect(stallFailure(done, at(done.steps[0]!.time, 600), threshold)).toBeUndefined();
  });

  it('lets a completion that arrives after a declared failure win, keeping the failure on record', () => {
    const view = fold([ex('ImportRequested'), ex('ImportFailed'), ex('ImportCompleted')]);
    expect(view.status).toBe('completed');
    expect(view.failure?.code).toBe('naver-credentials-invalid');
  });
});
