import { randomBytes } from 'node:crypto';
import {
  type EventOfType,
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
 * processor with RowsProcessed v3. The expected tab is built here from the imports alone (a map of date → rows, cut
 * to the history window), never by the writer's code. After every import the tab equals it, keeps its sheetId, and a
 * summary formula on another tab still points at it. Faults are injected at every step of some imports: the sheet
 * must end as a clean run leaves it.
 */
const HISTORY_DAYS = 7;
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
  const n = date.endsWith('5') ? 0 : 1 + (Number(date.slice(-1)) % 3); // days ending in 5 had no traffic (NONE)
  return Array.from({ length: n }, (_, i): Row => [date, `kw${i}`, generation * 100 + i]);
}

async function publishImport(fields: {
  spreadsheetId: string;
  dates: Array<{ date: string; generation: number }>;
  pending?: string[];
}): Promise<EventOfType<'RowsProcessed'>> {
  const importId = crypto.randomUUID();
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
      SHEETS_HISTORY_DAYS: String(HISTORY_DAYS),
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

/** The faults injected into the import of a day: every step of the protocol fails once on some day. */
const FAULTS: Record<number, Parameters<RunningSheetsFake['state']['injectFault']>[0][]> = {
  4: [{ kind: '503', method: 'spreadsheets.get' }],
  6: [{ kind: '503', method: 'values.get', skip: 1 }], // reading the tab's dates
  8: [{ kind: '503', method: 'spreadsheets.batchUpdate' }], // staging rejected
  10: [{ kind: 'drop', method: 'spreadsheets.batchUpdate' }], // staging applied, answer lost
  12: [
    { kind: '500', method: 'values.update' },
    { kind: 'drop', method: 'values.update' },
  ],
  14: [{ kind: 'drop', method: 'spreadsheets.batchUpdate', skip: 1 }], // commit applied, answer lost
  16: [{ kind: 'drop-before-apply', method: 'spreadsheets.batchUpdate', skip: 1 }], // commit lost
  18: [{ kind: '500', method: 'spreadsheets.batchUpdate', skip: 1 }], // commit rejected
};

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
    expect(firstWritten.version === 2 && firstWritten.data.trimmedDates).toEqual([day(-9), day(-8), day(-7)]);

    for (let n = 1; n <= 30; n++) {
      for (const fault of FAULTS[n] ?? []) sheets.state.injectFault(fault);
      // Each morning: yesterday is restated (a new generation), today arrives; every 9th day today is pending.
      const pendingToday = n % 9 === 0;
      const dates = [
        { date: day(n - 1), generation: n + 1 },
        ...(pendingToday ? [] : [{ date: day(n), generation: n + 1 }]),
      ];
      const event = await publishImport({ spreadsheetId, dates, pending: pendingToday ? [day(n)] : [] });
      const written = await tap.next('SheetWritten', event.importId, 60_000);
      apply(dates, day(n));
      check(`day ${n}`);
      if (written.version !== 2) throw new Error('expected SheetWritten v2');
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
    expect(skipped.version === 2 && skipped.data.skippedDates).toEqual([day(27), day(29)]);
    check('older generation');

    // Every fault was hit: the faults were consumed, not skipped over by luck.
    expect(sheets.state.requests.filter((r) => r.outcome === 'dropped').length).toBeGreaterThanOrEqual(4);
  }, 240_000);
});
