import type { Row } from './stat-rows.ts';

/**
 * NAVER's file format: no header row, TAB between columns, `\n` after every row, and no quoting or escaping at all —
 * a `"` inside a name is just a character (#950, #1136).
 */
export function* tsvChunks(rows: Iterable<Row>, chunkBytes = 64 * 1024): Generator<string> {
  let buffer = '';
  for (const row of rows) {
    buffer += `${row.join('\t')}\n`;
    if (buffer.length >= chunkBytes) {
      yield buffer;
      buffer = '';
    }
  }
  if (buffer) yield buffer;
}
