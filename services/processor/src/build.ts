import {
  type BlobRef,
  type LayoutV1,
  type ReportType,
  ROW_SET_V2_CONTENT_TYPE,
  type RowSetColumn,
  type RowSetV2Header,
  readMasterSnapshot,
} from '@reportline/contracts';
import { Aggregator, type KeyField, keyFieldsOf } from './domain/aggregate.ts';
import { collectNames, idsToName } from './domain/names.ts';
import type { PlannedFile } from './domain/plan.ts';
import { columnsOf, type NameLookup, sheetLines, sheetRows } from './domain/sheet.ts';

/** Where the processor reads files and writes row sets: the blob store's streaming half. */
export interface StreamStore {
  getStream(ref: BlobRef): Promise<AsyncIterable<Buffer>>;
  putStream(key: string, content: AsyncIterable<Uint8Array>, contentType: string): Promise<BlobRef>;
}

/** A master snapshot that does not parse: the import fails (the fetcher rewrites it on its next refresh). */
export class MasterSnapshotError extends Error {
  override readonly name = 'MasterSnapshotError';
}

const CONVERSION_METRICS = new Set<LayoutV1['metrics'][number]>(['conversions', 'revenue', 'cpa', 'roas']);

/**
 * Which report types feed the rows. Detail reports split the same metrics by hour and region, so one performance and
 * one conversion type are read, never both of a kind: the detail one when the layout needs hour or region (or the
 * plain one is missing), the plain one otherwise (smaller). Conversions only when the layout shows one of theirs.
 */
export function typesToRead(layout: LayoutV1, available: ReadonlySet<ReportType>): ReportType[] {
  const detail = layout.dimensions.includes('hour') || layout.dimensions.includes('region');
  const pick = (plain: ReportType, detailed: ReportType) => {
    const [first, second] = detail ? [detailed, plain] : [plain, detailed];
    return available.has(first) ? first : available.has(second) ? second : undefined;
  };
  const types = [pick('AD', 'AD_DETAIL')];
  if (layout.metrics.some((m) => CONVERSION_METRICS.has(m))) types.push(pick('AD_CONVERSION', 'AD_CONVERSION_DETAIL'));
  return types.filter((t): t is ReportType => t !== undefined);
}

export interface BuiltRowSet {
  ref: BlobRef;
  rowCount: number;
  columns: RowSetColumn[];
  unnamed: number;
}

/**
 * Files → rows → a stored `reportline.rows.v2` row set, streaming end to end: each file is read chunk by chunk into
 * the aggregation, names are joined for the resulting rows only, and the sorted rows stream into the store. Memory
 * is bounded by the output rows. The store writes the row set under its content hash once the stream has ended, so
 * a failure or a kill anywhere before leaves no row set behind, and a rerun stores the same key.
 */
export async function buildRowSet(
  store: StreamStore,
  input: {
    key: string;
    layout: LayoutV1;
    files: readonly PlannedFile[];
    statDates: ReadonlySet<string>;
    master?: BlobRef;
  },
): Promise<BuiltRowSet> {
  const { layout } = input;
  const keyFields = keyFieldsOf(layout.dimensions);
  const aggregator = new Aggregator(keyFields, layout.granularity, input.statDates);
  const read = new Set(typesToRead(layout, new Set(input.files.map((f) => f.reportType))));
  for (const f of input.files) {
    if (!read.has(f.reportType)) continue;
    const reader = aggregator.reader(f.reportType, `${f.reportType} ${f.statDate}`);
    for await (const chunk of await store.getStream(f.file)) reader.push(chunk);
    reader.end();
  }
  const keyed = aggregator.columns();
  const wanted = idsToName(layout, keyFields, keyed.values);
  const names = await collectNames(wanted, input.master ? masterEntities(store, input.master, wanted) : undefined);
  const sheet = sheetLines(layout, keyFields, keyed, names) ?? plainSheetLines(layout, keyFields, aggregator, names);
  const columns = columnsOf(layout);
  const header: RowSetV2Header = { format: 'reportline.rows.v2', columns };
  const ref = await store.putStream(input.key, rowSetLines(header, sheet.chunks), ROW_SET_V2_CONTENT_TYPE);
  return { ref, rowCount: sheet.count, columns, unnamed: names.misses };
}

async function* masterEntities(store: StreamStore, ref: BlobRef, wanted: ReadonlySet<string>) {
  try {
    yield* readMasterSnapshot(await store.getStream(ref), { only: (id) => wanted.has(id) });
  } catch (error) {
    if (error instanceof SyntaxError) throw new MasterSnapshotError(`master snapshot ${ref.uri}: ${error.message}`);
    throw error;
  }
}

/** Cells holding a NUL (which `sheetLines` does not sort): the rows built and sorted as whole string arrays. */
function plainSheetLines(
  layout: LayoutV1,
  keyFields: readonly KeyField[],
  aggregator: Aggregator,
  names: NameLookup,
): { count: number; chunks: Iterable<Buffer> } {
  const rows = sheetRows(layout, keyFields, aggregator.rows(), names);
  return { count: rows.length, chunks: jsonLines(rows) };
}

/** Rows as JSON lines, in ~64 KiB chunks. */
function* jsonLines(rows: Iterable<unknown[]>): Generator<Buffer> {
  let text = '';
  for (const row of rows) {
    text += `${JSON.stringify(row)}\n`;
    if (text.length >= 65_536) {
      yield Buffer.from(text);
      text = '';
    }
  }
  if (text !== '') yield Buffer.from(text);
}

/** The row set: its header line, then the rows' lines (`chunks`, whole lines each). */
export async function* rowSetLines(header: RowSetV2Header, chunks: Iterable<Buffer>): AsyncGenerator<Buffer> {
  yield Buffer.from(`${JSON.stringify(header)}\n`);
  yield* chunks;
}
