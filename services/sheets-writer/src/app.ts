import { topics } from '@reportline/contracts';
import {
  type BuiltService,
  type Bus,
  type Clock,
  createServiceRuntime,
  eventLogContext,
  every,
  type Logger,
  postgresBlobStore,
  type Running,
  systemClock,
} from '@reportline/platform';
import type { SheetsWriterConfig } from './config.ts';
import { forgetOldHistory, recordImportHistory, storedHistory } from './history.ts';
import { connectionOf, createPrincipalPool } from './principal-pool.ts';
import { preflightRoutes } from './routes.ts';
import { createSheetsWriter } from './sheets/index.ts';
import { postgresLayoutMemory } from './sheets/layout-store.ts';
import { classifyWriteError, SERVICE, writeImportRows } from './write.ts';

export type SheetsWriterDeps = { bus?: Bus; clock?: Clock; logger?: Logger };

/** The writer wired, not started: its HTTP app and `start` (relay, subscription, listen). */
export async function buildSheetsWriter(
  config: SheetsWriterConfig,
  deps: SheetsWriterDeps = {},
): Promise<BuiltService> {
  const rt = await createServiceRuntime({ service: SERVICE, config, ...deps });
  // Each connection writes as its bound principal; every principal's quota is shared with the other writer processes.
  const principals = createPrincipalPool(config, rt.pool, {
    onRetry: (info) => rt.logger.warn(info, 'Google Sheets asked us to back off'),
    onWait: ({ reason, kind, ms }) => rt.metrics.sheetQuotaWait.observe({ reason, kind }, ms / 1000),
  });
  if (config.INTERNAL_API_TOKEN) preflightRoutes(rt.http, principals, config.INTERNAL_API_TOKEN);
  const writeDeps = {
    pool: rt.pool,
    blobs: postgresBlobStore(rt.pool),
    clock: deps.clock ?? systemClock,
    policy: { historyDays: config.SHEETS_HISTORY_DAYS, cellPolicy: config.SHEETS_CELL_POLICY },
    history: storedHistory(rt.pool),
  };
  const clock = deps.clock ?? systemClock;
  // Shared by every writer process, like the quota: whichever writes a spreadsheet next reads it in one request.
  const layouts = postgresLayoutMemory(rt.pool);

  return rt.assemble({
    subscriptions: [
      {
        // Each import's history length, read from its request, for when its rows arrive (src/history.ts).
        group: `${SERVICE}-history`,
        topics: [topics.imports],
        failure: rt.failurePolicy({ consumer: `${SERVICE}-history` }),
        handle: async (event) => {
          if (event.type === 'ImportRequested') await recordImportHistory(rt.pool, event, clock.now());
        },
      },
      {
        group: SERVICE,
        topics: [topics.rows],
        // Rows that cannot be written (a RowsProcessed v1 names no target) end their import with the reason.
        failure: rt.failurePolicy({ consumer: SERVICE, stage: 'write', classify: classifyWriteError }),
        handle: async (event) => {
          if (event.type !== 'RowsProcessed') return;
          const { port, quota } = await principals.forConnection(connectionOf(event));
          const outcome = await writeImportRows(
            {
              ...writeDeps,
              writer: createSheetsWriter({
                port,
                quota,
                layouts,
                maxChunkBytes: config.SHEETS_MAX_REQUEST_BYTES,
                // The commit record's time, from the service's clock like every other time it reports.
                now: () => clock.now(),
              }),
            },
            event,
          );
          // A redelivery wrote nothing: counting it would double the writes.
          if (outcome !== 'duplicate') rt.metrics.sheetWrites.inc({ outcome });
          rt.logger.info({ ...eventLogContext(event), outcome }, 'rows written');
          rt.relay.nudge();
        },
      },
    ],
    loops: [
      // No import lives past the scheduler's lifetime bound (3 h): a week-old history length is never asked for again.
      () => {
        const stop = new AbortController();
        const sweep = every(
          HISTORY_SWEEP_MS,
          async () => void (await forgetOldHistory(rt.pool, new Date(clock.now().getTime() - HISTORY_KEEP_MS))),
          { signal: stop.signal, onError: (err) => rt.logger.warn({ err }, 'forgetting old history failed; retrying') },
        );
        return async () => {
          stop.abort();
          await sweep.done;
        };
      },
    ],
  });
}

const HISTORY_SWEEP_MS = 60 * 60_000;
const HISTORY_KEEP_MS = 7 * 24 * 60 * 60_000;

export async function startSheetsWriter(
  config: SheetsWriterConfig,
  deps: SheetsWriterDeps = {},
): Promise<Running & { url: string }> {
  return (await buildSheetsWriter(config, deps)).start();
}
