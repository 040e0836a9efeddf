import {
  type EventOfType,
  ImportCompletedV1,
  ImportFailedV1,
  makeEvent,
  type ReportlineEvent,
  RowSetV1,
  SheetWrittenV3,
} from '@reportline/contracts';
import {
  appendToOutbox,
  type BlobStore,
  type Clock,
  DUPLICATE,
  type FailureClass,
  handleOnce,
  type Pool,
  withSessionLock,
} from '@reportline/platform';
import { type HistorySource, historyDaysFor } from './history.ts';
import { readRowSetV2 } from './rows.ts';
import {
  AmbiguousOutcomeError,
  type CellInput,
  CellLimitError,
  type CellPolicy,
  type Column,
  InvalidTargetError,
  RetriesExhaustedError,
  RowValueError,
  type SheetsWriter,
  SpreadsheetUnreachableError,
} from './sheets/index.ts';
import { type Target, targetOf } from './target.ts';

export const SERVICE = 'sheets-writer';
/** How long a write waits for another write of the same spreadsheet (each is bounded by Google's timeouts). */
const LOCK_WAIT_MS = 5 * 60_000;

/**
 * One writer per spreadsheet at a time across all sheets-writer processes: the protocol's metadata tab is updated by
 * position, so two concurrent commits to one spreadsheet could overwrite each other's row. A session advisory lock
 * on a dedicated connection serialises them; it is released even if this process dies (the session ends). It is the
 * only serialisation: handlers of one process take separate connections, so it orders them as it orders processes.
 */
export async function withSpreadsheetLock<T>(pool: Pool, spreadsheetId: string, fn: () => Promise<T>): Promise<T> {
  // Waiting for another write of this spreadsheet is bounded on its own; past it the spreadsheet counts as busy
  // (unavailable) and the bus tries again later.
  const busy = `another write to spreadsheet ${spreadsheetId} is still running`;
  return withSessionLock(pool, `sheets:${spreadsheetId}`, { ms: LOCK_WAIT_MS, busy }, fn);
}

/**
 * The writer's errors for the bus, whose redelivery is the only retry of a whole write. Google still failing after
 * the quota scheduler's backoff, and a call whose outcome is unknown (a 5xx, timeout or hang-up on a call not safe to
 * repeat), both mean Google is unwell, not the message: the bus waits for it, and the next run resolves the unknown
 * outcome by reading `_reportline` back first. The scheduler's stall and lifetime bounds still end the import.
 */
export function classifyWriteError(err: unknown): FailureClass | undefined {
  if (err instanceof RetriesExhaustedError || err instanceof AmbiguousOutcomeError) return 'unavailable';
  return undefined;
}

/** Errors a person must act on; retrying the same write cannot help. */
function permanentFailure(error: unknown): { code: string; message: string } | undefined {
  if (error instanceof InvalidTargetError) {
    return { code: 'sheet-target-invalid', message: `the import's target cannot be written: ${error.message}` };
  }
  if (error instanceof SpreadsheetUnreachableError) return { code: 'sheet-unreachable', message: error.message };
  if (error instanceof CellLimitError) return { code: 'sheet-too-large', message: error.message };
  if (error instanceof RowValueError) return { code: 'rows-invalid', message: error.message };
  return undefined;
}

/** What the writer does with an import's dates when the import asks nothing else (the writer's config). */
export interface WritePolicy {
  /** Days the tab keeps for an import whose request names none (ImportRequested v1); unset keeps every day. */
  historyDays?: number | undefined;
  cellPolicy: CellPolicy;
}

/** The import's rows and dates, whichever RowsProcessed version brought them. */
interface ImportRows {
  columns: Column[];
  /** Each date with its data generation; v2 carries none (undefined). */
  dates: Array<{ date: string; generatedAt: string | undefined }>;
  pending: string[];
  rowCount: number;
  rows: AsyncIterable<readonly CellInput[]> | Iterable<readonly CellInput[]>;
}

const DAY_MS = 86_400_000;
function datesOf(range: { from: string; to: string }): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${range.from}T00:00:00Z`); t <= Date.parse(`${range.to}T00:00:00Z`); t += DAY_MS) {
    out.push(new Date(t).toISOString().slice(0, 10));
  }
  return out;
}

async function importRows(blobs: BlobStore, event: EventOfType<'RowsProcessed'>): Promise<ImportRows> {
  if (event.version === 3) {
    const { columns, rows } = await readRowSetV2(await blobs.getStream(event.data.rows));
    const announced = event.data.columns.map((c) => c.key).join(',');
    if (columns.map((c) => c.key).join(',') !== announced) {
      throw new RowValueError(`stored rows of import ${event.importId} have other columns than the event announces`);
    }
    return {
      columns: event.data.columns.map((c) => ({ name: c.header, type: c.type })),
      dates: event.data.dates,
      pending: event.data.pending.map((p) => p.date),
      rowCount: event.data.rowCount,
      rows,
    };
  }
  // v2 replaces its whole date range, and its rows are one JSON document (held whole, as that format has to be). It
  // carries no generation, so it takes no part in the generation rule: the event's time as a stand-in would make a
  // later v3, stamped with NAVER's earlier generation time, look older and be skipped.
  const parsed = RowSetV1.safeParse(JSON.parse((await blobs.get(event.data.rows)).toString('utf8')));
  if (!parsed.success) {
    throw new RowValueError(`stored rows of import ${event.importId} are not a reportline.rows.v1 row set`);
  }
  const { columns, rows } = parsed.data;
  if (columns[0]?.type !== 'date') throw new RowValueError('the first column of a row set must be its date');
  const byDate = [...rows].sort((x, y) => String(x[0]).localeCompare(String(y[0])));
  const dates = datesOf(event.data.dateRange).map((date) => ({ date, generatedAt: undefined }));
  return { columns, dates, pending: [], rowCount: rows.length, rows: byDate };
}

/**
 * The generation record, taken under the spreadsheet lock before the sheet is touched: dates a newer generation
 * already claimed are left out, and this job claims the rest in the same transaction. Claiming before the commit
 * means an older import that runs while this one's outcome is unknown (a crash, a dropped response) cannot overwrite
 * what this one may have written; a rerun of the same job still writes its own claims (same generation).
 */
async function claimDates(pool: Pool, target: Target, writeJobId: string, all: ImportRows['dates']): Promise<string[]> {
  const dates = all.flatMap((d) => (d.generatedAt ? [{ date: d.date, generatedAt: d.generatedAt }] : []));
  if (dates.length === 0) return [];
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const { rows } = await client.query<{ date: string }>(
      `SELECT to_char(g.date, 'YYYY-MM-DD') AS date
         FROM sheets.date_generations g
         JOIN unnest($3::date[], $4::timestamptz[]) AS i(date, generated_at) ON i.date = g.date
        WHERE g.spreadsheet_id = $1 AND g.sheet_name = $2 AND g.generated_at > i.generated_at`,
      [target.spreadsheetId, target.sheetName.toLowerCase(), dates.map((d) => d.date), dates.map((d) => d.generatedAt)],
    );
    const newer = new Set(rows.map((r) => r.date));
    const claimed = dates.filter((d) => !newer.has(d.date));
    if (claimed.length > 0) {
      await client.query(
        `INSERT INTO sheets.date_generations (spreadsheet_id, sheet_name, date, generated_at, write_job_id)
         SELECT $1, $2, i.date, i.generated_at, $5 FROM unnest($3::date[], $4::timestamptz[]) AS i(date, generated_at)
         ON CONFLICT (spreadsheet_id, sheet_name, date) DO UPDATE
           SET generated_at = EXCLUDED.generated_at, write_job_id = EXCLUDED.write_job_id, recorded_at = now()
           WHERE sheets.date_generations.generated_at <= EXCLUDED.generated_at`,
        [
          target.spreadsheetId,
          target.sheetName.toLowerCase(),
          claimed.map((d) => d.date),
          claimed.map((d) => d.generatedAt),
          writeJobId,
        ],
      );
    }
    await client.query('COMMIT');
    return [...newer].sort();
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

/**
 * Writes one import's rows to its sheet. The write is idempotent per import (its id is the write job id), so a
 * redelivered event re-runs it safely; the inbox mark and the resulting events commit in one transaction.
 */
export async function writeImportRows(
  deps: {
    pool: Pool;
    blobs: BlobStore;
    writer: SheetsWriter;
    clock: Clock;
    policy?: WritePolicy;
    /** Each import's history length, as its request asked; without it the policy's default applies to all. */
    history?: HistorySource;
  },
  event: EventOfType<'RowsProcessed'>,
): Promise<'written' | 'failed' | 'duplicate'> {
  const target = targetOf(event);
  const ctx = { source: SERVICE, importId: event.importId, customerId: event.customerId, causedBy: event };
  const policy = deps.policy ?? { cellPolicy: 'trim-oldest' };

  /** The write to Google, outside the transaction: the events that tell what became of it. */
  const write = async (): Promise<ReportlineEvent[]> => {
    try {
      const writeJobId = event.importId;
      // The window the import's connection asked for (waiting, bounded, for a request not read yet).
      const requested = deps.history ? await deps.history.historyDaysOf(event.importId) : undefined;
      const historyDays = historyDaysFor(requested, policy.historyDays);
      // Google failing for longer than the writer's own backoff (RetriesExhaustedError) is thrown to the bus, which
      // waits for Google as an unavailable dependency without failing the import.
      const result = await withSpreadsheetLock(deps.pool, target.spreadsheetId, async () => {
        const input = await importRows(deps.blobs, event);
        const newerWritten = await claimDates(deps.pool, target, writeJobId, input.dates);
        return deps.writer.replaceDates({
          ...target,
          writeJobId,
          columns: input.columns,
          dates: input.dates.map((d) => d.date),
          pending: input.pending,
          newerWritten,
          rows: input.rows,
          rowCount: input.rowCount,
          historyDays,
          policy: policy.cellPolicy,
        });
      });
      const now = deps.clock.now();
      const written = makeEvent(
        SheetWrittenV3,
        {
          // The tab the rows went to: the connection's, or the tab a `new-tab` roll-over moved it on to.
          spreadsheetId: target.spreadsheetId,
          sheetName: result.sheetName,
          rowsWritten: result.rowsWritten,
          writeJobId,
          rowsInTab: result.rowsInTab,
          writtenDates: result.written,
          skippedDates: result.skipped,
          pendingDates: result.pending,
          trimmedDates: result.trimmed,
          ...(result.policyApplied ? { policy: result.policyApplied } : {}),
          rolledOverFrom: result.sheetName === target.sheetName ? null : target.sheetName,
          replayed: result.replayed,
        },
        { ...ctx, now },
      );
      return [
        written,
        makeEvent(
          ImportCompletedV1,
          { spreadsheetId: target.spreadsheetId, sheetName: result.sheetName, rowsWritten: result.rowsWritten },
          { ...ctx, causedBy: written, now },
        ),
      ];
    } catch (error) {
      const permanent = permanentFailure(error);
      if (!permanent) throw error;
      const failure = { ...permanent, retryable: false };
      return [makeEvent(ImportFailedV1, { stage: 'write', ...failure }, { ...ctx, now: deps.clock.now() })];
    }
  };
  // A handled event is skipped before the write, not only at commit: re-writing an older import's rows could
  // overwrite a newer import's.
  const outcome = await handleOnce(deps.pool, SERVICE, event.id, {
    outside: write,
    inside: async (tx, events) => {
      await appendToOutbox(tx, SERVICE, events);
      return events[0]!.type === 'ImportFailed' ? ('failed' as const) : ('written' as const);
    },
  });
  return outcome === DUPLICATE ? 'duplicate' : outcome;
}
