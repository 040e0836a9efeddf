import { afterEach, describe, expect, it } from 'vitest';
import { type RunningSheetsFake, startSheetsFake } from '../../../infra/simulators/google-sheets/src/app.ts';
import type { FakeConfigInput } from '../../../infra/simulators/google-sheets/src/config.ts';
import type { CellInput, Column } from '../src/sheets/cells.ts';
import { AmbiguousOutcomeError, CellLimitError, SpreadsheetUnreachableError } from '../src/sheets/errors.ts';
import { createQuotaScheduler, type QuotaLimits } from '../src/sheets/quota.ts';
import { createSheetsPort } from '../src/sheets/sheets-port.ts';
import { createSheetsWriter, type SheetsWriterDeps } from '../src/sheets/write-protocol.ts';
import { fakeClock } from './fake-clock.ts';

const columns: Column[] = [
  { name: 'date', type: 'date' },
  { name: 'keyword', type: 'string' },
  { name: 'clicks', type: 'number' },
];
const rowsFor = (n: number, tag = 'k'): CellInput[][] =>
  Array.from({ length: n }, (_, i) => [`2024-01-${String((i % 28) + 1).padStart(2, '0')}`, `${tag}${i}`, i]);

let fake: RunningSheetsFake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

/** The real @googleapis/sheets client against the fake over loopback; fake and writer share one instant clock. */
async function setup(
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
          ['stale', 1],
        ],
      },
    ],
  });
  const port = createSheetsPort({ rootUrl: `${fake.url}/`, timeoutMs: 5_000 });
  const quota = createQuotaScheduler({ clock, limits: options.quota }).forPrincipal('anonymous');
  const writer = createSheetsWriter({ port, quota, now: () => new Date(clock.now()), ...options.writer });
  const state = fake.state;
  const write = (writeJobId: string, rows: CellInput[][], sheetName = '로우데이터') =>
    writer.writeRows({ spreadsheetId: 'ss1', sheetName, writeJobId, columns, rows });
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
  return { clock, state, writer, write, writesSeen, redelivered };
}

describe('writeRows against the Sheets fake', () => {
  it('replaces the tab with header + typed rows in one commit and records the job', async () => {
    const { state, write } = await setup();
    const result = await write('job-1', [
      ['2024-01-02', '=IMPORTXML("http://evil")', 12],
      ['2024-01-03', '운동화', 0],
    ]);
    expect(result).toEqual({ rowsWritten: 2, replayed: false });
    expect(state.readTab('ss1', '로우데이터')).toEqual([
      ['date', 'keyword', 'clicks'],
      [45_293, '=IMPORTXML("http://evil")', 12],
      [45_294, '운동화', 0],
    ]);
    expect(state.cell('ss1', "'로우데이터'!B2")).toEqual({ value: '=IMPORTXML("http://evil")' });
    expect(state.cell('ss1', "'로우데이터'!A2")?.numberFormat).toEqual({ type: 'DATE', pattern: 'yyyy-mm-dd' });
    expect(state.readTab('ss1', '로우데이터', 'FORMATTED_VALUE')[1]?.[0]).toBe('2024-01-02');
    expect(
      state
        .listTabs('ss1')
        .map(({ title, hidden, index, rowCount, columnCount }) => ({ title, hidden, index, rowCount, columnCount })),
    ).toEqual([
      { title: 'Summary', hidden: false, index: 0, rowCount: 1000, columnCount: 26 },
      { title: '로우데이터', hidden: false, index: 1, rowCount: 3, columnCount: 3 },
      { title: '_reportline', hidden: true, index: 2, rowCount: 2, columnCount: 4 },
    ]);
    expect(state.readTab('ss1', '_reportline')).toEqual([
      ['sheetName', 'writeJobId', 'rows', 'committedAt'],
      ['로우데이터', 'job-1', 2, '2023-11-14T22:13:20.000Z'],
    ]);
    expect(state.readTab('ss1', 'Summary')).toEqual([['keep me']]);
    expect({
      get: state.countRequests('spreadsheets.get'),
      batchUpdate: state.countRequests('spreadsheets.batchUpdate'),
      update: state.countRequests('values.update'),
      append: state.countRequests('values.append'),
    }).toEqual({ get: 1, batchUpdate: 2, update: 1, append: 0 });
  });

  it('a rerun of a committed job is a no-op returning the recorded count', async () => {
    const { write, writesSeen } = await setup();
    await write('job-1', rowsFor(5));
    const writes = writesSeen();
    expect(await write('job-1', rowsFor(5))).toEqual({ rowsWritten: 5, replayed: true });
    expect(writesSeen()).toBe(writes);
  });

  it('a later job leaves exactly its own rows and one record per tab', async () => {
    const { state, write } = await setup();
    await write('job-1', rowsFor(50, 'old'));
    await write('job-2', rowsFor(2, 'new'));
    await write('job-x', rowsFor(1), 'Other tab');
    expect(state.readTab('ss1', '로우데이터')).toEqual([
      ['date', 'keyword', 'clicks'],
      [45_292, 'new0', 0],
      [45_293, 'new1', 1],
    ]);
    expect(state.readTab('ss1', '_reportline').map((r) => r.slice(0, 3))).toEqual([
      ['sheetName', 'writeJobId', 'rows'],
      ['로우데이터', 'job-2', 2],
      ['Other tab', 'job-x', 1],
    ]);
    expect(state.listTabs('ss1').some((t) => t.title.startsWith('_stage_'))).toBe(false);
  });

  it('a commit whose response was dropped ends the run unknown; the next run reads it back and repeats nothing', async () => {
    const { state, write } = await setup();
    state.injectFault({ kind: 'drop', method: 'spreadsheets.batchUpdate', skip: 1 });
    await expect(write('job-1', rowsFor(3))).rejects.toBeInstanceOf(AmbiguousOutcomeError);
    expect(await write('job-1', rowsFor(3))).toEqual({ rowsWritten: 3, replayed: true });
    expect(state.requests.filter((r) => r.outcome === 'dropped')).toHaveLength(1);
    expect(state.countRequests('spreadsheets.batchUpdate')).toBe(2);
    expect(state.readTab('ss1', '로우데이터')).toHaveLength(4);
    expect(state.readTab('ss1', '_reportline')).toHaveLength(2);
  });

  it('a commit lost before it applied is redone by a later run once the metadata shows it did not land', async () => {
    const { state, redelivered } = await setup();
    state.injectFault({ kind: 'drop-before-apply', method: 'spreadsheets.batchUpdate', skip: 1 });
    state.injectFault({ kind: '500', method: 'spreadsheets.batchUpdate' });
    // Run 1: staging, commit lost. Run 2: staging answers 500 (outcome unknown too). Run 3: staging, commit.
    expect(await redelivered('job-1', rowsFor(3))).toEqual({ runs: 3, result: { rowsWritten: 3, replayed: false } });
    expect(state.countRequests('spreadsheets.batchUpdate')).toBe(5);
    expect(state.readTab('ss1', '로우데이터')).toHaveLength(4);
    expect(state.listTabs('ss1').map((t) => t.title)).toEqual(['Summary', '로우데이터', '_reportline']);
  });

  it('survives dropped staging and chunk responses without duplicating anything', async () => {
    const { state, redelivered } = await setup({ writer: { maxChunkBytes: 1_000 } });
    state.injectFault({ kind: 'drop', method: 'spreadsheets.batchUpdate' });
    state.injectFault({ kind: 'drop', method: 'values.update', skip: 1, times: 2 });
    const rows = rowsFor(100);
    // The dropped staging ends run 1; the dropped chunk PUTs are safe to repeat, so the quota scheduler repeats them.
    expect(await redelivered('job-1', rows)).toEqual({ runs: 2, result: { rowsWritten: 100, replayed: false } });
    expect(state.requests.filter((r) => r.outcome === 'dropped')).toHaveLength(3);
    expect(state.readTab('ss1', '로우데이터')).toHaveLength(101);
    expect(state.listTabs('ss1').map((t) => t.title)).toEqual(['Summary', '로우데이터', '_reportline']);
  });

  it('replaces a staging tab left behind by a crashed attempt of the same job', async () => {
    const { state, write } = await setup();
    state.seedSpreadsheet({
      spreadsheetId: 'ss2',
      sheets: [{ title: 'Data' }, { title: '_stage_job-1', hidden: true, values: [['junk', 'junk', 'junk', 'junk']] }],
    });
    const port = createSheetsPort({ rootUrl: `${fake!.url}/` });
    const writer = createSheetsWriter({ port, quota: createQuotaScheduler({ clock: fakeClock() }).forPrincipal('a') });
    await writer.writeRows({ spreadsheetId: 'ss2', sheetName: 'Data', writeJobId: 'job-1', columns, rows: rowsFor(1) });
    expect(state.readTab('ss2', 'Data')).toEqual([
      ['date', 'keyword', 'clicks'],
      [45_292, 'k0', 0],
    ]);
    expect(state.listTabs('ss2').map((t) => t.title)).toEqual(['Data', '_reportline']);
    await write('job-9', rowsFor(1));
  });

  it('fails before writing anything when the result would not fit 10,000,000 cells', async () => {
    const { state, writer, writesSeen } = await setup();
    state.seedSpreadsheet({
      spreadsheetId: 'big',
      sheets: [{ title: 'History', rowCount: 9_990_000, columnCount: 1 }],
    });
    const attempt = writer.writeRows({
      spreadsheetId: 'big',
      sheetName: 'Data',
      writeJobId: 'j',
      columns,
      rows: rowsFor(5_000),
    });
    await expect(attempt).rejects.toBeInstanceOf(CellLimitError);
    await expect(attempt).rejects.toThrow(
      "staging 15,003 cells next to the 9,990,000 cells already in the workbook needs 10,005,011, over Google's limit of 10,000,000",
    );
    expect(writesSeen()).toBe(0);
  });

  it('rides out Google 429s with backoff on the shared clock', async () => {
    const { clock, state, write } = await setup({
      fake: { limits: { writesPerMinutePerUser: 3 } },
      quota: { writesPerMinutePerUser: 1_000, writesPerMinutePerProject: 1_000 },
      writer: { maxChunkBytes: 1_000 },
    });
    const start = clock.now();
    expect(await write('job-1', rowsFor(60))).toEqual({ rowsWritten: 60, replayed: false });
    expect(state.requests.filter((r) => r.outcome === 429).length).toBeGreaterThan(0);
    expect(clock.now() - start).toBeGreaterThanOrEqual(60_000);
    expect(state.readTab('ss1', '로우데이터')).toHaveLength(61);
  });

  it('a writer whose buckets match the quota never sees a 429', async () => {
    const { state, write } = await setup({
      fake: { limits: { writesPerMinutePerUser: 6 } },
      quota: { writesPerMinutePerUser: 6 },
      writer: { maxChunkBytes: 1_000 },
    });
    await write('job-1', rowsFor(400));
    expect(state.countRequests('values.update')).toBeGreaterThan(6);
    expect(state.requests.filter((r) => r.outcome === 429)).toHaveLength(0);
  });

  it('says what is wrong with the input or the spreadsheet before touching it', async () => {
    const { writer, write, writesSeen } = await setup();
    await expect(write('bad id!', rowsFor(1))).rejects.toThrow('writeJobId');
    await expect(write('j', rowsFor(1), '_reportline')).rejects.toThrow('reserved');
    await expect(write('j', [['2024-01-01', 'k', 'NaN']])).rejects.toThrow('row 1, column "clicks"');
    await expect(
      writer.writeRows({ spreadsheetId: 'missing', sheetName: 'x', writeJobId: 'j', columns, rows: [] }),
    ).rejects.toBeInstanceOf(SpreadsheetUnreachableError);
    expect(writesSeen()).toBe(0);
  });
});
