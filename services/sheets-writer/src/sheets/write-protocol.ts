import { z } from 'zod';
import {
  type CellInput,
  type Column,
  type RawCell,
  RowValueError,
  serialToDate,
  toRawRow,
  validateColumns,
} from './cells.ts';
import { DEFAULT_MAX_CHUNK_BYTES, ENVELOPE_BYTES, rowBytes } from './chunking.ts';
import { InvalidTargetError, SheetsApiError, SpreadsheetUnreachableError } from './errors.ts';
import { METADATA_HEADER, METADATA_RANGE, METADATA_TAB, parseMetadata, recordFor } from './metadata.ts';
import { findTab, freeSheetId, GOOGLE_MAX_CELLS, STAGING_PREFIX, stagingRequests, stagingTabName } from './plan.ts';
import type { PrincipalQuota } from './quota.ts';
import {
  type CellPolicy,
  commitRequests,
  type DatesDecision,
  decideDates,
  fitCells,
  rowsAfter,
  type StagedBlock,
} from './replace-plan.ts';
import type { SheetInfo, SheetsPort, SpreadsheetInfo } from './sheets-port.ts';

/**
 * Idempotent replace-by-date of one write job in the user's tab, which is never deleted or re-created:
 *   preflight (reachable; already committed? → the recorded outcome; which dates; fits 10M cells)
 *   → fresh hidden staging tab `_stage_<job>` → the import's rows streamed into it as chunked RAW PUTs (safe to repeat)
 *   → ONE atomic batchUpdate: delete the replaced and trimmed dates' rows, insert the new blocks at their sorted place
 *     and paste them from staging, drop staging, write the `_reportline` record.
 * The protocol retries nothing itself. Each call gets Google's backoff from the quota scheduler (429s, and transient
 * failures of calls safe to repeat); any other failure ends the write, and running it again is the retry: the
 * preflight reads `_reportline` back first, so an ambiguous commit (timeout, hang-up, 5xx) that did land is answered
 * from its record and one that did not is redone from a fresh staging tab against the tab as it is. Callers serialise
 * writes per spreadsheet (the writer's Postgres advisory lock): the plan addresses rows by position.
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
  /** Rows this import put in the tab. */
  rowsWritten: number;
  /** Data rows in the tab after the commit (header excluded). */
  rowsInTab: number;
  written: string[];
  trimmed: string[];
  skipped: string[];
  pending: string[];
  /** The cell policy, when it had to trim to fit. */
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
  policyApplied: z.enum(['trim-oldest', 'fail']).optional(),
});

/** The tab's column A (row 2 on) as dates: serials as Reportline writes them, or ISO text a person typed. */
export function tabDatesOf(values: readonly unknown[][]): Array<string | undefined> {
  return values.map(([a]) => {
    if (typeof a === 'number' && Number.isInteger(a) && a > 0) return serialToDate(a);
    if (typeof a === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(a)) return a;
    return undefined;
  });
}

const quoted = (title: string) => `'${title.replaceAll("'", "''")}'`;

export function createSheetsWriter(deps: SheetsWriterDeps): SheetsWriter {
  const { port, quota } = deps;
  const now = deps.now ?? (() => new Date());
  const random = deps.random ?? Math.random;
  const maxCells = deps.maxCells ?? GOOGLE_MAX_CELLS;
  const maxChunkBytes = deps.maxChunkBytes ?? DEFAULT_MAX_CHUNK_BYTES;

  const getInfo = (id: string) => quota.run('spreadsheets.get', () => port.getSpreadsheet(id));
  const readRecords = async (info: SpreadsheetInfo) => {
    if (!findTab(info, METADATA_TAB)) return { records: [], height: 0 };
    const values = await quota.run('values.get', () => port.getValues(info.spreadsheetId, METADATA_RANGE));
    return { records: parseMetadata(values), height: values.length };
  };
  const readTabDates = async (info: SpreadsheetInfo, target: SheetInfo | undefined) => {
    if (!target) return [];
    const range = `${quoted(target.title)}!A2:A`;
    return tabDatesOf(await quota.run('values.get', () => port.getValues(info.spreadsheetId, range)));
  };

  async function preflight(spreadsheetId: string): Promise<SpreadsheetInfo> {
    try {
      return await getInfo(spreadsheetId);
    } catch (err) {
      if (err instanceof SheetsApiError && [400, 401, 403, 404].includes(err.status ?? 0)) {
        throw new SpreadsheetUnreachableError(spreadsheetId, err.status, err.message);
      }
      throw err;
    }
  }

  /** A fresh staging tab (replacing one a failed run of this job left behind), and `_reportline` if missing. */
  async function createStaging(input: ReplaceDatesInput, info: SpreadsheetInfo, rows: number) {
    const title = stagingTabName(input.writeJobId);
    const columns = input.columns.length;
    const stagingSheetId = freeSheetId(info, random);
    const metadataSheetId = freeSheetId(
      { ...info, sheets: [...info.sheets, { ...placeholder, sheetId: stagingSheetId }] },
      random,
    );
    const requests = stagingRequests({
      info,
      writeJobId: input.writeJobId,
      stagingSheetId,
      metadataSheetId,
      rows,
      columns,
    });
    await quota.run('spreadsheets.batchUpdate', () => port.batchUpdate(input.spreadsheetId, requests));
    const metadata = findTab(info, METADATA_TAB) ?? {
      ...placeholder,
      sheetId: metadataSheetId,
      title: METADATA_TAB,
      rowCount: 1,
      columnCount: METADATA_HEADER.length,
    };
    const staging = { ...placeholder, sheetId: stagingSheetId, title, rowCount: rows, columnCount: columns };
    return { metadata, staging };
  }

  /**
   * Streams the rows of the dates to write into staging, in chunks of at most `maxChunkBytes`. Checks what the plan
   * relies on: rows sorted by date, only dates the import replaces, no more rows than announced.
   */
  async function stage(input: ReplaceDatesInput, decision: DatesDecision): Promise<StagedBlock[]> {
    const imported = new Set(input.dates);
    const wanted = new Set(decision.write);
    const blocks: StagedBlock[] = [];
    const range = (row: number) => `${quoted(stagingTabName(input.writeJobId))}!A${row + 1}`;
    let chunk: RawCell[][] = [];
    let chunkStart = 0;
    let bytes = ENVELOPE_BYTES;
    let index = 0;
    let previous = '';
    const flush = async () => {
      if (chunk.length === 0) return;
      const values = chunk;
      await quota.run('values.update', () => port.updateValues(input.spreadsheetId, range(chunkStart), values));
      chunkStart += values.length;
      chunk = [];
      bytes = ENVELOPE_BYTES;
    };
    for await (const row of input.rows) {
      const date = row[0];
      if (typeof date !== 'string' || !imported.has(date)) {
        throw new RowValueError(`row ${index + 1} is of ${JSON.stringify(date)}, not one of the import's dates`);
      }
      if (date < previous) throw new RowValueError(`row ${index + 1} (${date}) comes after ${previous}: not sorted`);
      previous = date;
      if (++index > input.rowCount) throw new RowValueError(`the row set has more than its ${input.rowCount} rows`);
      if (!wanted.has(date)) continue;
      const cells = toRawRow(input.columns, row, index - 1);
      const size = rowBytes(cells);
      if (ENVELOPE_BYTES + size > maxChunkBytes) {
        throw new RowValueError(`row ${index} alone is ${size} bytes, over the ${maxChunkBytes}-byte chunk limit`);
      }
      if (bytes + size > maxChunkBytes) await flush();
      chunk.push(cells);
      bytes += size;
      const last = blocks.at(-1);
      if (last?.date === date) last.rows++;
      else blocks.push({ date, rows: 1 });
    }
    await flush();
    // Dates with no rows are staged as empty blocks: the commit still removes their old rows.
    const byDate = new Map(blocks.map((b) => [b.date, b.rows]));
    return decision.write.map((date) => ({ date, rows: byDate.get(date) ?? 0 }));
  }

  async function replace(input: ReplaceDatesInput): Promise<ReplaceDatesResult> {
    validateColumns(input.columns);
    const info = await preflight(input.spreadsheetId);
    const { records, height } = await readRecords(info);
    const previous = recordFor(records, input.sheetName);
    if (previous?.writeJobId === input.writeJobId) return replayed(previous.rows, previous.result);

    const target = findTab(info, input.sheetName);
    const tabDates = await readTabDates(info, target);
    const common = {
      info,
      sheetName: input.sheetName,
      writeJobId: input.writeJobId,
      tabDates,
      columns: input.columns.length,
      limit: maxCells,
      policy: input.policy,
    };
    const decided = decideDates(input, tabDates);
    // Before anything is staged, with every announced row counted: a write that cannot fit fails with nothing done.
    const rows = Math.max(1, input.rowCount);
    fitCells({ ...common, decision: decided, incomingRows: input.rowCount, stagingRows: rows });

    const { metadata, staging } = await createStaging(input, info, rows);
    const staged = await stage(input, decided);
    const rowsWritten = staged.reduce((n, b) => n + b.rows, 0);
    const fit = fitCells({ ...common, decision: decided, incomingRows: rowsWritten, stagingRows: rows });
    const { decision } = fit;
    const removed = new Set([...decision.write, ...decision.trimmed]);
    const recorded = {
      rowsInTab: rowsAfter(tabDates, removed, staged),
      written: decision.write,
      trimmed: decision.trimmed,
      skipped: decision.skipped,
      pending: decision.pending,
      policyApplied: fit.trimmedForCells.length > 0 ? input.policy : undefined,
    } satisfies z.infer<typeof RecordedResult>;
    const { requests } = commitRequests({
      target,
      newTargetSheetId: freeSheetId({ ...info, sheets: [...info.sheets, staging, metadata] }, random),
      sheetName: input.sheetName,
      columns: input.columns,
      tabDates,
      removed,
      staged,
      staging,
      metadata,
      metadataRowIndex: previous?.rowIndex ?? Math.max(1, height),
      record: {
        sheetName: input.sheetName,
        writeJobId: input.writeJobId,
        rows: rowsWritten,
        committedAt: now().toISOString(),
        result: JSON.stringify(recorded),
      },
    });
    await quota.run('spreadsheets.batchUpdate', () => port.batchUpdate(input.spreadsheetId, requests));
    return { rowsWritten, ...recorded, replayed: false };
  }

  return {
    async replaceDates(raw) {
      const parsed = ReplaceDatesInputSchema.safeParse(raw);
      if (!parsed.success) throw new InvalidTargetError(`replaceDates: ${z.prettifyError(parsed.error)}`);
      return replace(raw);
    },
  };
}

function replayed(rowsWritten: number, json: string): ReplaceDatesResult {
  let recorded: z.infer<typeof RecordedResult> | undefined;
  try {
    recorded = RecordedResult.parse(JSON.parse(json));
  } catch {
    recorded = undefined;
  }
  // A record of a writer before replace-by-date says only how many rows it wrote.
  const r = recorded ?? { rowsInTab: rowsWritten, written: [], trimmed: [], skipped: [], pending: [] };
  return { rowsWritten, ...r, policyApplied: r.policyApplied, replayed: true };
}
