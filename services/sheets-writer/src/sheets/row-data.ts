import type { RawCell } from './cells.ts';
import type { BatchRequest } from './sheets-port.ts';

/**
 * Rows put straight into the commit batchUpdate (`updateCells` row data) instead of a hidden staging tab: a small
 * update then costs no staging batch and no PUT. The values are the same RAW cells the staging PUT would send: a
 * `stringValue` is stored as text even when it starts with `=` (no formula injection), numbers as `numberValue`.
 */

export type RowData = NonNullable<NonNullable<BatchRequest['updateCells']>['rows']>[number];

/** One RAW cell as CellData; an empty cell is `{}`, which with the `userEnteredValue` mask leaves the cell empty. */
export function toCellData(cell: RawCell): { userEnteredValue?: { stringValue: string } | { numberValue: number } } {
  if (typeof cell === 'number') return { userEnteredValue: { numberValue: cell } };
  return cell === '' ? {} : { userEnteredValue: { stringValue: cell } };
}

export function toRowData(row: readonly RawCell[]): RowData {
  return { values: row.map(toCellData) };
}

/** Bytes one row adds to a batchUpdate body as updateCells row data: its JSON (UTF-8) and a comma. */
export function rowDataBytes(row: readonly RawCell[]): number {
  return Buffer.byteLength(JSON.stringify(toRowData(row)), 'utf8') + 1;
}

/** The exact size of a batchUpdate body as the client sends it (`{"requests":[…]}`). */
export function batchBytes(requests: readonly BatchRequest[]): number {
  return Buffer.byteLength(JSON.stringify({ requests }), 'utf8');
}
