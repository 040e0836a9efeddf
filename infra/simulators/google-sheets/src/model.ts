import { A1ParseError, parseA1 } from './a1.ts';
import { unableToParseRange } from './errors.ts';

export type Scalar = string | number | boolean;

export interface NumberFormat {
  type: string;
  pattern?: string;
}

/** A stored cell: either a literal value or a formula (USER_ENTERED `=…`), plus its number format. Never mutated. */
export interface Cell {
  readonly value?: Scalar;
  readonly formula?: string;
  readonly numberFormat?: NumberFormat;
}

export type Row = Array<Cell | undefined>;

export interface Sheet {
  sheetId: number;
  title: string;
  index: number;
  hidden: boolean;
  rowCount: number;
  columnCount: number;
  frozenRowCount: number;
  frozenColumnCount: number;
  rows: Array<Row | undefined>;
}

export interface Spreadsheet {
  spreadsheetId: string;
  title: string;
  locale: string;
  timeZone: string;
  sheets: Sheet[];
}

export const DEFAULT_ROWS = 1000;
export const DEFAULT_COLUMNS = 26;

export function newSheet(init: Partial<Sheet> & { sheetId: number; title: string }): Sheet {
  return {
    index: 0,
    hidden: false,
    rowCount: DEFAULT_ROWS,
    columnCount: DEFAULT_COLUMNS,
    frozenRowCount: 0,
    frozenColumnCount: 0,
    rows: [],
    ...init,
  };
}

// Rows of a drafted sheet are shared with the committed version until first written; this marks the copied ones.
const ownedRows = new WeakSet<Sheet>();

/**
 * A working copy for one request. Requests apply to the draft and the draft replaces the stored spreadsheet only if
 * every step succeeded, which is how batchUpdate stays all-or-nothing without deep-copying every cell.
 */
export function draft(ss: Spreadsheet): Spreadsheet {
  return { ...ss, sheets: ss.sheets.map((s) => ({ ...s })) };
}

export function writableRows(sheet: Sheet): Array<Row | undefined> {
  if (!ownedRows.has(sheet)) {
    sheet.rows = sheet.rows.map((r) => r?.slice());
    ownedRows.add(sheet);
  }
  return sheet.rows;
}

export function reindex(ss: Spreadsheet): void {
  ss.sheets.forEach((s, i) => {
    s.index = i;
  });
}

export function sheetByTitle(ss: Spreadsheet, title: string): Sheet | undefined {
  const wanted = title.toLowerCase();
  return ss.sheets.find((s) => s.title.toLowerCase() === wanted);
}

export function sheetById(ss: Spreadsheet, sheetId: number): Sheet | undefined {
  return ss.sheets.find((s) => s.sheetId === sheetId);
}

export function totalCells(ss: Spreadsheet): number {
  return ss.sheets.reduce((n, s) => n + s.rowCount * s.columnCount, 0);
}

export interface Resolved {
  sheet: Sheet;
  startRow: number | undefined;
  endRow: number | undefined;
  startCol: number | undefined;
  endCol: number | undefined;
  singleCell: boolean;
}

export function resolveRange(ss: Spreadsheet, a1: string): Resolved {
  let parsed: ReturnType<typeof parseA1>;
  try {
    parsed = parseA1(a1);
  } catch (err) {
    if (err instanceof A1ParseError) throw unableToParseRange(a1);
    throw err;
  }
  const sheet = parsed.sheetName === undefined ? ss.sheets[0] : sheetByTitle(ss, parsed.sheetName);
  if (!sheet) throw unableToParseRange(a1);
  return { ...parsed, sheet };
}

export function getCell(sheet: Sheet, row: number, col: number): Cell | undefined {
  return sheet.rows[row]?.[col];
}

export function setCell(sheet: Sheet, row: number, col: number, cell: Cell | undefined): void {
  const rows = writableRows(sheet);
  if (cell === undefined) {
    const r = rows[row];
    if (r) r[col] = undefined;
    return;
  }
  let r = rows[row];
  if (!r) {
    r = [];
    rows[row] = r;
  }
  r[col] = cell;
}

export function insertRows(sheet: Sheet, at: number, count: number): void {
  const rows = writableRows(sheet);
  // concat, not splice(...spread): a spread of a million holes would overflow the call stack.
  if (at < rows.length) sheet.rows = rows.slice(0, at).concat(new Array<Row | undefined>(count), rows.slice(at));
  sheet.rowCount += count;
}

export function deleteRows(sheet: Sheet, start: number, end: number): void {
  writableRows(sheet).splice(start, end - start);
  sheet.rowCount -= end - start;
}

export function insertColumns(sheet: Sheet, at: number, count: number): void {
  const rows = writableRows(sheet);
  rows.forEach((r, i) => {
    if (r && at < r.length) rows[i] = r.slice(0, at).concat(new Array<Cell | undefined>(count), r.slice(at));
  });
  sheet.columnCount += count;
}

export function deleteColumns(sheet: Sheet, start: number, end: number): void {
  for (const r of writableRows(sheet)) r?.splice(start, end - start);
  sheet.columnCount -= end - start;
}

/** Shrinking a grid drops the cells outside it, as Sheets does. */
export function resizeGrid(sheet: Sheet, rowCount: number, columnCount: number): void {
  if (rowCount < sheet.rowCount || columnCount < sheet.columnCount) {
    const rows = writableRows(sheet);
    rows.length = Math.min(rows.length, rowCount);
    for (const r of rows) if (r && r.length > columnCount) r.length = columnCount;
  }
  sheet.rowCount = rowCount;
  sheet.columnCount = columnCount;
}

/** Index one past the last row holding a value or formula within [startCol, endCol). */
export function lastUsedRow(sheet: Sheet, startCol = 0, endCol = Number.POSITIVE_INFINITY): number {
  for (let r = Math.min(sheet.rows.length, sheet.rowCount) - 1; r >= 0; r--) {
    const row = sheet.rows[r];
    if (!row) continue;
    for (let c = startCol; c < Math.min(row.length, endCol); c++) {
      const cell = row[c];
      if (cell && (cell.value !== undefined || cell.formula !== undefined)) return r + 1;
    }
  }
  return 0;
}

/**
 * Formulas are not evaluated, but what a reference points at is modelled, because it is what a user loses when a tab
 * goes: Sheets binds `'Tab'!K:K` to the tab itself, so renaming the tab rewrites the reference and deleting it turns
 * the reference into `#REF!` for good (re-creating a tab of that name does not bring it back).
 */
const quotedTitle = (title: string) => `'${title.replaceAll("'", "''")}'`;
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function referencePattern(title: string): RegExp {
  const quoted = escapeRegExp(quotedTitle(title));
  const bare = /^[A-Za-z_][A-Za-z0-9_]*$/.test(title) ? `|(?<![A-Za-z0-9_'])${escapeRegExp(title)}` : '';
  // The range after the `!` goes with the reference: a deleted tab leaves `#REF!`, not `#REF!K:K`.
  return new RegExp(`(?:${quoted}${bare})!\\$?[A-Za-z]*\\$?[0-9]*(?::\\$?[A-Za-z]*\\$?[0-9]*)?`, 'gi');
}

function rewriteFormulas(ss: Spreadsheet, rewrite: (formula: string) => string): void {
  for (const sheet of ss.sheets) {
    sheet.rows.forEach((row, r) => {
      row?.forEach((cell, c) => {
        if (cell?.formula === undefined) return;
        const next = rewrite(cell.formula);
        if (next !== cell.formula) setCell(sheet, r, c, { ...cell, formula: next });
      });
    });
  }
}

export function breakReferencesTo(ss: Spreadsheet, title: string): void {
  const pattern = referencePattern(title);
  rewriteFormulas(ss, (f) => f.replace(pattern, '#REF!'));
}

export function renameReferences(ss: Spreadsheet, from: string, to: string): void {
  const pattern = referencePattern(from);
  rewriteFormulas(ss, (f) => f.replace(pattern, (ref) => `${quotedTitle(to)}${ref.slice(ref.lastIndexOf('!'))}`));
}

/** A formula whose reference is gone shows the error, as Sheets does; its text still reads back with FORMULA. */
export const isBrokenFormula = (formula: string) => formula.includes('#REF!');
