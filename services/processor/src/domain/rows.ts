import type { ReportType } from '@reportline/contracts';
import { isoDate, metric, parseReport } from './parse.ts';

/** The sheet's columns: one row per day × ad × media × device, performance and conversions side by side. */
export const COLUMNS = [
  'date',
  'campaignId',
  'adgroupId',
  'keywordId',
  'adId',
  'bizChannelId',
  'media',
  'device',
  'impressions',
  'clicks',
  'cost',
  'avgRank',
  'views',
  'conversions',
  'conversionSales',
] as const;
/** Column types for the writer: dates become date cells, metrics numbers, ids text. */
export const COLUMN_TYPES: Record<(typeof COLUMNS)[number], 'date' | 'number' | 'string'> = {
  date: 'date',
  campaignId: 'string',
  adgroupId: 'string',
  keywordId: 'string',
  adId: 'string',
  bizChannelId: 'string',
  media: 'string',
  device: 'string',
  impressions: 'number',
  clicks: 'number',
  cost: 'number',
  avgRank: 'number',
  views: 'number',
  conversions: 'number',
  conversionSales: 'number',
};
export type SheetRow = [
  string,
  string,
  string,
  string,
  string,
  string,
  string,
  string,
  number,
  number,
  number,
  number,
  number,
  number,
  number,
];

export interface ReportFile {
  reportType: ReportType;
  statDate: string;
  name: string;
  text: string;
}

interface Acc {
  key: string[];
  impressions: number;
  clicks: number;
  cost: number;
  rankSum: number;
  views: number;
  conversions: number;
  sales: number;
}

// Detail reports carry the same metrics split by hour and region; adding both would count everything twice.
const PERFORMANCE: ReportType[] = ['AD', 'AD_DETAIL'];
const CONVERSION: ReportType[] = ['AD_CONVERSION', 'AD_CONVERSION_DETAIL'];
const pick = (available: Set<ReportType>, candidates: ReportType[]) => candidates.find((t) => available.has(t));

/** Joins and aggregates the downloaded files of one import into sheet rows, sorted by date then ids. */
export function buildRows(files: readonly ReportFile[]): SheetRow[] {
  const types = new Set(files.map((f) => f.reportType));
  const perf = pick(types, PERFORMANCE);
  const conv = pick(types, CONVERSION);
  const acc = new Map<string, Acc>();
  const at = (l: Record<string, string>) => {
    const key = [
      isoDate(l.date!),
      l.campaignId!,
      l.adgroupId!,
      l.keywordId!,
      l.adId!,
      l.bizChannelId!,
      l.media!,
      l.device!,
    ];
    const k = key.join('\t');
    let a = acc.get(k);
    if (!a) {
      a = { key, impressions: 0, clicks: 0, cost: 0, rankSum: 0, views: 0, conversions: 0, sales: 0 };
      acc.set(k, a);
    }
    return a;
  };
  for (const f of files) {
    if (f.reportType === perf) {
      for (const l of parseReport(f.reportType, f.text, f.name)) {
        const a = at(l);
        a.impressions += metric(l.impressions, 'impressions', f.name);
        a.clicks += metric(l.clicks, 'clicks', f.name);
        a.cost += metric(l.cost, 'cost', f.name);
        a.rankSum += metric(l.rankSum, 'rankSum', f.name);
        a.views += metric(l.views, 'views', f.name);
      }
    } else if (f.reportType === conv) {
      for (const l of parseReport(f.reportType, f.text, f.name)) {
        const a = at(l);
        a.conversions += metric(l.conversions, 'conversions', f.name);
        a.sales += metric(l.sales, 'sales', f.name);
      }
    }
  }
  return [...acc.values()]
    .sort((x, y) => x.key.join('\t').localeCompare(y.key.join('\t')))
    .map((a) => [
      ...(a.key as [string, string, string, string, string, string, string, string]),
      a.impressions,
      a.clicks,
      a.cost,
      // NAVER's definition: average rank = sum of ad rank / impressions.
      a.impressions > 0 ? Math.round((a.rankSum / a.impressions) * 100) / 100 : 0,
      a.views,
      a.conversions,
      a.sales,
    ]);
}
