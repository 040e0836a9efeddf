import type { ReportType } from '@reportline/contracts';
import { LAYOUTS, type ParsedLine } from './layouts.ts';

/** A report file that does not have NAVER's layout. Names the file and line so the raw file can be inspected. */
export class ReportFormatError extends Error {
  override readonly name = 'ReportFormatError';
}

/**
 * Splits a headerless NAVER TSV (TAB, `\n`, no quoting). The first line is data, never a header: treating it as one
 * silently drops a row. Blank trailing lines are ignored; anything else malformed is an error, never skipped.
 */
export function parseReport<T extends ReportType>(type: T, text: string, file: string): ParsedLine<T>[] {
  const layout: readonly string[] = LAYOUTS[type];
  const lines = text.split('\n');
  const out: ParsedLine<T>[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.replace(/\r$/, '');
    if (line === '') continue;
    const cells = line.split('\t');
    if (cells.length !== layout.length) {
      throw new ReportFormatError(`${file} line ${i + 1}: ${type} has ${layout.length} columns, found ${cells.length}`);
    }
    if (!/^\d{8}$/.test(cells[0]!)) {
      throw new ReportFormatError(
        `${file} line ${i + 1}: first column must be a YYYYMMDD date, found "${cells[0]!.slice(0, 20)}"`,
      );
    }
    const row = {} as Record<string, string>;
    layout.forEach((field, j) => {
      row[field] = cells[j]!;
    });
    out.push(row as ParsedLine<T>);
  }
  return out;
}

/** Metric cells: digits (maybe with a fraction); empty means the column did not exist yet for that date. */
export function metric(value: string, field: string, file: string): number {
  if (value === '' || value === '-') return 0;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new ReportFormatError(`${file}: ${field} is not a number: "${value.slice(0, 20)}"`);
  return n;
}

export const isoDate = (yyyymmdd: string) => `${yyyymmdd.slice(0, 4)}-${yyyymmdd.slice(4, 6)}-${yyyymmdd.slice(6, 8)}`;
