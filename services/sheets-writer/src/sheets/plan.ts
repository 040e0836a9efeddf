import { createMetadataTab, METADATA_TAB } from './metadata.ts';
import type { BatchRequest, SheetInfo, SpreadsheetInfo } from './sheets-port.ts';

/** Pure planning of the write protocol's staging step: names, free sheet ids, the staging batchUpdate. */

export const STAGING_PREFIX = '_stage_';
export const GOOGLE_MAX_CELLS = 10_000_000;
export const DATE_FORMAT = { type: 'DATE', pattern: 'yyyy-mm-dd' } as const;

export const stagingTabName = (writeJobId: string) => `${STAGING_PREFIX}${writeJobId}`;

export function findTab(info: SpreadsheetInfo, title: string): SheetInfo | undefined {
  const wanted = title.toLowerCase();
  return info.sheets.find((s) => s.title.toLowerCase() === wanted);
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
