import type { ImportView } from './import-view.ts';

const STAGE = { downloading: 'download', processing: 'process', writing: 'write' } as const;

/**
 * An import that started but has shown no progress for `thresholdMs` ends as failed (retryable), so nothing stays
 * "running" forever whatever broke. Queued imports are not stalled: waiting for the lock is progress-free by design
 * and bounded by the lock-service's lease expiry.
 */
export function stallFailure(
  view: ImportView,
  now: Date,
  thresholdMs: number,
): { stage: 'download' | 'process' | 'write'; code: string; message: string; retryable: boolean } | undefined {
  if (view.status !== 'downloading' && view.status !== 'processing' && view.status !== 'writing') return undefined;
  const last = view.steps.at(-1)?.time;
  if (!last || now.getTime() - Date.parse(last) < thresholdMs) return undefined;
  const minutes = Math.round(thresholdMs / 60_000);
  return {
    stage: STAGE[view.status],
    code: 'import-stalled',
    message: `the import made no progress for ${minutes} minutes while ${view.status}; run it again`,
    retryable: true,
  };
}
