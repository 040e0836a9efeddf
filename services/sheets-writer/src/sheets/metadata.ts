import type { BatchRequest, SheetInfo } from './sheets-port.ts';

/**
 * `_reportline`, a hidden tab with one row per target tab: the job whose rows the tab holds. The commit writes it in
 * the same atomic batch as the swap, so reading it answers "did my commit land?" after an ambiguous outcome.
 */
export const METADATA_TAB = '_reportline';
export const METADATA_HEADER = ['sheetName', 'writeJobId', 'rows', 'committedAt', 'result'] as const;
export const METADATA_RANGE = `'${METADATA_TAB}'!A1:E`;

export interface CommitRecord {
  sheetName: string;
  writeJobId: string;
  rows: number;
  committedAt: string;
  /**
   * What the commit did, as JSON (dates written, trimmed, skipped…), so a run that finds its job already committed
   * reports the same outcome as the run that committed it. Empty in records of writers before replace-by-date.
   */
  result: string;
  /** 0-based row of the record in the metadata tab. */
  rowIndex: number;
}

/** Records from the tab's values (header first); malformed rows are skipped rather than trusted. */
export function parseMetadata(values: readonly unknown[][]): CommitRecord[] {
  const records: CommitRecord[] = [];
  values.forEach((row, rowIndex) => {
    if (rowIndex === 0) return;
    const [sheetName, writeJobId, rows, committedAt, result] = row;
    if (typeof sheetName !== 'string' || typeof writeJobId !== 'string' || !sheetName || !writeJobId) return;
    const count = typeof rows === 'number' ? rows : Number(rows);
    if (!Number.isInteger(count) || count < 0) return;
    records.push({
      sheetName,
      writeJobId,
      rows: count,
      committedAt: String(committedAt ?? ''),
      result: typeof result === 'string' ? result : '',
      rowIndex,
    });
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
 * past its grid, or it is narrower than the record (tabs of writers before the `result` column): updateCells outside
 * the grid fails.
 */
export function writeRecord(
  metadata: SheetInfo,
  record: Omit<CommitRecord, 'rowIndex'>,
  rowIndex: number,
): BatchRequest[] {
  const metadataSheetId = metadata.sheetId;
  const grow: BatchRequest[] = [
    ...(rowIndex >= metadata.rowCount
      ? [{ appendDimension: { sheetId: metadataSheetId, dimension: 'ROWS', length: rowIndex - metadata.rowCount + 1 } }]
      : []),
    ...(metadata.columnCount < METADATA_HEADER.length
      ? [
          {
            appendDimension: {
              sheetId: metadataSheetId,
              dimension: 'COLUMNS',
              length: METADATA_HEADER.length - metadata.columnCount,
            },
          },
        ]
      : []),
  ];
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
              { userEnteredValue: { stringValue: record.result } },
            ],
          },
        ],
        fields: 'userEnteredValue',
      },
    },
  ];
}
