import { until } from '@reportline/dev/wait';
import { type InMemoryBus, type Pool, postgresBlobStore, type Running } from '@reportline/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adLine, downloadedFile, inMemoryProcessor } from './support.ts';

/**
 * The processor's use case through its real wiring (build → start), on the in-memory bus and real Postgres: no
 * Kafka, so it runs in a second. A redelivered download is processed once in effect.
 */
let bus: InMemoryBus;
let pool: Pool;
let processor: Running;
const customerId = '5550003';

beforeAll(async () => {
  const under = await inMemoryProcessor();
  ({ bus, pool } = under);
  processor = await under.built.start();
});

afterAll(async () => {
  await processor?.close();
  await pool?.end();
});

describe('processing a download (in-memory bus)', () => {
  it('turns a stored AD file into one RowsProcessed v2 for the target, once however often it is delivered', async () => {
    const line = adLine(customerId);
    const file = await postgresBlobStore(pool).put(
      'raw/test/AD/2026-11-10',
      Buffer.from(`${line}\n${line}\n`),
      'text/tab-separated-values',
    );
    const importId = crypto.randomUUID();
    const target = { spreadsheetId: 'sheet-x', sheetName: '로우데이터' };
    const downloaded = downloadedFile(file, { importId, customerId }, target);
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
