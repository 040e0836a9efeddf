import { makeEvent, ReportsDownloadedV2 } from '@reportline/contracts';
import { isolatedEnvironment } from '@reportline/dev/test-environment';
import { until } from '@reportline/dev/wait';
import {
  createInMemoryBus,
  createPool,
  type InMemoryBus,
  loadConfig,
  type Pool,
  postgresBlobStore,
  type Running,
} from '@reportline/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProcessor } from '../src/app.ts';
import { processorConfig } from '../src/config.ts';

/**
 * The processor's use case through its real wiring (build → start), on the in-memory bus and real Postgres: no
 * Kafka, so it runs in a second. A redelivered download is processed once in effect.
 */
let bus: InMemoryBus;
let pool: Pool;
let processor: Running;
const customerId = '5550003';

beforeAll(async () => {
  const env = await isolatedEnvironment();
  bus = createInMemoryBus();
  pool = createPool(env.databaseUrl);
  const config = loadConfig(processorConfig, {
    KAFKA_BROKERS: 'unused:9092',
    DATABASE_URL: env.databaseUrl,
    LOG_LEVEL: 'silent',
  });
  processor = await (await buildProcessor(config, { bus })).start();
});

afterAll(async () => {
  await processor?.close();
  await pool?.end();
});

describe('processing a download (in-memory bus)', () => {
  it('turns a stored AD file into one RowsProcessed v2 for the target, once however often it is delivered', async () => {
    const line = [
      '20261110',
      customerId,
      'cmp-a001-01-000000000000001',
      'grp-a001-01-000000000000001',
      'nkw-a001-01-000000000000001',
      'nad-a001-01-000000000000001',
      'bsn-a001-00-000000000000001',
      '27758',
      'P',
      120,
      7,
      3_500,
      240,
      '',
    ].join('\t');
    const file = await postgresBlobStore(pool).put(
      'raw/test/AD/2026-11-10',
      Buffer.from(`${line}\n${line}\n`),
      'text/tab-separated-values',
    );
    const importId = crypto.randomUUID();
    const target = { spreadsheetId: 'sheet-x', sheetName: '로우데이터' };
    const downloaded = makeEvent(
      ReportsDownloadedV2,
      {
        reports: [{ reportType: 'AD', statDate: '2026-11-10', outcome: 'built', file }],
        naverRequests: 4,
        clamped: [],
        connectionId: crypto.randomUUID(),
        target,
      },
      { source: 'test', importId, customerId, fencingToken: 3, now: new Date() },
    );
    await bus.publish([downloaded]);
    await bus.publish([downloaded]); // a redelivery: same event id
    const processed = await until('RowsProcessed', () =>
      bus.published.find((e) => e.type === 'RowsProcessed' && e.importId === importId),
    );
    await bus.drain();
    expect(bus.published.filter((e) => e.type === 'RowsProcessed' && e.importId === importId)).toHaveLength(1);
    expect(processed).toMatchObject({ version: 2, causationId: downloaded.id, data: { target, rowCount: 1 } });
  });
});
