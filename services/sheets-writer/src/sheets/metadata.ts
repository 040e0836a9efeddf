import type { BatchRequest } from './sheets-port.ts';

/**
 * `_reportline`, a hidden tab with one row per target tab: the job whose rows the tab holds. The commit writes it in
 * the same atomic batch as the swap, so reading it answers "did my commit land?" after an ambiguous outcome.
 */
export const METADATA_TAB = '_reportline';
export const METADATA_HEADER = ['sheetName', 'writeJobId', 'rows', 'committedAt'] as const;
export const METADATA_RANGE = `'${METADATA_TAB}'!A1:D`;

export interface CommitRecord {
  sheetName: string;
  writeJobId: string;
  rows: number;
  committedAt: string;
  /** 0-based row of the record in the metadata tab. */
  rowIndex: number;
}

/** Records from the tab's values (header first); malformed rows are skipped rather than trusted. */
export function parseMetadata(values: readonly unknown[][]): CommitRecord[] {
  const records: CommitRecord[] = [];
  values.forEach((row, rowIndex) => {
    if (rowIndex === 0) return;
    const [sheetName, writeJobId, rows, committedAt] = row;
    if (typeof sheetName !== 'string' || typeof writeJobId !== 'string' || !sheetName || !writeJobId) return;
    const count = typeof rows === 'number' ? rows : Number(rows);
    if (!Number.isInteger(count) || count < 0) return;
    records.push({ sheetName, writeJobId, rows: count, committedAt: String(committedAt ?? ''), rowIndex });
  });
  return records;
}

/** Sheets compares tab names case-insensitively, so the record of a target does too. */
export function recordFor(records: readonly CommitRecord[], sheetName: string): CommitRecord | undefined {
  const wanted = sheetName.toLowerCase();
  return records.findLast((r) => r.sheetName.toLowerCase() === wanted);
}

/** The subrequests that create the metadata tab with its header, hidden, 1 row high. */
export function createMetadataTab(sheetId: number): BatchRequest[] {
  return [
    {
      addSheet: {
        properties: {
          sheetId,
          title: METADATA_TAB,
          hidden: true,
          gridProperties: { rowCount: 1, columnCount: METADATA_HEADER.length },
        },
      },
    },
    {
      updateCells: {
        start: { sheetId, rowIndex: 0, columnIndex: 0 },
        rows: [{ values: METADATA_HEADER.map((h) => ({ userEnteredValue: { stringValue: h } })) }],
        fields: 'userEnteredValue',
      },
    },
  ];
}

/**
 * Writes `record` at its row (an existing target's row, or the next free one), growing the tab first when the row is
 * past its grid: updateCells outside the grid fails.
 */
export function writeRecord(
  metadataSheetId: number,
  metadataRowCount: number,
  record: Omit<CommitRecord, 'rowIndex'>,
  rowIndex: number,
): BatchRequest[] {
  const grow: BatchRequest[] =
    rowIndex >= metadataRowCount
      ? [{ appendDimension: { sheetId: metadataSheetId, dimension: 'ROWS', length: rowIndex - metadataRowCount + 1 } }]
      : [];
  return [
    ...grow,
    {
      updateCells: {
        start: { sheetId: metadataSheetId, rowIndex, columnIndex: 0 },
        rows: [
          {
            values: [
              { userEnteredValue: { stringValue: record.sheetName } },
              { userEnteredValue: { stringValue: record.writeJobId } },
              { userEnteredValue: { numberValue: record.rows } },
              { userEnteredValue: { stringValue: record.committedAt } },
            ],
          },
        ],
        fields: 'userEnteredValue',
      },
    },
  ];
}
