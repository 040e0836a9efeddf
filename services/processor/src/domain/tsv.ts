import { ReportFormatError } from './parse.ts';
import { SLICE, separators } from './separators.ts';

/**
 * Byte-level reader of NAVER's headerless TSV (TAB between fields, `\n` after every line, no quoting), fed the
 * chunks of a stream. It never decodes a line into strings: for each line it records where every field ends
 * (`ends[i]`, exclusive; field i starts one byte after `ends[i - 1]`, field 0 at `lineStart`) and hands the buffer
 * over, so the consumer slices only the fields it keys on and parses numbers in place. Only the tail of a chunk that
 * holds part of a line is copied, once, when the next chunk completes it.
 *
 * A line with another field count is an error naming the file and line; blank lines are skipped (the first line is
 * data, never a header, #1136). A file whose last line has no `\n` was cut off: `end` throws rather than parse a
 * half line as a whole one. `\r\n` line ends are accepted.
 */
export class TsvReader {
  readonly ends: Int32Array;
  private carry: Buffer | null = null;
  private lineNo = 0;

  private readonly file: string;
  private readonly columns: readonly string[];
  private readonly onLine: (buf: Buffer, lineStart: number, lineNo: number) => void;

  constructor(
    file: string,
    columns: readonly string[],
    onLine: (buf: Buffer, lineStart: number, lineNo: number) => void,
  ) {
    this.file = file;
    this.columns = columns;
    this.onLine = onLine;
    this.ends = new Int32Array(columns.length);
  }

  push(chunk: Buffer): void {
    let from = 0;
    if (this.carry) {
      const nl = chunk.indexOf(10);
      if (nl === -1) {
        this.carry = Buffer.concat([this.carry, chunk]);
        return;
      }
      const joined = Buffer.concat([this.carry, chunk.subarray(0, nl + 1)]);
      this.carry = null;
      this.scan(joined, 0, joined.length);
      from = nl + 1;
    }
    const last = chunk.lastIndexOf(10);
    if (last < from) {
      if (from < chunk.length) this.carry = Buffer.from(chunk.subarray(from));
      return;
    }
    this.scan(chunk, from, last + 1);
    // Copied so the rest of the chunk is not kept alive by a few bytes of it.
    if (last + 1 < chunk.length) this.carry = Buffer.from(chunk.subarray(last + 1));
  }

  /** The lines read; throws when the file ends inside a line. */
  end(): number {
    if (this.carry && this.carry.length > 0) {
      throw new ReportFormatError(
        `${this.file} line ${this.lineNo + 1}: the file ends without a line break (truncated download)`,
      );
    }
    return this.lineNo;
  }

  /** Lines of `buf[start, end)`, which ends right after a `\n`. */
  private scan(buf: Buffer, start: number, end: number): void {
    if (separators === null) {
      this.scanBytes(buf, start, end);
      return;
    }
    const { positions } = separators;
    const ends = this.ends;
    const expected = ends.length;
    const onLine = this.onLine;
    let lineNo = this.lineNo;
    let lineStart = start;
    let field = 0;
    try {
      for (let from = start; from < end; from += SLICE) {
        const count = separators.find(buf, from, from + SLICE < end ? from + SLICE : end);
        for (let k = 0; k < count; k++) {
          const i = from + positions[k]!;
          if (buf[i] === 9) {
            // A typed array ignores writes past its end: a line with too many fields is caught at its end.
            ends[field++] = i;
          } else {
            lineNo++;
            const lineEnd = i > lineStart && buf[i - 1] === 13 ? i - 1 : i;
            if (lineEnd > lineStart || field > 0) {
              if (field + 1 !== expected) {
                throw new ReportFormatError(
                  `${this.file} line ${lineNo}: expected ${expected} columns, found ${field + 1}`,
                );
              }
              ends[field] = lineEnd;
              onLine(buf, lineStart, lineNo);
            }
            lineStart = i + 1;
            field = 0;
          }
        }
      }
    } finally {
      this.lineNo = lineNo;
    }
  }

  /** `scan` in JavaScript, where WebAssembly SIMD is not available. */
  private scanBytes(buf: Buffer, start: number, end: number): void {
    const ends = this.ends;
    const expected = ends.length;
    const onLine = this.onLine;
    let lineNo = this.lineNo;
    let lineStart = start;
    let field = 0;
    // Four bytes at a time where the buffer is aligned: a word with no byte below 11 (no TAB, no \n) is skipped whole
    // (the bit test is exact for any bytes, UTF-8 included); a word with one is walked byte by byte.
    const base = buf.byteOffset;
    const words = new Uint32Array(buf.buffer, 0, buf.buffer.byteLength >>> 2);
    try {
      for (let i = start; i < end; i++) {
        while (((base + i) & 3) === 0 && i + 4 <= end) {
          const w = words[(base + i) >>> 2]!;
          if (((w - 0x0b0b0b0b) & ~w & 0x80808080) !== 0) break;
          i += 4;
        }
        if (i >= end) break;
        const c = buf[i]!;
        if (c > 10) continue;
        if (c === 9) {
          // A typed array ignores writes past its end: a line with too many fields is caught at its end.
          ends[field++] = i;
        } else if (c === 10) {
          lineNo++;
          const lineEnd = i > lineStart && buf[i - 1] === 13 ? i - 1 : i;
          if (lineEnd > lineStart || field > 0) {
            if (field + 1 !== expected) {
              throw new ReportFormatError(
                `${this.file} line ${lineNo}: expected ${expected} columns, found ${field + 1}`,
              );
            }
            ends[field] = lineEnd;
            onLine(buf, lineStart, lineNo);
          }
          lineStart = i + 1;
          field = 0;
        }
      }
    } finally {
      this.lineNo = lineNo;
    }
  }

  /** Where field `i` of the current line starts. */
  start(lineStart: number, i: number): number {
    return i === 0 ? lineStart : this.ends[i - 1]! + 1;
  }

  /** Error for field `i` of line `lineNo`, naming file, line and column. */
  fieldError(buf: Buffer, lineStart: number, lineNo: number, i: number, problem: string): ReportFormatError {
    const text = buf.toString('utf8', this.start(lineStart, i), this.ends[i]).slice(0, 20);
    return new ReportFormatError(
      `${this.file} line ${lineNo} column ${i + 1} (${this.columns[i]}): ${problem}, found "${text}"`,
    );
  }
}

/**
 * A metric cell read in place: digits with an optional sign and fraction. Empty or `-` is 0 (a column added after the
 * date was generated, or no value). Anything else returns NaN for the caller to report with its line and column.
 */
export function parseNumber(buf: Buffer, s: number, e: number): number {
  if (s === e) return 0;
  let i = s;
  let negative = false;
  if (buf[i] === 45) {
    if (e - s === 1) return 0;
    negative = true;
    i++;
  }
  let value = 0;
  let digits = 0;
  for (; i < e; i++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) break;
    value = value * 10 + d;
    digits++;
  }
  if (i < e && buf[i] === 46) {
    i++;
    let scale = 1;
    for (; i < e; i++) {
      const d = buf[i]! - 48;
      if (d < 0 || d > 9) break;
      value = value * 10 + d;
      scale *= 10;
      digits++;
    }
    value /= scale;
  }
  if (i !== e || digits === 0) return Number.NaN;
  return negative ? -value : value;
}

/** `YYYYMMDD` as the number 20261110, or NaN. */
export function parseDay(buf: Buffer, s: number, e: number): number {
  if (e - s !== 8) return Number.NaN;
  let value = 0;
  for (let i = s; i < e; i++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) return Number.NaN;
    value = value * 10 + d;
  }
  return value;
}
