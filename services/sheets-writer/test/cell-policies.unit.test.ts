import { describe, expect, it } from 'vitest';
import type { CellInput } from '../src/sheets/cells.ts';
import { CellLimitError } from '../src/sheets/errors.ts';
import { inputOf, rowsFor, setup, written } from './protocol-fixture.ts';

describe("Google's 10M cells against the Sheets fake: the cell policies", () => {
  it('fails before writing anything when the result would not fit 10,000,000 cells', async () => {
    const { state, writer, writesSeen } = await setup();
    state.seedSpreadsheet({
      spreadsheetId: 'big',
      sheets: [{ title: 'History', rowCount: 9_990_000, columnCount: 1 }],
    });
    const attempt = writer.replaceDates(
      inputOf({ spreadsheetId: 'big', sheetName: 'Data', writeJobId: 'j', rows: rowsFor(5_000) }),
    );
    await expect(attempt).rejects.toBeInstanceOf(CellLimitError);
    // 9,990,000 + _reportline's header and record 10 + the tab's 5,001 × 3 = 10,005,013, even with the rows inside
    // the commit.
    await expect(attempt).rejects.toThrow("would need 10,005,013, over Google's limit of 10,000,000");
    await expect(attempt).rejects.toThrow('cell policy is "fail"');
    expect(writesSeen()).toBe(0);
  });

  it('under trim-oldest, drops the oldest days to fit the cell limit and says so', async () => {
    // Summary and the tab are 1000×26 each, _reportline 2×5 (header, record). After the first import's row (sent
    // inside the commit, no staging): the tab is 1001×26, so 52,036 cells. The limit lets that in but not one more row.
    const { state, writer } = await setup({ writer: { maxCells: 52_040 } });
    const write = (job: string, rows: CellInput[][]) =>
      writer.replaceDates({
        ...inputOf({ spreadsheetId: 'ss1', sheetName: '로우데이터', writeJobId: job, rows }),
        policy: 'trim-oldest',
      });
    await write('job-1', [['2024-01-01', 'a', 1]]);
    // One more day: 26,000 + 1002×26 + 10 = 52,062 > 52,040, so the oldest day, 2023-12-31, goes.
    const result = await write('job-2', [['2024-01-02', 'b', 2]]);
    expect(result).toMatchObject({ trimmed: ['2023-12-31'], policyApplied: 'trim-oldest', written: ['2024-01-02'] });
    expect(state.readTab('ss1', '로우데이터')).toEqual([
      ['date', 'keyword', 'clicks'],
      [45_292, 'a', 1],
      [45_293, 'b', 2],
    ]);
  });

  it('under new-tab, continues the connection in "<tab> (2)" when the wide tab is full, and keeps writing there', async () => {
    // Summary and the tab are 1000×26 each (26,000 cells), _reportline its header and the record (2 × 5). In place,
    // two rows of 26 columns for one removed: 26,010 + 1,001 × 26 = 52,036 > 52,020. Rolled over: the full tab loses
    // the moved day's row, 26,010 + 999 × 26 + (1 + 2) × 3 = 51,993.
    const { state, writer } = await setup({ writer: { maxCells: 52_020 } });
    const sheetId = state.listTabs('ss1').find((t) => t.title === '로우데이터')?.sheetId;
    const write = (job: string, rows: CellInput[][]) =>
      writer.replaceDates({
        ...inputOf({ spreadsheetId: 'ss1', sheetName: '로우데이터', writeJobId: job, rows }),
        policy: 'new-tab',
      });
    const first = await write('job-1', [
      ['2023-12-31', 'moved', 1],
      ['2024-01-01', 'a', 2],
    ]);
    expect(first).toEqual({
      ...written(2, 2, ['2023-12-31', '2024-01-01']),
      sheetName: '로우데이터 (2)',
      policyApplied: 'new-tab',
    });
    expect(state.readTab('ss1', '로우데이터')).toEqual([['old', 'header']]);
    expect(state.readTab('ss1', '로우데이터 (2)')).toEqual([
      ['date', 'keyword', 'clicks'],
      [45_291, 'moved', 1],
      [45_292, 'a', 2],
    ]);
    const tabs = state.listTabs('ss1');
    expect(tabs.map((t) => t.title)).toEqual(['Summary', '로우데이터', '로우데이터 (2)', '_reportline']);
    expect(tabs.find((t) => t.title === '로우데이터')?.sheetId).toBe(sheetId);
    expect(state.totalCells('ss1')).toBe(51_993);

    // The next day fits the new tab (3 × 3 cells → 4 × 3): written there in place, the full tab left alone.
    const second = await write('job-2', [['2024-01-02', 'b', 3]]);
    expect(second).toEqual({ ...written(1, 3, ['2024-01-02']), sheetName: '로우데이터 (2)' });
    expect(state.readTab('ss1', '로우데이터 (2)').slice(1)).toEqual([
      [45_291, 'moved', 1],
      [45_292, 'a', 2],
      [45_293, 'b', 3],
    ]);
    expect(state.readTab('ss1', '로우데이터')).toEqual([['old', 'header']]);
    // A rerun of the roll-over's job answers from its record, naming the new tab.
    expect(await write('job-2', [['2024-01-02', 'b', 3]])).toEqual({ ...second, replayed: true });
  });
});
