import { formatBox } from './a1.ts';
import type { Limits } from './config.ts';
import { cellLimitMessage, GoogleApiError, invalidArgument, invalidSubrequest } from './errors.ts';
import {
  breakReferencesTo,
  type Cell,
  DEFAULT_COLUMNS,
  DEFAULT_ROWS,
  deleteColumns,
  deleteRows,
  getCell,
  insertColumns,
  insertRows,
  lastUsedRow,
  newSheet,
  reindex,
  renameReferences,
  resizeGrid,
  type Sheet,
  type Spreadsheet,
  setCell,
  sheetById,
  sheetByTitle,
  totalCells,
} from './model.ts';
import { sheetProperties } from './views.ts';

/** Thrown inside a subrequest; the caller prefixes it with `Invalid requests[i].<kind>: `. */
class SubrequestError extends Error {}
const fail = (message: string): never => {
  throw new SubrequestError(message);
};

type Json = Record<string, unknown>;
type Handler = (ss: Spreadsheet, body: Json, limits: Limits) => Json;

const num = (v: unknown): number | undefined =>
  typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : undefined;
const obj = (v: unknown): Json => (v && typeof v === 'object' ? (v as Json) : {});

function gridSheet(ss: Spreadsheet, sheetId: unknown): Sheet {
  const id = num(sheetId) ?? 0;
  return sheetById(ss, id) ?? fail(`No grid with id: ${id}`);
}

function checkTitle(ss: Spreadsheet, title: string, self?: Sheet): void {
  if (title.trim() === '') fail('The sheet name cannot be empty.');
  const other = sheetByTitle(ss, title);
  if (other && other !== self) {
    fail(`A sheet with the name "${title}" already exists. Please enter another name.`);
  }
}

function ensureSomeVisible(ss: Spreadsheet, verb: 'remove' | 'hide'): void {
  if (!ss.sheets.some((s) => !s.hidden)) fail(`You can't ${verb} all the sheets in a document.`);
}

interface Box {
  sheet: Sheet;
  startRow: number;
  endRow: number;
  startCol: number;
  endCol: number;
}

function gridBox(ss: Spreadsheet, range: unknown): Box {
  const r = obj(range);
  const sheet = gridSheet(ss, r.sheetId);
  const box = {
    sheet,
    startRow: num(r.startRowIndex) ?? 0,
    endRow: num(r.endRowIndex) ?? sheet.rowCount,
    startCol: num(r.startColumnIndex) ?? 0,
    endCol: num(r.endColumnIndex) ?? sheet.columnCount,
  };
  if (box.endRow > sheet.rowCount || box.endCol > sheet.columnCount) {
    fail(
      `Range (${formatBox(sheet.title, box, true)}) exceeds grid limits. Max rows: ${sheet.rowCount}, max columns: ${sheet.columnCount}`,
    );
  }
  return box;
}

function maskOf(body: Json): string[] {
  const fields = typeof body.fields === 'string' ? body.fields : '';
  const mask = fields
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  if (mask.length === 0) fail("'fields' must be set to say which properties to update.");
  return mask;
}
const masked = (mask: string[], path: string) => mask.some((m) => m === '*' || m === path || path.startsWith(`${m}.`));

function dimensionRange(ss: Spreadsheet, range: unknown) {
  const r = obj(range);
  const sheet = gridSheet(ss, r.sheetId);
  const dimension =
    r.dimension === 'COLUMNS' ? 'COLUMNS' : r.dimension === 'ROWS' ? 'ROWS' : fail('dimension must be ROWS or COLUMNS');
  const size = dimension === 'ROWS' ? sheet.rowCount : sheet.columnCount;
  const start = num(r.startIndex) ?? 0;
  const end = num(r.endIndex) ?? size;
  if (start < 0 || end <= start) fail(`Invalid range: startIndex ${start}, endIndex ${end}`);
  return { sheet, dimension, start, end, size };
}

/** Writes `userEnteredValue` / `userEnteredFormat.numberFormat` of a CellData onto a cell, per the fields mask. */
function applyCellData(existing: Cell | undefined, data: Json, mask: string[]): Cell | undefined {
  let cell: Cell = { ...existing };
  if (masked(mask, 'userEnteredValue')) {
    const v = obj(data.userEnteredValue);
    const { value: _v, formula: _f, ...rest } = cell;
    cell = rest;
    if (typeof v.formulaValue === 'string') cell = { ...cell, formula: v.formulaValue };
    else if (typeof v.numberValue === 'number') cell = { ...cell, value: v.numberValue };
    else if (typeof v.boolValue === 'boolean') cell = { ...cell, value: v.boolValue };
    else if (typeof v.stringValue === 'string') cell = { ...cell, value: v.stringValue };
  }
  if (masked(mask, 'userEnteredFormat.numberFormat')) {
    const nf = obj(obj(data.userEnteredFormat).numberFormat);
    const { numberFormat: _n, ...rest } = cell;
    cell =
      typeof nf.type === 'string'
        ? {
            ...rest,
            numberFormat: { type: nf.type, ...(typeof nf.pattern === 'string' ? { pattern: nf.pattern } : {}) },
          }
        : rest;
  }
  return cell.value === undefined && cell.formula === undefined && cell.numberFormat === undefined ? undefined : cell;
}

const handlers: Record<string, Handler> = {
  addSheet(ss, body) {
    const p = obj(body.properties);
    const grid = obj(p.gridProperties);
    const sheetId = num(p.sheetId) ?? nextSheetId(ss);
    if (sheetById(ss, sheetId)) fail(`A sheet with the id ${sheetId} already exists.`);
    let title = typeof p.title === 'string' ? p.title : '';
    if (!title) for (let n = ss.sheets.length + 1; !title || sheetByTitle(ss, title); n++) title = `Sheet${n}`;
    checkTitle(ss, title);
    const sheet = newSheet({
      sheetId,
      title,
      hidden: p.hidden === true,
      rowCount: num(grid.rowCount) ?? DEFAULT_ROWS,
      columnCount: num(grid.columnCount) ?? DEFAULT_COLUMNS,
      frozenRowCount: num(grid.frozenRowCount) ?? 0,
      frozenColumnCount: num(grid.frozenColumnCount) ?? 0,
    });
    const at = Math.min(num(p.index) ?? ss.sheets.length, ss.sheets.length);
    ss.sheets.splice(at, 0, sheet);
    reindex(ss);
    return { addSheet: { properties: sheetProperties(sheet) } };
  },
  deleteSheet(ss, body) {
    const sheet = gridSheet(ss, body.sheetId);
    ss.sheets.splice(ss.sheets.indexOf(sheet), 1);
    if (ss.sheets.length === 0) fail("You can't remove all the sheets in a document.");
    ensureSomeVisible(ss, 'remove');
    reindex(ss);
    breakReferencesTo(ss, sheet.title);
    return {};
  },
  updateSheetProperties(ss, body) {
    const p = obj(body.properties);
    const sheet = gridSheet(ss, p.sheetId);
    const mask = maskOf(body);
    const grid = obj(p.gridProperties);
    if (masked(mask, 'title')) {
      const title = typeof p.title === 'string' ? p.title : '';
      checkTitle(ss, title, sheet);
      if (title !== sheet.title) renameReferences(ss, sheet.title, title);
      sheet.title = title;
    }
    if (masked(mask, 'hidden')) {
      sheet.hidden = p.hidden === true;
      ensureSomeVisible(ss, 'hide');
    }
    if (masked(mask, 'index') && num(p.index) !== undefined) {
      ss.sheets.splice(ss.sheets.indexOf(sheet), 1);
      ss.sheets.splice(Math.min(num(p.index) ?? 0, ss.sheets.length), 0, sheet);
      reindex(ss);
    }
    const rows = masked(mask, 'gridProperties.rowCount') ? (num(grid.rowCount) ?? sheet.rowCount) : sheet.rowCount;
    const cols = masked(mask, 'gridProperties.columnCount')
      ? (num(grid.columnCount) ?? sheet.columnCount)
      : sheet.columnCount;
    if (rows < 1 || cols < 1) fail('A sheet must have at least one row and one column.');
    resizeGrid(sheet, rows, cols);
    if (masked(mask, 'gridProperties.frozenRowCount')) sheet.frozenRowCount = num(grid.frozenRowCount) ?? 0;
    if (masked(mask, 'gridProperties.frozenColumnCount')) sheet.frozenColumnCount = num(grid.frozenColumnCount) ?? 0;
    return {};
  },
  appendDimension(ss, body) {
    const sheet = gridSheet(ss, body.sheetId);
    const length = num(body.length) ?? 0;
    if (length < 1) fail('length must be at least 1');
    if (body.dimension === 'COLUMNS') insertColumns(sheet, sheet.columnCount, length);
    else if (body.dimension === 'ROWS') insertRows(sheet, sheet.rowCount, length);
    else fail('dimension must be ROWS or COLUMNS');
    return {};
  },
  insertDimension(ss, body) {
    const { sheet, dimension, start, end, size } = dimensionRange(ss, body.range);
    if (start > size) fail(`Invalid range: startIndex ${start} is after the end of the grid (${size})`);
    const before = body.inheritFromBefore === true;
    if (before && start === 0) fail('Cannot inherit from before when inserting at the first row or column.');
    if (dimension === 'ROWS') insertRows(sheet, start, end - start);
    else insertColumns(sheet, start, end - start);
    // New rows take the formats (not the values) of their neighbour: the row before, or by default the one after.
    if (dimension === 'ROWS') inheritRowFormats(sheet, start, end, before ? start - 1 : end);
    return {};
  },
  deleteDimension(ss, body) {
    const { sheet, dimension, start, end, size } = dimensionRange(ss, body.range);
    const clampedEnd = Math.min(end, size);
    if (start === 0 && clampedEnd >= size) {
      fail(`You can't delete all the ${dimension === 'ROWS' ? 'rows' : 'columns'} on the sheet.`);
    }
    const frozen = dimension === 'ROWS' ? sheet.frozenRowCount : sheet.frozenColumnCount;
    if (frozen > 0 && size - (clampedEnd - start) <= frozen) {
      fail(`Sorry, it is not possible to delete all non-frozen ${dimension === 'ROWS' ? 'rows' : 'columns'}.`);
    }
    if (dimension === 'ROWS') deleteRows(sheet, start, clampedEnd);
    else deleteColumns(sheet, start, clampedEnd);
    return {};
  },
  repeatCell(ss, body) {
    const box = gridBox(ss, body.range);
    const mask = maskOf(body);
    const data = obj(body.cell);
    for (let r = box.startRow; r < box.endRow; r++) {
      for (let c = box.startCol; c < box.endCol; c++) {
        setCell(box.sheet, r, c, applyCellData(getCell(box.sheet, r, c), data, mask));
      }
    }
    return {};
  },
  updateCells(ss, body) {
    const mask = maskOf(body);
    const rows = Array.isArray(body.rows) ? (body.rows as unknown[]) : [];
    const start = obj(body.start);
    const range = body.range ? gridBox(ss, body.range) : undefined;
    const sheet = range?.sheet ?? gridSheet(ss, start.sheetId);
    const r0 = range?.startRow ?? num(start.rowIndex) ?? 0;
    const c0 = range?.startCol ?? num(start.columnIndex) ?? 0;
    if (r0 >= sheet.rowCount) fail(`GridCoordinate.rowIndex[${r0}] is after last row in grid[${sheet.rowCount - 1}]`);
    if (c0 >= sheet.columnCount) {
      fail(`GridCoordinate.columnIndex[${c0}] is after last column in grid[${sheet.columnCount - 1}]`);
    }
    writeRowData(sheet, rows, r0, c0, mask);
    return {};
  },
  appendCells(ss, body) {
    // Unlike updateCells, appendCells grows the grid: Google's docs say it inserts rows "if necessary".
    const sheet = gridSheet(ss, body.sheetId);
    const mask = maskOf(body);
    const rows = Array.isArray(body.rows) ? (body.rows as unknown[]) : [];
    const r0 = lastUsedRow(sheet);
    const missing = r0 + rows.length - sheet.rowCount;
    if (missing > 0) insertRows(sheet, sheet.rowCount, missing);
    writeRowData(sheet, rows, r0, 0, mask);
    return {};
  },
  copyPaste(ss, body) {
    const source = gridBox(ss, body.source);
    const dest = gridBox(ss, body.destination);
    const type = typeof body.pasteType === 'string' ? body.pasteType : 'PASTE_NORMAL';
    if (!PASTE_TYPES.includes(type)) fail(`the sheets fake supports pasteType ${PASTE_TYPES.join(', ')}`);
    const height = source.endRow - source.startRow;
    const width = source.endCol - source.startCol;
    // Google tiles the source over a destination that is a multiple of it, and pastes it once from the top-left of
    // any other destination (which may then run past the destination range, not past the grid).
    const tilesDown = Math.max(1, Math.floor((dest.endRow - dest.startRow) / height));
    const tilesAcross = Math.max(1, Math.floor((dest.endCol - dest.startCol) / width));
    if (
      dest.startRow + tilesDown * height > dest.sheet.rowCount ||
      dest.startCol + tilesAcross * width > dest.sheet.columnCount
    ) {
      fail(
        `Range (${formatBox(dest.sheet.title, { startRow: dest.startRow, endRow: dest.startRow + tilesDown * height, startCol: dest.startCol, endCol: dest.startCol + tilesAcross * width }, true)}) exceeds grid limits. Max rows: ${dest.sheet.rowCount}, max columns: ${dest.sheet.columnCount}`,
      );
    }
    // Read the whole source first: a destination overlapping its source must paste what was there before.
    const copied: Array<Array<Cell | undefined>> = [];
    for (let r = 0; r < height; r++) {
      copied.push(
        Array.from({ length: width }, (_, c) => getCell(source.sheet, source.startRow + r, source.startCol + c)),
      );
    }
    for (let tr = 0; tr < tilesDown; tr++) {
      for (let tc = 0; tc < tilesAcross; tc++) {
        for (let r = 0; r < height; r++) {
          for (let c = 0; c < width; c++) {
            const row = dest.startRow + tr * height + r;
            const col = dest.startCol + tc * width + c;
            setCell(dest.sheet, row, col, pasted(copied[r]?.[c], getCell(dest.sheet, row, col), type as PasteType));
          }
        }
      }
    }
    return {};
  },
};

function writeRowData(sheet: Sheet, rows: unknown[], r0: number, c0: number, mask: string[]): void {
  rows.forEach((row, i) => {
    const values = Array.isArray(obj(row).values) ? (obj(row).values as unknown[]) : [];
    values.forEach((data, j) => {
      const r = r0 + i;
      const c = c0 + j;
      if (r >= sheet.rowCount || c >= sheet.columnCount) {
        const box = { startRow: r0, startCol: c0, endRow: r0 + rows.length, endCol: c0 + values.length };
        fail(
          `Range (${formatBox(sheet.title, box, true)}) exceeds grid limits. Max rows: ${sheet.rowCount}, max columns: ${sheet.columnCount}`,
        );
      }
      setCell(sheet, r, c, applyCellData(getCell(sheet, r, c), obj(data), mask));
    });
  });
}

function inheritRowFormats(sheet: Sheet, start: number, end: number, from: number): void {
  if (from < 0 || from >= sheet.rowCount) return;
  const source = sheet.rows[from];
  if (!source) return;
  source.forEach((cell, c) => {
    if (!cell?.numberFormat) return;
    for (let r = start; r < end; r++) setCell(sheet, r, c, { numberFormat: cell.numberFormat });
  });
}

type PasteType = 'PASTE_NORMAL' | 'PASTE_VALUES' | 'PASTE_FORMAT';
const PASTE_TYPES: readonly string[] = ['PASTE_NORMAL', 'PASTE_VALUES', 'PASTE_FORMAT'];

/** What a paste of `pasteType` leaves in a destination cell that held `existing`. */
function pasted(source: Cell | undefined, existing: Cell | undefined, type: PasteType): Cell | undefined {
  if (type === 'PASTE_NORMAL') return source;
  const content = type === 'PASTE_VALUES' ? source : existing;
  const format = type === 'PASTE_VALUES' ? existing?.numberFormat : source?.numberFormat;
  const cell: Cell = {
    ...(content?.value !== undefined ? { value: content.value } : {}),
    ...(content?.formula !== undefined ? { formula: content.formula } : {}),
    ...(format ? { numberFormat: format } : {}),
  };
  return cell.value === undefined && cell.formula === undefined && cell.numberFormat === undefined ? undefined : cell;
}

function nextSheetId(ss: Spreadsheet): number {
  return ss.sheets.reduce((max, s) => Math.max(max, s.sheetId), 0) + 1;
}

export const supportedRequestKinds = Object.keys(handlers);

/**
 * spreadsheets.batchUpdate: subrequests applied in order to a draft; any failure throws and the caller discards the
 * draft, so nothing of the batch is visible — Google's all-or-nothing guarantee.
 */
export function applyBatchUpdate(ss: Spreadsheet, requests: unknown, limits: Limits): Json[] {
  if (!Array.isArray(requests)) throw invalidArgument("Invalid value at 'requests': expected a list.");
  if (requests.length > limits.maxRequestsPerBatch) {
    throw invalidArgument(`Cannot exceed ${limits.maxRequestsPerBatch} requests in a single batch.`);
  }
  return requests.map((request, index) => {
    const kinds = Object.keys(obj(request));
    const kind = kinds[0];
    if (!kind) throw invalidArgument(`Invalid requests[${index}]: No request set.`);
    if (kinds.length > 1) {
      throw invalidArgument(`Invalid requests[${index}]: oneof field 'kind' is already set. Cannot set '${kinds[1]}'`);
    }
    const handler = handlers[kind];
    if (!handler) {
      throw invalidArgument(
        `Invalid JSON payload received. Unknown name "${kind}" at 'requests[${index}]': the sheets fake supports ${supportedRequestKinds.join(', ')}.`,
      );
    }
    const before = totalCells(ss);
    try {
      const reply = handler(ss, obj(obj(request)[kind]), limits);
      const after = totalCells(ss);
      if (after > before && after > limits.maxCellsPerSpreadsheet)
        fail(cellLimitMessage(limits.maxCellsPerSpreadsheet));
      return reply;
    } catch (err) {
      if (err instanceof SubrequestError) throw invalidSubrequest(index, kind, err.message);
      if (err instanceof GoogleApiError) throw err;
      throw err;
    }
  });
}
