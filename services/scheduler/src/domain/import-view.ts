import { PendingReport, type ReportlineEvent, ReportsDownloadedV3 } from '@reportline/contracts';
import { z } from 'zod';
import { failureAction } from './failure-action.ts';

export const ImportStatus = z.enum(['requested', 'downloading', 'processing', 'writing', 'completed', 'failed']);
export type ImportStatus = z.infer<typeof ImportStatus>;

const Timings = z.object({
  waitingForLeaseMs: z.number().nullable().describe('From asking the lock for a lease to its grant.'),
  holdingLeaseMs: z.number().nullable().describe('From the grant to the release: the NAVER work under the lease.'),
  processingMs: z.number().nullable().describe('From the downloaded reports to the processed rows.'),
  writingMs: z.number().nullable().describe('From the processed rows to the sheet written.'),
});

/** One kind of step of an import, summarised: 800 ChunkDownloaded events are one entry with count 800. */
const Step = z.object({
  type: z.string(),
  count: z.number().int().positive(),
  firstAt: z.string(),
  lastAt: z.string(),
  time: z.string().describe('When it last happened (lastAt); kept for clients of the list of every step.'),
  eventId: z.string().describe('The latest event of this kind.'),
});
export type StepSummary = z.infer<typeof Step>;

/**
 * The one definition of an import's read model: the type the projection folds into is inferred from the schema the
 * API answers with (routes/schemas.ts ImportOutput), so the stored view and the documented one cannot drift apart.
 */
export const ImportView = z.object({
  importId: z.uuid(),
  customerId: z.string(),
  status: ImportStatus,
  requestedAt: z.string().nullable(),
  progress: z.object({ completed: z.number(), total: z.number() }).nullable(),
  naverRequests: z.number().nullable(),
  storeReports: z
    .number()
    .nullable()
    .describe(
      "Reports the naver-fetcher served from its data calendar's store instead of asking NAVER (null until downloaded, and for imports downloaded before the fetcher had a store).",
    ),
  reportJobs: z
    .number()
    .nullable()
    .describe(
      'Stat-report jobs this import created at NAVER (null until downloaded, and for imports downloaded before the fetcher counted them).',
    ),
  pending: z
    .array(PendingReport)
    .describe(
      'Dates NAVER has no final report for yet, with why: the sheet keeps what it holds for them, and a later import asks again.',
    ),
  clamped: ReportsDownloadedV3.data.shape.clamped.describe(
    "Days left out because they lie beyond NAVER's look-back for the report type, with why.",
  ),
  rowsProcessed: z.number().nullable().describe('Rows the processor produced for the sheet (null until processed).'),
  rowsWritten: z.number().nullable(),
  sheet: z
    .object({
      rowsInTab: z.number(),
      writtenDates: z.array(z.string()),
      skippedDates: z.array(z.string()),
      pendingDates: z.array(z.string()),
      trimmedDates: z.array(z.string()),
      policy: z.enum(['trim-oldest', 'fail']).nullable(),
    })
    .nullable()
    .describe(
      "What the writer did with each date in the tab (null until written, and for writes before SheetWritten v2): replaced, left alone because a newer generation was already written, left pending, or trimmed (out of the history window, or by the cell policy named in `policy` to fit Google's 10M cells).",
    ),
  timings: Timings.describe(
    'Where the time went, from the times of its events; each null until both ends of it happened.',
  ),
  failure: z
    .object({
      stage: z.string(),
      code: z.string(),
      message: z.string(),
      retryable: z.boolean(),
      action: z.string().describe('What to do about it.'),
    })
    .nullable(),
  steps: z
    .array(Step)
    .describe(
      'Each kind of step once, in the order they last happened, with how often and when (the full timeline of events is kept by the scheduler, not shown here).',
    ),
});
export type ImportView = z.infer<typeof ImportView>;

const noTimings = (): ImportView['timings'] => ({
  waitingForLeaseMs: null,
  holdingLeaseMs: null,
  processingMs: null,
  writingMs: null,
});

export const initialView = (importId: string, customerId: string): ImportView => ({
  importId,
  customerId,
  status: 'requested',
  requestedAt: null,
  progress: null,
  naverRequests: null,
  storeReports: null,
  reportJobs: null,
  pending: [],
  clamped: [],
  rowsProcessed: null,
  rowsWritten: null,
  sheet: null,
  timings: noTimings(),
  failure: null,
  steps: [],
});

/** A step as an older release stored it: one entry per event, without the summary's fields. */
type StoredStep = Partial<StepSummary> & { type: string; time: string; eventId: string };

/**
 * A view as stored, whatever release folded it: views stored before a field existed lack it, and read as having its
 * initial value until an event of theirs sets it. Steps stored one per event are summarised as the fold does now.
 */
export const storedView = (stored: ImportView): ImportView => {
  const view: ImportView = { ...initialView(stored.importId, stored.customerId), ...stored };
  const steps = view.steps as StoredStep[];
  if (steps.some((s) => s.count === undefined)) {
    view.steps = steps.reduce<StepSummary[]>(
      (acc, s) =>
        s.count === undefined
          ? addStep(acc, { type: s.type, time: s.time, id: s.eventId })
          : addSummary(acc, s as StepSummary),
      [],
    );
    view.timings = timingsOf(view.steps);
  }
  if (view.failure && view.failure.action === undefined) {
    view.failure = { ...view.failure, action: failureAction(view.failure.code, view.failure.retryable) };
  }
  return view;
};

/** Later (time, id) first: which event a kind's summary names does not depend on the order events were folded in. */
const later = (a: { at: string; id: string }, b: { at: string; id: string }) =>
  a.at > b.at || (a.at === b.at && a.id > b.id);

// Sorted by last occurrence: the last work step in the list is then the latest work done (domain/stall.ts reads it so).
// Steps at the same time keep the flow's order, whatever order they were folded in.
const FLOW = [
  'ImportRequested',
  'LeaseRequested',
  'LockQueued',
  'LockGranted',
  'ChunkDownloaded',
  'LeaseRenewed',
  'ReportsDownloaded',
  'LeaseReleased',
  'LeaseExpired',
  'RowsProcessed',
  'SheetWritten',
  'ImportCompleted',
  'ImportFailed',
];
const flowRank = (type: string) => (FLOW.includes(type) ? FLOW.indexOf(type) : FLOW.length);
const byLastOccurrence = (a: StepSummary, b: StepSummary) =>
  a.lastAt.localeCompare(b.lastAt) ||
  a.firstAt.localeCompare(b.firstAt) ||
  flowRank(a.type) - flowRank(b.type) ||
  a.type.localeCompare(b.type);

function addSummary(steps: StepSummary[], s: StepSummary): StepSummary[] {
  const same = steps.find((x) => x.type === s.type);
  if (!same) return [...steps, s].sort(byLastOccurrence);
  const newer = later({ at: s.lastAt, id: s.eventId }, { at: same.lastAt, id: same.eventId });
  const merged: StepSummary = {
    type: s.type,
    count: same.count + s.count,
    firstAt: s.firstAt < same.firstAt ? s.firstAt : same.firstAt,
    lastAt: newer ? s.lastAt : same.lastAt,
    time: newer ? s.lastAt : same.lastAt,
    eventId: newer ? s.eventId : same.eventId,
  };
  return steps.map((x) => (x === same ? merged : x)).sort(byLastOccurrence);
}

const addStep = (steps: StepSummary[], e: { type: string; time: string; id: string }) =>
  addSummary(steps, { type: e.type, count: 1, firstAt: e.time, lastAt: e.time, time: e.time, eventId: e.id });

const between = (from: string | undefined, to: string | undefined) =>
  from && to ? Math.max(0, Date.parse(to) - Date.parse(from)) : null;

const earliest = (...times: (string | undefined)[]) => times.filter((t): t is string => t !== undefined).sort()[0];

/** The timings from the steps' times alone, so they come out the same whatever order the events were folded in. */
export function timingsOf(steps: StepSummary[]): ImportView['timings'] {
  const first = (type: string) => steps.find((s) => s.type === type)?.firstAt;
  const last = (type: string) => steps.find((s) => s.type === type)?.lastAt;
  const granted = first('LockGranted');
  const processed = first('RowsProcessed');
  return {
    waitingForLeaseMs: between(earliest(first('LeaseRequested'), first('LockQueued')), granted),
    holdingLeaseMs: between(granted, last('LeaseReleased') ?? first('LeaseExpired')),
    processingMs: between(first('ReportsDownloaded'), processed),
    writingMs: between(processed, last('SheetWritten') ?? first('ImportCompleted')),
  };
}

// Events of one import arrive on several topics, so their order is not guaranteed: status only moves forward.
// Completion outranks failure: if rows reached the sheet after a failure was declared (a stall, an expired lease whose
// holder still finished), the sheet does hold the data, and the failure stays recorded as `failure`.
const RANK: Record<ImportStatus, number> = {
  requested: 0,
  downloading: 1,
  processing: 2,
  writing: 3,
  failed: 4,
  completed: 5,
};
const advance = (from: ImportStatus, to: ImportStatus) => (RANK[to] > RANK[from] ? to : from);

const STATUS_AFTER: Partial<Record<ReportlineEvent['type'], ImportStatus>> = {
  LockGranted: 'downloading',
  ChunkDownloaded: 'downloading',
  ReportsDownloaded: 'processing',
  RowsProcessed: 'writing',
  SheetWritten: 'writing',
  ImportCompleted: 'completed',
  ImportFailed: 'failed',
};

/**
 * Folds one event into the view. The projection folds each event id once; an event redelivered right after itself
 * (the latest of its kind) is also recognised here, but the summary keeps no list of every id.
 */
export function evolveView(view: ImportView, event: ReportlineEvent): ImportView {
  if (view.steps.some((s) => s.type === event.type && s.eventId === event.id)) return view;
  const steps = addStep(view.steps, event);
  const next: ImportView = { ...view, steps, timings: timingsOf(steps) };
  const to = STATUS_AFTER[event.type];
  if (to) next.status = advance(view.status, to);
  switch (event.type) {
    case 'ImportRequested':
      next.requestedAt = event.time;
      break;
    case 'ChunkDownloaded':
      if (!view.progress || event.data.completed > view.progress.completed) {
        next.progress = { completed: event.data.completed, total: event.data.total };
      }
      break;
    case 'ReportsDownloaded':
      next.naverRequests = event.data.naverRequests;
      next.clamped = event.data.clamped;
      if (event.version === 3) {
        // A pending date is done for this import (the fetcher asked and NAVER is not ready): it counts as progress.
        const done = event.data.reports.length + event.data.pending.length;
        next.progress = { completed: done, total: done };
        next.storeReports = event.data.reports.filter((r) => r.source === 'store').length;
        next.reportJobs = event.data.reportJobs;
        next.pending = event.data.pending;
      } else {
        next.progress = { completed: event.data.reports.length, total: event.data.reports.length };
      }
      break;
    case 'RowsProcessed':
      next.rowsProcessed = event.data.rowCount;
      break;
    case 'SheetWritten':
      if (event.version === 2) {
        const { rowsInTab, writtenDates, skippedDates, pendingDates, trimmedDates, policy } = event.data;
        next.sheet = { rowsInTab, writtenDates, skippedDates, pendingDates, trimmedDates, policy: policy ?? null };
      }
      break;
    case 'ImportCompleted':
      next.rowsWritten = event.data.rowsWritten;
      break;
    case 'ImportFailed':
      // The first failure is the cause; later ones are consequences.
      if (view.status !== 'completed') {
        next.failure = view.failure ?? {
          ...event.data,
          action: failureAction(event.data.code, event.data.retryable),
        };
      }
      break;
  }
  return next;
}
