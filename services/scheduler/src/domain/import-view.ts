import type { ReportlineEvent } from '@reportline/contracts';
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
  rowsWritten: z.number().nullable(),
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
  rowsWritten: null,
  failure: null,
  steps: [],
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
      next.progress = { completed: event.data.reports.length, total: event.data.reports.length };
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
