import type { Column } from './cells.ts';
import { CellLimitError } from './errors.ts';
import { createMetadataTab, METADATA_HEADER, METADATA_TAB, writeRecord } from './metadata.ts';
import type { BatchRequest, SheetInfo, SpreadsheetInfo } from './sheets-port.ts';

/** Pure planning of the write protocol: names, the cell budget, and the two batchUpdate bodies. */

export const STAGING_PREFIX = '_stage_';
export const GOOGLE_MAX_CELLS = 10_000_000;
export const DATE_FORMAT = { type: 'DATE', pattern: 'yyyy-mm-dd' } as const;

export const stagingTabName = (writeJobId: string) => `${STAGING_PREFIX}${writeJobId}`;

export function findTab(info: SpreadsheetInfo, title: string): SheetInfo | undefined {
  const wanted = title.toLowerCase();
  return info.sheets.find((s) => s.title.toLowerCase() === wanted);
}

const cellsOf = (s: SheetInfo) => s.rowCount * s.columnCount;

/**
 * The staging tab lives next to the old target until the commit swaps them, so the workbook must hold both at once:
 * everything now, minus a stale staging tab of this job (replaced), plus the new tab and the metadata row.
 */
export function checkCellBudget(input: {
  info: SpreadsheetInfo;
  sheetName: string;
  writeJobId: string;
  /** Rows of the staging tab, header included. */
  stagingRows: number;
  columns: number;
  limit: number;
}): void {
  const { info, limit } = input;
  const currentCells = info.sheets.reduce((n, s) => n + cellsOf(s), 0);
  const staleStaging = findTab(info, stagingTabName(input.writeJobId));
  const newTabCells = input.stagingRows * input.columns;
  const metadataCells = (findTab(info, METADATA_TAB) ? 0 : METADATA_HEADER.length) + METADATA_HEADER.length;
  const neededCells = currentCells - (staleStaging ? cellsOf(staleStaging) : 0) + newTabCells + metadataCells;
  if (neededCells <= limit) return;
  const target = findTab(info, input.sheetName);
  const abandoned = info.sheets.filter((s) => s.title.startsWith(STAGING_PREFIX) && s !== staleStaging);
  throw new CellLimitError({
    spreadsheetId: info.spreadsheetId,
    neededCells,
    limit,
    currentCells,
    newTabCells,
    replacedTabCells: target ? cellsOf(target) : 0,
    abandonedStagingCells: abandoned.reduce((n, s) => n + cellsOf(s), 0),
  });
}

/** A sheetId no tab uses; chosen by us so later subrequests of the same batch can refer to it. */
export function freeSheetId(info: SpreadsheetInfo, random: () => number): number {
  const used = new Set(info.sheets.map((s) => s.sheetId));
  for (;;) {
    const id = 1 + Math.floor(random() * 2_147_483_646);
    if (!used.has(id)) return id;
  }
}

/** Replaces any stale staging tab of this job with an empty hidden one sized for the data (and adds `_reportline`). */
export function stagingRequests(input: {
  info: SpreadsheetInfo;
  writeJobId: string;
  stagingSheetId: number;
  metadataSheetId: number;
  rows: number;
  columns: number;
}): BatchRequest[] {
  const { info } = input;
  const stale = findTab(info, stagingTabName(input.writeJobId));
  return [
    ...(stale ? [{ deleteSheet: { sheetId: stale.sheetId } }] : []),
    ...(findTab(info, METADATA_TAB) ? [] : createMetadataTab(input.metadataSheetId)),
    {
      addSheet: {
        properties: {
          sheetId: input.stagingSheetId,
          title: stagingTabName(input.writeJobId),
          hidden: true,
          gridProperties: { rowCount: input.rows, columnCount: input.columns },
        },
      },
    },
  ];
}

/**
 * The one atomic swap. Unhide first, so the workbook never lacks a visible tab mid-batch; delete the old target;
 * give the staging tab the target's name and position; format date columns; record the job.
 */
export function commitRequests(input: {
  info: SpreadsheetInfo;
  staging: SheetInfo;
  sheetName: string;
  writeJobId: string;
  columns: readonly Column[];
  dataRows: number;
  metadataRowIndex: number;
  committedAt: string;
}): BatchRequest[] {
  const { info, staging } = input;
  const target = findTab(info, input.sheetName);
  const metadata = findTab(info, METADATA_TAB);
  if (!metadata) throw new Error(`the ${METADATA_TAB} tab is missing from ${info.spreadsheetId}`);
  const dateColumns = input.dataRows === 0 ? [] : input.columns.flatMap((c, i) => (c.type === 'date' ? [i] : []));
  return [
    { updateSheetProperties: { properties: { sheetId: staging.sheetId, hidden: false }, fields: 'hidden' } },
    ...(target ? [{ deleteSheet: { sheetId: target.sheetId } }] : []),
    {
      updateSheetProperties: {
        properties: { sheetId: staging.sheetId, title: input.sheetName, ...(target ? { index: target.index } : {}) },
        fields: target ? 'title,index' : 'title',
      },
    },
    ...dateColumns.map((col) => ({
      repeatCell: {
        range: {
          sheetId: staging.sheetId,
          startRowIndex: 1,
          endRowIndex: input.dataRows + 1,
          startColumnIndex: col,
          endColumnIndex: col + 1,
        },
        cell: { userEnteredFormat: { numberFormat: { ...DATE_FORMAT } } },
        fields: 'userEnteredFormat.numberFormat',
      },
    })),
    ...writeRecord(
      metadata.sheetId,
      metadata.rowCount,
      {
        sheetName: input.sheetName,
        writeJobId: input.writeJobId,
        rows: input.dataRows,
        committedAt: input.committedAt,
      },
      input.metadataRowIndex,
    ),
  ];
}
