import { describe, expect, it } from 'vitest';
import { type Column, dateToSerial, RowValueError, serialToDate, toCellRows } from '../src/sheets/cells.ts';

const columns: Column[] = [
  { name: 'date', type: 'date' },
  { name: 'keyword', type: 'string' },
  { name: 'clicks', type: 'number' },
];

describe('dateToSerial', () => {
  it.each([
    ['1899-12-30', 0],
    ['1900-03-01', 61],
    ['2024-01-02', 45_293],
    ['2024-02-29', 45_351],
  ])('%s is day %i', (iso, serial) => {
    expect(dateToSerial(iso)).toBe(serial);
    expect(serialToDate(serial)).toBe(iso);
  });

  it.each(['2023-02-29', '2024-13-01', '20240102', '2024-1-2'])('rejects %s', (bad) => {
    expect(() => dateToSerial(bad)).toThrow(RowValueError);
  });
});

describe('toCellRows', () => {
  it('puts the header first and types every cell for RAW', () => {
    expect(
      toCellRows(columns, [
        ['2024-01-02', '운동화', 12],
        ['2024-01-03', '=HYPERLINK("x")', 0],
      ]),
    ).toEqual([
      ['date', 'keyword', 'clicks'],
      [45_293, '운동화', 12],
      [45_294, '=HYPERLINK("x")', 0],
    ]);
  });

  it('turns missing values into empty cells and numbers in text columns into text', () => {
    expect(toCellRows(columns, [[null, 42, undefined]])).toEqual([
      ['date', 'keyword', 'clicks'],
      ['', '42', ''],
    ]);
  });

  it('names the row and column of a bad value', () => {
    expect(() =>
      toCellRows(columns, [
        ['2024-01-02', 'a', 1],
        ['2024-01-02', 'b', '7'],
      ]),
    ).toThrow('row 2, column "clicks": expected a finite number, got "7"');
    expect(() => toCellRows(columns, [['01/02/2024', 'a', 1]])).toThrow('row 1, column "date"');
    expect(() => toCellRows(columns, [['2024-01-02', 'a', Number.NaN]])).toThrow('finite number');
  });

  it('rejects rows of the wrong width, duplicate columns and oversize text', () => {
    expect(() => toCellRows(columns, [['2024-01-02', 'a']])).toThrow('row 1 has 2 values but there are 3 columns');
    expect(() => toCellRows([columns[0]!, columns[0]!], [])).toThrow('column "date" appears twice');
    expect(() => toCellRows([{ name: 't', type: 'string' }], [['x'.repeat(50_001)]])).toThrow('50000 per cell');
  });
});
