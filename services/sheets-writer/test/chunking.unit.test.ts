import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chunkRows, DEFAULT_MAX_CHUNK_BYTES, rowBytes } from '../src/sheets/chunking.ts';
import { payloads } from '../src/sheets/row-stream.ts';

describe('chunkRows', () => {
  it('keeps every JSON payload within the limit and the rows in order', () => {
    // ~70 bytes a row: 200,000 rows are ~14 MB, two 9 MiB requests.
    const rows = Array.from({ length: 200_000 }, (_, i) => [
      45_000 + (i % 400),
      `키워드 ${i} ${'x'.repeat(i % 50)}`,
      i,
    ]);
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

describe('payloads (the staging PUTs as the rows stream)', () => {
  it('Given rows streaming in, Then each PUT stays within the limit, in order, and cuts where chunkRows does', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 60_000 }), fc.string({ maxLength: 40 })), { maxLength: 200 }),
        fc.integer({ min: 600, max: 5_000 }),
        async (rows, maxBytes) => {
          async function* stream() {
            for (const cells of rows) yield { date: '2026-11-01', cells };
          }
          const out: Array<{ start: number; values: unknown[][] }> = [];
          for await (const p of payloads(stream(), maxBytes)) out.push(p);
          const expected = chunkRows(rows, maxBytes).map((c) => ({ start: c.startRow, values: c.rows }));
          expect(out).toEqual(expected);
        },
      ),
    );
  });
});
