import { type RowSetColumn, RowSetV2Header, RowSetV2Row } from '@reportline/contracts';
import { RowValueError } from './sheets/index.ts';

/**
 * Reads a `reportline.rows.v2` row set as it streams (BlobStore.getStream): the header line, then one row per line.
 * Holds one line at a time, never the set. A row set that does not parse is the processor's bug, not Google's: a
 * RowValueError, which ends the import.
 */
export async function readRowSetV2(
  chunks: AsyncIterable<Uint8Array | string>,
): Promise<{ columns: RowSetColumn[]; rows: AsyncGenerator<Array<string | number | null>, void, undefined> }> {
  const lines = splitLines(chunks);
  const first = await lines.next();
  if (first.done) throw new RowValueError('the row set is empty: expected a reportline.rows.v2 header line');
  const header = RowSetV2Header.safeParse(parseLine(first.value, 1));
  if (!header.success) throw new RowValueError('the row set does not start with a reportline.rows.v2 header');
  async function* rows() {
    let lineNo = 1;
    for await (const line of lines) {
      lineNo++;
      if (line === '') continue;
      const row = RowSetV2Row.safeParse(parseLine(line, lineNo));
      if (!row.success) throw new RowValueError(`line ${lineNo} of the row set is not a row`);
      yield row.data;
    }
  }
  return { columns: header.data.columns, rows: rows() };
}

function parseLine(line: string, lineNo: number): unknown {
  try {
    return JSON.parse(line);
  } catch {
    throw new RowValueError(`line ${lineNo} of the row set is not JSON`);
  }
}

async function* splitLines(chunks: AsyncIterable<Uint8Array | string>): AsyncGenerator<string, void, undefined> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  let pending = '';
  for await (const chunk of chunks) {
    pending += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let nl = pending.indexOf('\n');
    while (nl !== -1) {
      yield pending.slice(0, nl);
      pending = pending.slice(nl + 1);
      nl = pending.indexOf('\n');
    }
  }
  pending += decoder.decode();
  if (pending !== '') yield pending;
}
