import { describe, expect, it } from 'vitest';
import { A1ParseError, columnIndex, columnLetters, formatBox, parseA1, quoteSheetName } from '../src/a1.ts';

describe('parseA1', () => {
  it('reads a sheet-qualified box as a 0-based, end-exclusive grid range', () => {
    expect(parseA1('Sheet1!A1:B2')).toEqual({
      sheetName: 'Sheet1',
      startRow: 0,
      endRow: 2,
      startCol: 0,
      endCol: 2,
      singleCell: false,
    });
  });

  it("unquotes Korean sheet names with doubled ' inside", () => {
    expect(parseA1("'로우''데이터'!A1:C3")).toMatchObject({ sheetName: "로우'데이터", endRow: 3, endCol: 3 });
    expect(parseA1("'로우 데이터'")).toMatchObject({ sheetName: '로우 데이터', startRow: undefined });
  });

  it('reads whole columns, whole rows and open-ended ranges', () => {
    expect(parseA1('S!A:C')).toMatchObject({ startCol: 0, endCol: 3, startRow: undefined, endRow: undefined });
    expect(parseA1('S!2:4')).toMatchObject({ startRow: 1, endRow: 4, startCol: undefined, endCol: undefined });
    expect(parseA1('S!B5:D')).toMatchObject({ startRow: 4, endRow: undefined, startCol: 1, endCol: 4 });
  });

  it('reads a single cell as an anchor', () => {
    expect(parseA1('S!AA10')).toMatchObject({ startRow: 9, endRow: 10, startCol: 26, endCol: 27, singleCell: true });
  });

  it('treats a bare reference as a range on the first sheet and anything else as a sheet name', () => {
    expect(parseA1('A1:B2')).toMatchObject({ sheetName: undefined, endRow: 2 });
    expect(parseA1('Data')).toMatchObject({ sheetName: 'Data', startRow: undefined });
    expect(parseA1('Sheet1')).toMatchObject({ sheetName: 'Sheet1' });
  });

  it('orders reversed corners', () => {
    expect(parseA1('S!B3:A1')).toMatchObject({ startRow: 0, endRow: 3, startCol: 0, endCol: 2 });
  });

  it.each(["'unterminated!A1", 'S!', 'S!A1:B2:C3', 'S!A0', "'x'A1", 'S!ABCD1'])('rejects %s', (input) => {
    expect(() => parseA1(input)).toThrow(A1ParseError);
  });
});

describe('column letters', () => {
  it.each([
    [0, 'A'],
    [25, 'Z'],
    [26, 'AA'],
    [701, 'ZZ'],
    [18_277, 'ZZZ'],
  ])('%i <-> %s', (index, letters) => {
    expect(columnLetters(index)).toBe(letters);
    expect(columnIndex(letters)).toBe(index);
  });
});

describe('formatting', () => {
  it('quotes only names that need it, unless asked to always quote', () => {
    expect(quoteSheetName('Sheet1')).toBe('Sheet1');
    expect(quoteSheetName('My Sheet')).toBe("'My Sheet'");
    expect(quoteSheetName("로우'데이터")).toBe("'로우''데이터'");
    expect(quoteSheetName('A1')).toBe("'A1'");
    expect(quoteSheetName('Sheet1', true)).toBe("'Sheet1'");
  });

  it('renders boxes and single cells', () => {
    expect(formatBox('Sheet1', { startRow: 1000, endRow: 1001, startCol: 0, endCol: 2 }, true)).toBe(
      "'Sheet1'!A1001:B1001",
    );
    expect(formatBox('Sheet1', { startRow: 0, endRow: 1, startCol: 0, endCol: 1 })).toBe('Sheet1!A1');
  });
});
