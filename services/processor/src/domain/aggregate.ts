import type { LayoutDimension, ReportType } from '@reportline/contracts';
import { LAYOUTS } from './layouts.ts';
import { type Granularity, periodOf } from './plan.ts';
import { parseDay, parseNumber, TsvReader } from './tsv.ts';

/** NAVER's cost includes VAT from this statDt on, and excludes it before (reference, VAT). */
export const VAT_INCLUDED_FROM = '2026-03-30';

/** File columns a row is keyed on, in the order every stat report has them (so keys agree across report types). */
export const KEY_FIELDS = [
  'campaignId',
  'adgroupId',
  'keywordId',
  'adId',
  'bizChannelId',
  'hour',
  'region',
  'media',
  'device',
] as const;
export type KeyField = (typeof KEY_FIELDS)[number];

const FIELD_OF: Record<Exclude<LayoutDimension, 'date'>, KeyField> = {
  campaign: 'campaignId',
  campaignType: 'campaignId',
  adgroup: 'adgroupId',
  keyword: 'keywordId',
  ad: 'adId',
  bizChannel: 'bizChannelId',
  hour: 'hour',
  region: 'region',
  media: 'media',
  device: 'device',
};

/** The file columns a layout's rows are keyed on, in KEY_FIELDS order. */
export function keyFieldsOf(dimensions: readonly LayoutDimension[]): KeyField[] {
  const wanted = new Set(dimensions.flatMap((d) => (d === 'date' ? [] : [FIELD_OF[d]])));
  return KEY_FIELDS.filter((f) => wanted.has(f));
}

/**
 * One row's sums. Cost is kept apart by how NAVER reported it (with or without VAT), so any VAT basis can be applied
 * once to the sum, even for a week or month that spans the change.
 */
export interface Sums {
  impressions: number;
  clicks: number;
  costNet: number;
  costGross: number;
  rankSum: number;
  views: number;
  conversions: number;
  revenue: number;
}

export const emptySums = (): Sums => ({
  impressions: 0,
  clicks: 0,
  costNet: 0,
  costGross: 0,
  rankSum: 0,
  views: 0,
  conversions: 0,
  revenue: 0,
});

export function addSums(into: Sums, from: Sums): void {
  into.impressions += from.impressions;
  into.clicks += from.clicks;
  into.costNet += from.costNet;
  into.costGross += from.costGross;
  into.rankSum += from.rankSum;
  into.views += from.views;
  into.conversions += from.conversions;
  into.revenue += from.revenue;
}

interface Day {
  period: string;
  read: boolean;
  vatIncluded: boolean;
}

/**
 * Sums report lines into rows keyed by period × the layout's key fields, as the lines stream by: memory grows with the
 * number of distinct rows, never with the file. A key is the period and the key fields' raw bytes (latin1, so any
 * byte survives) joined by TAB; fields that are adjacent in the file are sliced as one run.
 */
export class Aggregator {
  readonly rows = new Map<string, Sums>();
  private readonly days = new Map<number, Day | null>();
  linesRead = 0;

  private readonly keyFields: readonly KeyField[];
  private readonly granularity: Granularity;
  /** Only these days' lines are summed (the import's processable dates). */
  private readonly statDates: ReadonlySet<string>;

  constructor(keyFields: readonly KeyField[], granularity: Granularity, statDates: ReadonlySet<string>) {
    this.keyFields = keyFields;
    this.granularity = granularity;
    this.statDates = statDates;
  }

  /** A reader for one file of `type`: push its chunks, then `end()`. */
  reader(type: ReportType, file: string): TsvReader {
    const columns: readonly string[] = LAYOUTS[type];
    const runs = keyRuns(this.keyFields, columns);
    const isConversion = type === 'AD_CONVERSION' || type === 'AD_CONVERSION_DETAIL';
    const col = (name: string) => columns.indexOf(name);
    const imp = col('impressions');
    const clk = col('clicks');
    const cost = col('cost');
    const rank = col('rankSum');
    const views = col('views');
    const conv = col('conversions');
    const sales = col('sales');
    const rows = this.rows;

    const reader: TsvReader = new TsvReader(file, columns, (buf, lineStart, lineNo) => {
      const ends = reader.ends;
      const dayKey = parseDay(buf, lineStart, ends[0]!);
      if (Number.isNaN(dayKey)) throw reader.fieldError(buf, lineStart, lineNo, 0, 'not a YYYYMMDD date');
      const day = this.day(dayKey);
      if (day === null) throw reader.fieldError(buf, lineStart, lineNo, 0, 'not a calendar date');
      this.linesRead++;
      if (!day.read) return;
      let key = day.period;
      for (let r = 0; r < runs.length; r++) {
        const run = runs[r]!;
        key =
          run.from < 0
            ? `${key}\t`
            : `${key}\t${latin1(buf, run.from === 0 ? lineStart : ends[run.from - 1]! + 1, ends[run.to]!)}`;
      }
      let sums = rows.get(key);
      if (sums === undefined) {
        sums = emptySums();
        rows.set(key, sums);
      }
      // Every metric column is parsed, read or not, so a malformed file fails whatever the layout shows.
      if (isConversion) {
        sums.conversions += metric(reader, buf, lineStart, lineNo, conv);
        sums.revenue += metric(reader, buf, lineStart, lineNo, sales);
      } else {
        sums.impressions += metric(reader, buf, lineStart, lineNo, imp);
        sums.clicks += metric(reader, buf, lineStart, lineNo, clk);
        const c = metric(reader, buf, lineStart, lineNo, cost);
        if (day.vatIncluded) sums.costGross += c;
        else sums.costNet += c;
        sums.rankSum += metric(reader, buf, lineStart, lineNo, rank);
        sums.views += metric(reader, buf, lineStart, lineNo, views);
      }
    });
    return reader;
  }

  private day(yyyymmdd: number): Day | null {
    let day = this.days.get(yyyymmdd);
    if (day === undefined) {
      const y = Math.floor(yyyymmdd / 10_000);
      const m = Math.floor(yyyymmdd / 100) % 100;
      const d = yyyymmdd % 100;
      const ms = Date.UTC(y, m - 1, d);
      const date = Number.isNaN(ms) ? '' : new Date(ms).toISOString().slice(0, 10);
      const valid =
        date === `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
      day = valid
        ? {
            period: periodOf(date, this.granularity),
            read: this.statDates.has(date),
            vatIncluded: date >= VAT_INCLUDED_FROM,
          }
        : null;
      this.days.set(yyyymmdd, day);
    }
    return day;
  }
}

/** Metric column `i` of the current line, parsed in place; a cell that is not a number names its line and column. */
function metric(reader: TsvReader, buf: Buffer, lineStart: number, lineNo: number, i: number): number {
  const v = parseNumber(buf, reader.ends[i - 1]! + 1, reader.ends[i]!);
  if (Number.isNaN(v)) throw reader.fieldError(buf, lineStart, lineNo, i, 'not a number');
  return v;
}

/**
 * The key fields as slices of a file's columns: one run per stretch of adjacent columns (`from`..`to`, inclusive, so
 * the TABs between them stay in the slice), or `from: -1` for a field this report type does not have (AD has no
 * hour): it keys as empty. Every run yields as many TAB-separated values as key fields it covers.
 */
export function keyRuns(keyFields: readonly KeyField[], columns: readonly string[]): { from: number; to: number }[] {
  const runs: { from: number; to: number }[] = [];
  for (const f of keyFields) {
    const at = columns.indexOf(f);
    const last = runs.at(-1);
    if (at >= 0 && last && last.from >= 0 && last.to === at - 1) last.to = at;
    else runs.push({ from: at, to: at });
  }
  return runs;
}

type Latin1 = Buffer & { latin1Slice?: (start: number, end: number) => string };
const fastLatin1 = typeof (Buffer.prototype as Latin1).latin1Slice === 'function';
/** Node's internal slice when there, skipping toString's argument handling on the hot path. */
const latin1 = fastLatin1
  ? (buf: Buffer, s: number, e: number) => (buf as Latin1).latin1Slice!(s, e)
  : (buf: Buffer, s: number, e: number) => buf.toString('latin1', s, e);
