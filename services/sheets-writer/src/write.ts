import {
  type EventOfType,
  ImportCompletedV1,
  ImportFailedV1,
  makeEvent,
  type ReportlineEvent,
  RowSetV1,
  SheetWrittenV1,
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
import {
  AmbiguousOutcomeError,
  CellLimitError,
  InvalidTargetError,
  RetriesExhaustedError,
  RowValueError,
  type SheetsWriter,
  SpreadsheetUnreachableError,
} from './sheets/index.ts';
import { targetOf } from './target.ts';

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

/**
 * Writes one import's rows to its sheet. The write is idempotent per import (its id is the write job id), so a
 * redelivered event re-runs it safely; the inbox mark and the resulting events commit in one transaction.
 */
export async function writeImportRows(
  deps: { pool: Pool; blobs: BlobStore; writer: SheetsWriter; clock: Clock },
  event: EventOfType<'RowsProcessed'>,
): Promise<'written' | 'failed' | 'duplicate'> {
  const target = targetOf(event);
  const ctx = { source: SERVICE, importId: event.importId, customerId: event.customerId, causedBy: event };

  /** The write to Google, outside the transaction: the events that tell what became of it. */
  const write = async (): Promise<ReportlineEvent[]> => {
    try {
      const parsed = RowSetV1.safeParse(JSON.parse((await deps.blobs.get(event.data.rows)).toString('utf8')));
      if (!parsed.success)
        throw new RowValueError(`stored rows of import ${event.importId} are not a reportline.rows.v1 row set`);
      const { columns, rows } = parsed.data;
      const request = { ...target, writeJobId: event.importId, columns, rows };
      // Google failing for longer than the writer's own backoff (RetriesExhaustedError) is thrown to the bus, which
      // waits for Google as an unavailable dependency without failing the import.
      const result = await withSpreadsheetLock(deps.pool, target.spreadsheetId, () => deps.writer.writeRows(request));
      const now = deps.clock.now();
      const written = makeEvent(
        SheetWrittenV1,
        { ...target, rowsWritten: result.rowsWritten, writeJobId: event.importId },
        { ...ctx, now },
      );
      return [
        written,
        makeEvent(
          ImportCompletedV1,
          { ...target, rowsWritten: result.rowsWritten },
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
