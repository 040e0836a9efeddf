import type { Column } from './cells.ts';
import { CellLimitError } from './errors.ts';
import { type CommitRecord, METADATA_HEADER, METADATA_TAB, writeRecord } from './metadata.ts';
import { DATE_FORMAT, findTab, STAGING_PREFIX, stagingTabName } from './plan.ts';
import type { BatchRequest, SheetInfo, SpreadsheetInfo } from './sheets-port.ts';

/**
 * The pure half of replace-by-date: given what an import asks for (the command) and what the workbook holds (the
 * state), which dates are written, kept and trimmed, whether the result fits Google's 10M cells, and the one atomic
 * batchUpdate that makes the change. The tab itself is never deleted or re-created: rows of the replaced and trimmed
 * dates are deleted, the import's date blocks are inserted at their sorted place and pasted from the hidden staging tab.
 */

/** What to do when the tab after the change would not fit the workbook's cell limit. */
export type CellPolicy = 'trim-oldest' | 'fail';

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

export interface CellBudget {
  /** Cells of the whole workbook now. */
  current: number;
  /** Cells once the change is committed. */
  after: number;
  /** The most the workbook holds at once: the result plus the staging tab, until the commit drops it. */
  peak: number;
  limit: number;
}

const cellsOf = (s: SheetInfo) => s.rowCount * s.columnCount;

/**
 * Sheets refuses to delete every non-frozen row, even for a moment within a batch, and the tab's header row may be
 * frozen. When the deletions would leave only the header, the commit first adds one empty row at the grid's end,
 * which then stays (so this happens at most once per tab).
 */
export function needsSpareRow(target: SheetInfo | undefined, removedRows: number): boolean {
  return target !== undefined && removedRows > 0 && target.rowCount - removedRows <= 1;
}

/**
 * The grid after the change, counted as Google does (every cell of every tab, empty or not). The staging tab of this
 * job is replaced, so a stale one does not count; the metadata tab is counted at its width if it does not exist yet.
 */
export function cellBudget(input: {
  info: SpreadsheetInfo;
  sheetName: string;
  writeJobId: string;
  tabDates: readonly (string | undefined)[];
  removed: ReadonlySet<string>;
  incomingRows: number;
  stagingRows: number;
  columns: number;
  limit: number;
}): CellBudget {
  const { info } = input;
  const target = findTab(info, input.sheetName);
  const stale = findTab(info, stagingTabName(input.writeJobId));
  const current = info.sheets.reduce((n, s) => n + cellsOf(s), 0);
  const others = current - (target ? cellsOf(target) : 0) - (stale ? cellsOf(stale) : 0);
  const metadata = findTab(info, METADATA_TAB) ? 0 : METADATA_HEADER.length;
  const removedRows = input.tabDates.filter((d) => d !== undefined && input.removed.has(d)).length;
  const spare = needsSpareRow(target, removedRows) ? 1 : 0;
  const rows = (target?.rowCount ?? 1) - removedRows + spare + input.incomingRows;
  const columns = Math.max(target?.columnCount ?? 0, input.columns);
  const after = others + metadata + rows * columns;
  return { current, after, peak: after + Math.max(1, input.stagingRows) * input.columns, limit: input.limit };
}

export interface FitResult {
  decision: DatesDecision;
  budget: CellBudget;
  /** Dates trimmed only to fit the cell limit (also in `decision.trimmed`). */
  trimmedForCells: string[];
}

/**
 * Fits the change into the cell limit. `trim-oldest` drops the tab's oldest dates the import does not write, one at a
 * time, until the peak fits; `fail` (or nothing left to trim) is a CellLimitError with the numbers and what to do.
 */
export function fitCells(
  input: Omit<Parameters<typeof cellBudget>[0], 'removed'> & { decision: DatesDecision; policy: CellPolicy },
): FitResult {
  const { decision } = input;
  const removed = new Set([...decision.write, ...decision.trimmed]);
  let budget = cellBudget({ ...input, removed });
  const trimmedForCells: string[] = [];
  if (budget.peak > budget.limit && input.policy === 'trim-oldest') {
    const kept = distinct(input.tabDates.filter((d): d is string => d !== undefined && !removed.has(d)));
    // Pending and skipped dates are the user's current data too, but older ones go first all the same: the rule is
    // about age, and the newest data is what the import is for.
    for (const date of kept) {
      if (budget.peak <= budget.limit) break;
      removed.add(date);
      trimmedForCells.push(date);
      budget = cellBudget({ ...input, removed });
    }
  }
  if (budget.peak > budget.limit) {
    const target = findTab(input.info, input.sheetName);
    throw new CellLimitError({
      spreadsheetId: input.info.spreadsheetId,
      neededCells: budget.peak,
      limit: budget.limit,
      currentCells: budget.current,
      newTabCells: input.incomingRows * input.columns,
      replacedTabCells: target ? cellsOf(target) : 0,
      abandonedStagingCells: input.info.sheets
        .filter((s) => s.title.startsWith(STAGING_PREFIX) && s.title !== stagingTabName(input.writeJobId))
        .reduce((n, s) => n + cellsOf(s), 0),
      policy: input.policy,
    });
  }
  const trimmed = distinct([...decision.trimmed, ...trimmedForCells]);
  return { decision: { ...decision, trimmed }, budget, trimmedForCells };
}

/** Rows of one date in the staging tab, in the order they were staged (by date). */
export interface StagedBlock {
  date: string;
  rows: number;
}

export interface CommitInput {
  /** The target tab, or absent on the first write (the commit creates it once, with `newTargetSheetId`). */
  target: SheetInfo | undefined;
  newTargetSheetId: number;
  sheetName: string;
  columns: readonly Column[];
  /** The date in column A of each data row of the tab (row 2 on); undefined for a row that holds no date. */
  tabDates: readonly (string | undefined)[];
  /** Dates whose rows leave the tab: the replaced and the trimmed. */
  removed: ReadonlySet<string>;
  staged: readonly StagedBlock[];
  staging: SheetInfo;
  metadata: SheetInfo;
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

/**
 * The one atomic batchUpdate. Deletions go bottom-up and insertions bottom-up, so no step shifts the rows a later
 * step addresses. Pasting values only keeps the formats the new rows inherit from their neighbours (the user's
 * number formats, never the header's); date columns then get the date format. The header row is rewritten in place
 * (values only), so its formatting, the tab's filters and every reference to the tab survive.
 */
export function commitRequests(input: CommitInput): CommitPlan {
  const { columns, staging } = input;
  const sheetId = input.target?.sheetId ?? input.newTargetSheetId;
  const requests: BatchRequest[] = [];
  if (!input.target) {
    requests.push({
      addSheet: {
        properties: {
          sheetId,
          title: input.sheetName,
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
  const removedRows = input.tabDates.filter((d) => d !== undefined && input.removed.has(d)).length;
  if (needsSpareRow(input.target, removedRows)) {
    requests.push({ appendDimension: { sheetId, dimension: 'ROWS', length: 1 } });
  }
  for (const run of runsToDelete(input.tabDates, input.removed).reverse()) {
    requests.push({
      deleteDimension: { range: { sheetId, dimension: 'ROWS', startIndex: run.start, endIndex: run.end } },
    });
  }
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
      {
        copyPaste: {
          source: {
            sheetId: staging.sheetId,
            startRowIndex: group.from,
            endRowIndex: group.from + group.rows,
            startColumnIndex: 0,
            endColumnIndex: columns.length,
          },
          destination: { sheetId, ...rows, startColumnIndex: 0, endColumnIndex: columns.length },
          pasteType: 'PASTE_VALUES',
        },
      },
      ...dateColumns.map((col) => ({
        repeatCell: {
          range: { sheetId, ...rows, startColumnIndex: col, endColumnIndex: col + 1 },
          cell: { userEnteredFormat: { numberFormat: { ...DATE_FORMAT } } },
          fields: 'userEnteredFormat.numberFormat',
        },
      })),
    );
  }
  requests.push(
    { deleteSheet: { sheetId: staging.sheetId } },
    ...writeRecord(input.metadata, input.record, input.metadataRowIndex),
  );
  return { requests, rowsInTab: rowsAfter(input.tabDates, input.removed, input.staged) };
}
