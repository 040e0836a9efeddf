// What a write knows of a spreadsheet before it writes (the tabs, the connection's tabs and their dates, the
// `_reportline` records and what they say), and the answer a replayed job gives from its record. Pure: the protocol
// (write-protocol.ts) reads through the port and decides with these.
import { z } from 'zod';
import { serialToDate } from './cells.ts';
import { CellLimitError, SheetsApiError } from './errors.ts';
import { type CommitRecord, METADATA_HEADER, METADATA_RANGE, METADATA_TAB, recordFor } from './metadata.ts';
import type { ReplaceDatesResult } from './replace-dates.ts';
import type { SheetInfo, SpreadsheetInfo } from './sheets-port.ts';

export const placeholder: SheetInfo = { sheetId: 0, title: '', index: 0, hidden: true, rowCount: 0, columnCount: 0 };

export const RecordedResult = z.object({
  rowsInTab: z.number().int().nonnegative(),
  written: z.array(z.string()),
  trimmed: z.array(z.string()),
  skipped: z.array(z.string()),
  pending: z.array(z.string()),
  policyApplied: z.enum(['trim-oldest', 'fail', 'new-tab']).optional(),
  /** The tab the rows went to, when it is not the connection's own (a roll-over): later imports continue there. */
  tab: z.string().optional(),
});
export type Recorded = z.infer<typeof RecordedResult>;

export function recordedOf(record: CommitRecord | undefined): Recorded | undefined {
  if (!record) return undefined;
  try {
    return RecordedResult.parse(JSON.parse(record.result));
  } catch {
    return undefined;
  }
}

/** The tab's column A (row 2 on) as dates: serials as Reportline writes them, or ISO text a person typed. */
export function tabDatesOf(values: readonly unknown[][]): Array<string | undefined> {
  return values.map(([a]) => {
    if (typeof a === 'number' && Number.isInteger(a) && a > 0) return serialToDate(a);
    if (typeof a === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(a)) return a;
    return undefined;
  });
}

export const quoted = (title: string) => `'${title.replaceAll("'", "''")}'`;

/** The connection's tab and its roll-overs `<name> (n)` that exist: the tabs whose dates the preflight reads. */
export function connectionTabs(info: SpreadsheetInfo, base: string): SheetInfo[] {
  const wanted = base.toLowerCase();
  return info.sheets.filter((s) => {
    const title = s.title.toLowerCase();
    if (title === wanted) return true;
    const m = /^(.*) \((\d+)\)$/u.exec(title);
    return m !== null && m[1] !== undefined && m[1].length > 0 && wanted.startsWith(m[1]);
  });
}

/** What a write knows of the spreadsheet before it writes. */
export interface View {
  info: SpreadsheetInfo;
  records: CommitRecord[];
  /** Rows of `_reportline` with content (header included): where a new record goes. */
  height: number;
  /** The dates in column A of the tabs read, by sheetId. */
  columnA: Map<number, Array<string | undefined>>;
  /** False when `info` is the remembered layout with only the connection's tab and `_reportline` read fresh. */
  complete: boolean;
}

export const METADATA_COLUMNS = METADATA_RANGE.slice(METADATA_RANGE.indexOf('!') + 1);

/** The tab the connection's rows are in, as its record says: its own, or the roll-over its last commit moved to. */
export function targetTabName(records: readonly CommitRecord[], sheetName: string): string {
  return recordedOf(recordFor(records, sheetName))?.tab ?? sheetName;
}

/** Each connection's tab once a commit of `sheetName` into `tab` lands, from the records read before it. */
export function tabsAfter(records: readonly CommitRecord[], sheetName: string, tab: string): Record<string, string> {
  const tabs: Record<string, string> = {};
  for (const r of records) tabs[r.sheetName.toLowerCase()] = recordedOf(r)?.tab ?? r.sheetName;
  tabs[sheetName.toLowerCase()] = tab;
  return tabs;
}

/** The remembered tabs with the ones just read in their place (matched by id or name), in tab order. */
export function mergeSheets(remembered: readonly SheetInfo[], fresh: readonly SheetInfo[]): SheetInfo[] {
  const ids = new Set(fresh.map((s) => s.sheetId));
  const titles = new Set(fresh.map((s) => s.title.toLowerCase()));
  return [...remembered.filter((s) => !ids.has(s.sheetId) && !titles.has(s.title.toLowerCase())), ...fresh].sort(
    (a, b) => a.index - b.index,
  );
}

/** Google's refusal of a batch that would take the workbook past its cell limit (nothing of it applied). */
export const isCellLimitError = (err: unknown) =>
  err instanceof SheetsApiError && err.status === 400 && /above the limit of \d+ cells/.test(err.message);

/** Whether the write fits with no cell policy acting (no day trimmed for cells, no roll-over, no failure). */
export function fitsAsIs(fit: () => { rollover?: unknown; trimmedForCells: readonly string[] }): boolean {
  try {
    const f = fit();
    return f.rollover === undefined && f.trimmedForCells.length === 0;
  } catch (err) {
    if (err instanceof CellLimitError) return false;
    throw err;
  }
}

export const metadataTab = (sheetId: number): SheetInfo => ({
  ...placeholder,
  sheetId,
  title: METADATA_TAB,
  rowCount: 1,
  columnCount: METADATA_HEADER.length,
});

export function replayed(rowsWritten: number, recorded: Recorded | undefined, sheetName: string): ReplaceDatesResult {
  // A record of a writer before replace-by-date says only how many rows it wrote.
  const r = recorded ?? { rowsInTab: rowsWritten, written: [], trimmed: [], skipped: [], pending: [] };
  return {
    sheetName: r.tab ?? sheetName,
    rowsWritten,
    rowsInTab: r.rowsInTab,
    written: r.written,
    trimmed: r.trimmed,
    skipped: r.skipped,
    pending: r.pending,
    policyApplied: r.policyApplied,
    replayed: true,
  };
}
