import { columnLetters, formatBox, type GridBox } from './a1.ts';
import { renderCell, toCellWrite, type ValueInputOption, type ValueRenderOption } from './cell-values.ts';
import type { Limits } from './config.ts';
import { cellLimitMessage, exceedsGrid, invalidArgument } from './errors.ts';
import {
  getCell,
  insertRows,
  lastUsedRow,
  type Resolved,
  resolveRange,
  type Scalar,
  type Sheet,
  type Spreadsheet,
  setCell,
  totalCells,
} from './model.ts';

export type MajorDimension = 'ROWS' | 'COLUMNS';

export interface ValueRange {
  range: string;
  majorDimension: MajorDimension;
  values?: Scalar[][];
}

export interface UpdateValuesResponse {
  spreadsheetId: string;
  updatedRange: string;
  updatedRows: number;
  updatedColumns: number;
  updatedCells: number;
}

/** The requested range clipped to the grid; a start outside the grid is Google's "exceeds grid limits" error. */
export function readBox(res: Resolved): GridBox {
  const { sheet } = res;
  const box = {
    startRow: res.startRow ?? 0,
    endRow: Math.min(res.endRow ?? sheet.rowCount, sheet.rowCount),
    startCol: res.startCol ?? 0,
    endCol: Math.min(res.endCol ?? sheet.columnCount, sheet.columnCount),
  };
  if (box.startRow >= sheet.rowCount || box.startCol >= sheet.columnCount) {
    const asked = { ...box, endRow: res.endRow ?? box.startRow + 1, endCol: res.endCol ?? box.startCol + 1 };
    throw exceedsGrid(formatBox(sheet.title, asked, true), sheet.rowCount, sheet.columnCount);
  }
  return box;
}

export function getValues(
  ss: Spreadsheet,
  range: string,
  render: ValueRenderOption,
  major: MajorDimension = 'ROWS',
): ValueRange {
  const res = resolveRange(ss, range);
  const box = readBox(res);
  const values: Scalar[][] = [];
  for (let r = box.startRow; r < box.endRow; r++) {
    const row: Scalar[] = [];
    for (let c = box.startCol; c < box.endCol; c++) row.push(renderCell(getCell(res.sheet, r, c), render));
    while (row.length > 0 && row[row.length - 1] === '') row.pop();
    values.push(row);
  }
  while (values.length > 0 && values[values.length - 1]?.length === 0) values.pop();
  const out: ValueRange = { range: formatBox(res.sheet.title, box), majorDimension: major };
  if (values.length > 0) out.values = major === 'ROWS' ? values : transpose(values);
  return out;
}

function transpose(values: unknown[][]): Scalar[][] {
  const width = Math.max(0, ...values.map((r) => r.length));
  return Array.from({ length: width }, (_, c) => values.map((r) => (r[c] ?? '') as Scalar));
}

function asRows(values: unknown, major: MajorDimension): unknown[][] {
  if (values === undefined) return [];
  if (!Array.isArray(values) || !values.every(Array.isArray)) {
    throw invalidArgument("Invalid value at 'data.values': expected a list of lists of values.");
  }
  return major === 'ROWS' ? (values as unknown[][]) : transpose(values as unknown[][]);
}

/** Writes at a fixed position (values.update): the grid must already be large enough. */
export function updateValues(
  ss: Spreadsheet,
  range: string,
  rawValues: unknown,
  option: ValueInputOption,
  major: MajorDimension,
  limits: Limits,
): UpdateValuesResponse {
  const res = resolveRange(ss, range);
  const rows = asRows(rawValues, major);
  const startRow = res.startRow ?? 0;
  const startCol = res.startCol ?? 0;
  const height = rows.length;
  const width = Math.max(0, ...rows.map((r) => r.length));
  const requested = formatBox(
    res.sheet.title,
    {
      startRow,
      startCol,
      endRow: res.endRow ?? startRow + 1,
      endCol: res.endCol ?? startCol + 1,
    },
    true,
  );
  if (res.singleCell) {
    // A single cell is an anchor: the data may extend right and down from it.
  } else if (res.endRow !== undefined && startRow + height > res.endRow) {
    throw invalidArgument(
      `Requested writing within range [${requested}], but tried writing to row [${startRow + height}]`,
    );
  }
  if (!res.singleCell && res.endCol !== undefined && startCol + width > res.endCol) {
    throw invalidArgument(
      `Requested writing within range [${requested}], but tried writing to column [${columnLetters(startCol + width - 1)}]`,
    );
  }
  const box = { startRow, startCol, endRow: startRow + Math.max(height, 1), endCol: startCol + Math.max(width, 1) };
  if (height > 0 && (box.endRow > res.sheet.rowCount || box.endCol > res.sheet.columnCount)) {
    throw exceedsGrid(formatBox(res.sheet.title, box, true), res.sheet.rowCount, res.sheet.columnCount);
  }
  writeBox(res.sheet, startRow, startCol, rows, option, limits);
  return {
    spreadsheetId: ss.spreadsheetId,
    updatedRange: formatBox(res.sheet.title, box),
    updatedRows: height,
    updatedColumns: width,
    updatedCells: rows.reduce((n, r) => n + r.length, 0),
  };
}

function writeBox(
  sheet: Sheet,
  startRow: number,
  startCol: number,
  rows: unknown[][],
  option: ValueInputOption,
  limits: Limits,
): void {
  rows.forEach((row, i) => {
    row.forEach((value, j) => {
      const r = startRow + i;
      const c = startCol + j;
      const write = toCellWrite(value, option, getCell(sheet, r, c), limits.maxCharsPerCell, `[${i}][${j}]`);
      if (write.kind === 'set') setCell(sheet, r, c, write.cell);
    });
  });
}

export interface AppendValuesResponse {
  spreadsheetId: string;
  tableRange?: string;
  updates: UpdateValuesResponse;
}

/**
 * values.append: writes after the last used row of the table at `range`. INSERT_ROWS inserts fresh rows there (the
 * grid grows by the data's height); OVERWRITE reuses rows, growing the grid only if it runs out. Not idempotent —
 * repeating it appends again, which is why retried appends duplicate rows.
 */
export function appendValues(
  ss: Spreadsheet,
  range: string,
  rawValues: unknown,
  option: ValueInputOption,
  insert: 'INSERT_ROWS' | 'OVERWRITE',
  major: MajorDimension,
  limits: Limits,
): AppendValuesResponse {
  const res = resolveRange(ss, range);
  const { sheet } = res;
  const rows = asRows(rawValues, major);
  const startCol = res.startCol ?? 0;
  const used = lastUsedRow(sheet, startCol, res.endCol);
  const at = Math.max(used, res.startRow ?? 0);
  const height = rows.length;
  const width = Math.max(0, ...rows.map((r) => r.length));
  const before = totalCells(ss);
  if (insert === 'INSERT_ROWS') insertRows(sheet, at, height);
  else if (at + height > sheet.rowCount) insertRows(sheet, sheet.rowCount, at + height - sheet.rowCount);
  const after = totalCells(ss);
  if (after > before && after > limits.maxCellsPerSpreadsheet) {
    throw invalidArgument(cellLimitMessage(limits.maxCellsPerSpreadsheet));
  }
  const box = { startRow: at, startCol, endRow: at + Math.max(height, 1), endCol: startCol + Math.max(width, 1) };
  if (box.endCol > sheet.columnCount) {
    throw exceedsGrid(formatBox(sheet.title, box, true), sheet.rowCount, sheet.columnCount);
  }
  writeBox(sheet, at, startCol, rows, option, limits);
  const out: AppendValuesResponse = {
    spreadsheetId: ss.spreadsheetId,
    updates: {
      spreadsheetId: ss.spreadsheetId,
      updatedRange: formatBox(sheet.title, box),
      updatedRows: height,
      updatedColumns: width,
      updatedCells: rows.reduce((n, r) => n + r.length, 0),
    },
  };
  if (used > 0) {
    out.tableRange = formatBox(sheet.title, {
      startRow: 0,
      endRow: used,
      startCol,
      endCol: startCol + Math.max(width, 1),
    });
  }
  return out;
}

/** Clears values and formulas in the range; formats stay, as in Sheets. */
export function clearValues(ss: Spreadsheet, range: string): string {
  const res = resolveRange(ss, range);
  const box = readBox(res);
  for (let r = box.startRow; r < Math.min(box.endRow, res.sheet.rows.length); r++) {
    const row = res.sheet.rows[r];
    if (!row) continue;
    for (let c = box.startCol; c < Math.min(box.endCol, row.length); c++) {
      const cell = row[c];
      if (cell) setCell(res.sheet, r, c, cell.numberFormat ? { numberFormat: cell.numberFormat } : undefined);
    }
  }
  return formatBox(res.sheet.title, box);
}
