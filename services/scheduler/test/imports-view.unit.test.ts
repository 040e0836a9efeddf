import { examples, type ReportlineEvent } from '@reportline/contracts';
import { describe, expect, it } from 'vitest';
import { evolveView, ImportView, initialView, storedView } from '../src/domain/import-view.ts';
import { lastProgressAt } from '../src/domain/stall.ts';

const ex = <T extends ReportlineEvent['type']>(type: T) =>
  examples.find((e) => e.type === type && e.importId === examples[0]!.importId) as Extract<
    ReportlineEvent,
    { type: T }
  >;
const t0 = Date.parse(ex('ImportRequested').time);
const at = (seconds: number) => new Date(t0 + seconds * 1000).toISOString();
/** An example event of the import at `seconds` after its request, with an id of its own. */
const step = <T extends ReportlineEvent['type']>(
  type: T,
  seconds: number,
  data?: Partial<Extract<ReportlineEvent, { type: T }>['data']>,
) =>
  ({ ...ex(type), id: crypto.randomUUID(), time: at(seconds), data: { ...ex(type).data, ...data } }) as Extract<
    ReportlineEvent,
    { type: T }
  >;
const fold = (events: ReportlineEvent[]) =>
  events.reduce(evolveView, initialView(ex('ImportRequested').importId, '338047'));

/** One import's whole flow, with times in seconds after its request. */
const flow = (): ReportlineEvent[] => [
  step('ImportRequested', 0),
  step('LeaseRequested', 2),
  step('LockQueued', 3),
  step('LockGranted', 12),
  ...Array.from({ length: 800 }, (_, i) => step('ChunkDownloaded', 13 + i / 10)),
  step('ReportsDownloaded', 100),
  step('LeaseReleased', 101),
  step('RowsProcessed', 130, { rowCount: 4321 }),
  step('SheetWritten', 170),
  step('ImportCompleted', 171),
];

describe('import view: steps summarised', () => {
  it('given 800 ChunkDownloaded events, when folded, then the view has one ChunkDownloaded step counting them', () => {
    const view = fold(flow());
    const chunks = view.steps.filter((s) => s.type === 'ChunkDownloaded');
    expect(chunks).toEqual([
      expect.objectContaining({ count: 800, firstAt: at(13), lastAt: at(13 + 79.9), time: at(13 + 79.9) }),
    ]);
    expect(view.steps.map((s) => s.type)).toEqual([
      'ImportRequested',
      'LeaseRequested',
      'LockQueued',
      'LockGranted',
      'ChunkDownloaded',
      'ReportsDownloaded',
      'LeaseReleased',
      'RowsProcessed',
      'SheetWritten',
      'ImportCompleted',
    ]);
    expect(ImportView.parse(view)).toEqual(view);
  });

  it('given events folded in any order, when summarised, then the view is the same', () => {
    const events = flow();
    const shuffled = [...events].reverse();
    const a = fold(events);
    const b = fold(shuffled);
    expect(b.steps).toEqual(a.steps);
    expect(b.timings).toEqual(a.timings);
    expect(b.status).toBe(a.status);
  });

  it('given a download still going on, when the stall sweep reads the view, then the latest chunk is the progress', () => {
    const view = fold(flow().slice(0, 404));
    expect(lastProgressAt(view)).toBe(at(13 + 39.9));
  });
});

describe('import view: rows and timings', () => {
  it('given the whole flow, when folded, then it has the rows processed and where the time went', () => {
    const view = fold(flow());
    expect(view.rowsProcessed).toBe(4321);
    expect(view.timings).toEqual({
      waitingForLeaseMs: 10_000, // asked at 2 s, granted at 12 s
      holdingLeaseMs: 89_000, // granted at 12 s, released at 101 s
      processingMs: 30_000, // downloaded at 100 s, processed at 130 s
      writingMs: 40_000, // processed at 130 s, written at 170 s
    });
  });

  it('given an import still waiting in the lock queue, when folded, then only what happened is timed', () => {
    const view = fold([step('ImportRequested', 0), step('LeaseRequested', 2)]);
    expect(view.timings).toEqual({
      waitingForLeaseMs: null,
      holdingLeaseMs: null,
      processingMs: null,
      writingMs: null,
    });
  });

  it('given an import served from the store, when written without a lease, then the lease timings stay unknown', () => {
    const view = fold([
      step('ImportRequested', 0),
      step('ReportsDownloaded', 1),
      step('RowsProcessed', 4),
      step('ImportCompleted', 9),
    ]);
    expect(view.timings).toEqual({
      waitingForLeaseMs: null,
      holdingLeaseMs: null,
      processingMs: 3_000,
      writingMs: 5_000,
    });
  });
});

describe('import view: failures say what to do', () => {
  const failed = (code: string, retryable: boolean) =>
    fold([step('ImportRequested', 0), step('ImportFailed', 1, { code, retryable, stage: 'write' })]).failure;

  it('given rejected credentials, when failed, then the action is to rotate them', () => {
    expect(failed('naver-credentials-invalid', false)?.action).toContain('Rotate');
  });

  it('given an unreachable sheet, when failed, then the action is to share it as Editor', () => {
    expect(failed('sheet-unreachable', false)?.action).toContain('as Editor');
  });

  it('given a cancelled import, when failed, then there is nothing to do', () => {
    expect(failed('cancelled', false)?.action).toMatch(/^Nothing/);
  });

  it('given an unknown retryable failure, when failed, then Reportline retries it', () => {
    expect(failed('naver-unavailable', true)?.action).toBe('Reportline retries on the next run; or request it again.');
  });

  it('given a view stored with one step per event and no action, when read, then it is summarised and has the action', () => {
    const older = {
      ...initialView(ex('ImportRequested').importId, '338047'),
      status: 'failed',
      steps: [
        { type: 'ImportRequested', time: at(0), eventId: 'a' },
        { type: 'ChunkDownloaded', time: at(1), eventId: 'b' },
        { type: 'ChunkDownloaded', time: at(2), eventId: 'c' },
        { type: 'ImportFailed', time: at(3), eventId: 'd' },
      ],
      failure: { stage: 'download', code: 'sheet-unreachable', message: 'no access', retryable: false },
    } as unknown as ImportView;
    const { timings: _, rowsProcessed: __, ...withoutNew } = older;
    const read = storedView(withoutNew as ImportView);
    expect(read.steps.map((s) => [s.type, s.count, s.firstAt, s.lastAt])).toEqual([
      ['ImportRequested', 1, at(0), at(0)],
      ['ChunkDownloaded', 2, at(1), at(2)],
      ['ImportFailed', 1, at(3), at(3)],
    ]);
    expect(read.failure?.action).toContain('as Editor');
    expect(read.rowsProcessed).toBeNull();
    expect(ImportView.parse(read)).toEqual(read);
  });
});
