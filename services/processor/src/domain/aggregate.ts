import type { LayoutDimension, ReportType } from '@reportline/contracts';
import { LAYOUTS } from './layouts.ts';
import { type Granularity, periodOf } from './plan.ts';
import { type KeyRun, RowTable, SUM } from './row-table.ts';
import type { KeyColumns } from './sheet.ts';
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
  /** Index into the aggregator's periods. */
  period: number;
  read: boolean;
  vatIncluded: boolean;
}

/**
 * Sums report lines into rows keyed by period × the layout's key fields, as the lines stream by: memory grows with the
 * number of distinct rows, never with the file. Rows are found by the key fields' bytes in the line (RowTable), so a
 * line allocates nothing; fields adjacent in the file are hashed and compared as one run.
 */
export class Aggregator {
  private readonly table = new RowTable();
  private readonly days = new Map<number, Day | null>();
  private readonly periods: string[] = [];

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
    const table = this.table;

    // A file holds one date (or a few, in order): the last one is remembered instead of looked up per line.
    let lastKey = -1;
    let lastDay: Day | null = null;
    const reader: TsvReader = new TsvReader(file, columns, (buf, lineStart, lineNo) => {
      const ends = reader.ends;
      const dayKey = parseDay(buf, lineStart, ends[0]!);
      if (Number.isNaN(dayKey)) throw reader.fieldError(buf, lineStart, lineNo, 0, 'not a YYYYMMDD date');
      if (dayKey !== lastKey) {
        lastDay = this.day(dayKey);
        lastKey = dayKey;
      }
      const day = lastDay;
      if (day === null) throw reader.fieldError(buf, lineStart, lineNo, 0, 'not a calendar date');
      if (!day.read) return;
      const at = table.findSums(day.period, buf, lineStart, ends, runs);
      // After find: adding a row may have replaced the array.
      const sums = table.sums;
      // Every metric column is parsed, read or not, so a malformed file fails whatever the layout shows.
      if (isConversion) {
        sums[at + SUM.conversions]! += metric(reader, buf, lineStart, lineNo, conv);
        sums[at + SUM.revenue]! += metric(reader, buf, lineStart, lineNo, sales);
      } else {
        sums[at + SUM.impressions]! += metric(reader, buf, lineStart, lineNo, imp);
        sums[at + SUM.clicks]! += metric(reader, buf, lineStart, lineNo, clk);
        const c = metric(reader, buf, lineStart, lineNo, cost);
        sums[at + (day.vatIncluded ? SUM.costGross : SUM.costNet)]! += c;
        sums[at + SUM.rankSum]! += metric(reader, buf, lineStart, lineNo, rank);
        sums[at + SUM.views]! += metric(reader, buf, lineStart, lineNo, views);
      }
    });
    return reader;
  }

  /** The rows summed so far: key (the period, then the key fields in KEY_FIELDS order) and sums. */
  *rows(): Generator<[string[], Sums]> {
    const t = this.table;
    for (let row = 0; row < t.count; row++) {
      const at = t.sumsAt(row);
      const s = t.sums;
      yield [
        [this.periods[t.periodOf(row)]!, ...decodeKey(t.key(row))],
        {
          impressions: s[at + SUM.impressions]!,
          clicks: s[at + SUM.clicks]!,
          costNet: s[at + SUM.costNet]!,
          costGross: s[at + SUM.costGross]!,
          rankSum: s[at + SUM.rankSum]!,
          views: s[at + SUM.views]!,
          conversions: s[at + SUM.conversions]!,
          revenue: s[at + SUM.revenue]!,
        },
      ];
    }
  }

  /** The rows summed so far, column by column (`KeyColumns`): position 0 the period, then the key fields. */
  columns(): KeyColumns {
    const t = this.table;
    const fields = t.fieldColumns(this.keyFields.length);
    const periods = new Int32Array(t.count);
    for (let row = 0; row < t.count; row++) periods[row] = t.periodOf(row);
    return {
      count: t.count,
      values: [this.periods, ...fields.values],
      of: [periods, ...fields.of],
      sums: (row, into) => {
        const s = t.sums;
        const at = t.sumsAt(row);
        into.impressions += s[at + SUM.impressions]!;
        into.clicks += s[at + SUM.clicks]!;
        into.costNet += s[at + SUM.costNet]!;
        into.costGross += s[at + SUM.costGross]!;
        into.rankSum += s[at + SUM.rankSum]!;
        into.views += s[at + SUM.views]!;
        into.conversions += s[at + SUM.conversions]!;
        into.revenue += s[at + SUM.revenue]!;
      },
    };
  }

  private periodNumber(period: string): number {
    const at = this.periods.indexOf(period);
    if (at >= 0) return at;
    this.periods.push(period);
    return this.periods.length - 1;
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
            period: this.periodNumber(periodOf(date, this.granularity)),
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
export function keyRuns(keyFields: readonly KeyField[], columns: readonly string[]): KeyRun[] {
  const runs: KeyRun[] = [];
  for (const f of keyFields) {
    const at = columns.indexOf(f);
    const last = runs.at(-1);
    if (at >= 0 && last && last.from >= 0 && last.to === at - 1) last.to = at;
    else runs.push({ from: at, to: at });
  }
  return runs;
}

/** Key fields as text: they were keyed as latin1 bytes; ids and codes are ASCII, anything else UTF-8. */
function decodeKey(key: string): string[] {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the check is for non-ASCII
  return (/[^\x00-\x7f]/.test(key) ? Buffer.from(key, 'latin1').toString('utf8') : key).split('\t');
}
