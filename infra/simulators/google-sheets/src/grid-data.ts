import { renderCell } from './cell-values.ts';
import { type Cell, isBrokenFormula, resolveRange, type Scalar, type Sheet, type Spreadsheet } from './model.ts';
import { readBox } from './values.ts';
import { sheetProperties } from './views.ts';

/**
 * spreadsheets.get with grid data, as Google answers it. `ranges` filters the `sheets` list itself: a tab no range
 * touches is left out, and a tab gets one GridData per range on it, in the order asked (without ranges, every tab and
 * one GridData of its whole grid). A range of an unknown tab is `Unable to parse range`, one past the grid "exceeds
 * grid limits", as in values.get. `rowData` stops at the block's last row with content and is absent when there is
 * none; `startRow`/`startColumn` are left out when 0, as Google leaves out zeros. Formulas are not evaluated (as
 * everywhere in the fake): a formula's effective value is its text, or a #REF! error once its tab is gone.
 */

const extended = (v: Scalar) =>
  typeof v === 'number' ? { numberValue: v } : typeof v === 'boolean' ? { boolValue: v } : { stringValue: v };

export function cellData(cell: Cell | undefined): Record<string, unknown> {
  if (!cell) return {};
  const out: Record<string, unknown> = {};
  if (cell.formula !== undefined) {
    out.userEnteredValue = { formulaValue: cell.formula };
    out.effectiveValue = isBrokenFormula(cell.formula)
      ? { errorValue: { type: 'REF', message: 'Reference does not exist' } }
      : { stringValue: cell.formula };
  } else if (cell.value !== undefined) {
    out.userEnteredValue = extended(cell.value);
    out.effectiveValue = extended(cell.value);
  }
  if (out.userEnteredValue) out.formattedValue = String(renderCell(cell, 'FORMATTED_VALUE'));
  if (cell.numberFormat) out.userEnteredFormat = { numberFormat: { ...cell.numberFormat } };
  return out;
}

const hasContent = (c: Record<string, unknown>) => Object.keys(c).length > 0;

interface Box {
  startRow: number;
  endRow: number;
  startCol: number;
  endCol: number;
}

export function gridData(sheet: Sheet, box: Box) {
  const rows: Array<{ values?: Record<string, unknown>[] }> = [];
  for (let r = box.startRow; r < box.endRow; r++) {
    const values: Record<string, unknown>[] = [];
    for (let c = box.startCol; c < box.endCol; c++) values.push(cellData(sheet.rows[r]?.[c]));
    while (values.length > 0 && !hasContent(values[values.length - 1]!)) values.pop();
    rows.push(values.length > 0 ? { values } : {});
  }
  while (rows.length > 0 && !rows[rows.length - 1]!.values) rows.pop();
  return {
    ...(box.startRow ? { startRow: box.startRow } : {}),
    ...(box.startCol ? { startColumn: box.startCol } : {}),
    ...(rows.length > 0 ? { rowData: rows } : {}),
    rowMetadata: Array.from({ length: box.endRow - box.startRow }, () => ({ pixelSize: 21 })),
    columnMetadata: Array.from({ length: box.endCol - box.startCol }, () => ({ pixelSize: 100 })),
  };
}

const wholeGrid = (s: Sheet): Box => ({ startRow: 0, endRow: s.rowCount, startCol: 0, endCol: s.columnCount });

/** The `sheets` of a spreadsheets.get: each tab's properties, with `data` when grid data is asked for. */
export function sheetsView(ss: Spreadsheet, ranges: readonly string[], includeGridData: boolean) {
  if (ranges.length === 0) {
    return ss.sheets.map((s) => ({
      properties: sheetProperties(s),
      ...(includeGridData ? { data: [gridData(s, wholeGrid(s))] } : {}),
    }));
  }
  const blocks = new Map<Sheet, Box[]>();
  for (const range of ranges) {
    const res = resolveRange(ss, range);
    const box = readBox(res);
    blocks.set(res.sheet, [...(blocks.get(res.sheet) ?? []), box]);
  }
  return ss.sheets
    .filter((s) => blocks.has(s))
    .map((s) => ({
      properties: sheetProperties(s),
      ...(includeGridData ? { data: blocks.get(s)!.map((box) => gridData(s, box)) } : {}),
    }));
}
