import { type CellInput, type Column, type RawCell, RowValueError, toRawRow } from './cells.ts';
import { ENVELOPE_BYTES, rowBytes } from './chunking.ts';
import type { StagedBlock } from './replace-plan.ts';
import { rowDataBytes } from './row-data.ts';

/** The import's rows as they stream, checked, converted to RAW cells, and gathered for the commit or for staging. */

export interface CheckedRow {
  date: string;
  cells: RawCell[];
}

export interface RowStreamInput {
  columns: readonly Column[];
  dates: readonly string[];
  rowCount: number;
  rows: AsyncIterable<readonly CellInput[]> | Iterable<readonly CellInput[]>;
}

/**
 * The rows of the dates to write, checking what the plan relies on: rows sorted by date, only dates the import
 * replaces, no more rows than announced, none too large for a request.
 */
export async function* checkedRows(
  input: RowStreamInput,
  wanted: ReadonlySet<string>,
  maxRequestBytes: number,
): AsyncGenerator<CheckedRow, void, undefined> {
  const imported = new Set(input.dates);
  let index = 0;
  let previous = '';
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
    if (ENVELOPE_BYTES + size > maxRequestBytes) {
      throw new RowValueError(`row ${index} alone is ${size} bytes, over the ${maxRequestBytes}-byte request limit`);
    }
    yield { date, cells };
  }
}

export interface Gathered {
  /** The rows read so far, in order. */
  rows: CheckedRow[];
  /** The rows not read yet, when they did not all fit the commit (they are then staged); absent when all were read. */
  rest: AsyncIterator<CheckedRow, void, undefined> | undefined;
}

/**
 * Reads rows while, as `updateCells` row data, they fit within `budgetBytes` of one commit: a daily update fits and
 * travels inside the commit; a larger import stops at the first row past the budget and is staged instead (holding
 * at most one request's worth of rows).
 */
export async function gatherForCommit(rows: AsyncIterable<CheckedRow>, budgetBytes: number): Promise<Gathered> {
  const iterator = rows[Symbol.asyncIterator]() as AsyncIterator<CheckedRow, void, undefined>;
  const out: CheckedRow[] = [];
  let bytes = 0;
  for (;;) {
    const next = await iterator.next();
    if (next.done) return { rows: out, rest: undefined };
    out.push(next.value);
    bytes += rowDataBytes(next.value.cells);
    if (bytes > budgetBytes) return { rows: out, rest: iterator };
  }
}

/** Every remaining row: those already read, then the rest of the stream. */
export async function* allRows(gathered: Gathered): AsyncGenerator<CheckedRow, void, undefined> {
  yield* gathered.rows;
  if (!gathered.rest) return;
  for (;;) {
    const next = await gathered.rest.next();
    if (next.done) return;
    yield next.value;
  }
}

/** Counts rows per date as they pass; `blocks` lists every date written, a date with no rows as an empty block. */
export function blockCounter() {
  const counts = new Map<string, number>();
  return {
    add(date: string) {
      counts.set(date, (counts.get(date) ?? 0) + 1);
    },
    blocks(write: readonly string[]): StagedBlock[] {
      return write.map((date) => ({ date, rows: counts.get(date) ?? 0 }));
    },
  };
}

/** Cuts rows into consecutive RAW `values.update` payloads of at most `maxBytes`, yielding [startRow, rows]. */
export async function* payloads(
  rows: AsyncIterable<CheckedRow>,
  maxBytes: number,
): AsyncGenerator<{ start: number; values: RawCell[][] }, void, undefined> {
  let chunk: RawCell[][] = [];
  let start = 0;
  let bytes = ENVELOPE_BYTES;
  for await (const row of rows) {
    const size = rowBytes(row.cells);
    if (bytes + size > maxBytes && chunk.length > 0) {
      yield { start, values: chunk };
      start += chunk.length;
      chunk = [];
      bytes = ENVELOPE_BYTES;
    }
    chunk.push(row.cells);
    bytes += size;
  }
  if (chunk.length > 0) yield { start, values: chunk };
}
