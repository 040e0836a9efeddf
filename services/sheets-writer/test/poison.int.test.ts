import { randomBytes } from 'node:crypto';
import {
  ImportRequestedV1,
  makeEvent,
  type ReportlineEvent,
  type RowSetV1,
  RowsProcessedV1,
  RowsProcessedV2,
  topics,
} from '@reportline/contracts';
import { type EventTap, eventTap, importIdOnSamePartition } from '@reportline/dev/event-tap';
import { createTopics, isolatedEnvironment, uniquePrefix } from '@reportline/dev/test-environment';
import { createPool, loadConfig, type Pool, postgresBlobStore, type Running } from '@reportline/platform';
import { startSheetsFake } from '@reportline/sheets-fake';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSheetsWriter } from '../src/app.ts';
import { sheetsWriterConfig } from '../src/config.ts';

/**
 * One bad message never stops the imports behind it: the writer alone over a real broker and Postgres, the test
 * playing the processor. Each poison import ends failed with a reason within the bound, and the
 * next import on the same partition of the rows topic is written.
 */
const MAX_ATTEMPTS = 3;
let writer: Running;
let sheets: Awaited<ReturnType<typeof startSheetsFake>>;
let tap: EventTap;
let pool: Pool;

const customerId = '5550001';
const columns = [
  { name: 'date', type: 'date' as const },
  { name: 'clicks', type: 'number' as const },
];

async function spreadsheet(): Promise<string> {
  const spreadsheetId = `poison-${randomBytes(4).toString('hex')}`;
  const res = await fetch(`${sheets.url}/_fake/spreadsheets`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ spreadsheetId, title: 'poison', sheets: [{ title: 'Sheet1' }] }),
  });
  expect(res.status).toBeLessThan(300);
  return spreadsheetId;
}

/** The RowsProcessed the processor would publish for one import of `rows` (its stored row set, its target). */
async function rowsOf(importId: string, target: { spreadsheetId: string; sheetName: string }, rows: number) {
  const dateRange = { from: '2026-11-10', to: '2026-11-10' };
  const ctx = { source: 'test', importId, customerId, now: new Date() };
  const rowSet: RowSetV1 = {
    format: 'reportline.rows.v1',
    columns,
    rows: Array.from({ length: rows }, (_, i) => ['2026-11-10', i]),
  };
  const ref = await postgresBlobStore(pool).put(
    `rows/${importId}`,
    Buffer.from(JSON.stringify(rowSet)),
    'application/json',
  );
  const data = { rows: ref, rowCount: rows, columns: columns.map((c) => c.name), dateRange };
  const request = {
    connectionId: crypto.randomUUID(),
    trigger: 'manual' as const,
    priority: 'on-demand' as const,
    reportTypes: ['AD' as const],
    dateRange,
    target,
  };
  return {
    /** The scheduler's request, which the writer reads for the import's history length (v1: the default). */
    requested: makeEvent(ImportRequestedV1, request, ctx),
    processed: makeEvent(RowsProcessedV2, { ...data, connectionId: crypto.randomUUID(), target }, ctx),
    /** As a processor before RowsProcessed v2 published it: without the target. */
    legacy: makeEvent(RowsProcessedV1, data, ctx),
  };
}

const failureOf = async (importId: string) => (await tap.next('ImportFailed', importId, 20_000)).data;

beforeAll(async () => {
  const env = await isolatedEnvironment();
  const prefix = uniquePrefix();
  await createTopics(prefix);
  sheets = await startSheetsFake();
  pool = createPool(env.databaseUrl);
  writer = await startSheetsWriter(
    loadConfig(sheetsWriterConfig, {
      KAFKA_BROKERS: env.kafkaBrokers.join(','),
      DATABASE_URL: env.databaseUrl,
      TOPIC_PREFIX: prefix,
      LOG_LEVEL: 'silent',
      SHEETS_API_URL: `${sheets.url}/`,
      CONSUMER_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
      CONSUMER_RETRY_INITIAL_MS: '100',
      CONSUMER_RETRY_MAX_MS: '200',
    }),
  );
  tap = await eventTap(env.kafkaBrokers, prefix);
});

afterAll(async () => {
  await tap?.close();
  await writer?.close();
  await pool?.end();
  await sheets?.close();
});

describe('sheets-writer under poison messages', () => {
  it('fails an import aimed at the reserved tab at once, and writes the next import of the same partition', async () => {
    const spreadsheetId = await spreadsheet();
    const poisonId = crypto.randomUUID();
    const nextId = importIdOnSamePartition(poisonId, topics.rows.partitions);
    const poison = await rowsOf(poisonId, { spreadsheetId, sheetName: '_reportline' }, 3);
    const next = await rowsOf(nextId, { spreadsheetId, sheetName: '로우데이터' }, 4);
    await tap.publish([poison.requested, next.requested]);
    await tap.publish([poison.processed, next.processed]);

    expect(await failureOf(poisonId)).toMatchObject({
      stage: 'write',
      code: 'sheet-target-invalid',
      message: expect.stringContaining('"_reportline"'),
      retryable: false,
    });
    expect((await tap.next('ImportCompleted', nextId)).data.rowsWritten).toBe(4);
    expect(sheets.state.readTab(spreadsheetId, '로우데이터')).toHaveLength(5); // header + 4 rows
  });

  it('fails an import whose rows carry no target (RowsProcessed v1) at once, and writes the next of the partition', async () => {
    const spreadsheetId = await spreadsheet();
    const legacyId = crypto.randomUUID();
    const nextId = importIdOnSamePartition(legacyId, topics.rows.partitions);
    const legacy = await rowsOf(legacyId, { spreadsheetId, sheetName: 'legacy' }, 2);
    const next = await rowsOf(nextId, { spreadsheetId, sheetName: 'next' }, 2);
    await tap.publish([legacy.requested, next.requested]);
    const started = Date.now();
    await tap.publish([legacy.legacy, next.processed]);

    const failure = await failureOf(legacyId);
    expect(failure).toMatchObject({ stage: 'write', code: 'rows-without-target', retryable: true });
    expect(failure.message).toContain("without the import's target sheet");
    expect((await tap.next('ImportCompleted', nextId)).data.rowsWritten).toBe(2);
    // Permanent: given up on at once, not after the bounded attempts.
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(() => sheets.state.readTab(spreadsheetId, 'legacy')).toThrow('no tab'); // nothing written anywhere
    const failedEvents = tap.events.filter(
      (e: ReportlineEvent) => e.type === 'ImportFailed' && e.importId === legacyId,
    );
    expect(failedEvents).toHaveLength(1);
  });
});
