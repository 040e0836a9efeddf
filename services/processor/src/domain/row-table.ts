/** Where a key field lies in a line: file columns `from`..`to` (inclusive), or `from: -1` for a field the type lacks. */
export interface KeyRun {
  from: number;
  to: number;
}

/** Offsets of the sums in a row's slot of `sums`. */
export const SUM = {
  impressions: 0,
  clicks: 1,
  costNet: 2,
  costGross: 3,
  rankSum: 4,
  views: 5,
  conversions: 6,
  revenue: 7,
} as const;
export const SUM_COUNT = 8;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const TAB = 9;
const HASHED = 16;
/** One field, from a line's start to `ends[0]`. */
const WHOLE_FIELD: readonly KeyRun[] = [{ from: 0, to: 0 }];

/**
 * The aggregation's rows, keyed by (period number, key-field bytes) straight from the line's buffer: a line that adds
 * to an existing row allocates nothing. Open addressing over an FNV-1a hash of the bytes; a row's key bytes are copied
 * once into `arena` (each key field followed by a TAB) and compared byte by byte on a hash hit. Sums live in one
 * Float64Array, SUM_COUNT per row. Memory grows with the rows, never with the lines.
 */
export class RowTable {
  count = 0;
  sums = new Float64Array(1024 * SUM_COUNT);
  private slots = new Int32Array(4096);
  private hashes = new Int32Array(1024);
  private periods = new Int32Array(1024);
  private keyStart = new Int32Array(1024);
  private keyEnd = new Int32Array(1024);
  private arena = Buffer.allocUnsafe(1 << 16);
  private arenaLength = 0;

  /** The row of `period` and the current line's key runs (`ends` as TsvReader records them), added when new. */
  find(period: number, buf: Buffer, lineStart: number, ends: Int32Array, runs: readonly KeyRun[]): number {
    // Only each run's length and last HASHED bytes are hashed: NAVER ids differ in their numeric tails, so that spreads
    // rows as well as hashing every byte at a fraction of the cost. Equality is still decided on all bytes (`same`).
    let h = Math.imul(FNV_OFFSET ^ period, FNV_PRIME);
    for (let r = 0; r < runs.length; r++) {
      const run = runs[r]!;
      if (run.from >= 0) {
        const s = run.from === 0 ? lineStart : ends[run.from - 1]! + 1;
        const e = ends[run.to]!;
        h = Math.imul(h ^ (e - s), FNV_PRIME);
        for (let i = e - HASHED > s ? e - HASHED : s; i < e; i++) h = Math.imul(h ^ buf[i]!, FNV_PRIME);
      }
      h = Math.imul(h ^ TAB, FNV_PRIME);
    }
    const mask = this.slots.length - 1;
    let slot = h & mask;
    for (;;) {
      const at = this.slots[slot]!;
      if (at === 0) break;
      const row = at - 1;
      if (this.hashes[row] === h && this.periods[row] === period && this.same(row, buf, lineStart, ends, runs))
        return row;
      slot = (slot + 1) & mask;
    }
    return this.add(slot, h, period, buf, lineStart, ends, runs);
  }

  /** Row `row`'s key fields as text, TAB-separated (latin1: the bytes as they were). */
  key(row: number): string {
    return this.arena.toString('latin1', this.keyStart[row]!, this.keyEnd[row]! - 1);
  }

  /**
   * The rows' key fields column by column (`fields` of them per key): each field's distinct values, decoded as UTF-8,
   * and every row's index into them. Values are found by their bytes, so each distinct value is decoded once.
   */
  fieldColumns(fields: number): { values: string[][]; of: Int32Array[] } {
    const values: string[][] = [];
    const of: Int32Array[] = [];
    const tables: RowTable[] = [];
    for (let f = 0; f < fields; f++) {
      values.push([]);
      of.push(new Int32Array(this.count));
      tables.push(new RowTable());
    }
    const end = new Int32Array(1);
    const arena = this.arena;
    for (let row = 0; row < this.count; row++) {
      let s = this.keyStart[row]!;
      for (let f = 0; f < fields; f++) {
        let e = s;
        while (arena[e] !== TAB) e++;
        end[0] = e;
        const table = tables[f]!;
        const before = table.count;
        const value = table.find(0, arena, s, end, WHOLE_FIELD);
        if (table.count > before) values[f]!.push(arena.toString('utf8', s, e));
        of[f]![row] = value;
        s = e + 1;
      }
    }
    return { values, of };
  }

  periodOf(row: number): number {
    return this.periods[row]!;
  }

  private same(row: number, buf: Buffer, lineStart: number, ends: Int32Array, runs: readonly KeyRun[]): boolean {
    const arena = this.arena;
    let at = this.keyStart[row]!;
    for (let r = 0; r < runs.length; r++) {
      const run = runs[r]!;
      if (run.from >= 0) {
        const s = run.from === 0 ? lineStart : ends[run.from - 1]! + 1;
        const e = ends[run.to]!;
        // From the end: rows of one ad group share their ids' heads, and differ in their tails.
        for (let i = e - 1, j = at + (e - s) - 1; i >= s; i--, j--) {
          if (arena[j] !== buf[i]) return false;
        }
        at += e - s;
      }
      if (arena[at++] !== TAB) return false;
    }
    return at === this.keyEnd[row];
  }

  private add(
    slot: number,
    h: number,
    period: number,
    buf: Buffer,
    lineStart: number,
    ends: Int32Array,
    runs: readonly KeyRun[],
  ): number {
    const row = this.count++;
    if (row === this.hashes.length) this.growRows();
    let length = runs.length;
    for (const run of runs)
      if (run.from >= 0) length += ends[run.to]! - (run.from === 0 ? lineStart : ends[run.from - 1]! + 1);
    if (this.arenaLength + length > this.arena.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.arena.length * 2, this.arenaLength + length));
      this.arena.copy(bigger, 0, 0, this.arenaLength);
      this.arena = bigger;
    }
    this.keyStart[row] = this.arenaLength;
    for (const run of runs) {
      if (run.from >= 0) {
        const s = run.from === 0 ? lineStart : ends[run.from - 1]! + 1;
        this.arenaLength += buf.copy(this.arena, this.arenaLength, s, ends[run.to]!);
      }
      this.arena[this.arenaLength++] = TAB;
    }
    this.keyEnd[row] = this.arenaLength;
    this.hashes[row] = h;
    this.periods[row] = period;
    this.slots[slot] = row + 1;
    // Half full at most, so probes stay short.
    if (this.count * 2 > this.slots.length) this.rehash();
    return row;
  }

  private growRows(): void {
    const n = this.hashes.length * 2;
    const grow = <T extends Int32Array | Float64Array>(a: T, size: number): T => {
      const b = new (a.constructor as new (n: number) => T)(size);
      b.set(a);
      return b;
    };
    this.hashes = grow(this.hashes, n);
    this.periods = grow(this.periods, n);
    this.keyStart = grow(this.keyStart, n);
    this.keyEnd = grow(this.keyEnd, n);
    this.sums = grow(this.sums, n * SUM_COUNT);
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let row = 0; row < this.count; row++) {
      let slot = this.hashes[row]! & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = row + 1;
    }
    this.slots = slots;
  }
}
