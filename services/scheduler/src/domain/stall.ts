import type { ImportStatus, ImportView } from './import-view.ts';

/**
 * How long an import may take, rule by rule. Together they bound every import's life (README, "How long an import
 * can take"): whatever breaks, the scheduler ends it failed with a reason.
 */
export interface ImportBounds {
  /**
   * An ImportRequested neither the naver-fetcher (LeaseRequested, ChunkDownloaded, ReportsDownloaded) nor the
   * lock-service (LockQueued, LockGranted) acknowledged within this was lost.
   */
  queueAckMs: number;
  /** A started import with no work done for this long (no day downloaded, no rows processed or written) stalled. */
  stallMs: number;
  /** No import lives longer than this from its request, whichever rule above did not fire. */
  maxLifetimeMs: number;
}

/**
 * Steps that are work done. Lease renewals are not: a holder stuck on one NAVER job keeps renewing, and the seeds'
 * stuck imports looked alive for exactly that reason.
 */
const WORK_STEPS = new Set([
  'ImportRequested',
  'LeaseRequested',
  'LockGranted',
  'ChunkDownloaded',
  'ReportsDownloaded',
  'RowsProcessed',
  'SheetWritten',
]);
/**
 * The fetcher plans every import and asks the lock for a lease only when NAVER is needed: an import served from the
 * store is never queued at the lock, so what the fetcher publishes acknowledges a request as well as the lock's answer.
 */
const ACKNOWLEDGED = new Set(['LockQueued', 'LockGranted', 'LeaseRequested', 'ChunkDownloaded', 'ReportsDownloaded']);

/**
 * Asked for a lease and not granted yet. The fetcher may report the stored days (ChunkDownloaded) before it asks, so
 * such an import is already downloading while it waits in the lock queue: the lock's maximum queue wait bounds that
 * wait, not the stall rule.
 */
export function waitingForLease(view: ImportView): boolean {
  const asked = view.steps.some((s) => s.type === 'LeaseRequested' || s.type === 'LockQueued');
  return asked && !view.steps.some((s) => s.type === 'LockGranted');
}

const STAGE = { requested: 'queue', downloading: 'download', processing: 'process', writing: 'write' } as const;
type OpenStatus = keyof typeof STAGE;
const isOpen = (s: ImportStatus): s is OpenStatus => s in STAGE;

export interface OverdueFailure {
  stage: (typeof STAGE)[OpenStatus];
  code: 'lock-request-lost' | 'import-stalled' | 'import-timeout';
  message: string;
  retryable: true;
}

/** The time of the last work step (the request itself counts), or null for a view that has none yet. */
export function lastProgressAt(view: ImportView): string | null {
  for (let i = view.steps.length - 1; i >= 0; i--) if (WORK_STEPS.has(view.steps[i]!.type)) return view.steps[i]!.time;
  return view.requestedAt;
}

const minutes = (ms: number) => `${Math.round(ms / 60_000)} minutes`;

/** Why an open import must end now, or undefined while it is within every bound. */
export function overdueFailure(view: ImportView, now: Date, bounds: ImportBounds): OverdueFailure | undefined {
  if (!isOpen(view.status) || !view.requestedAt) return undefined;
  const stage = STAGE[view.status];
  const age = now.getTime() - Date.parse(view.requestedAt);
  if (view.status === 'requested' && age >= bounds.queueAckMs && !view.steps.some((s) => ACKNOWLEDGED.has(s.type))) {
    return {
      stage,
      code: 'lock-request-lost',
      message: `neither the naver-fetcher nor the lock-service acknowledged this import within ${minutes(bounds.queueAckMs)} (they may be down, or the request was lost); run the import again`,
      retryable: true,
    };
  }
  const progress = lastProgressAt(view);
  if (
    view.status !== 'requested' &&
    !waitingForLease(view) &&
    progress &&
    now.getTime() - Date.parse(progress) >= bounds.stallMs
  ) {
    return {
      stage,
      code: 'import-stalled',
      message: `the import made no progress for ${minutes(bounds.stallMs)} while ${view.status}; run it again`,
      retryable: true,
    };
  }
  if (age >= bounds.maxLifetimeMs) {
    return {
      stage,
      code: 'import-timeout',
      message: `the import did not finish within ${minutes(bounds.maxLifetimeMs)} of its request (it was ${view.status}); run it again`,
      retryable: true,
    };
  }
  return undefined;
}

/** Cut-offs for finding candidates in storage; `overdueFailure` on each view has the last word. */
export function sweepCutoffs(now: Date, bounds: ImportBounds) {
  const before = (ms: number) => new Date(now.getTime() - ms);
  return { ack: before(bounds.queueAckMs), stall: before(bounds.stallMs), lifetime: before(bounds.maxLifetimeMs) };
}
