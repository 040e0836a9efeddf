import { topics } from '@reportline/contracts';
import {
  type BuiltService,
  type Bus,
  type Clock,
  createServiceRuntime,
  eventLogContext,
  type Logger,
  postgresBlobStore,
  type Running,
  systemClock,
} from '@reportline/platform';
import type { SheetsWriterConfig } from './config.ts';
import { createQuotaScheduler, createSheetsPort, createSheetsWriter, serviceAccountAuth } from './sheets/index.ts';
import { classifyWriteError, SERVICE, writeImportRows } from './write.ts';

export type SheetsWriterDeps = { bus?: Bus; clock?: Clock; logger?: Logger };

/** The writer wired, not started: its HTTP app and `start` (relay, subscription, listen). */
export async function buildSheetsWriter(
  config: SheetsWriterConfig,
  deps: SheetsWriterDeps = {},
): Promise<BuiltService> {
  const rt = await createServiceRuntime({ service: SERVICE, config, ...deps });
  const keyFile = config.GOOGLE_APPLICATION_CREDENTIALS;
  const port = createSheetsPort({
    rootUrl: config.SHEETS_API_URL,
    timeoutMs: config.SHEETS_TIMEOUT_MS,
    ...(keyFile ? { auth: serviceAccountAuth(keyFile) } : {}),
  });
  // One quota scheduler per process and Google principal: every write of this process shares Google's per-user limit.
  const quota = createQuotaScheduler({
    limits: {
      writesPerMinutePerUser: config.SHEETS_WRITES_PER_MINUTE_PER_USER,
      writesPerMinutePerProject: config.SHEETS_WRITES_PER_MINUTE_PER_PROJECT,
    },
    onRetry: (info) => rt.logger.warn(info, 'Google Sheets asked us to back off'),
    onWait: ({ reason, kind, ms }) => rt.metrics.sheetQuotaWait.observe({ reason, kind }, ms / 1000),
  }).forPrincipal(keyFile ?? 'anonymous');
  const writeDeps = {
    pool: rt.pool,
    blobs: postgresBlobStore(rt.pool),
    writer: createSheetsWriter({ port, quota }),
    clock: deps.clock ?? systemClock,
    policy: { historyDays: config.SHEETS_HISTORY_DAYS, cellPolicy: config.SHEETS_CELL_POLICY },
  };

  return rt.assemble({
    subscriptions: [
      {
        group: SERVICE,
        topics: [topics.rows],
        // Rows that cannot be written (a RowsProcessed v1 names no target) end their import with the reason.
        failure: rt.failurePolicy({ consumer: SERVICE, stage: 'write', classify: classifyWriteError }),
        handle: async (event) => {
          if (event.type !== 'RowsProcessed') return;
          const outcome = await writeImportRows(writeDeps, event);
          // A redelivery wrote nothing: counting it would double the writes.
          if (outcome !== 'duplicate') rt.metrics.sheetWrites.inc({ outcome });
          rt.logger.info({ ...eventLogContext(event), outcome }, 'rows written');
          rt.relay.nudge();
        },
      },
    ],
  });
}

export async function startSheetsWriter(
  config: SheetsWriterConfig,
  deps: SheetsWriterDeps = {},
): Promise<Running & { url: string }> {
  return (await buildSheetsWriter(config, deps)).start();
}
