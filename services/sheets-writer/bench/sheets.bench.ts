// `npm run bench -- sheets`: 50 imports published at once, all under ONE Google principal, written by TWO writer
// instances over the real broker and one Postgres, to the Sheets fake. Time is compressed (a minute of Google's quota
// lasts 3 s: the writers' quota window and the fake's clock are both scaled), so the run shows in seconds whether the
// shared quota keeps the principal busy without a 429. Figures: failedImports, rateLimited (429s), quotaUse (writes
// per minute over the busy period / Google's 60), requestsPerDailyUpdate, writesPerDailyUpdate, requestsPer100kRows.
import { randomBytes } from 'node:crypto';
import { makeEvent, type RowSetV1, RowsProcessedV2 } from '@reportline/contracts';
import { reportFigures, round } from '@reportline/dev/bench';
import { eventTap } from '@reportline/dev/event-tap';
import { scratchFromEnv } from '@reportline/dev/scratch';
import { createPool, loadConfig, postgresBlobStore } from '@reportline/platform';
import { startSheetsFake } from '@reportline/sheets-fake';
import { startSheetsWriter } from '../src/app.ts';
import { sheetsWriterConfig } from '../src/config.ts';

const IMPORTS = 50;
const ROWS_PER_IMPORT = 500; // a day of one account's keyword report
const SCALE = 20;
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
  // 25 real ms: half a second on the fake's clock, the default.
  SHEETS_QUOTA_JITTER_MS: '25',
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
  `requests per update:     ${(calls.length / IMPORTS).toFixed(2)} (${(writes.length / IMPORTS).toFixed(2)} writes)`,
);

for (const w of writers) await w.close();
await tap.close();
await pool.end();
await fake.close();
log('done');

reportFigures('sheets', {
  failedImports,
  rateLimited,
  quotaUse: round(quotaUse, 3),
  requestsPerDailyUpdate: round(calls.length / IMPORTS, 2),
  writesPerDailyUpdate: round(writes.length / IMPORTS, 2),
  requestsPer100kRows: round((calls.length / (IMPORTS * ROWS_PER_IMPORT)) * 100_000, 1),
});
