import { ImportFailedV1, makeEvent } from '@reportline/contracts';
import {
  appendToOutbox,
  type Clock,
  every,
  type Logger,
  type OutboxRelay,
  type Pool,
  withTransaction,
} from '@reportline/platform';
import { type ImportBounds, overdueFailure, sweepCutoffs } from './domain/stall.ts';
import { SERVICE } from './request-import.ts';
import { loadImportForUpdate, markOverdue, overdueCandidates } from './store.ts';

const BATCH = 100;

/** Ends open imports that passed a bound (see domain/stall.ts), in one transaction each. Returns how many. */
export async function sweepOverdueImports(deps: {
  pool: Pool;
  clock: Clock;
  logger: Logger;
  bounds: ImportBounds;
}): Promise<number> {
  let ended = 0;
  const ids = await overdueCandidates(deps.pool, sweepCutoffs(deps.clock.now(), deps.bounds), BATCH);
  for (const importId of ids) {
    ended += await withTransaction(deps.pool, async (tx) => {
      const view = await loadImportForUpdate(tx, importId);
      const now = deps.clock.now();
      const failure = view && overdueFailure(view, now, deps.bounds);
      if (!view || !failure) return 0;
      const failed = makeEvent(ImportFailedV1, failure, {
        source: SERVICE,
        importId: view.importId,
        customerId: view.customerId,
        now,
      });
      await appendToOutbox(tx, SERVICE, [failed]);
      await markOverdue(tx, importId);
      deps.logger.warn(
        { importId: view.importId, customerId: view.customerId, stage: failure.stage, code: failure.code },
        'import overdue; ended it',
      );
      return 1;
    });
  }
  return ended;
}

/** Runs the sweep every `everyMs` until stopped. Returns the stop function. */
export function startStallSweep(deps: {
  pool: Pool;
  clock: Clock;
  relay: OutboxRelay;
  logger: Logger;
  bounds: ImportBounds;
  everyMs: number;
}): () => Promise<void> {
  const stop = new AbortController();
  const sweep = every(
    deps.everyMs,
    async () => {
      if ((await sweepOverdueImports(deps)) > 0) deps.relay.nudge();
    },
    { signal: stop.signal, onError: (err) => deps.logger.error({ err }, 'stall sweep failed; retrying') },
  );
  return async () => {
    stop.abort();
    await sweep.done;
  };
}
