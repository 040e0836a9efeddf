import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chunkRows, DEFAULT_MAX_CHUNK_BYTES, rowBytes } from '../src/sheets/chunking.ts';

describe('chunkRows', () => {
  it('keeps every JSON payload within the limit and the rows in order', () => {
    const rows = Array.from({ length: 60_000 }, (_, i) => [45_000 + (i % 400), `키워드 ${i} ${'x'.repeat(i % 50)}`, i]);
    const chunks = chunkRows(rows);
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) {
      const payload = JSON.stringify({
        range: `'_stage_${'j'.repeat(90)}'!A1000000`,
        majorDimension: 'ROWS',
        values: chunk.rows,
      });
      expect(Buffer.byteLength(payload)).toBeLessThanOrEqual(DEFAULT_MAX_CHUNK_BYTES);
    }
    expect(chunks.flatMap((c) => c.rows)).toEqual(rows);
    expect(chunks.map((c) => c.startRow)).toEqual(
      chunks.map((_, i) => chunks.slice(0, i).reduce((n, c) => n + c.rows.length, 0)),
    );
  });

  it('holds for arbitrary rows and limits', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.array(fc.oneof(fc.string(), fc.double({ noNaN: true, noDefaultInfinity: true })), { maxLength: 5 }),
        ),
        fc.integer({ min: 2_000, max: 20_000 }),
        (rows, maxBytes) => {
          const chunks = chunkRows(rows, maxBytes);
          expect(chunks.flatMap((c) => c.rows)).toEqual(rows);
          for (const c of chunks) {
            expect(Buffer.byteLength(JSON.stringify({ values: c.rows }))).toBeLessThanOrEqual(maxBytes);
          }
        },
      ),
    );
  });

  it('counts UTF-8 bytes, not characters', () => {
    expect(rowBytes(['가'])).toBe(Buffer.byteLength('["가"]') + 1);
    expect(rowBytes(['가'])).toBe(8);
  });

  it('names a single row that can never fit', () => {
    expect(() => chunkRows([['a'], ['x'.repeat(5_000)]], 2_000)).toThrow('row 1 alone is');
  });

  it('returns no chunks for no rows', () => {
    expect(chunkRows([])).toEqual([]);
  });
});
