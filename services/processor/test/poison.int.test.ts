import { type BlobRef, makeEvent, ReportsDownloadedV1, ReportsDownloadedV2, topics } from '@reportline/contracts';
import { type EventTap, eventTap, importIdOnSamePartition } from '@reportline/dev/event-tap';
import { createTopics, isolatedEnvironment, uniquePrefix } from '@reportline/dev/test-environment';
import { createPool, loadConfig, type Pool, postgresBlobStore, type Running } from '@reportline/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startProcessor } from '../src/app.ts';
import { processorConfig } from '../src/config.ts';

/**
 * One bad message never stops the imports behind it: the processor alone over a real broker and Postgres, the test
 * playing the fetcher. A download whose stored file is gone ends its import at once, and the next import on the same
 * partition of the downloads topic is processed.
 */
let processor: Running;
let tap: EventTap;
let pool: Pool;
const customerId = '5550002';

// One AD line as NAVER writes it: date, customer, campaign, ad group, keyword, ad, channel, media, device, metrics.
const adLine = (keyword: string, clicks: number) =>
  [
    '20261110',
    customerId,
    'cmp-a001-01-000000000000001',
    'grp-a001-01-000000000000001',
    keyword,
    'nad-a001-01-000000000000001',
    'bsn-a001-00-000000000000001',
    '27758',
    'P',
    100,
    clicks,
    1_000,
    2.5,
    '',
  ].join('\t');

const connectionId = crypto.randomUUID();
const target = { spreadsheetId: 'processor-test', sheetName: '로우데이터' };
const downloadedData = (file: BlobRef) => ({
  reports: [{ reportType: 'AD' as const, statDate: '2026-11-10', outcome: 'built' as const, file }],
  naverRequests: 4,
  clamped: [],
});
const ctx = (importId: string) => ({ source: 'test', importId, customerId, fencingToken: 7, now: new Date() });
const downloaded = (importId: string, file: BlobRef) =>
  makeEvent(ReportsDownloadedV2, { ...downloadedData(file), connectionId, target }, ctx(importId));

beforeAll(async () => {
  const env = await isolatedEnvironment();
  const prefix = uniquePrefix();
  await createTopics(prefix);
  pool = createPool(env.databaseUrl);
  processor = await startProcessor(
    loadConfig(processorConfig, {
      KAFKA_BROKERS: env.kafkaBrokers.join(','),
      DATABASE_URL: env.databaseUrl,
      TOPIC_PREFIX: prefix,
      LOG_LEVEL: 'silent',
      CONSUMER_MAX_ATTEMPTS: '3',
      CONSUMER_RETRY_INITIAL_MS: '100',
      CONSUMER_RETRY_MAX_MS: '200',
    }),
  );
  tap = await eventTap(env.kafkaBrokers, prefix);
});

afterAll(async () => {
  await tap?.close();
  await processor?.close();
  await pool?.end();
});

describe('processor under poison messages', () => {
  it('fails an import whose raw file is missing at once, and processes the next import of the same partition', async () => {
    const blobs = postgresBlobStore(pool);
    const file = await blobs.put(
      'raw/test/AD/2026-11-10',
      Buffer.from(`${adLine('키워드', 3)}\n`),
      'text/tab-separated-values',
    );
    const missing: BlobRef = { ...file, uri: `${file.uri}-gone` };
    const poisonId = crypto.randomUUID();
    const nextId = importIdOnSamePartition(poisonId, topics.downloads.partitions);
    const started = Date.now();
    await tap.publish([downloaded(poisonId, missing), downloaded(nextId, file)]);

    const failed = await tap.next('ImportFailed', poisonId, 20_000);
    expect(failed.data).toMatchObject({ stage: 'process', code: 'blob-missing', retryable: false });
    expect(failed.data.message).toContain('does not exist');
    expect(Date.now() - started).toBeLessThan(15_000); // permanent: no retries at all
    const processed = await tap.next('RowsProcessed', nextId);
    expect(processed).toMatchObject({ version: 2, data: { rowCount: 1, connectionId, target } });
  });

  it('answers a ReportsDownloaded v1, which names no target, with RowsProcessed v1 (the writer ends that import)', async () => {
    const file = await postgresBlobStore(pool).put(
      'raw/test/AD/2026-11-12',
      Buffer.from(`${adLine('옛', 2)}\n`),
      'text/tab-separated-values',
    );
    const importId = crypto.randomUUID();
    await tap.publish([makeEvent(ReportsDownloadedV1, downloadedData(file), ctx(importId))]);
    const processed = await tap.next('RowsProcessed', importId, 20_000);
    expect(processed).toMatchObject({ version: 1, data: { rowCount: 1 } });
    expect(processed.data).not.toHaveProperty('target');
  });

  it('fails an import whose raw file changed since it was referenced (hash mismatch)', async () => {
    const blobs = postgresBlobStore(pool);
    const file = await blobs.put(
      'raw/test/AD/2026-11-11',
      Buffer.from(`${adLine('다른', 1)}\n`),
      'text/tab-separated-values',
    );
    const tampered: BlobRef = { ...file, sha256: '0'.repeat(64) };
    const importId = crypto.randomUUID();
    await tap.publish([downloaded(importId, tampered)]);
    const failed = await tap.next('ImportFailed', importId, 20_000);
    expect(failed.data).toMatchObject({ stage: 'process', code: 'blob-missing' });
    expect(failed.data.message).toContain('changed since it was referenced');
  });
});
