import { randomBytes } from 'node:crypto';
import {
  ImportRequestedV1,
  makeEvent,
  type ReportlineEvent,
  type RowSetV1,
  RowsProcessedV1,
  topics,
} from '@reportline/contracts';
import { type EventTap, eventTap, importIdOnSamePartition } from '@reportline/dev/event-tap';
import { createTopics, isolatedEnvironment, uniquePrefix } from '@reportline/dev/test-environment';
import { until } from '@reportline/dev/wait';
import { createPool, loadConfig, type Pool, postgresBlobStore, type Running } from '@reportline/platform';
import { startSheetsFake } from '@reportline/sheets-fake';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSheetsWriter } from '../src/app.ts';
import { sheetsWriterConfig } from '../src/config.ts';

/**
 * One bad message never stops the imports behind it: the writer alone over a real broker and Postgres, the test
 * playing the scheduler and the processor. Each poison import ends failed with a reason within the bound, and the
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

/** The events the scheduler and the processor would publish for one import of `rows`. */
async function importOf(importId: string, target: { spreadsheetId: string; sheetName: string }, rows: number) {
  const dateRange = { from: '2026-11-10', to: '2026-11-10' };
  const ctx = { source: 'test', importId, customerId, now: new Date() };
  const requested = makeEvent(
    ImportRequestedV1,
    {
      connectionId: crypto.randomUUID(),
      trigger: 'manual',
      priority: 'on-demand',
      reportTypes: ['AD'],
      dateRange,
      target,
    },
    ctx,
  );
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
  const processed = makeEvent(
    RowsProcessedV1,
    { rows: ref, rowCount: rows, columns: columns.map((c) => c.name), dateRange },
    { ...ctx, causedBy: requested },
  );
  return { requested, processed };
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
    const poison = await importOf(poisonId, { spreadsheetId, sheetName: '_reportline' }, 3);
    const next = await importOf(nextId, { spreadsheetId, sheetName: '로우데이터' }, 4);
    await tap.publish([poison.requested, next.requested]);
    await until('both targets stored', async () => {
      const { rowCount } = await pool.query('SELECT 1 FROM sheets.targets WHERE import_id = ANY($1::uuid[])', [
        [poisonId, nextId],
      ]);
      return rowCount === 2 ? true : undefined;
    });
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

  it('gives up on rows whose target never arrives after the bounded attempts, and moves on', async () => {
    const spreadsheetId = await spreadsheet();
    const orphanId = crypto.randomUUID();
    const nextId = importIdOnSamePartition(orphanId, topics.rows.partitions);
    const orphan = await importOf(orphanId, { spreadsheetId, sheetName: 'orphan' }, 2);
    const next = await importOf(nextId, { spreadsheetId, sheetName: 'next' }, 2);
    await tap.publish([next.requested]);
    await until('the next target stored', async () => {
      const { rowCount } = await pool.query('SELECT 1 FROM sheets.targets WHERE import_id = $1', [nextId]);
      return rowCount === 1 ? true : undefined;
    });
    const started = Date.now();
    await tap.publish([orphan.processed, next.processed]); // the orphan's ImportRequested is never published

    const failure = await failureOf(orphanId);
    expect(failure).toMatchObject({ stage: 'write', code: 'message-failed-repeatedly', retryable: true });
    expect(failure.message).toContain(`failed ${MAX_ATTEMPTS} times`);
    expect(failure.message).toContain('arrived before its ImportRequested');
    expect((await tap.next('ImportCompleted', nextId)).data.rowsWritten).toBe(2);
    // 3 attempts 100 + 200 ms apart, plus the broker's pause/seek: well inside the bound.
    expect(Date.now() - started).toBeLessThan(15_000);
    const failedEvents = tap.events.filter(
      (e: ReportlineEvent) => e.type === 'ImportFailed' && e.importId === orphanId,
    );
    expect(failedEvents).toHaveLength(1);
  });
});
