import type { ReportType } from '@reportline/contracts';

/**
 * Positional column layouts of NAVER's headerless stat-report TSV files (reference §6). The layout follows the file's
 * generation time, not its date: columns that did not exist yet for old dates arrive as empty strings.
 */
export const LAYOUTS = {
  AD: [
    'date',
    'customerId',
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
    'rankSum',
    'views',
  ],
  AD_DETAIL: [
    'date',
    'customerId',
    'campaignId',
    'adgroupId',
    'keywordId',
    'adId',
    'bizChannelId',
    'hour',
    'region',
    'media',
    'device',
    'impressions',
    'clicks',
    'cost',
    'rankSum',
    'views',
  ],
  AD_CONVERSION: [
    'date',
    'customerId',
    'campaignId',
    'adgroupId',
    'keywordId',
    'adId',
    'bizChannelId',
    'media',
    'device',
    'conversionMethod',
    'conversionType',
    'conversions',
    'sales',
  ],
  AD_CONVERSION_DETAIL: [
    'date',
    'customerId',
    'campaignId',
    'adgroupId',
    'keywordId',
    'adId',
    'bizChannelId',
    'hour',
    'region',
    'media',
    'device',
    'conversionMethod',
    'conversionType',
    'conversions',
    'sales',
  ],
} as const satisfies Record<ReportType, readonly string[]>;

export type Field<T extends ReportType> = (typeof LAYOUTS)[T][number];
export type ParsedLine<T extends ReportType> = Record<Field<T>, string>;
