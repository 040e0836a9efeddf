import { describe, expect, it } from 'vitest';
import { gridValues } from '../src/sheets/grid-values.ts';
import type { CommitRecord } from '../src/sheets/metadata.ts';
import type { SheetInfo } from '../src/sheets/sheets-port.ts';
import { mergeSheets, tabsAfter } from '../src/sheets/spreadsheet-view.ts';

describe('gridValues: a GridData block as values.get answers UNFORMATTED_VALUE', () => {
  it('gives effective values, empty cells as blanks, and drops trailing blanks and rows', () => {
    // Given a block with a date serial, text, a boolean, an error cell, an empty cell and trailing empty rows
    const data = {
      startRow: 1,
      rowData: [
        { values: [{ effectiveValue: { numberValue: 45_291 } }, {}, { effectiveValue: { stringValue: 'x' } }] },
        {},
        { values: [{ effectiveValue: { boolValue: true } }, { effectiveValue: { errorValue: { type: 'REF' } } }] },
        { values: [{}, {}] },
        {},
      ],
    };
    // Then the rows read as values.get would read them
    expect(gridValues(data)).toEqual([[45_291, '', 'x'], [], [true, '#REF!']]);
  });

  it('reads a block without rowData (a range with no content) and no block at all as no rows', () => {
    expect(gridValues({ startRow: 4 })).toEqual([]);
    expect(gridValues(undefined)).toEqual([]);
  });
});

const sheet = (sheetId: number, title: string, index: number, rowCount = 10): SheetInfo => ({
  sheetId,
  title,
  index,
  hidden: false,
  rowCount,
  columnCount: 3,
});

describe('the layout a commit leaves', () => {
  it('records where each connection of the spreadsheet writes: its roll-over, or its own tab, and the one committed', () => {
    // Given the records of three connections, one of which rolled over to "B (2)"
    const record = (sheetName: string, result: string, rowIndex: number): CommitRecord => ({
      sheetName,
      writeJobId: `j${rowIndex}`,
      rows: 1,
      committedAt: '',
      result,
      rowIndex,
    });
    const records = [
      record('A', JSON.stringify({ rowsInTab: 1, written: [], trimmed: [], skipped: [], pending: [] }), 1),
      record(
        'B',
        JSON.stringify({ rowsInTab: 1, written: [], trimmed: [], skipped: [], pending: [], tab: 'B (2)' }),
        2,
      ),
      record('C', '', 3),
    ];
    // When connection "a" commits into "A (2)"
    // Then every connection's tab is known, by its name in lower case
    expect(tabsAfter(records, 'a', 'A (2)')).toEqual({ a: 'A (2)', b: 'B (2)', c: 'C' });
  });

  it('puts the tabs just read in place of the remembered ones, by id or by name, in tab order', () => {
    const remembered = [sheet(1, 'Summary', 0), sheet(2, 'Data', 1, 10), sheet(3, '_reportline', 2, 2)];
    // Given the data tab grew and a tab named _reportline (any case) now has another id
    const fresh = [sheet(2, 'Data', 1, 25), sheet(9, '_REPORTLINE', 2, 3)];
    expect(mergeSheets(remembered, fresh)).toEqual([
      sheet(1, 'Summary', 0),
      sheet(2, 'Data', 1, 25),
      sheet(9, '_REPORTLINE', 2, 3),
    ]);
  });
});
