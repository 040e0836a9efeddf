/**
 * Typed rows → RAW cell values. RAW stores exactly what is sent, so a string that starts with `=` stays text (no
 * formula injection), numbers go as JSON numbers, and dates go as serial numbers that a DATE format (set at commit)
 * displays as dates. USER_ENTERED would parse per the spreadsheet's locale instead — never used here.
 */
export type ColumnType = 'string' | 'number' | 'date';

export interface Column {
  name: string;
  type: ColumnType;
}

/** One input value; `null`/`undefined` become an empty cell. Dates are `YYYY-MM-DD`. */
export type CellInput = string | number | null | undefined;
export type RawCell = string | number;

export const MAX_CHARS_PER_CELL = 50_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const SERIAL_EPOCH_MS = Date.UTC(1899, 11, 30);
const DAY_MS = 86_400_000;

export class RowValueError extends Error {
  override name = 'RowValueError';
}

/** Days since 1899-12-30, the epoch Sheets (and Lotus 1-2-3 before it) count dates from. */
export function dateToSerial(iso: string): number {
  const m = ISO_DATE.exec(iso);
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : Number.NaN;
  const back = new Date(ms);
  if (!m || back.getUTCMonth() !== Number(m[2]) - 1 || back.getUTCDate() !== Number(m[3])) {
    throw new RowValueError(`expected a calendar date as YYYY-MM-DD, got "${iso.slice(0, 40)}"`);
  }
  return Math.round((ms - SERIAL_EPOCH_MS) / DAY_MS);
}

export function serialToDate(serial: number): string {
  return new Date(SERIAL_EPOCH_MS + serial * DAY_MS).toISOString().slice(0, 10);
}

function toRawCell(column: Column, value: CellInput): RawCell {
  if (value === null || value === undefined) return '';
  switch (column.type) {
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw new RowValueError(`expected a finite number, got ${JSON.stringify(value)?.slice(0, 40)}`);
      }
      return value;
    case 'date':
      if (typeof value !== 'string') throw new RowValueError(`expected a date string, got ${typeof value}`);
      return dateToSerial(value);
    case 'string': {
      const text = typeof value === 'number' ? String(value) : value;
      if (text.length > MAX_CHARS_PER_CELL) {
        throw new RowValueError(`text of ${text.length} characters exceeds Sheets' ${MAX_CHARS_PER_CELL} per cell`);
      }
      return text;
    }
  }
}

export function validateColumns(columns: readonly Column[]): void {
  if (columns.length === 0) throw new RowValueError('at least one column is required');
  const seen = new Set<string>();
  for (const c of columns) {
    if (!c.name) throw new RowValueError('column names must not be empty');
    if (seen.has(c.name)) throw new RowValueError(`column "${c.name}" appears twice`);
    seen.add(c.name);
  }
}

/** One input row as RAW cells; errors name the row (1-based, data rows) and column. */
export function toRawRow(columns: readonly Column[], row: readonly CellInput[], index: number): RawCell[] {
  if (row.length !== columns.length) {
    throw new RowValueError(`row ${index + 1} has ${row.length} values but there are ${columns.length} columns`);
  }
  return columns.map((column, j) => {
    try {
      return toRawCell(column, row[j]);
    } catch (err) {
      if (err instanceof RowValueError)
        throw new RowValueError(`row ${index + 1}, column "${column.name}": ${err.message}`);
      throw err;
    }
  });
}

/** The header row followed by one RAW row per input row; errors name the row (1-based, data rows) and column. */
export function toCellRows(columns: readonly Column[], rows: readonly (readonly CellInput[])[]): RawCell[][] {
  validateColumns(columns);
  const out: RawCell[][] = [columns.map((c) => c.name)];
  rows.forEach((row, i) => {
    if (row.length !== columns.length) {
      throw new RowValueError(`row ${i + 1} has ${row.length} values but there are ${columns.length} columns`);
    }
    out.push(
      columns.map((column, j) => {
        try {
          return toRawCell(column, row[j]);
        } catch (err) {
          if (err instanceof RowValueError)
            throw new RowValueError(`row ${i + 1}, column "${column.name}": ${err.message}`);
          throw err;
        }
      }),
    );
  });
  return out;
}
