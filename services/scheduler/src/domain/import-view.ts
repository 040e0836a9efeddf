import { PendingReport, type ReportlineEvent, ReportsDownloadedV3 } from '@reportline/contracts';
import { z } from 'zod';

export const ImportStatus = z.enum(['requested', 'downloading', 'processing', 'writing', 'completed', 'failed']);
export type ImportStatus = z.infer<typeof ImportStatus>;

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
  failure: z.object({ stage: z.string(), code: z.string(), message: z.string(), retryable: z.boolean() }).nullable(),
  steps: z.array(z.object({ type: z.string(), time: z.string(), eventId: z.string() })),
});
export type ImportView = z.infer<typeof ImportView>;

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
  rowsWritten: null,
  sheet: null,
  failure: null,
  steps: [],
});

/**
 * A view as stored, whatever release folded it: views stored before a field existed lack it, and read as having its
 * initial value until an event of theirs sets it.
 */
export const storedView = (stored: ImportView): ImportView => ({
  ...initialView(stored.importId, stored.customerId),
  ...stored,
});

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

export function evolveView(view: ImportView, event: ReportlineEvent): ImportView {
  if (view.steps.some((s) => s.eventId === event.id)) return view;
  const steps = [...view.steps, { type: event.type, time: event.time, eventId: event.id }].sort((a, b) =>
    a.time.localeCompare(b.time),
  );
  const next: ImportView = { ...view, steps };
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
      if (view.status !== 'completed') next.failure = view.failure ?? { ...event.data };
      break;
  }
  return next;
}
