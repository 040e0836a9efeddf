import { z } from 'zod';
import { type CellInput, type Column, toCellRows } from './cells.ts';
import { chunkRows, DEFAULT_MAX_CHUNK_BYTES } from './chunking.ts';
import { InvalidTargetError, SheetsApiError, SpreadsheetUnreachableError } from './errors.ts';
import {
  type CommitRecord,
  METADATA_HEADER,
  METADATA_RANGE,
  METADATA_TAB,
  parseMetadata,
  recordFor,
} from './metadata.ts';
import {
  checkCellBudget,
  commitRequests,
  findTab,
  freeSheetId,
  GOOGLE_MAX_CELLS,
  STAGING_PREFIX,
  stagingRequests,
  stagingTabName,
} from './plan.ts';
import type { PrincipalQuota } from './quota.ts';
import type { SheetInfo, SheetsPort, SpreadsheetInfo } from './sheets-port.ts';

/**
 * Idempotent replace of one tab's content for one write job:
 *   preflight (reachable; already committed? → no-op; fits 10M cells)
 *   → fresh hidden staging tab `_stage_<job>` → chunked RAW PUTs (safe to repeat)
 *   → ONE atomic batchUpdate: unhide, delete old tab, rename, date formats, `_reportline` record.
 * The protocol retries nothing itself. Each call gets Google's backoff from the quota scheduler (429s, and transient
 * failures of calls safe to repeat); any other failure ends the write, and running it again is the retry: the
 * preflight reads `_reportline` back first, so an ambiguous commit (timeout, hang-up, 5xx) that did land is a no-op
 * and one that did not is redone from a fresh staging tab. Callers serialise writes per spreadsheet (the writer's
 * Postgres advisory lock), since `_reportline` rows are placed by position.
 */

export interface WriteRowsInput {
  spreadsheetId: string;
  sheetName: string;
  writeJobId: string;
  columns: readonly Column[];
  /** One array per row, aligned with `columns`. */
  rows: readonly (readonly CellInput[])[];
}

export interface WriteRowsResult {
  /** Data rows now in the tab (header excluded). */
  rowsWritten: number;
  /** True when this job had already been committed and nothing was written. */
  replayed: boolean;
}

export interface SheetsWriter {
  writeRows(input: WriteRowsInput): Promise<WriteRowsResult>;
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

const WriteRowsInputSchema = z.object({
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

  /**
   * A fresh staging tab (replacing one a failed run of this job left behind). Returns the workbook as it is after
   * the step and the staging tab in it, so the commit needs no extra read.
   */
  async function createStaging(
    input: WriteRowsInput,
    info: SpreadsheetInfo,
    rows: number,
  ): Promise<{ info: SpreadsheetInfo; staging: SheetInfo }> {
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
    const kept = info.sheets.filter((s) => s.title.toLowerCase() !== title.toLowerCase());
    const metadata = findTab(info, METADATA_TAB)
      ? []
      : [
          {
            sheetId: metadataSheetId,
            title: METADATA_TAB,
            index: kept.length,
            hidden: true,
            rowCount: 1,
            columnCount: METADATA_HEADER.length,
          },
        ];
    const staging = {
      sheetId: stagingSheetId,
      title,
      index: kept.length + metadata.length,
      hidden: true,
      rowCount: rows,
      columnCount: columns,
    };
    return { info: { ...info, sheets: [...kept, ...metadata, staging] }, staging };
  }

  /** The one atomic swap; the `_reportline` record naming this job is written in the same batch. */
  async function commit(
    input: WriteRowsInput,
    dataRows: number,
    known: { info: SpreadsheetInfo; staging: SheetInfo; records: CommitRecord[]; height: number },
  ): Promise<void> {
    const { info, staging, records, height } = known;
    const previous = recordFor(records, input.sheetName);
    const requests = commitRequests({
      info,
      staging,
      sheetName: input.sheetName,
      writeJobId: input.writeJobId,
      columns: input.columns,
      dataRows,
      metadataRowIndex: previous?.rowIndex ?? Math.max(1, height),
      committedAt: now().toISOString(),
    });
    await quota.run('spreadsheets.batchUpdate', () => port.batchUpdate(input.spreadsheetId, requests));
  }

  async function write(input: WriteRowsInput): Promise<WriteRowsResult> {
    const cells = toCellRows(input.columns, input.rows);
    const dataRows = cells.length - 1;
    const info = await preflight(input.spreadsheetId);
    const { records, height } = await readRecords(info);
    const previous = recordFor(records, input.sheetName);
    if (previous?.writeJobId === input.writeJobId) return { rowsWritten: previous.rows, replayed: true };
    const { writeJobId, sheetName } = input;
    checkCellBudget({
      info,
      sheetName,
      writeJobId,
      stagingRows: cells.length,
      columns: input.columns.length,
      limit: maxCells,
    });

    const staged = await createStaging(input, info, cells.length);
    const quoted = `'${stagingTabName(writeJobId)}'`;
    for (const chunk of chunkRows(cells, maxChunkBytes)) {
      const range = `${quoted}!A${chunk.startRow + 1}`;
      await quota.run('values.update', () => port.updateValues(input.spreadsheetId, range, chunk.rows));
    }
    await commit(input, dataRows, { ...staged, records, height });
    return { rowsWritten: dataRows, replayed: false };
  }

  return {
    async writeRows(raw) {
      const parsed = WriteRowsInputSchema.safeParse(raw);
      if (!parsed.success) throw new InvalidTargetError(`writeRows: ${z.prettifyError(parsed.error)}`);
      return write(raw);
    },
  };
}
