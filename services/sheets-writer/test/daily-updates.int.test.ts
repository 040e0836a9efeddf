import { randomBytes } from 'node:crypto';
import {
  type EventOfType,
  ImportRequestedV1,
  ImportRequestedV2,
  makeEvent,
  ROW_SET_V2_CONTENT_TYPE,
  type RowSetV2Header,
  RowsProcessedV3,
} from '@reportline/contracts';
import { type EventTap, eventTap } from '@reportline/dev/event-tap';
import { createTopics, isolatedEnvironment, uniquePrefix } from '@reportline/dev/test-environment';
import { createPool, loadConfig, type Pool, postgresBlobStore, type Running } from '@reportline/platform';
import { type RunningSheetsFake, startSheetsFake } from '@reportline/sheets-fake';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSheetsWriter } from '../src/app.ts';
import { sheetsWriterConfig } from '../src/config.ts';

/**
 * A month of daily updates into one user's tab, the writer alone over a real broker and Postgres, the test playing the
 * scheduler (ImportRequested v2: the connection's history length) and the processor (RowsProcessed v3). The expected
 * tab is built here from the imports alone (a map of date → rows, cut to the history window), never by the writer's
 * code. After every import the tab equals it, keeps its sheetId, and a summary formula on another tab still points at
 * it. Small imports commit their rows inline, large days (40 rows, over the 4 KiB request size set here) are staged;
 * faults are injected at every step of both paths: the sheet must end as a clean run leaves it.
 */
const HISTORY_DAYS = 7;
/** The writer's default, for an import whose request names no history (v1). */
const DEFAULT_HISTORY_DAYS = 3;
const TAB = '로우데이터';
const SUMMARY = "=SUM('로우데이터'!C:C)";
const customerId = '5550002';
const connectionId = crypto.randomUUID();
const columns: RowSetV2Header['columns'] = [
  { key: 'date', header: '날짜', type: 'date' },
  { key: 'keyword', header: '키워드', type: 'string' },
  { key: 'cost', header: '비용', type: 'number' },
];

let writer: Running;
let sheets: RunningSheetsFake;
let tap: EventTap;
let pool: Pool;

type Row = [string, string, number];
const DAY_MS = 86_400_000;
const day = (n: number) => new Date(Date.UTC(2026, 9, 1) + n * DAY_MS).toISOString().slice(0, 10);
/** The sheet's serial for a date, counted here from Sheets' epoch (1899-12-30). */
const serial = (iso: string) => (Date.parse(`${iso}T00:00:00Z`) - Date.UTC(1899, 11, 30)) / DAY_MS;

/** NAVER's rows of a date as of a generation: a restated day differs from its first version. */
function naverRows(date: string, generation: number): Row[] {
  // Days ending in 5 had no traffic (NONE); days ending in 0 or 7 are large: too large for the commit, so staged.
  const n = date.endsWith('5') ? 0 : /[07]$/.test(date) ? 40 : 1 + (Number(date.slice(-1)) % 3);
  return Array.from({ length: n }, (_, i): Row => [date, `kw${i}`, generation * 100 + i]);
}

/** The scheduler's request of an import: v2 with the connection's history length, or v1 (none). */
function requestOf(importId: string, spreadsheetId: string, historyDays: number | 'v1') {
  const request = {
    connectionId,
    trigger: 'scheduled' as const,
    priority: 'scheduled' as const,
    reportTypes: ['AD' as const],
    dateRange: { from: day(-9), to: day(31) },
    target: { spreadsheetId, sheetName: TAB },
  };
  const ctx = { source: 'test', importId, customerId, now: new Date() };
  return historyDays === 'v1'
    ? makeEvent(ImportRequestedV1, request, ctx)
    : makeEvent(ImportRequestedV2, { ...request, layout: null, historyDays }, ctx);
}

async function publishImport(fields: {
  spreadsheetId: string;
  dates: Array<{ date: string; generation: number }>;
  pending?: string[];
  /** The request's history length (v1: none); 'later' publishes no request (the test does, after the rows). */
  request?: number | 'v1' | 'later';
}): Promise<EventOfType<'RowsProcessed'>> {
  const importId = crypto.randomUUID();
  const request = fields.request ?? HISTORY_DAYS;
  if (request !== 'later') await tap.publish([requestOf(importId, fields.spreadsheetId, request)]);
  const rows = fields.dates.flatMap((d) => naverRows(d.date, d.generation));
  const header: RowSetV2Header = { format: 'reportline.rows.v2', columns };
  const ndjson = [header, ...rows].map((line) => `${JSON.stringify(line)}\n`).join('');
  const ref = await postgresBlobStore(pool).put(`rows/${importId}`, Buffer.from(ndjson), ROW_SET_V2_CONTENT_TYPE);
  const event = makeEvent(
    RowsProcessedV3,
    {
      rows: ref,
      rowCount: rows.length,
      columns,
      granularity: 'day',
      dates: fields.dates.map((d) => ({
        date: d.date,
        generatedAt: new Date(Date.UTC(2026, 9, 1) + d.generation * 3_600_000).toISOString(),
      })),
      pending: (fields.pending ?? []).map((date) => ({ date, reason: 'NAVER is still aggregating' })),
      unnamed: 0,
      connectionId,
      target: { spreadsheetId: fields.spreadsheetId, sheetName: TAB },
    },
    { source: 'test', importId, customerId, now: new Date() },
  );
  await tap.publish([event]);
  return event;
}

beforeAll(async () => {
  const env = await isolatedEnvironment();
  const prefix = uniquePrefix();
  await createTopics(prefix);
  sheets = await startSheetsFake({ limits: { writesPerMinutePerUser: 100_000, writesPerMinutePerProject: 100_000 } });
  pool = createPool(env.databaseUrl);
  writer = await startSheetsWriter(
    loadConfig(sheetsWriterConfig, {
      KAFKA_BROKERS: env.kafkaBrokers.join(','),
      DATABASE_URL: env.databaseUrl,
      TOPIC_PREFIX: prefix,
      LOG_LEVEL: 'silent',
      SHEETS_API_URL: `${sheets.url}/`,
      SHEETS_HISTORY_DAYS: String(DEFAULT_HISTORY_DAYS),
      SHEETS_MAX_REQUEST_BYTES: '4096',
      SHEETS_WRITES_PER_MINUTE_PER_USER: '100000',
      SHEETS_WRITES_PER_MINUTE_PER_PROJECT: '100000',
      CONSUMER_RETRY_INITIAL_MS: '50',
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

/**
 * The faults injected into the import of a day: every step of both paths fails once on some day. Imports 6, 7, 10,
 * 16, 17, 19 (and 20, 26, 27, 29, 30) hold a 40-row day and are staged (a staging batch, PUTs, the commit); the rest
 * send their rows inside the commit (one batchUpdate after the reads).
 */
const FAULTS: Record<number, Parameters<RunningSheetsFake['state']['injectFault']>[0][]> = {
  // Inline commit.
  2: [{ kind: '503', method: 'spreadsheets.get' }],
  4: [{ kind: '503', method: 'values.batchGet' }], // reading the tab's dates and _reportline
  8: [{ kind: '503', method: 'spreadsheets.batchUpdate' }], // commit rejected
  12: [{ kind: 'drop', method: 'spreadsheets.batchUpdate' }], // commit applied, answer lost
  14: [{ kind: 'drop-before-apply', method: 'spreadsheets.batchUpdate' }], // commit lost
  18: [{ kind: '500', method: 'spreadsheets.batchUpdate' }], // commit rejected, outcome unknown to the writer
  // Staged.
  6: [{ kind: '503', method: 'spreadsheets.batchUpdate' }], // staging rejected
  7: [{ kind: 'drop', method: 'spreadsheets.batchUpdate' }], // staging applied, answer lost
  10: [
    { kind: '500', method: 'values.update' },
    { kind: 'drop', method: 'values.update' },
  ],
  16: [{ kind: 'drop', method: 'spreadsheets.batchUpdate', skip: 1 }], // commit applied, answer lost
  17: [{ kind: 'drop-before-apply', method: 'spreadsheets.batchUpdate', skip: 1 }], // commit lost
  19: [{ kind: '500', method: 'spreadsheets.batchUpdate', skip: 1 }], // commit rejected
};
const STAGED = new Set([6, 7, 10, 16, 17, 19, 20, 26, 27, 29, 30]);

describe('a month of daily updates into one tab', () => {
  it('keeps exactly the window, the tab itself and every reference to it, under faults at every step', async () => {
    const spreadsheetId = `daily-${randomBytes(4).toString('hex')}`;
    sheets.state.seedSpreadsheet({
      spreadsheetId,
      sheets: [
        { title: 'Summary', values: [['total'], [SUMMARY]] },
        { title: TAB, values: [['날짜', '키워드', '비용']] },
      ],
    });
    const sheetId = sheets.state.listTabs(spreadsheetId).find((t) => t.title === TAB)?.sheetId;
    const expected = new Map<string, Row[]>();

    const check = (label: string) => {
      const rows = [...expected.entries()]
        .sort(([a], [b]) => a.localeCompare(b))
        .flatMap(([, r]) => r.map(([d, k, c]) => [serial(d), k, c]));
      expect(sheets.state.readTab(spreadsheetId, TAB), label).toEqual([['날짜', '키워드', '비용'], ...rows]);
      const tabs = sheets.state.listTabs(spreadsheetId);
      expect(tabs.find((t) => t.title === TAB)?.sheetId, label).toBe(sheetId);
      expect(
        tabs.filter((t) => t.title.startsWith('_stage_')),
        label,
      ).toEqual([]);
      expect(sheets.state.cell(spreadsheetId, "'Summary'!A2")?.formula, label).toBe(SUMMARY);
      expect(sheets.state.readTab(spreadsheetId, 'Summary', 'FORMATTED_VALUE')[1]?.[0], label).not.toBe('#REF!');
    };
    /** The expectation of an import: its dates replaced, then what fell out of the window removed. */
    const apply = (dates: Array<{ date: string; generation: number }>, newest: string) => {
      for (const d of dates) expected.set(d.date, naverRows(d.date, d.generation));
      const start = new Date(Date.parse(`${newest}T00:00:00Z`) - (HISTORY_DAYS - 1) * DAY_MS)
        .toISOString()
        .slice(0, 10);
      for (const date of [...expected.keys()]) if (date < start) expected.delete(date);
    };

    // Day 0: a backfill of 10 days, 3 of them already outside the 7-day window.
    const backfill = Array.from({ length: 10 }, (_, i) => ({ date: day(i - 9), generation: 1 }));
    const first = await publishImport({ spreadsheetId, dates: backfill });
    const firstWritten = await tap.next('SheetWritten', first.importId);
    apply(backfill, day(0));
    check('backfill');
    expect(firstWritten.version === 3 && firstWritten.data.trimmedDates).toEqual([day(-9), day(-8), day(-7)]);

    for (let n = 1; n <= 30; n++) {
      for (const fault of FAULTS[n] ?? []) sheets.state.injectFault(fault);
      // Each morning: yesterday is restated (a new generation), today arrives; every 9th day today is pending.
      const pendingToday = n % 9 === 0;
      const dates = [
        { date: day(n - 1), generation: n + 1 },
        ...(pendingToday ? [] : [{ date: day(n), generation: n + 1 }]),
      ];
      const puts = sheets.state.countRequests('values.update');
      const event = await publishImport({ spreadsheetId, dates, pending: pendingToday ? [day(n)] : [] });
      const written = await tap.next('SheetWritten', event.importId, 60_000);
      apply(dates, day(n));
      check(`day ${n}`);
      // The path the import took: staged rows were PUT; inline ones travelled inside the commit.
      expect(sheets.state.countRequests('values.update') > puts, `day ${n} staged`).toBe(STAGED.has(n));
      if (written.version !== 3) throw new Error('expected SheetWritten v3');
      expect(written.data.rolledOverFrom).toBeNull();
      expect(written.data.pendingDates).toEqual(pendingToday ? [day(n)] : []);
      expect(written.data.writtenDates).toEqual(dates.map((d) => d.date));
      await tap.next('ImportCompleted', event.importId);
    }

    // A partial re-import of one day in the middle of the window keeps every other date.
    const middle = [{ date: day(27), generation: 99 }];
    await tap.next('ImportCompleted', (await publishImport({ spreadsheetId, dates: middle })).importId);
    apply(middle, day(30));
    check('partial import');

    // An older generation of days a newer import already wrote is skipped and said so; the sheet is unchanged.
    const stale = [
      { date: day(27), generation: 50 },
      { date: day(29), generation: 2 },
    ];
    const old = await publishImport({ spreadsheetId, dates: stale });
    const skipped = await tap.next('SheetWritten', old.importId);
    expect(skipped.version === 3 && skipped.data.skippedDates).toEqual([day(27), day(29)]);
    check('older generation');

    // Every fault was hit: the faults were consumed, not skipped over by luck.
    expect(sheets.state.requests.filter((r) => r.outcome === 'dropped').length).toBeGreaterThanOrEqual(6);
  }, 240_000);

  it("keeps each import's own history: v2's historyDays, v1's the writer's default, waiting for a late request", async () => {
    const spreadsheetId = `history-${randomBytes(4).toString('hex')}`;
    sheets.state.seedSpreadsheet({ spreadsheetId, sheets: [{ title: TAB, values: [['날짜', '키워드', '비용']] }] });
    const datesOf = () => [
      ...new Set(
        sheets.state
          .readTab(spreadsheetId, TAB)
          .slice(1)
          .map((r) => r[0]),
      ),
    ];
    const tenDays = Array.from({ length: 10 }, (_, i) => ({ date: day(i + 40), generation: 1 }));
    /** The serials of days `from`…`to` that have rows (a day ending in 5 has none). */
    const serials = (from: number, to: number) =>
      Array.from({ length: to - from + 1 }, (_, i) => day(from + i))
        .filter((d) => naverRows(d, 1).length > 0)
        .map(serial);

    // A v2 request of 5 days: the tab keeps the 5 days ending at the import's last date.
    const v2 = await publishImport({ spreadsheetId, dates: tenDays, request: 5 });
    await tap.next('ImportCompleted', v2.importId);
    expect(datesOf()).toEqual(serials(45, 49));

    // A v1 request names none: the writer's default of 3 days applies.
    const v1 = await publishImport({ spreadsheetId, dates: [{ date: day(50), generation: 1 }], request: 'v1' });
    await tap.next('ImportCompleted', v1.importId);
    expect(datesOf()).toEqual(serials(48, 50));

    // Rows whose request the writer has not read yet wait for it (never the default): once it arrives, its 6 days
    // ending at the import's last date (days 44…49) are written; day 50, newer than the import, stays.
    const early = await publishImport({ spreadsheetId, dates: tenDays, request: 'later' });
    await tap.publish([requestOf(early.importId, spreadsheetId, 6)]);
    await tap.next('ImportCompleted', early.importId);
    expect(datesOf()).toEqual(serials(44, 50));
  }, 120_000);
});
