import {
  type BlobRef,
  type EventOfType,
  ImportRequestedV2,
  type LayoutV1,
  makeEvent,
  ReportsDownloadedV2,
  ReportsDownloadedV3,
} from '@reportline/contracts';
import { isolatedEnvironment } from '@reportline/dev/test-environment';
import { createInMemoryBus, createPool, loadConfig } from '@reportline/platform';
import { buildProcessor, type ProcessorDeps } from '../src/app.ts';
import { processorConfig } from '../src/config.ts';

/** The processor built (not started) on the in-memory bus and this worker's Postgres, with a pool for the test. */
export async function inMemoryProcessor(deps: Pick<ProcessorDeps, 'layouts'> = {}) {
  const env = await isolatedEnvironment();
  const bus = createInMemoryBus();
  const pool = createPool(env.databaseUrl);
  const config = loadConfig(processorConfig, {
    KAFKA_BROKERS: 'unused:9092',
    DATABASE_URL: env.databaseUrl,
    LOG_LEVEL: 'silent',
  });
  return { bus, pool, built: await buildProcessor(config, { bus, ...deps }) };
}

/** One AD line as NAVER writes it: date, customer, campaign, ad group, keyword, ad, channel, media, device, metrics. */
export const adLine = (customerId: string, ad = 'nad-a001-01-000000000000001') =>
  [
    '20261110',
    customerId,
    'cmp-a001-01-000000000000001',
    'grp-a001-01-000000000000001',
    'nkw-a001-01-000000000000001',
    ad,
    'bsn-a001-00-000000000000001',
    '27758',
    'P',
    120,
    7,
    3_500,
    240,
    '',
  ].join('\t');

/** A ReportsDownloaded v2 of one stored AD file for `target`. */
export const downloadedFile = (
  file: BlobRef,
  ids: { importId: string; customerId: string },
  target = { spreadsheetId: 'sheet-x', sheetName: '로우데이터' },
) =>
  makeEvent(
    ReportsDownloadedV2,
    {
      reports: [{ reportType: 'AD', statDate: '2026-11-10', outcome: 'built', file }],
      naverRequests: 4,
      clamped: [],
      connectionId: crypto.randomUUID(),
      target,
    },
    { source: 'test', ...ids, fencingToken: 3, now: new Date() },
  );

type DownloadedV3 = Extract<EventOfType<'ReportsDownloaded'>, { version: 3 }>['data'];

/**
 * A ReportsDownloaded v3 as the data-calendar fetcher sends it for `target`: `reports` and `pending` as given, not
 * under a lease (no fencing token) as when every report came from the store.
 */
export const downloadedV3 = (
  ids: { importId: string; customerId: string },
  data: Pick<DownloadedV3, 'reports' | 'pending'> & Partial<DownloadedV3>,
  target = { spreadsheetId: 'sheet-x', sheetName: '로우데이터' },
) =>
  makeEvent(
    ReportsDownloadedV3,
    { clamped: [], naverRequests: 0, reportJobs: 0, connectionId: crypto.randomUUID(), target, ...data },
    { source: 'test', ...ids, now: new Date() },
  );

/** The scheduler's ImportRequested v2 of an import: the processor keeps its layout (null: the default). */
export const requestedV2 = (ids: { importId: string; customerId: string }, layout: LayoutV1 | null = null) =>
  makeEvent(
    ImportRequestedV2,
    {
      connectionId: crypto.randomUUID(),
      trigger: 'manual',
      priority: 'on-demand',
      reportTypes: ['AD'],
      dateRange: { from: '2026-11-10', to: '2026-11-13' },
      target: { spreadsheetId: 'sheet-x', sheetName: '로우데이터' },
      layout,
      historyDays: 30,
    },
    { source: 'test', ...ids, now: new Date() },
  );
