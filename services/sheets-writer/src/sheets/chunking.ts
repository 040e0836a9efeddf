import type { RawCell } from './cells.ts';

/** Google's hard cap on a request's payload (10 MiB); it recommends 2 MB. */
export const GOOGLE_MAX_PAYLOAD_BYTES = 10_485_760;
/**
 * Requests (a staging PUT, a commit carrying its rows) up to 9 MiB, a tenth under Google's cap: every request costs
 * one of a principal's 60 writes a minute, so fewer, larger ones serve more connections (100k rows of a 17-column
 * layout are ~25 MB: 3 PUTs instead of 13 at 2 MB).
 */
export const DEFAULT_MAX_CHUNK_BYTES = 9 * 1024 * 1024;
// The request body around the rows: `{"values":[…],"majorDimension":"ROWS","range":"'<100-char tab>'!A1"}` and slack.
export const ENVELOPE_BYTES = 512;

export interface Chunk {
  /** 0-based row offset of the chunk's first row within all rows. */
  startRow: number;
  rows: RawCell[][];
  /** Estimated JSON payload size in bytes. */
  bytes: number;
}

/** Bytes a row adds to `{"values":[…]}`: its JSON (UTF-8) and the comma before the next row. */
export function rowBytes(row: readonly RawCell[]): number {
  return Buffer.byteLength(JSON.stringify(row), 'utf8') + 1;
}

/**
 * Splits rows into consecutive chunks whose JSON payload stays within `maxBytes`. A single row larger than that
 * cannot be sent in any chunk and is an error naming the row.
 */
export function chunkRows(rows: readonly RawCell[][], maxBytes = DEFAULT_MAX_CHUNK_BYTES): Chunk[] {
  const budget = maxBytes - ENVELOPE_BYTES;
  if (budget <= 0) throw new Error(`maxBytes must exceed ${ENVELOPE_BYTES}, got ${maxBytes}`);
  const chunks: Chunk[] = [];
  let current: Chunk | undefined;
  rows.forEach((row, i) => {
    const size = rowBytes(row);
    if (size > budget) throw new Error(`row ${i} alone is ${size} bytes, over the ${maxBytes}-byte chunk limit`);
    if (!current || current.bytes + size > maxBytes) {
      current = { startRow: i, rows: [], bytes: ENVELOPE_BYTES };
      chunks.push(current);
    }
    current.rows.push(row);
    current.bytes += size;
  });
  return chunks;
}
