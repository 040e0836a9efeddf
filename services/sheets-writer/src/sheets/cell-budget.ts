import { CellLimitError } from './errors.ts';
import { METADATA_HEADER, METADATA_TAB } from './metadata.ts';
import { findTab, STAGING_PREFIX, stagingTabName } from './plan.ts';
import type { DatesDecision } from './replace-plan.ts';
import type { SheetInfo, SpreadsheetInfo } from './sheets-port.ts';

/**
 * Google's 10M cells per spreadsheet, counted as Google does: every cell of every tab's grid, empty or not. Pure: what
 * the workbook holds after a change and at its peak, and what the connection's cell policy does when it would not fit.
 */

/**
 * What to do when the tab after the change would not fit the workbook's cell limit: drop the tab's oldest days, roll
 * over to a new tab `<name> (2)` (sized to the rows, so it fits where a wider tab does not), or fail.
 */
export type CellPolicy = 'trim-oldest' | 'fail' | 'new-tab';

export interface CellBudget {
  /** Cells of the whole workbook now. */
  current: number;
  /** Cells once the change is committed. */
  after: number;
  /** The most the workbook holds at once: with a staging tab, the larger of before and after, plus staging. */
  peak: number;
  limit: number;
}

export interface BudgetInput {
  info: SpreadsheetInfo;
  /** The tab the rows go to now: the connection's tab, or its latest roll-over. */
  tabName: string;
  writeJobId: string;
  tabDates: readonly (string | undefined)[];
  incomingRows: number;
  /** Rows of the hidden staging tab; 0 when the rows travel inside the commit itself. */
  stagingRows: number;
  columns: number;
  limit: number;
  /** Cells the commit's record adds to `_reportline` (a new record row), 0 when it rewrites one in place. */
  recordCells?: number | undefined;
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

/** Rows of `sheet` left once the rows of `removed` dates go (with the spare row, when one is needed). */
function rowsLeft(sheet: SheetInfo, tabDates: readonly (string | undefined)[], removed: ReadonlySet<string>): number {
  const removedRows = tabDates.filter((d) => d !== undefined && removed.has(d)).length;
  return sheet.rowCount - removedRows + (needsSpareRow(sheet, removedRows) ? 1 : 0);
}

/** The workbook before (now, less this job's stale staging tab, plus `_reportline` if it is new) and the rest. */
function workbook(input: BudgetInput) {
  const { info } = input;
  const target = findTab(info, input.tabName);
  const stale = findTab(info, stagingTabName(input.writeJobId));
  const current = info.sheets.reduce((n, s) => n + cellsOf(s), 0);
  const metadata = findTab(info, METADATA_TAB) ? 0 : METADATA_HEADER.length;
  const before = current - (stale ? cellsOf(stale) : 0) + metadata;
  const others = before + (input.recordCells ?? 0) - (target ? cellsOf(target) : 0);
  return { target, current, before, others };
}

function budgetOf(input: BudgetInput, before: number, current: number, after: number): CellBudget {
  // A staging tab is added while the tab is as it is now and dropped at the end of the commit, after the tab changed.
  const staging = input.stagingRows > 0 ? input.stagingRows * input.columns : 0;
  const peak = staging === 0 ? after : Math.max(before, after) + staging;
  return { current, after, peak, limit: input.limit };
}

/** The grid after the change in place: the tab's removed rows gone, the incoming rows inserted. */
export function cellBudget(input: BudgetInput & { removed: ReadonlySet<string> }): CellBudget {
  const { target, current, before, others } = workbook(input);
  const rows = (target ? rowsLeft(target, input.tabDates, input.removed) : 1) + input.incomingRows;
  const after = others + rows * Math.max(target?.columnCount ?? 0, input.columns);
  return budgetOf(input, before, current, after);
}

/**
 * The grid after a roll-over: the full tab loses only the rows of the dates the import moves to the new tab, which
 * holds a header and the incoming rows at the layout's width.
 */
export function rolloverBudget(input: BudgetInput & { moved: ReadonlySet<string> }): CellBudget {
  const { target, current, before, others } = workbook(input);
  const old = target ? rowsLeft(target, input.tabDates, input.moved) * target.columnCount : 0;
  const after = others + old + (1 + input.incomingRows) * input.columns;
  return budgetOf(input, before, current, after);
}

/** Sheets allows 100 characters in a tab name; the base is shortened so that its suffix fits. */
const MAX_TAB_NAME = 100;

/** The first free `<base> (n)`, n ≥ 2, Sheets comparing names case-insensitively. */
export function nextTabName(info: SpreadsheetInfo, base: string): string {
  for (let n = 2; ; n++) {
    const suffix = ` (${n})`;
    const title = `${[...base].slice(0, MAX_TAB_NAME - suffix.length).join('')}${suffix}`;
    if (!findTab(info, title)) return title;
  }
}

export interface FitResult {
  decision: DatesDecision;
  budget: CellBudget;
  /** Dates trimmed only to fit the cell limit (also in `decision.trimmed`). */
  trimmedForCells: string[];
  /** Under `new-tab`, when the change does not fit in place: the new tab the import's rows go to. */
  rollover?: { title: string; moved: string[] };
}

const distinct = (dates: Iterable<string>) => [...new Set(dates)].sort();

/**
 * Fits the change into the cell limit. `trim-oldest` drops the tab's oldest dates the import does not write, one at a
 * time, until the peak fits; `new-tab` moves the import's dates to the next `<base> (n)` tab when that fits; `fail`
 * (or a policy that cannot make it fit) is a CellLimitError with the numbers and what to do.
 */
export function fitCells(
  input: BudgetInput & {
    decision: DatesDecision;
    policy: CellPolicy;
    /** The connection's tab name, which a roll-over numbers. */
    baseName: string;
    /** Dates the import brought (a roll-over trims only those of them out of the window, never the full tab's). */
    importDates: readonly string[];
  },
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
  if (budget.peak > budget.limit && input.policy === 'new-tab') {
    const moved = decision.write;
    const rolled = rolloverBudget({ ...input, moved: new Set(moved) });
    if (rolled.peak <= rolled.limit) {
      const imported = new Set(input.importDates);
      return {
        decision: { ...decision, trimmed: decision.trimmed.filter((d) => imported.has(d)) },
        budget: rolled,
        trimmedForCells: [],
        rollover: { title: nextTabName(input.info, input.baseName), moved },
      };
    }
    budget = rolled;
  }
  if (budget.peak > budget.limit) {
    const target = findTab(input.info, input.tabName);
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
      staged: input.stagingRows > 0,
    });
  }
  const trimmed = distinct([...decision.trimmed, ...trimmedForCells]);
  return { decision: { ...decision, trimmed }, budget, trimmedForCells };
}
