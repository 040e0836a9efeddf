import type { ReportType } from '@reportline/contracts';

/** Columns 1–7 of every stat report: the day and the ids of the ad it is about. */
const IDS = ['date', 'customerId', 'campaignId', 'adgroupId', 'keywordId', 'adId', 'bizChannelId'] as const;
const PERFORMANCE = ['impressions', 'clicks', 'cost', 'rankSum', 'views'] as const;
const CONVERSION = ['conversionMethod', 'conversionType', 'conversions', 'sales'] as const;

/**
 * Positional column layouts of NAVER's headerless stat-report TSV files (reference §6). The layout follows the file's
 * generation time, not its date: columns that did not exist yet for old dates arrive as empty strings.
 */
export const LAYOUTS = {
  AD: [...IDS, 'media', 'device', ...PERFORMANCE],
  AD_DETAIL: [...IDS, 'hour', 'region', 'media', 'device', ...PERFORMANCE],
  AD_CONVERSION: [...IDS, 'media', 'device', ...CONVERSION],
  AD_CONVERSION_DETAIL: [...IDS, 'hour', 'region', 'media', 'device', ...CONVERSION],
} as const satisfies Record<ReportType, readonly string[]>;

export type Field<T extends ReportType> = (typeof LAYOUTS)[T][number];
export type ParsedLine<T extends ReportType> = Record<Field<T>, string>;
