import type { ImportView } from './import-view.ts';

/**
 * Why an import can no longer be cancelled, or undefined while it only waits: queued (for the lock, or held while its
 * connection verifies) and never granted its lease. Once granted, the fetcher works on it and would not hear of a
 * cancel. `overdue`: the stall sweep already ended it. Pure.
 */
export function whyNotCancellable(view: ImportView, overdue: boolean): string | undefined {
  if (view.status === 'completed') return `import ${view.importId} completed: its rows are in the sheet`;
  if (view.status === 'failed') {
    return `import ${view.importId} already ended (${view.failure?.code ?? 'failed'}): there is nothing to cancel`;
  }
  if (overdue) return `import ${view.importId} is already being ended by the scheduler (it passed a time bound)`;
  if (view.status !== 'requested' || view.steps.some((s) => s.type === 'LockGranted')) {
    return `import ${view.importId} is ${view.status}: its work has started and it can no longer be cancelled; only an import waiting for its lease can`;
  }
  return undefined;
}
