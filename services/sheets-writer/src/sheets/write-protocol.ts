import { z } from 'zod';
import { type CellPolicy, fitCells } from './cell-budget.ts';
import { type CellInput, type Column, serialToDate, validateColumns } from './cells.ts';
import { DEFAULT_MAX_CHUNK_BYTES } from './chunking.ts';
import { InvalidTargetError, SheetsApiError, SpreadsheetUnreachableError } from './errors.ts';
import {
  type CommitRecord,
  METADATA_HEADER,
  METADATA_RANGE,
  METADATA_TAB,
  parseMetadata,
  recordFor,
} from './metadata.ts';
import { findTab, freeSheetId, GOOGLE_MAX_CELLS, STAGING_PREFIX, stagingRequests, stagingTabName } from './plan.ts';
import type { PrincipalQuota } from './quota.ts';
import { commitRequests, decideDates, type RowSource, rowsAfter, type StagedBlock } from './replace-plan.ts';
import { batchBytes } from './row-data.ts';
import { allRows, blockCounter, type CheckedRow, checkedRows, gatherForCommit, payloads } from './row-stream.ts';
import type { SheetInfo, SheetsPort, SpreadsheetInfo } from './sheets-port.ts';

/**
 * Idempotent replace-by-date of one write job in the user's tab, which is never deleted or re-created:
 *   preflight (reachable; the tab's dates and `_reportline` in ONE read; already committed? → the recorded outcome;
 *   which dates; fits 10M cells)
 *   → a daily update's rows go inside the commit itself (`updateCells` row data): no staging at all;
 *   → a larger import's rows stream into a fresh hidden staging tab `_stage_<job>` as chunked RAW PUTs (safe to
 *     repeat) of up to 9 MiB each;
 *   → ONE atomic batchUpdate: delete the replaced and trimmed dates' rows, insert the new blocks at their sorted place
 *     and fill them (from the commit's row data, or pasted from staging), drop staging, write the `_reportline` record.
 * The protocol retries nothing itself. Each call gets Google's backoff from the quota scheduler (429s, and transient
 * failures of calls safe to repeat); any other failure ends the write, and running it again is the retry: the
 * preflight reads `_reportline` back first, so an ambiguous commit (timeout, hang-up, 5xx) that did land is answered
 * from its record and one that did not is redone against the tab as it is. Callers serialise writes per spreadsheet
 * (the writer's Postgres advisory lock): the plan addresses rows by position.
 */

export interface ReplaceDatesInput {
  spreadsheetId: string;
  sheetName: string;
  writeJobId: string;
  columns: readonly Column[];
  /** Every date the import replaces; a date without rows is written as an empty day. */
  dates: readonly string[];
  /** Dates to leave as they are. */
  pending: readonly string[];
  /** Dates a newer generation already wrote (the caller's record): left as they are. */
  newerWritten: readonly string[];
  /** The rows, sorted by date, the date first; read once, as they stream. */
  rows: AsyncIterable<readonly CellInput[]> | Iterable<readonly CellInput[]>;
  /** How many rows `rows` yields (the staging tab is sized by it before they are read). */
  rowCount: number;
  historyDays?: number | undefined;
  policy: CellPolicy;
}

export interface ReplaceDatesResult {
  /** The tab the rows went to: the connection's, or the roll-over tab the `new-tab` policy moved it on to. */
  sheetName: string;
  /** Rows this import put in the tab. */
  rowsWritten: number;
  /** Data rows in the tab after the commit (header excluded). */
  rowsInTab: number;
  written: string[];
  trimmed: string[];
  skipped: string[];
  pending: string[];
  /** The cell policy, when it had to act to fit (trim, or roll over to a new tab). */
  policyApplied: CellPolicy | undefined;
  /** True when this job had already been committed and nothing was written. */
  replayed: boolean;
}

export interface SheetsWriter {
  replaceDates(input: ReplaceDatesInput): Promise<ReplaceDatesResult>;
}
export interface SheetsWriterDeps {
  port: SheetsPort;
  /** The quota of the Google principal whose credentials `port` uses. */
  quota: PrincipalQuota;
  now?: () => Date;
  random?: () => number;
  maxCells?: number;
  maxChunkBytes?: number;
}

const placeholder: SheetInfo = { sheetId: 0, title: '', index: 0, hidden: true, rowCount: 0, columnCount: 0 };

const ReplaceDatesInputSchema = z.object({
  spreadsheetId: z.string().min(1, 'spreadsheetId is required'),
  sheetName: z
    .string()
    .min(1, 'sheetName is required')
    .max(100, 'sheetName: Sheets allows at most 100 characters')
    .refine((n) => n.toLowerCase() !== METADATA_TAB && !n.startsWith(STAGING_PREFIX), {
      message: `sheetName: "${METADATA_TAB}" and "${STAGING_PREFIX}…" are reserved for the writer`,
    }),
  writeJobId: z.string().regex(/^[A-Za-z0-9_-]{1,90}$/, 'writeJobId: 1-90 characters of A-Z, a-z, 0-9, _ and -'),
});

const RecordedResult = z.object({
  rowsInTab: z.number().int().nonnegative(),
  written: z.array(z.string()),
  trimmed: z.array(z.string()),
  skipped: z.array(z.string()),
  pending: z.array(z.string()),
  policyApplied: z.enum(['trim-oldest', 'fail', 'new-tab']).optional(),
  /** The tab the rows went to, when it is not the connection's own (a roll-over): later imports continue there. */
  tab: z.string().optional(),
});
type Recorded = z.infer<typeof RecordedResult>;

function recordedOf(record: CommitRecord | undefined): Recorded | undefined {
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

const quoted = (title: string) => `'${title.replaceAll("'", "''")}'`;

/** The connection's tab and its roll-overs `<name> (n)` that exist: the tabs whose dates the preflight reads. */
function connectionTabs(info: SpreadsheetInfo, base: string): SheetInfo[] {
  const wanted = base.toLowerCase();
  return info.sheets.filter((s) => {
    const title = s.title.toLowerCase();
    if (title === wanted) return true;
    const m = /^(.*) \((\d+)\)$/u.exec(title);
    return m !== null && m[1] !== undefined && m[1].length > 0 && wanted.startsWith(m[1]);
  });
}

export function createSheetsWriter(deps: SheetsWriterDeps): SheetsWriter {
  const { port, quota } = deps;
  const now = deps.now ?? (() => new Date());
  const random = deps.random ?? Math.random;
  const maxCells = deps.maxCells ?? GOOGLE_MAX_CELLS;
  const maxRequestBytes = deps.maxChunkBytes ?? DEFAULT_MAX_CHUNK_BYTES;

  async function preflight(spreadsheetId: string): Promise<SpreadsheetInfo> {
    try {
      return await quota.run('spreadsheets.get', () => port.getSpreadsheet(spreadsheetId));
    } catch (err) {
      if (err instanceof SheetsApiError && [400, 401, 403, 404].includes(err.status ?? 0)) {
        throw new SpreadsheetUnreachableError(spreadsheetId, err.status, err.message);
      }
      throw err;
    }
  }

  /** `_reportline` and column A of the connection's tabs, in ONE read request (none when neither exists yet). */
  async function readState(info: SpreadsheetInfo, tabs: readonly SheetInfo[]) {
    const metadata = findTab(info, METADATA_TAB);
    const ranges = [...(metadata ? [METADATA_RANGE] : []), ...tabs.map((t) => `${quoted(t.title)}!A2:A`)];
    const values =
      ranges.length === 0
        ? []
        : await quota.run('values.batchGet', () => port.batchGetValues(info.spreadsheetId, ranges));
    const metadataValues = metadata ? (values[0] ?? []) : [];
    const columnA = new Map(tabs.map((t, i) => [t.sheetId, tabDatesOf(values[i + (metadata ? 1 : 0)] ?? [])]));
    return { records: parseMetadata(metadataValues), height: metadataValues.length, columnA };
  }

  /** A fresh staging tab (replacing one a failed run of this job left behind), and `_reportline` if missing. */
  async function createStaging(input: ReplaceDatesInput, info: SpreadsheetInfo, rows: number, metadataId: number) {
    const title = stagingTabName(input.writeJobId);
    const columns = input.columns.length;
    const stagingSheetId = freeSheetId({ ...info, sheets: [...info.sheets, metadataTab(metadataId)] }, random);
    const requests = stagingRequests({
      info,
      writeJobId: input.writeJobId,
      stagingSheetId,
      metadataSheetId: metadataId,
      rows,
      columns,
    });
    await quota.run('spreadsheets.batchUpdate', () => port.batchUpdate(input.spreadsheetId, requests));
    return { ...placeholder, sheetId: stagingSheetId, title, rowCount: rows, columnCount: columns };
  }

  /** Streams the rows into staging as RAW PUTs of at most `maxRequestBytes` (each safe to repeat). */
  async function stage(input: ReplaceDatesInput, rows: AsyncIterable<CheckedRow>) {
    const range = (row: number) => `${quoted(stagingTabName(input.writeJobId))}!A${row + 1}`;
    for await (const { start, values } of payloads(rows, maxRequestBytes)) {
      await quota.run('values.update', () => port.updateValues(input.spreadsheetId, range(start), values));
    }
  }

  async function replace(input: ReplaceDatesInput): Promise<ReplaceDatesResult> {
    validateColumns(input.columns);
    const info = await preflight(input.spreadsheetId);
    const state = await readState(info, connectionTabs(info, input.sheetName));
    const previous = recordFor(state.records, input.sheetName);
    const previousResult = recordedOf(previous);
    if (previous?.writeJobId === input.writeJobId) return replayed(previous.rows, previousResult, input.sheetName);

    // After a roll-over the connection's rows continue in the tab its last commit recorded.
    const tabName = previousResult?.tab ?? input.sheetName;
    const target = findTab(info, tabName);
    const tabDates = (target && state.columnA.get(target.sheetId)) || [];
    const existingMetadata = findTab(info, METADATA_TAB);
    const metadataId = existingMetadata?.sheetId ?? freeSheetId(info, random);
    const metadata = existingMetadata ?? metadataTab(metadataId);
    const metadataRowIndex = previous?.rowIndex ?? Math.max(1, state.height);
    const common = {
      recordCells: metadataRowIndex >= metadata.rowCount ? METADATA_HEADER.length : 0,
      info,
      tabName,
      baseName: input.sheetName,
      importDates: input.dates,
      writeJobId: input.writeJobId,
      tabDates,
      columns: input.columns.length,
      limit: maxCells,
      policy: input.policy,
    };
    const decided = decideDates(input, tabDates);
    // Before anything is written, with every announced row counted (in the commit, the least any write needs): a
    // write that cannot fit fails with nothing done.
    fitCells({ ...common, decision: decided, incomingRows: input.rowCount, stagingRows: 0 });

    /** The commit for rows from `source`, fitted with the exact rows (and the staging tab, while it exists). */
    const plan = (source: RowSource, staged: StagedBlock[], stagingRows: number) => {
      const rowsWritten = staged.reduce((n, b) => n + b.rows, 0);
      const fit = fitCells({ ...common, decision: decided, incomingRows: rowsWritten, stagingRows });
      const { decision, rollover } = fit;
      const removed = new Set(rollover ? [] : [...decision.write, ...decision.trimmed]);
      const into = rollover ? undefined : target;
      const written = rollover?.title ?? tabName;
      const recorded: Recorded = {
        rowsInTab: rowsAfter(rollover ? [] : tabDates, removed, staged),
        written: decision.write,
        trimmed: decision.trimmed,
        skipped: decision.skipped,
        pending: decision.pending,
        policyApplied: rollover ? 'new-tab' : fit.trimmedForCells.length > 0 ? input.policy : undefined,
        ...(written === input.sheetName ? {} : { tab: written }),
      };
      const sheets = [...info.sheets, metadata, ...(source.kind === 'staging' ? [source.staging] : [])];
      const { requests } = commitRequests({
        target: into,
        newTargetSheetId: freeSheetId({ ...info, sheets }, random),
        sheetName: written,
        newTargetIndex: rollover && target ? target.index + 1 : undefined,
        columns: input.columns,
        tabDates: rollover ? [] : tabDates,
        removed,
        rolledFrom: rollover && target ? { sheet: target, tabDates, moved: new Set(rollover.moved) } : undefined,
        staged,
        source,
        metadata,
        newMetadata: !existingMetadata && source.kind === 'inline',
        staleStaging: source.kind === 'inline' ? findTab(info, stagingTabName(input.writeJobId))?.sheetId : undefined,
        metadataRowIndex,
        record: {
          sheetName: input.sheetName,
          writeJobId: input.writeJobId,
          rows: rowsWritten,
          committedAt: now().toISOString(),
          result: JSON.stringify(recorded),
        },
      });
      const result: ReplaceDatesResult = {
        sheetName: written,
        rowsWritten,
        rowsInTab: recorded.rowsInTab,
        written: recorded.written,
        trimmed: recorded.trimmed,
        skipped: recorded.skipped,
        pending: recorded.pending,
        policyApplied: recorded.policyApplied,
        replayed: false,
      };
      return { requests, result };
    };

    const counter = blockCounter();
    const counted = async function* (rows: AsyncIterable<CheckedRow>) {
      for await (const row of rows) {
        counter.add(row.date);
        yield row;
      }
    };
    const wanted = new Set(decided.write);
    const gathered = await gatherForCommit(counted(checkedRows(input, wanted, maxRequestBytes)), maxRequestBytes);
    if (!gathered.rest) {
      // A daily update: its rows travel inside the commit, unless the whole commit is then too large for one request.
      const inline = plan(
        { kind: 'inline', rows: gathered.rows.map((r) => r.cells) },
        counter.blocks(decided.write),
        0,
      );
      if (batchBytes(inline.requests) <= maxRequestBytes) {
        await quota.run('spreadsheets.batchUpdate', () => port.batchUpdate(input.spreadsheetId, inline.requests));
        return inline.result;
      }
    }
    // A large import: staged in a hidden tab first, sized by the announced rows before they are all read.
    const stagingRows = Math.max(1, input.rowCount);
    fitCells({ ...common, decision: decided, incomingRows: input.rowCount, stagingRows });
    const staging = await createStaging(input, info, stagingRows, metadataId);
    await stage(input, allRows(gathered));
    const staged = plan({ kind: 'staging', staging }, counter.blocks(decided.write), stagingRows);
    await quota.run('spreadsheets.batchUpdate', () => port.batchUpdate(input.spreadsheetId, staged.requests));
    return staged.result;
  }

  return {
    async replaceDates(raw) {
      const parsed = ReplaceDatesInputSchema.safeParse(raw);
      if (!parsed.success) throw new InvalidTargetError(`replaceDates: ${z.prettifyError(parsed.error)}`);
      return replace(raw);
    },
  };
}

const metadataTab = (sheetId: number): SheetInfo => ({
  ...placeholder,
  sheetId,
  title: METADATA_TAB,
  rowCount: 1,
  columnCount: METADATA_HEADER.length,
});

function replayed(rowsWritten: number, recorded: Recorded | undefined, sheetName: string): ReplaceDatesResult {
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
