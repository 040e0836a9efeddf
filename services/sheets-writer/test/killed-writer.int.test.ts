import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import {
  ImportRequestedV2,
  makeEvent,
  ROW_SET_V2_CONTENT_TYPE,
  type RowSetV2Header,
  RowsProcessedV3,
} from '@reportline/contracts';
import { killService, spawnService } from '@reportline/dev/child-service';
import { type EventTap, eventTap } from '@reportline/dev/event-tap';
import { createTopics, isolatedEnvironment, uniquePrefix } from '@reportline/dev/test-environment';
import { until } from '@reportline/dev/wait';
import { createPool, type Pool, postgresBlobStore } from '@reportline/platform';
import { type RunningSheetsFake, startSheetsFake } from '@reportline/sheets-fake';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * kill -9 of the writer at each step of one import, on both paths: a small import's rows inside the commit (while the
 * commit is in flight, after it landed but before the writer recorded it), and a large import staged first (after
 * staging, after the rows, while the commit is in flight, after it landed): the next writer process finishes the
 * import, and the sheet equals what a clean run leaves — the other dates kept, the replaced date once, the tab and
 * its sheetId kept.
 */
const server = fileURLToPath(new URL('../src/server.ts', import.meta.url));
const TAB = 'Data';
const customerId = '5550003';
const columns: RowSetV2Header['columns'] = [
  { key: 'date', header: 'date', type: 'date' },
  { key: 'cost', header: 'cost', type: 'number' },
];
const serial = (iso: string) => (Date.parse(`${iso}T00:00:00Z`) - Date.UTC(1899, 11, 30)) / 86_400_000;

let sheets: RunningSheetsFake;
let tap: EventTap;
let pool: Pool;
let writerEnv: Record<string, string>;
let child: ChildProcess | undefined;

beforeAll(async () => {
  const env = await isolatedEnvironment();
  const prefix = uniquePrefix();
  await createTopics(prefix);
  sheets = await startSheetsFake({ limits: { writesPerMinutePerUser: 100_000, writesPerMinutePerProject: 100_000 } });
  pool = createPool(env.databaseUrl);
  writerEnv = {
    KAFKA_BROKERS: env.kafkaBrokers.join(','),
    DATABASE_URL: env.databaseUrl,
    TOPIC_PREFIX: prefix,
    SHEETS_API_URL: `${sheets.url}/`,
    SHEETS_WRITES_PER_MINUTE_PER_USER: '100000',
    SHEETS_WRITES_PER_MINUTE_PER_PROJECT: '100000',
    PORT: '0',
  };
  tap = await eventTap(env.kafkaBrokers, prefix);
}, 120_000);

afterAll(async () => {
  child?.kill('SIGKILL');
  await tap?.close();
  await pool?.end();
  await sheets?.close();
});

/** With 4 KiB requests, the 50-row import is staged; the default lets it travel inside the commit. */
let childStaged = false;
const spawnWriter = (staged: boolean) => {
  childStaged = staged;
  return spawnService('the writer', server, { ...writerEnv, ...(staged ? { SHEETS_MAX_REQUEST_BYTES: '4096' } : {}) });
};

async function publishImport(spreadsheetId: string, rows: Array<[string, number]>, dates: string[]) {
  const importId = crypto.randomUUID();
  const target = { spreadsheetId, sheetName: TAB };
  const request = {
    connectionId: crypto.randomUUID(),
    trigger: 'manual' as const,
    priority: 'on-demand' as const,
    reportTypes: ['AD' as const],
    dateRange: { from: '2026-11-01', to: '2026-11-04' },
    target,
    layout: null,
    historyDays: 30,
  };
  await tap.publish([makeEvent(ImportRequestedV2, request, { source: 'test', importId, customerId, now: new Date() })]);
  const header: RowSetV2Header = { format: 'reportline.rows.v2', columns };
  const ndjson = [header, ...rows].map((line) => `${JSON.stringify(line)}\n`).join('');
  const ref = await postgresBlobStore(pool).put(`rows/${importId}`, Buffer.from(ndjson), ROW_SET_V2_CONTENT_TYPE);
  const data = {
    rows: ref,
    rowCount: rows.length,
    columns,
    granularity: 'day' as const,
    dates: dates.map((date) => ({ date, generatedAt: new Date().toISOString() })),
    pending: [],
    unnamed: 0,
    connectionId: crypto.randomUUID(),
    target: { spreadsheetId, sheetName: TAB },
  };
  await tap.publish([makeEvent(RowsProcessedV3, data, { source: 'test', importId, customerId, now: new Date() })]);
  return importId;
}

/** The writes (non-GET requests) the fake received for one spreadsheet, in order. */
const writesOf = (spreadsheetId: string) =>
  sheets.state.requests.filter((r) => r.spreadsheetId === spreadsheetId && r.httpMethod !== 'GET');

// Writes of the killed import. Inline: 1 the commit. Staged: 1 the staging batch, 2 the rows' PUT, 3 the commit.
const KILL_POINTS = [
  { name: 'inline: while the commit is in flight', staged: false, write: 1, answered: false },
  { name: 'inline: after the commit landed', staged: false, write: 1, answered: true },
  { name: 'staged: after staging', staged: true, write: 1, answered: true },
  { name: 'staged: after the rows were staged', staged: true, write: 2, answered: true },
  { name: 'staged: while the commit is in flight', staged: true, write: 3, answered: false },
  { name: 'staged: after the commit landed', staged: true, write: 3, answered: true },
];
/** The second import's rows of 2026-11-02: enough to be staged under 4 KiB requests. */
const replaced = (staged: boolean): Array<[string, number]> =>
  Array.from({ length: staged ? 50 : 1 }, (_, i): [string, number] => ['2026-11-02', 20 + i]);

describe('a writer killed at each step of an import', () => {
  it.each(KILL_POINTS)(
    'kill -9 $name leaves the sheet as a clean run does',
    async (point) => {
      const spreadsheetId = `killed-${randomBytes(4).toString('hex')}`;
      sheets.state.seedSpreadsheet({ spreadsheetId, sheets: [{ title: 'Summary', values: [["=SUM('Data'!B:B)"]] }] });
      if (child && childStaged !== point.staged) {
        await killService(child);
        child = undefined;
      }
      child ??= await spawnWriter(point.staged);
      const first = await publishImport(
        spreadsheetId,
        [
          ['2026-11-01', 1],
          ['2026-11-02', 2],
          ['2026-11-02', 3],
          ['2026-11-03', 4],
        ],
        ['2026-11-01', '2026-11-02', '2026-11-03'],
      );
      await tap.next('ImportCompleted', first, 60_000);
      const sheetId = sheets.state.listTabs(spreadsheetId).find((t) => t.title === TAB)?.sheetId;
      const before = writesOf(spreadsheetId).length;

      // Slow enough that the kill lands between two calls, or inside the commit.
      sheets.state.setConfig({ faults: { latencyMs: 300 } });
      const second = await publishImport(
        spreadsheetId,
        [...replaced(point.staged), ['2026-11-04', 40]],
        ['2026-11-02', '2026-11-04'],
      );
      await until(
        `write ${point.write} ${point.answered ? 'answered' : 'received'}`,
        () => {
          const w = writesOf(spreadsheetId)[before + point.write - 1];
          return w && (point.answered ? w.outcome === 200 : true) ? true : undefined;
        },
        30_000,
      );
      await killService(child);
      child = undefined;
      sheets.state.setConfig({ faults: { latencyMs: 0 } });

      child = await spawnWriter(point.staged);
      await tap.next('ImportCompleted', second, 90_000);
      expect(sheets.state.readTab(spreadsheetId, TAB)).toEqual([
        ['date', 'cost'],
        [serial('2026-11-01'), 1],
        ...replaced(point.staged).map(([d, c]) => [serial(d), c]),
        [serial('2026-11-03'), 4],
        [serial('2026-11-04'), 40],
      ]);
      const tabs = sheets.state.listTabs(spreadsheetId);
      expect(tabs.find((t) => t.title === TAB)?.sheetId).toBe(sheetId);
      expect(tabs.map((t) => t.title)).toEqual(['Summary', '_reportline', TAB]);
      // The path the killed import took.
      expect(sheets.state.requests.some((r) => r.spreadsheetId === spreadsheetId && r.method === 'values.update')).toBe(
        point.staged,
      );
      expect(sheets.state.cell(spreadsheetId, "'Summary'!A1")?.formula).toBe("=SUM('Data'!B:B)");
    },
    180_000,
  );
});
