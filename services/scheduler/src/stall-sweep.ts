import { ImportFailedV1, makeEvent } from '@reportline/contracts';
import {
  appendToOutbox,
  type Clock,
  type Logger,
  type OutboxRelay,
  type Pool,
  withTransaction,
} from '@reportline/platform';
import { stallFailure } from './domain/stall.ts';
import { loadImportForUpdate } from './store.ts';

const SERVICE = 'scheduler';

/** Ends imports that stopped making progress (see domain/stall.ts). Returns a stop function. */
export function startStallSweep(deps: {
  pool: Pool;
  clock: Clock;
  relay: OutboxRelay;
  logger: Logger;
  thresholdMs: number;
}): () => Promise<void> {
  let stopped = false;
  let wake: (() => void) | undefined;
  const sweepOnce = async () => {
    const cutoff = new Date(deps.clock.now().getTime() - deps.thresholdMs);
    const { rows } = await deps.pool.query<{ import_id: string }>(
      `SELECT import_id FROM scheduler.imports
       WHERE status IN ('downloading', 'processing', 'writing') AND updated_at < $1 LIMIT 100`,
      [cutoff],
    );
    for (const { import_id } of rows) {
      await withTransaction(deps.pool, async (tx) => {
        const view = await loadImportForUpdate(tx, import_id);
        const failure = view && stallFailure(view, deps.clock.now(), deps.thresholdMs);
        if (!view || !failure) return;
        const failed = makeEvent(ImportFailedV1, failure, {
          source: SERVICE,
          importId: view.importId,
          customerId: view.customerId,
          now: deps.clock.now(),
        });
        await appendToOutbox(tx, SERVICE, [failed]);
        // Marks the row so the next sweep does not emit again before the projection folds the event in.
        await tx.query('UPDATE scheduler.imports SET updated_at = now() WHERE import_id = $1', [import_id]);
        deps.logger.warn(
          { importId: view.importId, customerId: view.customerId, stage: failure.stage },
          'import stalled',
        );
      });
      deps.relay.nudge();
    }
  };
  const loop = (async () => {
    while (!stopped) {
      await sweepOnce().catch((err) => deps.logger.error({ err }, 'stall sweep failed; retrying'));
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(60_000, Math.max(100, deps.thresholdMs / 4)));
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  })();
  return async () => {
    stopped = true;
    wake?.();
    await loop;
  };
}
