import { z } from 'zod';

/**
 * What a connection's sheet shows: which dimensions split the rows, which metrics fill them, the period a row covers,
 * the header language and the VAT basis of cost. The processor turns NAVER's reports into exactly these columns; the
 * writer knows nothing of NAVER and only sees the resulting row set.
 *
 * Dimensions come from the stat reports' columns (../shared/reference/naver-searchad-api.md §6); `hour` and `region`
 * exist only in the detail reports. Entity dimensions (campaign, adgroup, keyword, ad, bizChannel) show the entity's
 * name from the master snapshot, with the id in a column of its own when `ids` is set. `campaignType` is the
 * campaign's type from the master snapshot.
 *
 * Derived metrics (ctr, cpc, cpa, roas) are computed from the summed metrics of each row after aggregation, never
 * averaged over finer rows; so is avgRank (Σ ad rank ÷ impressions).
 *
 * A new field or value is a new layout version, as with events.
 */
export const LayoutDimension = z.enum([
  'date',
  'campaign',
  'campaignType',
  'adgroup',
  'keyword',
  'ad',
  'bizChannel',
  'media',
  'device',
  'hour',
  'region',
]);
export type LayoutDimension = z.infer<typeof LayoutDimension>;

export const LayoutMetric = z.enum([
  'impressions',
  'clicks',
  'cost',
  'avgRank',
  'views',
  'conversions',
  'revenue',
  'ctr',
  'cpc',
  'cpa',
  'roas',
]);
export type LayoutMetric = z.infer<typeof LayoutMetric>;

/**
 * NAVER's cost includes VAT from statDt 2026-03-30 and excludes it before. `as-reported` keeps NAVER's numbers (a range
 * spanning the change then mixes bases); `incl-vat` and `excl-vat` bring every date to one basis (×1.1 / ÷1.1).
 */
export const VatBasis = z.enum(['as-reported', 'incl-vat', 'excl-vat']);
export type VatBasis = z.infer<typeof VatBasis>;

const unique = <T>(values: readonly T[]) => new Set(values).size === values.length;

export const LayoutV1 = z
  .object({
    version: z.literal(1),
    dimensions: z.array(LayoutDimension).min(1),
    metrics: z.array(LayoutMetric).min(1),
    /** Entity ids in their own column next to each name (names change; ids do not). */
    ids: z.boolean(),
    /** A row's period; week starts on Monday (KST calendar dates), and the row's date is the period's first day. */
    granularity: z.enum(['day', 'week', 'month']),
    language: z.enum(['ko', 'en']),
    vatBasis: VatBasis,
  })
  .superRefine((layout, ctx) => {
    // The row set's first column is the row's date: the writer replaces a date's block by it.
    if (layout.dimensions[0] !== 'date') {
      ctx.addIssue({ code: 'custom', path: ['dimensions', 0], message: 'the first dimension must be date' });
    }
    if (!unique(layout.dimensions)) ctx.addIssue({ code: 'custom', path: ['dimensions'], message: 'listed twice' });
    if (!unique(layout.metrics)) ctx.addIssue({ code: 'custom', path: ['metrics'], message: 'listed twice' });
  });
export type LayoutV1 = z.infer<typeof LayoutV1>;

/** What a Korean search marketer expects of a daily keyword sheet; the layout of a connection that chose none. */
export const DEFAULT_LAYOUT: LayoutV1 = {
  version: 1,
  dimensions: ['date', 'campaign', 'adgroup', 'keyword', 'device'],
  metrics: ['impressions', 'clicks', 'cost', 'ctr', 'cpc', 'avgRank', 'conversions', 'revenue', 'roas'],
  ids: true,
  granularity: 'day',
  language: 'ko',
  vatBasis: 'incl-vat',
};
