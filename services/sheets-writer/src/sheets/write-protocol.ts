import { z } from 'zod';
import { fitCells } from './cell-budget.ts';
import { validateColumns } from './cells.ts';
import { DEFAULT_MAX_CHUNK_BYTES } from './chunking.ts';
import { AmbiguousOutcomeError, InvalidTargetError, SheetsApiError, SpreadsheetUnreachableError } from './errors.ts';
import type { Layout, LayoutMemory } from './layout-memory.ts';
import { METADATA_HEADER, METADATA_RANGE, METADATA_TAB, parseMetadata, recordFor } from './metadata.ts';
import { findTab, freeSheetId, GOOGLE_MAX_CELLS, stagingRequests, stagingTabName } from './plan.ts';
import type { PrincipalQuota } from './quota.ts';
import { type ReplaceDatesInput, ReplaceDatesInputSchema, type ReplaceDatesResult } from './replace-dates.ts';
import { commitRequests, decideDates, type RowSource, rowsAfter, type StagedBlock } from './replace-plan.ts';
import { batchBytes } from './row-data.ts';
import { allRows, blockCounter, type CheckedRow, checkedRows, gatherForCommit, payloads } from './row-stream.ts';
import type { BatchRequest, SheetInfo, SheetsPort, SpreadsheetInfo, TabsRead } from './sheets-port.ts';
import {
  connectionTabs,
  fitsAsIs,
  isCellLimitError,
  METADATA_COLUMNS,
  mergeSheets,
  metadataTab,
  placeholder,
  quoted,
  type Recorded,
  recordedOf,
  replayed,
  tabDatesOf,
  tabsAfter,
  targetTabName,
  type View,
} from './spreadsheet-view.ts';

/**
 * Idempotent replace-by-date of one write job in the user's tab, which is never deleted or re-created:
 *   preflight (reachable; the tab's dates and `_reportline`; already committed? → the recorded outcome; which dates;
 *   fits 10M cells): ONE read when the layout the last commit left is known (spreadsheets.get with `ranges` of the tab
 *   and `_reportline`, their properties and cells together), else every tab listed, then one values.batchGet;
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
  /**
   * What the last commit left in each spreadsheet (layout-memory.ts): with it a write reads its tab and `_reportline`
   * in ONE request; without it every write lists the tabs first (two reads).
   */
  layouts?: LayoutMemory;
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

  /** Every tab listed, then `_reportline` and the connection's tabs' column A: two reads. */
  async function fullView(spreadsheetId: string, sheetName: string): Promise<View> {
    const info = await preflight(spreadsheetId);
    return { info, ...(await readState(info, connectionTabs(info, sheetName))), complete: true };
  }

  /**
   * With the layout the last commit left: the connection's tab and `_reportline` — their properties and the cells the
   * protocol needs — in ONE read; the other tabs as remembered. Undefined when that read cannot be made (a tab renamed
   * or deleted since: `Unable to parse range`), and the caller lists every tab instead.
   */
  async function rememberedView(spreadsheetId: string, sheetName: string, layout: Layout): Promise<View | undefined> {
    const remembered: SpreadsheetInfo = { spreadsheetId, sheets: layout.sheets };
    const tab = findTab(remembered, layout.tabs[sheetName.toLowerCase()] ?? sheetName);
    if (!tab || !findTab(remembered, METADATA_TAB)) return undefined;
    let read: TabsRead;
    try {
      read = await quota.run('spreadsheets.get', () =>
        port.readTabs(spreadsheetId, [
          { title: METADATA_TAB, range: METADATA_COLUMNS },
          { title: tab.title, range: 'A2:A' },
        ]),
      );
    } catch (err) {
      if (err instanceof SheetsApiError && (err.status === 400 || err.status === 401)) return undefined;
      throw err;
    }
    const fresh: SpreadsheetInfo = { spreadsheetId, sheets: read.sheets };
    const freshTab = findTab(fresh, tab.title);
    const freshMetadata = findTab(fresh, METADATA_TAB);
    if (!freshTab || !freshMetadata) return undefined;
    const metadataValues = read.values[0] ?? [];
    return {
      info: { spreadsheetId, sheets: mergeSheets(layout.sheets, [freshTab, freshMetadata]) },
      records: parseMetadata(metadataValues),
      height: metadataValues.length,
      columnA: new Map([[freshTab.sheetId, tabDatesOf(read.values[1] ?? [])]]),
      complete: false,
    };
  }

  /** What the spreadsheet holds, read in one request when the last commit's layout is known, else in two. */
  async function viewFor(input: ReplaceDatesInput): Promise<View> {
    const layout = deps.layouts ? await deps.layouts.recall(input.spreadsheetId) : undefined;
    const view = layout && (await rememberedView(input.spreadsheetId, input.sheetName, layout));
    if (!view) return fullView(input.spreadsheetId, input.sheetName);
    // The tab the record says the rows are in must be the one read (another writer may have rolled it over since).
    const tab = findTab(view.info, targetTabName(view.records, input.sheetName));
    return tab && view.columnA.has(tab.sheetId) ? view : fullView(input.spreadsheetId, input.sheetName);
  }

  /** Sends one batchUpdate: the remembered layout goes first (the outcome may stay unknown), and a commit's answer
   * becomes the next one. */
  async function batchUpdate(
    spreadsheetId: string,
    requests: BatchRequest[],
    next?: (after: SpreadsheetInfo) => Layout,
  ) {
    await deps.layouts?.forget(spreadsheetId);
    const after = await quota.run('spreadsheets.batchUpdate', () => port.batchUpdate(spreadsheetId, requests));
    if (next) await deps.layouts?.remember(spreadsheetId, next(after));
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
    await batchUpdate(input.spreadsheetId, requests);
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
    const view = await viewFor(input);
    const previous = recordFor(view.records, input.sheetName);
    const previousResult = recordedOf(previous);
    if (previous?.writeJobId === input.writeJobId) return replayed(previous.rows, previousResult, input.sheetName);

    // After a roll-over the connection's rows continue in the tab its last commit recorded.
    const tabName = previousResult?.tab ?? input.sheetName;
    const initialTarget = findTab(view.info, tabName);
    const tabDates = (initialTarget && view.columnA.get(initialTarget.sheetId)) || [];
    const metadataRowIndex = previous?.rowIndex ?? Math.max(1, view.height);
    const workbook = (info: SpreadsheetInfo, complete: boolean) => {
      const existingMetadata = findTab(info, METADATA_TAB);
      const metadataId = existingMetadata?.sheetId ?? freeSheetId(info, random);
      return {
        info,
        complete,
        target: findTab(info, tabName),
        existingMetadata,
        metadataId,
        metadata: existingMetadata ?? metadataTab(metadataId),
      };
    };
    let wb = workbook(view.info, view.complete);
    /**
     * Lists every tab, when the write was planned on the remembered ones and the cell budget (or a roll-over, or this
     * job's staging tab) needs them all. The tab and `_reportline` must still be the ones whose cells were read.
     */
    const completeWorkbook = async () => {
      if (wb.complete) return;
      const next = workbook(await preflight(input.spreadsheetId), true);
      if (next.target?.sheetId !== wb.target?.sheetId || next.existingMetadata?.sheetId !== wb.metadataId) {
        throw new AmbiguousOutcomeError('spreadsheets.get', new Error(`a tab of ${input.spreadsheetId} was replaced`));
      }
      wb = next;
    };
    const common = () => ({
      recordCells: metadataRowIndex >= wb.metadata.rowCount ? METADATA_HEADER.length : 0,
      info: wb.info,
      tabName,
      baseName: input.sheetName,
      importDates: input.dates,
      writeJobId: input.writeJobId,
      tabDates,
      columns: input.columns.length,
      limit: maxCells,
      policy: input.policy,
    });
    const decided = decideDates(input, tabDates);
    const firstFit = () => fitCells({ ...common(), decision: decided, incomingRows: input.rowCount, stagingRows: 0 });
    // On remembered tabs, the cell policy acts only after every tab is counted: one deleted since must not trim days.
    if (!wb.complete && (findTab(wb.info, stagingTabName(input.writeJobId)) || !fitsAsIs(firstFit))) {
      await completeWorkbook();
    }
    // Before anything is written, with every announced row counted (in the commit, the least any write needs): a
    // write that cannot fit fails with nothing done.
    firstFit();

    /** The commit for rows from `source`, fitted with the exact rows (and the staging tab, while it exists). */
    const plan = (source: RowSource, staged: StagedBlock[], stagingRows: number) => {
      const { info, target, metadata, existingMetadata } = wb;
      const rowsWritten = staged.reduce((n, b) => n + b.rows, 0);
      const fit = fitCells({ ...common(), decision: decided, incomingRows: rowsWritten, stagingRows });
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
    /** The commit, and the layout it leaves as the next write's starting point. */
    const commit = (planned: ReturnType<typeof plan>) =>
      batchUpdate(input.spreadsheetId, planned.requests, (after) => ({
        sheets: after.sheets,
        tabs: tabsAfter(view.records, input.sheetName, planned.result.sheetName),
      }));

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
      for (;;) {
        const inline = plan(
          { kind: 'inline', rows: gathered.rows.map((r) => r.cells) },
          counter.blocks(decided.write),
          0,
        );
        if (batchBytes(inline.requests) > maxRequestBytes) break;
        try {
          await commit(inline);
          return inline.result;
        } catch (err) {
          // Google counts every tab, also one a person added since the layout was remembered, and refuses the whole
          // batch: then the cell policy decides with every tab listed.
          if (wb.complete || !isCellLimitError(err)) throw err;
          await completeWorkbook();
        }
      }
    }
    // A large import: staged in a hidden tab first, sized by the announced rows before they are all read.
    await completeWorkbook();
    const stagingRows = Math.max(1, input.rowCount);
    fitCells({ ...common(), decision: decided, incomingRows: input.rowCount, stagingRows });
    const staging = await createStaging(input, wb.info, stagingRows, wb.metadataId);
    await stage(input, allRows(gathered));
    const staged = plan({ kind: 'staging', staging }, counter.blocks(decided.write), stagingRows);
    await commit(staged);
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

export type { ReplaceDatesInput, ReplaceDatesResult } from './replace-dates.ts';
