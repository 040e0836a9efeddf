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

/** Bytes before a row's key in its record: the sums. */
const SUMS_BYTES = SUM_COUNT * 8;
/** Ints per row in `meta`: where its record starts (bytes), its key's length, its period, its hash. */
const META = 4;
const SLOT = 4;

/**
 * The aggregation's rows, keyed by (period number, key-field bytes) straight from the line's buffer: a line that adds
 * to an existing row allocates nothing. Open addressing over an FNV-1a hash of the bytes, the hash kept in the slot so a
 * probe past another row reads nothing else. A row is one record in one buffer, its SUM_COUNT sums (`sums`, a
 * Float64Array over the buffer) followed by its key bytes (each key field followed by a TAB), so a line that finds its
 * row touches one place in memory, not one array per column; the key is compared four bytes at a time where it can be.
 * Memory grows with the rows, never with the lines.
 */
export class RowTable {
  count = 0;
  /** The records' sums; a row's are at `sumsAt(row)`. Replaced when the table grows. */
  sums: Float64Array;
  private records: Buffer;
  private words: Int32Array;
  private used = 0;
  private meta = new Int32Array(1024 * META);
  /** SLOT ints per slot: row + 1 (0 for an empty slot), hash, period, record start: a probe reads nothing else. */
  private slots = new Int32Array(4096 * SLOT);
  /** The last line buffer seen and its Int32 view (of its whole ArrayBuffer), for comparing keys word by word. */
  private lineBuf: Buffer | null = null;
  private lineWords: Int32Array<ArrayBufferLike> = new Int32Array(0);

  constructor() {
    const buffer = new ArrayBuffer(1 << 17);
    this.records = Buffer.from(buffer);
    this.words = new Int32Array(buffer);
    this.sums = new Float64Array(buffer);
  }

  /** The slot of the row of `period` and the current line's key runs, the row added when new. */
  private lookup(period: number, buf: Buffer, lineStart: number, ends: Int32Array, runs: readonly KeyRun[]): number {
    if (buf !== this.lineBuf) {
      this.lineBuf = buf;
      this.lineWords = new Int32Array(buf.buffer, 0, buf.buffer.byteLength >>> 2);
    }
    const lineWords = this.lineWords;
    const base = buf.byteOffset;
    // Only each run's length and last HASHED bytes are hashed: NAVER ids differ in their numeric tails, so that spreads
    // rows as well as hashing every byte at a fraction of the cost. Equality is still decided on all bytes (`same`).
    let h = Math.imul(FNV_OFFSET ^ period, FNV_PRIME);
    for (let r = 0; r < runs.length; r++) {
      const run = runs[r]!;
      if (run.from >= 0) {
        const s = run.from === 0 ? lineStart : ends[run.from - 1]! + 1;
        const e = ends[run.to]!;
        h = Math.imul(h ^ (e - s), FNV_PRIME);
        const pos = base + e - HASHED;
        if (e - s >= HASHED && (pos >>> 2) + 4 < lineWords.length) {
          // The last HASHED bytes as four words, read unaligned from five aligned ones.
          const wi = pos >>> 2;
          const shift = (pos & 3) << 3;
          for (let j = 0; j < 4; j++) {
            const w =
              shift === 0
                ? lineWords[wi + j]!
                : (lineWords[wi + j]! >>> shift) | (lineWords[wi + j + 1]! << (32 - shift));
            h = Math.imul(h ^ w, FNV_PRIME);
          }
        } else {
          for (let i = e - HASHED > s ? e - HASHED : s; i < e; i++) h = Math.imul(h ^ buf[i]!, FNV_PRIME);
        }
      }
      h = Math.imul(h ^ TAB, FNV_PRIME);
    }
    // A word's high bytes reach only the product's high bits: mixed down before the low bits pick the slot.
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    const slots = this.slots;
    const mask = (slots.length >>> 2) - 1;
    let slot = h & mask;
    for (;;) {
      const at = slots[slot * SLOT]!;
      if (at === 0) break;
      if (
        slots[slot * SLOT + 1] === h &&
        slots[slot * SLOT + 2] === period &&
        this.same(slots[slot * SLOT + 3]!, buf, lineStart, ends, runs)
      )
        return slot;
      slot = (slot + 1) & mask;
    }
    return this.add(slot, h, period, buf, lineStart, ends, runs);
  }

  /** The row of `period` and the current line's key runs (`ends` as TsvReader records them), added when new. */
  find(period: number, buf: Buffer, lineStart: number, ends: Int32Array, runs: readonly KeyRun[]): number {
    // Looked up first: adding a row may replace `slots`.
    const slot = this.lookup(period, buf, lineStart, ends, runs);
    return this.slots[slot * SLOT]! - 1;
  }

  /** `find`, as where the row's sums start in `sums`. */
  findSums(period: number, buf: Buffer, lineStart: number, ends: Int32Array, runs: readonly KeyRun[]): number {
    const slot = this.lookup(period, buf, lineStart, ends, runs);
    return this.slots[slot * SLOT + 3]! >>> 3;
  }

  /** Where row `row`'s sums start in `sums`. */
  sumsAt(row: number): number {
    return this.meta[row * META]! >>> 3;
  }

  /** Row `row`'s key fields as text, TAB-separated (latin1: the bytes as they were). */
  key(row: number): string {
    const start = this.meta[row * META]! + SUMS_BYTES;
    return this.records.toString('latin1', start, start + this.meta[row * META + 1]! - 1);
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
    const records = this.records;
    for (let row = 0; row < this.count; row++) {
      let s = this.meta[row * META]! + SUMS_BYTES;
      for (let f = 0; f < fields; f++) {
        let e = s;
        while (records[e] !== TAB) e++;
        end[0] = e;
        const table = tables[f]!;
        const before = table.count;
        const value = table.find(0, records, s, end, WHOLE_FIELD);
        if (table.count > before) values[f]!.push(records.toString('utf8', s, e));
        of[f]![row] = value;
        s = e + 1;
      }
    }
    return { values, of };
  }

  periodOf(row: number): number {
    return this.meta[row * META + 2]!;
  }

  /**
   * Whether the record at `record` has the line's key. No length is checked: a record's key and a line's runs hold as
   * many TABs (one per key field), and a field holds none, so once every byte and TAB of the runs matched, so did the
   * whole key; and comparing never reads past a shorter key, whose last TAB meets a byte of a field first.
   */
  private same(record: number, buf: Buffer, lineStart: number, ends: Int32Array, runs: readonly KeyRun[]): boolean {
    const records = this.records;
    const words = this.words;
    const lineWords = this.lineWords;
    const base = buf.byteOffset;
    let at = record + SUMS_BYTES;
    for (let r = 0; r < runs.length; r++) {
      const run = runs[r]!;
      if (run.from >= 0) {
        const s = run.from === 0 ? lineStart : ends[run.from - 1]! + 1;
        const length = ends[run.to]! - s;
        let i = 0;
        // Four bytes at a time when the record's side is aligned (a key's first run always is): the line's words are
        // read unaligned, from two aligned ones, and only where the line's buffer has both.
        const pos = base + s;
        const wi = pos >>> 2;
        const whole = length >>> 2;
        if ((at & 3) === 0 && wi + whole < lineWords.length) {
          const wa = at >>> 2;
          const shift = (pos & 3) << 3;
          if (shift === 0) {
            for (let j = 0; j < whole; j++) if (lineWords[wi + j] !== words[wa + j]) return false;
          } else {
            let low = lineWords[wi]!;
            for (let j = 0; j < whole; j++) {
              const high = lineWords[wi + j + 1]!;
              if (((low >>> shift) | (high << (32 - shift))) !== words[wa + j]) return false;
              low = high;
            }
          }
          i = whole << 2;
        }
        for (; i < length; i++) if (records[at + i] !== buf[s + i]) return false;
        at += length;
      }
      if (records[at++] !== TAB) return false;
    }
    return true;
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
    if (row * META === this.meta.length) {
      const meta = new Int32Array(this.meta.length * 2);
      meta.set(this.meta);
      this.meta = meta;
    }
    let length = runs.length;
    for (const run of runs)
      if (run.from >= 0) length += ends[run.to]! - (run.from === 0 ? lineStart : ends[run.from - 1]! + 1);
    const start = this.used;
    // Records start on 8 bytes, for the sums (and so the key's first run is word-aligned).
    const size = (SUMS_BYTES + length + 7) & ~7;
    if (start + size > this.records.length) this.grow(start + size);
    let at = start + SUMS_BYTES;
    for (const run of runs) {
      if (run.from >= 0) {
        const s = run.from === 0 ? lineStart : ends[run.from - 1]! + 1;
        at += buf.copy(this.records, at, s, ends[run.to]!);
      }
      this.records[at++] = TAB;
    }
    this.used = start + size;
    const m = row * META;
    this.meta[m] = start;
    this.meta[m + 1] = length;
    this.meta[m + 2] = period;
    this.meta[m + 3] = h;
    const slots = this.slots;
    slots[slot * SLOT] = row + 1;
    slots[slot * SLOT + 1] = h;
    slots[slot * SLOT + 2] = period;
    slots[slot * SLOT + 3] = start;
    // Half full at most, so probes stay short.
    if (this.count * 2 * SLOT > slots.length) return this.rehash(row);
    return slot;
  }

  private grow(needed: number): void {
    const buffer = new ArrayBuffer(Math.max(this.records.length * 2, needed));
    const records = Buffer.from(buffer);
    this.records.copy(records, 0, 0, this.used);
    this.records = records;
    this.words = new Int32Array(buffer);
    this.sums = new Float64Array(buffer);
  }

  /** Doubles the slots; returns the slot `row` lands in. */
  private rehash(row: number): number {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = (slots.length >>> 2) - 1;
    let slotOfRow = -1;
    for (let r = 0; r < this.count; r++) {
      const m = r * META;
      let slot = this.meta[m + 3]! & mask;
      while (slots[slot * SLOT] !== 0) slot = (slot + 1) & mask;
      slots[slot * SLOT] = r + 1;
      slots[slot * SLOT + 1] = this.meta[m + 3]!;
      slots[slot * SLOT + 2] = this.meta[m + 2]!;
      slots[slot * SLOT + 3] = this.meta[m]!;
      if (r === row) slotOfRow = slot;
    }
    this.slots = slots;
    return slotOfRow;
  }
}
