/** The writer against the Sheets fake over loopback: shared by the write protocol's test files. */
import { afterEach } from 'vitest';
import { type RunningSheetsFake, startSheetsFake } from '../../../infra/simulators/google-sheets/src/app.ts';
import type { FakeConfigInput } from '../../../infra/simulators/google-sheets/src/config.ts';
import type { CellInput, Column } from '../src/sheets/cells.ts';
import { AmbiguousOutcomeError } from '../src/sheets/errors.ts';
import { createQuotaScheduler, type QuotaLimits } from '../src/sheets/quota.ts';
import { createSheetsPort } from '../src/sheets/sheets-port.ts';
import { createSheetsWriter, type ReplaceDatesInput, type SheetsWriterDeps } from '../src/sheets/write-protocol.ts';
import { fakeClock } from './fake-clock.ts';

export const columns: Column[] = [
  { name: 'date', type: 'date' },
  { name: 'keyword', type: 'string' },
  { name: 'clicks', type: 'number' },
];
export const rowsFor = (n: number, tag = 'k'): CellInput[][] =>
  Array.from({ length: n }, (_, i) => [`2024-01-${String((i % 28) + 1).padStart(2, '0')}`, `${tag}${i}`, i]);

/** An import of exactly the dates its rows have, sorted as the processor sorts them. */
export function inputOf(fields: { spreadsheetId: string; sheetName: string; writeJobId: string; rows: CellInput[][] }) {
  const rows = [...fields.rows].sort((a, b) => String(a[0]).localeCompare(String(b[0])));
  const dates = [...new Set(rows.map((r) => String(r[0])))];
  return {
    ...fields,
    columns,
    rows,
    rowCount: rows.length,
    dates,
    pending: [],
    newerWritten: [],
    policy: 'fail',
  } satisfies ReplaceDatesInput;
}
export const written = (rowsWritten: number, rowsInTab: number, dates: string[]) => ({
  sheetName: '로우데이터',
  rowsWritten,
  rowsInTab,
  written: dates,
  trimmed: [],
  skipped: [],
  pending: [],
  policyApplied: undefined,
  replayed: false,
});

let fake: RunningSheetsFake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** The real @googleapis/sheets client against the fake over loopback; fake and writer share one instant clock. */
export async function setup(
  options: { fake?: FakeConfigInput; quota?: Partial<QuotaLimits>; writer?: Partial<SheetsWriterDeps> } = {},
) {
  const clock = fakeClock();
  fake = await startSheetsFake(options.fake, { now: clock.now });
  fake.state.seedSpreadsheet({
    spreadsheetId: 'ss1',
    sheets: [
      { title: 'Summary', values: [['keep me']] },
      {
        title: '로우데이터',
        values: [
          ['old', 'header'],
          [45_291, 'kept', 7],
        ],
      },
    ],
  });
  const port = createSheetsPort({ rootUrl: `${fake.url}/`, timeoutMs: 5_000 });
  const quota = createQuotaScheduler({ clock, limits: options.quota }).forPrincipal('anonymous');
  const writer = createSheetsWriter({ port, quota, now: () => new Date(clock.now()), ...options.writer });
  const state = fake.state;
  const write = (writeJobId: string, rows: CellInput[][], sheetName = '로우데이터', spreadsheetId = 'ss1') =>
    writer.replaceDates(inputOf({ spreadsheetId, sheetName, writeJobId, rows }));
  const writesSeen = () => state.requests.filter((r) => r.httpMethod !== 'GET').length;
  /** What the bus does with a write that left an outcome unknown: runs it again (write.ts classifies it so). */
  const redelivered = async (writeJobId: string, rows: CellInput[][]) => {
    for (let run = 1; ; run++) {
      try {
        return { runs: run, result: await write(writeJobId, rows) };
      } catch (err) {
        if (!(err instanceof AmbiguousOutcomeError) || run >= 5) throw err;
      }
    }
  };
  return { clock, state, writer, write, writesSeen, redelivered, url: fake.url };
}

export const days = (n: number) =>
  Array.from({ length: n }, (_, i) => `2024-01-${String((i % 28) + 1).padStart(2, '0')}`);
