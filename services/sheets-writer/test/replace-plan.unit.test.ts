import { describe, expect, it } from 'vitest';
import { fitCells } from '../src/sheets/cell-budget.ts';
import { CellLimitError } from '../src/sheets/errors.ts';
import { commitRequests, decideDates } from '../src/sheets/replace-plan.ts';
import type { SheetInfo, SpreadsheetInfo } from '../src/sheets/sheets-port.ts';

const tab = (over: Partial<SheetInfo> = {}): SheetInfo => ({
  sheetId: 7,
  title: 'Data',
  index: 0,
  hidden: false,
  rowCount: 10,
  columnCount: 2,
  ...over,
});
const staging = tab({ sheetId: 90, title: '_stage_j', hidden: true, rowCount: 5 });
const metadata = tab({ sheetId: 91, title: '_reportline', hidden: true, rowCount: 3, columnCount: 5 });
const columns = [
  { name: 'date', type: 'date' as const },
  { name: 'cost', type: 'number' as const },
];
const record = { sheetName: 'Data', writeJobId: 'j', rows: 0, committedAt: 't', result: '' };
const none = { pending: [], newerWritten: [] };

/** The requests without the `_reportline` record (its own tests are the metadata's) and the header rewrite. */
function edits(plan: ReturnType<typeof commitRequests>) {
  return plan.requests.filter((r) => !r.updateCells && !r.appendDimension);
}

describe('decideDates', () => {
  it('given no history window, when a one-day import arrives, then only that day is replaced and older days stay', () => {
    const decision = decideDates({ dates: ['2026-11-20'], ...none }, ['2026-11-18', '2026-11-19', '2026-11-20']);
    expect(decision).toEqual({
      write: ['2026-11-20'],
      trimmed: [],
      skipped: [],
      pending: [],
      windowStart: undefined,
    });
  });

  it('given a 3-day window, when the next day arrives, then the day that fell out of the window is trimmed', () => {
    const decision = decideDates({ dates: ['2026-11-21'], ...none, historyDays: 3 }, [
      '2026-11-18',
      '2026-11-18',
      '2026-11-19',
      '2026-11-20',
    ]);
    expect(decision).toMatchObject({ write: ['2026-11-21'], trimmed: ['2026-11-18'], windowStart: '2026-11-19' });
  });

  it('given a newer generation already wrote a date and another is pending, then both are left alone and said so', () => {
    const decision = decideDates(
      { dates: ['2026-11-19', '2026-11-20'], pending: ['2026-11-21'], newerWritten: ['2026-11-19'], historyDays: 30 },
      ['2026-11-19'],
    );
    expect(decision).toEqual({
      write: ['2026-11-20'],
      trimmed: [],
      skipped: ['2026-11-19'],
      pending: ['2026-11-21'],
      windowStart: '2026-10-23',
    });
  });
});

describe('commitRequests', () => {
  it('given a tab of three days, when the middle day is replaced, then its rows are deleted and the new block pasted in its place', () => {
    const tabDates = ['2026-11-18', '2026-11-19', '2026-11-19', '2026-11-20'];
    const plan = commitRequests({
      target: tab(),
      newTargetSheetId: 1,
      sheetName: 'Data',
      columns,
      tabDates,
      removed: new Set(['2026-11-19']),
      staged: [{ date: '2026-11-19', rows: 3 }],
      source: { kind: 'staging', staging },
      metadata,
      metadataRowIndex: 1,
      record,
    });
    expect(edits(plan)).toEqual([
      { deleteDimension: { range: { sheetId: 7, dimension: 'ROWS', startIndex: 2, endIndex: 4 } } },
      {
        insertDimension: {
          range: { sheetId: 7, dimension: 'ROWS', startIndex: 2, endIndex: 5 },
          inheritFromBefore: true,
        },
      },
      {
        copyPaste: {
          source: { sheetId: 90, startRowIndex: 0, endRowIndex: 3, startColumnIndex: 0, endColumnIndex: 2 },
          destination: { sheetId: 7, startRowIndex: 2, endRowIndex: 5, startColumnIndex: 0, endColumnIndex: 2 },
          pasteType: 'PASTE_VALUES',
        },
      },
      {
        repeatCell: {
          range: { sheetId: 7, startRowIndex: 2, endRowIndex: 5, startColumnIndex: 0, endColumnIndex: 1 },
          cell: { userEnteredFormat: { numberFormat: { type: 'DATE', pattern: 'yyyy-mm-dd' } } },
          fields: 'userEnteredFormat.numberFormat',
        },
      },
      { deleteSheet: { sheetId: 90 } },
    ]);
    expect(plan.rowsInTab).toBe(5);
  });

  it('given an old day trimmed and two days added at both ends, when planned, then deletions and insertions go bottom-up', () => {
    const plan = commitRequests({
      target: tab(),
      newTargetSheetId: 1,
      sheetName: 'Data',
      columns: [{ name: 'cost', type: 'number' }],
      tabDates: ['2026-11-10', '2026-11-12', '2026-11-12'],
      removed: new Set(['2026-11-10']),
      staged: [
        { date: '2026-11-11', rows: 1 },
        { date: '2026-11-13', rows: 2 },
        { date: '2026-11-14', rows: 0 },
      ],
      source: { kind: 'staging', staging },
      metadata,
      metadataRowIndex: 1,
      record,
    });
    const kinds = edits(plan).map((r) => {
      const [kind, body] = Object.entries(r)[0] as [string, { range?: unknown; destination?: unknown }];
      return [kind, JSON.stringify(body.range ?? body.destination ?? body)];
    });
    expect(kinds.map(([k]) => k)).toEqual([
      'deleteDimension',
      'insertDimension',
      'copyPaste',
      'insertDimension',
      'copyPaste',
      'deleteSheet',
    ]);
    // After the delete the tab is [header, 11-12, 11-12]: 11-13's two rows go at row 3, 11-11's one row at row 1.
    const inserts = edits(plan).flatMap((r) => (r.insertDimension ? [r.insertDimension.range] : []));
    expect(inserts).toEqual([
      { sheetId: 7, dimension: 'ROWS', startIndex: 3, endIndex: 5 },
      { sheetId: 7, dimension: 'ROWS', startIndex: 1, endIndex: 2 },
    ]);
    const sources = edits(plan).flatMap((r) => (r.copyPaste ? [r.copyPaste.source?.startRowIndex] : []));
    expect(sources).toEqual([1, 0]);
    expect(plan.rowsInTab).toBe(5);
  });

  it('given no target tab yet, when planned, then the commit creates it once with a frozen header', () => {
    const plan = commitRequests({
      target: undefined,
      newTargetSheetId: 55,
      sheetName: 'Data',
      columns,
      tabDates: [],
      removed: new Set(),
      staged: [{ date: '2026-11-18', rows: 2 }],
      source: { kind: 'staging', staging },
      metadata,
      metadataRowIndex: 1,
      record,
    });
    expect(plan.requests[0]).toEqual({
      addSheet: {
        properties: {
          sheetId: 55,
          title: 'Data',
          gridProperties: { rowCount: 1, columnCount: 2, frozenRowCount: 1 },
        },
      },
    });
    expect(plan.requests.some((r) => r.deleteSheet?.sheetId === 55)).toBe(false);
  });

  it('never deletes or re-creates an existing target tab', () => {
    const plan = commitRequests({
      target: tab(),
      newTargetSheetId: 1,
      sheetName: 'Data',
      columns,
      tabDates: ['2026-11-18'],
      removed: new Set(['2026-11-18']),
      staged: [{ date: '2026-11-18', rows: 0 }],
      source: { kind: 'staging', staging },
      metadata,
      metadataRowIndex: 1,
      record,
    });
    expect(plan.requests.filter((r) => r.addSheet || r.deleteSheet)).toEqual([{ deleteSheet: { sheetId: 90 } }]);
    expect(plan.rowsInTab).toBe(0);
  });

  it('given a tab whose every row is replaced, when planned, then one spare row is added first (Sheets keeps a non-frozen row)', () => {
    const plan = commitRequests({
      target: tab({ rowCount: 3 }),
      newTargetSheetId: 1,
      sheetName: 'Data',
      columns,
      tabDates: ['2026-11-18', '2026-11-18'],
      removed: new Set(['2026-11-18']),
      staged: [{ date: '2026-11-18', rows: 1 }],
      source: { kind: 'staging', staging },
      metadata,
      metadataRowIndex: 1,
      record,
    });
    const kinds = plan.requests.map((r) => Object.keys(r)[0]);
    expect(kinds.slice(0, 4)).toEqual(['updateCells', 'appendDimension', 'deleteDimension', 'insertDimension']);
    expect(plan.requests[1]).toEqual({ appendDimension: { sheetId: 7, dimension: 'ROWS', length: 1 } });
  });
});

describe('fitCells', () => {
  const info = (rowCount: number): SpreadsheetInfo => ({
    spreadsheetId: 'ss',
    sheets: [tab({ rowCount, columnCount: 10 }), metadata],
  });
  // Days of 100 rows each, 10 columns: 1,000 cells a day.
  const tabDates = ['2026-11-01', '2026-11-02', '2026-11-03'].flatMap((d) => Array<string>(100).fill(d));
  const common = {
    tabName: 'Data',
    baseName: 'Data',
    importDates: ['2026-11-04'],
    writeJobId: 'j',
    tabDates,
    columns: 10,
    incomingRows: 100,
    stagingRows: 100,
  };

  it('given trim-oldest, when the new day would not fit, then the oldest days go until it does', () => {
    // Now: 301 × 10 + 15 = 3,025. After adding a day: 4,025, plus staging 1,000 = 5,025 at the peak.
    const fit = fitCells({
      ...common,
      info: info(301),
      decision: decideDates({ dates: ['2026-11-04'], ...none }, tabDates),
      limit: 4_100,
      policy: 'trim-oldest',
    });
    expect(fit.trimmedForCells).toEqual(['2026-11-01']);
    expect(fit.decision.trimmed).toEqual(['2026-11-01']);
    expect(fit.budget).toEqual({ current: 3_025, after: 3_025, peak: 4_025, limit: 4_100 });
  });

  it('given fail, when the new day would not fit, then it fails with the numbers and what to do', () => {
    const attempt = () =>
      fitCells({
        ...common,
        info: info(301),
        decision: decideDates({ dates: ['2026-11-04'], ...none }, tabDates),
        limit: 4_100,
        policy: 'fail',
      });
    expect(attempt).toThrow(CellLimitError);
    expect(attempt).toThrow(/would need 5,025, over Google's limit of 4,100 .*"trim-oldest"/);
  });

  it('given trim-oldest, when the import alone cannot fit, then it fails rather than empty the tab', () => {
    expect(() =>
      fitCells({
        ...common,
        info: info(301),
        decision: decideDates({ dates: ['2026-11-04'], ...none }, tabDates),
        limit: 1_500,
        policy: 'trim-oldest',
      }),
    ).toThrow('does not fit even with every older day trimmed');
  });
});
