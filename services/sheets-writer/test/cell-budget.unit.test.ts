import { describe, expect, it } from 'vitest';
import { fitCells, nextTabName } from '../src/sheets/cell-budget.ts';
import { CellLimitError } from '../src/sheets/errors.ts';
import { commitRequests, decideDates } from '../src/sheets/replace-plan.ts';
import type { SheetInfo, SpreadsheetInfo } from '../src/sheets/sheets-port.ts';

const tab = (over: Partial<SheetInfo> = {}): SheetInfo => ({
  sheetId: 7,
  title: 'Data',
  index: 0,
  hidden: false,
  rowCount: 301,
  columnCount: 26,
  ...over,
});
const metadata = tab({ sheetId: 91, title: '_reportline', index: 1, hidden: true, rowCount: 3, columnCount: 5 });
const info = (...extra: SheetInfo[]): SpreadsheetInfo => ({ spreadsheetId: 'ss', sheets: [tab(), metadata, ...extra] });
// The user's tab: 300 rows of three days, 26 columns wide (a tab the user created: 1000×26 by default, or wider).
const tabDates = ['2026-11-01', '2026-11-02', '2026-11-03'].flatMap((d) => Array<string>(100).fill(d));
const none = { pending: [], newerWritten: [] };
const common = {
  tabName: 'Data',
  baseName: 'Data',
  writeJobId: 'j',
  tabDates,
  columns: 10,
  incomingRows: 100,
  stagingRows: 0,
};

describe('the new-tab cell policy', () => {
  it('Given a wide tab the new day does not fit, When fitted under new-tab, Then the rows roll over to "Data (2)"', () => {
    // Now: 301 × 26 + 3 × 5 = 7,841. In place the 100 new rows take 26 columns each: 7,841 + 2,600 = 10,441.
    // In a new tab of the layout's 10 columns: 7,841 + (1 + 100) × 10 = 8,851, within 9,000.
    const fit = fitCells({
      ...common,
      info: info(),
      importDates: ['2026-11-04'],
      decision: decideDates({ dates: ['2026-11-04'], ...none }, tabDates),
      limit: 9_000,
      policy: 'new-tab',
    });
    expect(fit.rollover).toEqual({ title: 'Data (2)', moved: ['2026-11-04'] });
    expect(fit.budget).toEqual({ current: 7_841, after: 8_851, peak: 8_851, limit: 9_000 });
    expect(fit.trimmedForCells).toEqual([]);
  });

  it('Given the import replaces a day the full tab holds, Then that day moves: its rows leave the full tab', () => {
    // 2026-11-03's 100 rows leave the full tab: (301 − 100) × 26 + 15 + (1 + 100) × 10 = 6,251.
    const fit = fitCells({
      ...common,
      info: info(),
      importDates: ['2026-11-03'],
      decision: decideDates({ dates: ['2026-11-03'], ...none }, tabDates),
      limit: 7_000,
      policy: 'new-tab',
    });
    expect(fit.rollover).toEqual({ title: 'Data (2)', moved: ['2026-11-03'] });
    expect(fit.budget.after).toBe(6_251);
  });

  it('Given the change fits in place, Then new-tab changes nothing', () => {
    const fit = fitCells({
      ...common,
      info: info(),
      importDates: ['2026-11-04'],
      decision: decideDates({ dates: ['2026-11-04'], ...none }, tabDates),
      limit: 10_441,
      policy: 'new-tab',
    });
    expect(fit.rollover).toBeUndefined();
  });

  it('Given even a new tab does not fit, Then it fails with the numbers and what to do', () => {
    const attempt = () =>
      fitCells({
        ...common,
        info: info(),
        importDates: ['2026-11-04'],
        decision: decideDates({ dates: ['2026-11-04'], ...none }, tabDates),
        limit: 8_000,
        policy: 'new-tab',
      });
    expect(attempt).toThrow(CellLimitError);
    expect(attempt).toThrow(/would need 8,851, over Google's limit of 8,000 .*even in a new tab of its own/);
  });

  it('Given roll-over tabs exist, Then the next free number is taken, and a long name is shortened to fit 100', () => {
    expect(nextTabName(info(tab({ sheetId: 8, title: 'data (2)' })), 'Data')).toBe('Data (3)');
    const long = '가'.repeat(100);
    expect(nextTabName(info(), long)).toBe(`${'가'.repeat(96)} (2)`);
  });

  it('Given a roll-over, When planned, Then the moved day leaves the full tab and the new tab is added beside it', () => {
    const plan = commitRequests({
      target: undefined,
      newTargetSheetId: 55,
      sheetName: 'Data (2)',
      newTargetIndex: 1,
      columns: [
        { name: 'date', type: 'date' },
        { name: 'cost', type: 'number' },
      ],
      tabDates: [],
      removed: new Set(),
      rolledFrom: { sheet: tab(), tabDates, moved: new Set(['2026-11-03']) },
      staged: [{ date: '2026-11-03', rows: 1 }],
      source: { kind: 'inline', rows: [[46_329, 5]] },
      metadata,
      metadataRowIndex: 1,
      record: { sheetName: 'Data', writeJobId: 'j', rows: 1, committedAt: 't', result: '' },
    });
    expect(plan.requests.slice(0, 3)).toEqual([
      // 2026-11-03 is rows 201…300 of the full tab (row 0 is its header).
      { deleteDimension: { range: { sheetId: 7, dimension: 'ROWS', startIndex: 201, endIndex: 301 } } },
      {
        addSheet: {
          properties: {
            sheetId: 55,
            title: 'Data (2)',
            index: 1,
            gridProperties: { rowCount: 1, columnCount: 2, frozenRowCount: 1 },
          },
        },
      },
      {
        updateCells: {
          start: { sheetId: 55, rowIndex: 0, columnIndex: 0 },
          rows: [
            { values: [{ userEnteredValue: { stringValue: 'date' } }, { userEnteredValue: { stringValue: 'cost' } }] },
          ],
          fields: 'userEnteredValue',
        },
      },
    ]);
    expect(plan.requests[4]).toEqual({
      updateCells: {
        start: { sheetId: 55, rowIndex: 1, columnIndex: 0 },
        rows: [{ values: [{ userEnteredValue: { numberValue: 46_329 } }, { userEnteredValue: { numberValue: 5 } }] }],
        fields: 'userEnteredValue',
      },
    });
    expect(plan.requests.some((r) => r.deleteSheet)).toBe(false);
    expect(plan.rowsInTab).toBe(1);
  });
});
