// `npm run bench -- sheets`: 50 imports published at once, all under ONE Google principal, written by TWO writer
// instances over the real broker and one Postgres, to the Sheets fake. Time is compressed (a minute of Google's quota
// lasts 12 s: the writers' quota window and the fake's clock are both scaled; only 5×, since the writer's own work —
// Kafka, Postgres — is not compressed, and with one write per daily update it would otherwise weigh 20 times too much
// against Google's minute), so the run shows in seconds whether the
// shared quota keeps the principal busy without a 429. Then the next day's update of each of the 50 tabs (the tab and
// `_reportline` now exist: the steady state), and two imports of 100k rows each in the default layout's 17 columns.
// Figures: failedImports, rateLimited (429s), quotaUse (writes per minute over the first busy period / Google's 60),
// requestsPerFirstWrite, requestsPerDailyUpdate and writesPerDailyUpdate (the next day's), requestsPer100kRows (every
// request of the 100k-row imports: reads, staging, chunks, commit).
import { randomBytes } from 'node:crypto';
import {
  type EventOfType,
  ImportRequestedV2,
  makeEvent,
  ROW_SET_V2_CONTENT_TYPE,
  type RowSetV1,
  type RowSetV2Header,
  RowsProcessedV2,
  RowsProcessedV3,
} from '@reportline/contracts';
import { reportFigures, round } from '@reportline/dev/bench';
import { eventTap } from '@reportline/dev/event-tap';
import { scratchFromEnv } from '@reportline/dev/scratch';
import { until } from '@reportline/dev/wait';
import { createPool, loadConfig, postgresBlobStore } from '@reportline/platform';
import { startSheetsFake } from '@reportline/sheets-fake';
import { startSheetsWriter } from '../src/app.ts';
import { sheetsWriterConfig } from '../src/config.ts';

const IMPORTS = 50;
const ROWS_PER_IMPORT = 500; // a day of one account's keyword report
const SCALE = 5;
const LIMIT = 60;
const PRINCIPAL = 'writer-1@reportline-bench.iam.gserviceaccount.com';
const { kafkaBrokers, databaseUrl, topicPrefix } = scratchFromEnv();
const log = (msg: string) => process.stderr.write(`[bench sheets] ${msg}\n`);

const t0 = Date.now();
const fake = await startSheetsFake({}, { now: () => t0 + (Date.now() - t0) * SCALE });
const pool = createPool(databaseUrl);
const config = loadConfig(sheetsWriterConfig, {
  KAFKA_BROKERS: kafkaBrokers.join(','),
  DATABASE_URL: databaseUrl,
  TOPIC_PREFIX: topicPrefix,
  LOG_LEVEL: 'silent',
  SHEETS_API_URL: `${fake.url}/`,
  SHEETS_PRINCIPALS: JSON.stringify([{ email: PRINCIPAL, project: 'reportline-bench' }]),
  SHEETS_QUOTA_WINDOW_MS: String(60_000 / SCALE),
  // 100 real ms: half a second on the fake's clock, the default.
  SHEETS_QUOTA_JITTER_MS: '100',
  KAFKA_CONSUMER_CONCURRENCY: '6',
  PG_POOL_MAX: '20',
});
const writers = [await startSheetsWriter(config), await startSheetsWriter(config)];
const tap = await eventTap(kafkaBrokers, topicPrefix);

const columns = [
  { name: 'date', type: 'date' as const },
  { name: 'keyword', type: 'string' as const },
  { name: 'impressions', type: 'number' as const },
  { name: 'clicks', type: 'number' as const },
  { name: 'cost', type: 'number' as const },
];
const rowSet: RowSetV1 = {
  format: 'reportline.rows.v1',
  columns,
  rows: Array.from({ length: ROWS_PER_IMPORT }, (_, i) => ['2026-11-30', `keyword ${i}`, 1000 + i, i % 50, i * 13]),
};
const events = [];
for (let i = 0; i < IMPORTS; i++) {
  const spreadsheetId = `bench-${i}-${randomBytes(3).toString('hex')}`;
  fake.state.seedSpreadsheet({
    spreadsheetId,
    sheets: [{ title: 'Sheet1' }],
    permissions: [{ emailAddress: PRINCIPAL, role: 'writer' }],
  });
  const importId = crypto.randomUUID();
  const ref = await postgresBlobStore(pool).put(
    `rows/${importId}`,
    Buffer.from(JSON.stringify(rowSet)),
    'application/json',
  );
  const data = {
    rows: ref,
    rowCount: ROWS_PER_IMPORT,
    columns: columns.map((c) => c.name),
    dateRange: { from: '2026-11-30', to: '2026-11-30' },
    connectionId: crypto.randomUUID(),
    target: { spreadsheetId, sheetName: '로우데이터' },
  };
  events.push(makeEvent(RowsProcessedV2, data, { source: 'bench', importId, customerId: '5550001', now: new Date() }));
}

/**
 * The scheduler's ImportRequested v2 of each import (the writer keeps its history length), published and read by the
 * writers before the rows, as in production, where the request precedes the rows by the whole fetch.
 */
async function requested(rows: ReadonlyArray<EventOfType<'RowsProcessed'>>) {
  const requests = rows.map((e) => {
    if (e.version === 1) throw new Error('the bench publishes RowsProcessed v2 and v3');
    const data = {
      connectionId: e.data.connectionId,
      trigger: 'scheduled' as const,
      priority: 'scheduled' as const,
      reportTypes: ['AD' as const],
      dateRange: { from: '2026-10-01', to: '2026-12-01' },
      target: e.data.target,
      layout: null,
      historyDays: 90,
    };
    return makeEvent(ImportRequestedV2, data, {
      source: 'bench',
      importId: e.importId,
      customerId: e.customerId,
      now: new Date(),
    });
  });
  await tap.publish(requests);
  const ids = rows.map((e) => e.importId);
  await until(
    'the writers to read the requests',
    async () => {
      const { rows: got } = await pool.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM sheets.import_history WHERE import_id = ANY($1::uuid[])',
        [ids],
      );
      return got[0]?.n === ids.length ? true : undefined;
    },
    60_000,
  );
}

await requested(events);
const published = Date.now();
await tap.publish(events);
const ended = await Promise.all(
  events.map(async (e) => {
    const done = await Promise.race([
      tap.next('ImportCompleted', e.importId, 300_000).then(() => 'completed' as const),
      tap.next('ImportFailed', e.importId, 300_000).then(() => 'failed' as const),
    ]);
    return done;
  }),
);
const wallS = (Date.now() - published) / 1000;
const failure = tap.events.find((e) => e.type === 'ImportFailed');
if (failure) log(`first failure: ${JSON.stringify(failure.data)}`);

const calls = fake.state.requests.filter((r) => r.user === PRINCIPAL);
const writes = calls.filter((r) => r.httpMethod !== 'GET');
const admittedWrites = writes.filter((r) => r.outcome === 200);
const rateLimited = calls.filter((r) => r.outcome === 429).length;
const first = admittedWrites[0]?.at ?? 0;
const last = admittedWrites.at(-1)?.at ?? 0;
const busyMinutes = (last - first) / 60_000;
// The steady rate between the first and the last write, against Google's limit.
const quotaUse = busyMinutes > 0 ? (admittedWrites.length - 1) / busyMinutes / LIMIT : 0;
const failedImports = ended.filter((o) => o === 'failed').length;
const longestGapMs = Math.max(0, ...admittedWrites.slice(1).map((r, i) => r.at - admittedWrites[i]!.at));

/** Publishes imports and waits for each to end; the fake's requests of the run. */
async function run(batch: Array<EventOfType<'RowsProcessed'>>) {
  await requested(batch);
  const from = fake.state.requests.length;
  await tap.publish(batch);
  const outcomes = await Promise.all(
    batch.map((e) =>
      Promise.race([
        tap.next('ImportCompleted', e.importId, 600_000).then(() => 'completed' as const),
        tap.next('ImportFailed', e.importId, 600_000).then(() => 'failed' as const),
      ]),
    ),
  );
  return { failed: outcomes.filter((o) => o === 'failed').length, calls: fake.state.requests.slice(from) };
}

// The next morning: each tab gets the next day (the tab holds yesterday's 500 rows, `_reportline` its record).
const nextDay = { ...rowSet, rows: rowSet.rows.map((r) => ['2026-12-01', ...r.slice(1)]) };
const daily = [];
for (const e of events) {
  const importId = crypto.randomUUID();
  const ref = await postgresBlobStore(pool).put(
    `rows/${importId}`,
    Buffer.from(JSON.stringify(nextDay)),
    'application/json',
  );
  const data = { ...e.data, rows: ref, dateRange: { from: '2026-12-01', to: '2026-12-01' } } as typeof e.data;
  daily.push(makeEvent(RowsProcessedV2, data, { source: 'bench', importId, customerId: '5550001', now: new Date() }));
}
const dailyRun = await run(daily);

// Two imports of 100k rows (30 days of a large account) in the default layout: 17 columns, Korean names, ids.
const BIG_ROWS = 100_000;
const BIG_DAYS = 30;
const bigColumns: RowSetV2Header['columns'] = [
  { key: 'date', header: '날짜', type: 'date' },
  ...['캠페인', '광고그룹', '키워드', '기기'].map((h, i) => ({ key: `d${i}`, header: h, type: 'string' as const })),
  ...['노출수', '클릭수', '총비용', '클릭률', '평균클릭비용', '평균노출순위', '전환수', '전환매출액', 'ROAS'].map(
    (h, i) => ({ key: `m${i}`, header: h, type: 'number' as const }),
  ),
  ...['캠페인 ID', '광고그룹 ID', '키워드 ID'].map((h, i) => ({ key: `i${i}`, header: h, type: 'string' as const })),
];
const bigDate = (i: number) => new Date(Date.UTC(2026, 9, 1) + Math.floor((i * BIG_DAYS) / BIG_ROWS) * 86_400_000);
function bigNdjson(): Buffer {
  const lines = [JSON.stringify({ format: 'reportline.rows.v2', columns: bigColumns } satisfies RowSetV2Header)];
  for (let i = 0; i < BIG_ROWS; i++) {
    const n = String(i).padStart(9, '0');
    lines.push(
      JSON.stringify([
        bigDate(i).toISOString().slice(0, 10),
        `캠페인_${i % 40}`,
        `광고그룹_${i % 900}`,
        `키워드 ${i}`,
        i % 2 ? 'PC' : 'MOBILE',
        1000 + (i % 5000),
        i % 97,
        (i % 97) * 130,
        Math.round(((i % 97) / (1000 + (i % 5000))) * 10_000) / 100,
        130,
        1 + (i % 15) / 10,
        i % 7,
        (i % 7) * 39_000,
        Math.round(((i % 7) * 39_000) / Math.max(1, (i % 97) * 130)) / 100,
        `cmp-a001-01-${n}`,
        `grp-a001-01-${n}`,
        `nkw-a001-01-${n}`,
      ]),
    );
  }
  return Buffer.from(`${lines.join('\n')}\n`);
}
const bigRun = { failed: 0, calls: [] as typeof fake.state.requests };
for (let n = 0; n < 2; n++) {
  const spreadsheetId = `bench-big-${n}-${randomBytes(3).toString('hex')}`;
  fake.state.seedSpreadsheet({
    spreadsheetId,
    sheets: [{ title: 'Sheet1' }],
    permissions: [{ emailAddress: PRINCIPAL, role: 'writer' }],
  });
  const importId = crypto.randomUUID();
  const ref = await postgresBlobStore(pool).put(`rows/${importId}`, bigNdjson(), ROW_SET_V2_CONTENT_TYPE);
  const dates = Array.from({ length: BIG_DAYS }, (_, d) => ({
    date: new Date(Date.UTC(2026, 9, 1) + d * 86_400_000).toISOString().slice(0, 10),
    generatedAt: new Date().toISOString(),
  }));
  const data = {
    rows: ref,
    rowCount: BIG_ROWS,
    columns: bigColumns,
    granularity: 'day' as const,
    dates,
    pending: [],
    unnamed: 0,
    connectionId: crypto.randomUUID(),
    target: { spreadsheetId, sheetName: '로우데이터' },
  };
  const big = await run([
    makeEvent(RowsProcessedV3, data, { source: 'bench', importId, customerId: '5550001', now: new Date() }),
  ]);
  bigRun.failed += big.failed;
  bigRun.calls.push(...big.calls.filter((r) => r.spreadsheetId === spreadsheetId));
  fake.state.spreadsheets.delete(spreadsheetId); // a 1.7M-cell tab is no use to the rest of the run
}
const dailyCalls = dailyRun.calls.filter((r) => r.user === PRINCIPAL);
const dailyWrites = dailyCalls.filter((r) => r.httpMethod !== 'GET');
const totalFailed = failedImports + dailyRun.failed + bigRun.failed;
const largest = Math.max(0, ...bigRun.calls.map((r) => r.bodyBytes ?? 0));

console.log(`imports:                 ${IMPORTS} × ${ROWS_PER_IMPORT} rows, 1 principal, 2 writer instances`);
console.log(
  `ended:                   ${IMPORTS - failedImports} completed, ${failedImports} failed in ${wallS.toFixed(1)} s`,
);
console.log(`busy period:             ${busyMinutes.toFixed(2)} quota minutes (compressed ${SCALE}×)`);
console.log(`writes:                  ${admittedWrites.length} admitted, ${rateLimited} answered 429`);
console.log(
  `quota use:               ${(quotaUse * 100).toFixed(1)} % of ${LIMIT} writes/min (longest gap between writes ${(longestGapMs / 1000).toFixed(1)} quota s)`,
);
console.log(
  `requests per first write: ${(calls.length / IMPORTS).toFixed(2)} (${(writes.length / IMPORTS).toFixed(2)} writes)`,
);
console.log(
  `next day's update:       ${(dailyCalls.length / IMPORTS).toFixed(2)} requests (${(dailyWrites.length / IMPORTS).toFixed(2)} writes), ${dailyRun.failed} failed`,
);
console.log(
  `100k-row imports:        2 × ${BIG_ROWS} rows × ${bigColumns.length} columns: ${bigRun.calls.length} requests (${bigRun.calls.map((r) => r.method).join(', ')}), largest ${(largest / 1_048_576).toFixed(2)} MiB, ${bigRun.failed} failed`,
);

for (const w of writers) await w.close();
await tap.close();
await pool.end();
await fake.close();
log('done');

reportFigures('sheets', {
  failedImports: totalFailed,
  rateLimited: fake.state.requests.filter((r) => r.outcome === 429).length,
  quotaUse: round(quotaUse, 3),
  requestsPerFirstWrite: round(calls.length / IMPORTS, 2),
  requestsPerDailyUpdate: round(dailyCalls.length / IMPORTS, 2),
  writesPerDailyUpdate: round(dailyWrites.length / IMPORTS, 2),
  requestsPer100kRows: round((bigRun.calls.length / (2 * BIG_ROWS)) * 100_000, 1),
});

// Everything above is closed, yet one client socket (a keep-alive connection of an HTTP agent) can keep the event loop
// alive for minutes: the bench has printed its figures, so it ends here rather than hanging `npm run bench`.
process.exit(0);
