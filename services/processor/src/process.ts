import {
  type EventContext,
  type EventOfType,
  ImportCompletedV1,
  ImportFailedV1,
  LayoutV1,
  makeEvent,
  type ReportlineEvent,
  type RowSetV1,
  RowsProcessedV1,
  RowsProcessedV2,
  RowsProcessedV3,
} from '@reportline/contracts';
import {
  appendToOutbox,
  type BlobStore,
  type Clock,
  DUPLICATE,
  handleOnce,
  type Pool,
  type ServiceMetrics,
} from '@reportline/platform';
import { buildRowSet, MasterSnapshotError, type StreamStore } from './build.ts';
import { answerFor, type DownloadAnswer, type LegacyDownload } from './domain/answer.ts';
import { ReportFormatError } from './domain/parse.ts';
import { planImport } from './domain/plan.ts';
import { buildRows, COLUMN_TYPES, COLUMNS, type ReportFile } from './domain/rows.ts';
import { defaultLayoutSource, type LayoutSource } from './layouts.ts';

export const SERVICE = 'processor';

/** What `processDownload` answered with, by the event it published; anything else is the import failed. */
const OUTCOME: Partial<Record<ReportlineEvent['type'], 'processed' | 'nothing-to-write'>> = {
  RowsProcessed: 'processed',
  ImportCompleted: 'nothing-to-write',
};

export interface ProcessDeps {
  pool: Pool;
  blobs: BlobStore;
  clock: Clock;
  layouts?: LayoutSource;
  metrics?: Pick<ServiceMetrics, 'rowsProcessed'>;
}

/**
 * Turns an import's downloaded files into sheet rows (stored as a claim check) and announces them. A file that does
 * not parse fails the import with the file, line and column named; the raw files stay stored, so nothing is lost. A
 * download whose every date is pending has no rows: the import ends completed with none written (see `processV3`).
 *
 * The work runs outside the transaction, after checking the inbox, so a redelivery of a handled event costs nothing;
 * the answer commits through the outbox with the inbox mark, so a kill or a second instance racing on a redelivery
 * publishes it once. A row set is stored under its content hash only once complete, so a kill mid-file leaves none.
 */
export async function processDownload(
  deps: ProcessDeps,
  event: EventOfType<'ReportsDownloaded'>,
): Promise<'processed' | 'nothing-to-write' | 'failed' | 'duplicate'> {
  const ctx = {
    source: SERVICE,
    importId: event.importId,
    customerId: event.customerId,
    causedBy: event,
    now: deps.clock.now(),
  };
  const outcome = await handleOnce(deps.pool, SERVICE, event.id, {
    outside: () => (event.version === 3 ? processV3(deps, event, ctx) : processLegacy(deps.blobs, event, ctx)),
    inside: async (tx, { result, rowCount }) => {
      await appendToOutbox(tx, SERVICE, [result]);
      return { outcome: OUTCOME[result.type] ?? ('failed' as const), rowCount };
    },
  });
  if (outcome === DUPLICATE) return 'duplicate';
  // Counted once committed, and not for a redelivery, so the counter matches the rows handed to the writer.
  if (outcome.outcome === 'processed') deps.metrics?.rowsProcessed.inc(outcome.rowCount);
  return outcome.outcome;
}

type Answer = { result: ReportlineEvent; rowCount: number };

const failed = (ctx: EventContext, code: string, message: string): Answer => ({
  result: makeEvent(ImportFailedV1, { stage: 'process', code, message, retryable: false }, ctx),
  rowCount: 0,
});

/**
 * A ReportsDownloaded v3: the rows of exactly the import's processable dates in the connection's layout, with names,
 * as RowsProcessed v3. Dates pending for any report type are listed as pending and not processed.
 */
async function processV3(
  deps: ProcessDeps,
  event: Extract<EventOfType<'ReportsDownloaded'>, { version: 3 }>,
  ctx: EventContext,
): Promise<Answer> {
  const { data } = event;
  const layout = LayoutV1.safeParse(await (deps.layouts ?? defaultLayoutSource).layoutOf(event.importId));
  if (!layout.success) {
    return failed(ctx, 'layout-invalid', `the connection's sheet layout is not valid: ${layout.error.message}`);
  }
  const plan = planImport(data, layout.data.granularity);
  if (plan.dates.length === 0) {
    // Nothing to replace: the import ends here rather than handing the writer an empty change.
    const target = data.target;
    return {
      result: makeEvent(ImportCompletedV1, { rowsWritten: 0, ...target }, ctx),
      rowCount: 0,
    };
  }
  try {
    const built = await buildRowSet(deps.blobs as StreamStore, {
      key: `rows/${event.importId}`,
      layout: layout.data,
      files: plan.files,
      statDates: plan.statDates,
      ...(data.master ? { master: data.master } : {}),
    });
    const result = makeEvent(
      RowsProcessedV3,
      {
        rows: built.ref,
        rowCount: built.rowCount,
        columns: built.columns,
        granularity: layout.data.granularity,
        dates: plan.dates,
        pending: plan.pending,
        unnamed: built.unnamed,
        connectionId: data.connectionId,
        target: data.target,
      },
      ctx,
    );
    return { result, rowCount: built.rowCount };
  } catch (error) {
    if (error instanceof ReportFormatError) {
      return failed(ctx, 'report-format', `a NAVER report did not have the expected layout: ${error.message}`);
    }
    if (error instanceof MasterSnapshotError) return failed(ctx, 'master-format', error.message);
    throw error;
  }
}

/** A ReportsDownloaded v1 or v2, answered as before this processor knew layouts: id rows, RowsProcessed v1/v2. */
async function processLegacy(blobs: BlobStore, event: LegacyDownload, ctx: EventContext): Promise<Answer> {
  return processFiles(blobs, event.importId, answerFor(event), ctx);
}

/** The rows of the download's files, stored, as RowsProcessed; or ImportFailed naming a file that does not parse. */
async function processFiles(
  blobs: BlobStore,
  importId: string,
  answer: DownloadAnswer,
  ctx: EventContext,
): Promise<{ result: ReportlineEvent; rowCount: number }> {
  const files: ReportFile[] = [];
  for (const r of answer.files) {
    const content = await blobs.get(r.file);
    files.push({
      reportType: r.reportType,
      statDate: r.statDate,
      name: `${r.reportType} ${r.statDate}`,
      text: content.toString('utf8'),
    });
  }
  try {
    const rows = buildRows(files);
    // The stored row set says its column types, so the writer needs no knowledge of NAVER layouts.
    const rowSet: RowSetV1 = {
      format: 'reportline.rows.v1',
      columns: COLUMNS.map((name) => ({ name, type: COLUMN_TYPES[name] })),
      rows,
    };
    const content = Buffer.from(JSON.stringify(rowSet));
    const ref = await blobs.put(`rows/${importId}`, content, 'application/json');
    const processed = {
      rows: ref,
      rowCount: rows.length,
      columns: [...COLUMNS],
      dateRange: { from: answer.dates[0]!, to: answer.dates.at(-1)! },
    };
    // The connection and target are passed on to the writer. A ReportsDownloaded v1 names neither: RowsProcessed v1
    // passes that on too, and the writer, which needs the target, ends the import with the reason.
    const result = answer.carried
      ? makeEvent(RowsProcessedV2, { ...processed, ...answer.carried }, ctx)
      : makeEvent(RowsProcessedV1, processed, ctx);
    return { result, rowCount: rows.length };
  } catch (error) {
    if (!(error instanceof ReportFormatError)) throw error;
    const result = makeEvent(
      ImportFailedV1,
      {
        stage: 'process',
        code: 'report-format',
        message: `a NAVER report did not have the expected layout: ${error.message}`,
        retryable: false,
      },
      ctx,
    );
    return { result, rowCount: 0 };
  }
}
