import { describe, expect, it } from 'vitest';
import { readRowSetV2 } from '../src/rows.ts';
import { RowValueError } from '../src/sheets/index.ts';

const header = { format: 'reportline.rows.v2', columns: [{ key: 'date', header: '날짜', type: 'date' }] };

/** The bytes of `text` cut into pieces of `size`, so lines and multi-byte characters straddle chunk boundaries. */
function* pieces(text: string, size: number) {
  const bytes = Buffer.from(text, 'utf8');
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}
async function all<T>(rows: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const r of rows) out.push(r);
  return out;
}
const toAsync = async function* <T>(items: Iterable<T>) {
  yield* items;
};

describe('readRowSetV2', () => {
  it('given a row set cut at every byte, when read, then every row comes back whole, Korean text included', async () => {
    const text = `${JSON.stringify(header)}\n["2026-11-01","운동화",1]\n["2026-11-02",null,2.5]\n`;
    const { columns, rows } = await readRowSetV2(toAsync(pieces(text, 1)));
    expect(columns).toEqual(header.columns);
    expect(await all(rows)).toEqual([
      ['2026-11-01', '운동화', 1],
      ['2026-11-02', null, 2.5],
    ]);
  });

  it('given a last line without its newline, when read, then it is still a row', async () => {
    const { rows } = await readRowSetV2(toAsync([`${JSON.stringify(header)}\n["2026-11-01"]`]));
    expect(await all(rows)).toEqual([['2026-11-01']]);
  });

  it('given something that is not a v2 row set, when read, then it is a RowValueError naming the line', async () => {
    await expect(readRowSetV2(toAsync(['{"format":"reportline.rows.v1"}\n']))).rejects.toBeInstanceOf(RowValueError);
    await expect(readRowSetV2(toAsync([]))).rejects.toThrow('empty');
    const { rows } = await readRowSetV2(toAsync([`${JSON.stringify(header)}\n["a"]\n{"x":1}\n`]));
    await expect(all(rows)).rejects.toThrow('line 3 of the row set is not a row');
  });
});
