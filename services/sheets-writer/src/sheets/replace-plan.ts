import { needsSpareRow } from './cell-budget.ts';
import type { Column, RawCell } from './cells.ts';
import { type CommitRecord, createMetadataTab, writeRecord } from './metadata.ts';
import { DATE_FORMAT } from './plan.ts';
import { toRowData } from './row-data.ts';
import type { BatchRequest, SheetInfo } from './sheets-port.ts';

/**
 * The pure half of replace-by-date: given what an import asks for (the command) and what the workbook holds (the
 * state), which dates are written, kept and trimmed, whether the result fits Google's 10M cells, and the one atomic
 * batchUpdate that makes the change. The tab itself is never deleted or re-created: rows of the replaced and trimmed
 * dates are deleted, the import's date blocks are inserted at their sorted place and pasted from the hidden staging tab.
 */

export interface DatesCommand {
  /** Every date the import replaces, rows or none. */
  dates: readonly string[];
  /** Dates to leave in the sheet as they are (not ready at NAVER, or failed). */
  pending: readonly string[];
  /** Dates a newer generation already wrote: left as they are. */
  newerWritten: readonly string[];
  /** Days the tab keeps, ending at the import's last date; absent keeps every older row. */
  historyDays?: number | undefined;
}

export interface DatesDecision {
  /** Dates whose block this import replaces (its rows, or none for a day NAVER confirmed empty). */
  write: string[];
  /** Dates that leave the tab: they fell out of the history window (or, later, out of the cell budget). */
  trimmed: string[];
  /** Dates of the import left alone because a newer generation already wrote them. */
  skipped: string[];
  /** The import's pending dates, left alone. */
  pending: string[];
  /** First date of the history window, when there is one. */
  windowStart: string | undefined;
}

const DAY_MS = 86_400_000;
const addDays = (iso: string, days: number) =>
  new Date(Date.parse(`${iso}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
const distinct = (dates: Iterable<string>) => [...new Set(dates)].sort();

/**
 * The window ends at the newest date the import is about (written or pending) and spans `historyDays`; a date before
 * it leaves the tab, whether the tab held it or the import brought it. Without `historyDays` only the import's own
 * dates change.
 */
export function decideDates(command: DatesCommand, tabDates: readonly (string | undefined)[]): DatesDecision {
  const pending = new Set(command.pending);
  const newer = new Set(command.newerWritten);
  const ends = [...command.dates, ...command.pending].sort();
  const last = ends.at(-1);
  const windowStart =
    command.historyDays !== undefined && last !== undefined ? addDays(last, 1 - command.historyDays) : undefined;
  const inWindow = (d: string) => windowStart === undefined || d >= windowStart;
  const candidates = command.dates.filter((d) => !pending.has(d));
  const write = distinct(candidates.filter((d) => !newer.has(d) && inWindow(d)));
  const skipped = distinct(candidates.filter((d) => newer.has(d) && inWindow(d)));
  const held = tabDates.filter((d): d is string => d !== undefined);
  const trimmed = distinct([...held, ...candidates].filter((d) => !inWindow(d)));
  return { write, trimmed, skipped, pending: distinct(pending), windowStart };
}

/** Rows of one date of the import, in the order they come (by date): in the staging tab, or inside the commit. */
export interface StagedBlock {
  date: string;
  rows: number;
}

/** Where the commit takes the rows from: a hidden staging tab (large imports), or the commit itself (small ones). */
export type RowSource = { kind: 'staging'; staging: SheetInfo } | { kind: 'inline'; rows: readonly RawCell[][] };

export interface CommitInput {
  /** The tab the rows go to, or absent when the commit creates it (the first write, or a roll-over). */
  target: SheetInfo | undefined;
  newTargetSheetId: number;
  /** The title of the tab the rows go to. */
  sheetName: string;
  /** Where a tab the commit creates goes (a roll-over sits beside the tab it continues); the end when absent. */
  newTargetIndex?: number | undefined;
  columns: readonly Column[];
  /** The date in column A of each data row of the target (row 2 on); undefined for a row that holds no date. */
  tabDates: readonly (string | undefined)[];
  /** Dates whose rows leave the target: the replaced and the trimmed. */
  removed: ReadonlySet<string>;
  /** A roll-over: the full tab the import's dates move out of (their rows are deleted there). */
  rolledFrom?: { sheet: SheetInfo; tabDates: readonly (string | undefined)[]; moved: ReadonlySet<string> } | undefined;
  staged: readonly StagedBlock[];
  source: RowSource;
  /** A staging tab of this job that a crashed staged attempt left: an inline commit deletes it first. */
  staleStaging?: number | undefined;
  metadata: SheetInfo;
  /** The commit creates `_reportline` (with the id of `metadata`) when no staging batch did. */
  newMetadata?: boolean | undefined;
  metadataRowIndex: number;
  record: Omit<CommitRecord, 'rowIndex'>;
}

export interface CommitPlan {
  requests: BatchRequest[];
  /** Data rows in the tab after the commit. */
  rowsInTab: number;
}

/** Data rows in the tab once the change is committed: the rows kept and the rows staged. */
export function rowsAfter(
  tabDates: readonly (string | undefined)[],
  removed: ReadonlySet<string>,
  staged: readonly StagedBlock[],
): number {
  const kept = tabDates.filter((d) => d === undefined || !removed.has(d)).length;
  return kept + staged.reduce((n, b) => n + b.rows, 0);
}

/** Maximal runs [start, end) of consecutive grid rows whose date leaves the tab. */
function runsToDelete(tabDates: readonly (string | undefined)[], removed: ReadonlySet<string>) {
  const runs: Array<{ start: number; end: number }> = [];
  tabDates.forEach((d, i) => {
    if (d === undefined || !removed.has(d)) return;
    const row = i + 1;
    const last = runs.at(-1);
    if (last && last.end === row) last.end = row + 1;
    else runs.push({ start: row, end: row + 1 });
  });
  return runs;
}

/** Deletes the rows of `removed` dates of a tab, bottom-up, with the spare row first when Sheets needs one. */
function deletions(
  sheet: SheetInfo | undefined,
  sheetId: number,
  tabDates: readonly (string | undefined)[],
  removed: ReadonlySet<string>,
): BatchRequest[] {
  const removedRows = tabDates.filter((d) => d !== undefined && removed.has(d)).length;
  return [
    ...(needsSpareRow(sheet, removedRows) ? [{ appendDimension: { sheetId, dimension: 'ROWS', length: 1 } }] : []),
    ...runsToDelete(tabDates, removed)
      .reverse()
      .map((run) => ({
        deleteDimension: { range: { sheetId, dimension: 'ROWS', startIndex: run.start, endIndex: run.end } },
      })),
  ];
}

/**
 * Where each staged block goes once the removed rows are gone: before the first kept row of a later date. Blocks with
 * no kept row between them go in together.
 */
function insertions(kept: readonly (string | undefined)[], staged: readonly StagedBlock[]) {
  const groups: Array<{ at: number; from: number; rows: number }> = [];
  let from = 0;
  for (const block of staged) {
    if (block.rows === 0) continue;
    const later = kept.findIndex((d) => d !== undefined && d > block.date);
    const at = 1 + (later === -1 ? kept.length : later);
    const last = groups.at(-1);
    if (last && last.at === at) last.rows += block.rows;
    else groups.push({ at, from, rows: block.rows });
    from += block.rows;
  }
  return groups;
}

/** Fills inserted rows [at, at + rows) of the target from the source's rows [from, from + rows). */
function fill(source: RowSource, sheetId: number, width: number, group: { at: number; from: number; rows: number }) {
  if (source.kind === 'inline') {
    return {
      updateCells: {
        start: { sheetId, rowIndex: group.at, columnIndex: 0 },
        rows: source.rows.slice(group.from, group.from + group.rows).map(toRowData),
        fields: 'userEnteredValue',
      },
    };
  }
  return {
    copyPaste: {
      source: {
        sheetId: source.staging.sheetId,
        startRowIndex: group.from,
        endRowIndex: group.from + group.rows,
        startColumnIndex: 0,
        endColumnIndex: width,
      },
      destination: {
        sheetId,
        startRowIndex: group.at,
        endRowIndex: group.at + group.rows,
        startColumnIndex: 0,
        endColumnIndex: width,
      },
      pasteType: 'PASTE_VALUES',
    },
  };
}

/**
 * The one atomic batchUpdate. Deletions go bottom-up and insertions bottom-up, so no step shifts the rows a later
 * step addresses. The new rows are filled with values only (pasted from staging, or `updateCells` of the values), so
 * they keep the formats they inherit from their neighbours (the user's number formats, never the header's); date
 * columns then get the date format. The header row is rewritten in place (values only), so its formatting, the tab's
 * filters and every reference to the tab survive.
 */
export function commitRequests(input: CommitInput): CommitPlan {
  const { columns, source } = input;
  const sheetId = input.target?.sheetId ?? input.newTargetSheetId;
  const requests: BatchRequest[] = [
    ...(input.staleStaging === undefined ? [] : [{ deleteSheet: { sheetId: input.staleStaging } }]),
    ...(input.newMetadata ? createMetadataTab(input.metadata.sheetId) : []),
  ];
  const from = input.rolledFrom;
  if (from) requests.push(...deletions(from.sheet, from.sheet.sheetId, from.tabDates, from.moved));
  if (!input.target) {
    requests.push({
      addSheet: {
        properties: {
          sheetId,
          title: input.sheetName,
          ...(input.newTargetIndex === undefined ? {} : { index: input.newTargetIndex }),
          gridProperties: { rowCount: 1, columnCount: columns.length, frozenRowCount: 1 },
        },
      },
    });
  } else if (input.target.columnCount < columns.length) {
    requests.push({
      appendDimension: { sheetId, dimension: 'COLUMNS', length: columns.length - input.target.columnCount },
    });
  }
  requests.push({
    updateCells: {
      start: { sheetId, rowIndex: 0, columnIndex: 0 },
      rows: [{ values: columns.map((c) => ({ userEnteredValue: { stringValue: c.name } })) }],
      fields: 'userEnteredValue',
    },
  });
  requests.push(...deletions(input.target, sheetId, input.tabDates, input.removed));
  const kept = input.tabDates.filter((d) => d === undefined || !input.removed.has(d));
  const dateColumns = columns.flatMap((c, i) => (c.type === 'date' ? [i] : []));
  for (const group of insertions(kept, input.staged).reverse()) {
    const rows = { startRowIndex: group.at, endRowIndex: group.at + group.rows };
    requests.push(
      {
        insertDimension: {
          range: { sheetId, dimension: 'ROWS', startIndex: group.at, endIndex: group.at + group.rows },
          inheritFromBefore: group.at > 1,
        },
      },
      fill(source, sheetId, columns.length, group),
      ...dateColumns.map((col) => ({
        repeatCell: {
          range: { sheetId, ...rows, startColumnIndex: col, endColumnIndex: col + 1 },
          cell: { userEnteredFormat: { numberFormat: { ...DATE_FORMAT } } },
          fields: 'userEnteredFormat.numberFormat',
        },
      })),
    );
  }
  if (source.kind === 'staging') requests.push({ deleteSheet: { sheetId: source.staging.sheetId } });
  requests.push(...writeRecord(input.metadata, input.record, input.metadataRowIndex));
  return { requests, rowsInTab: rowsAfter(input.tabDates, input.removed, input.staged) };
}
