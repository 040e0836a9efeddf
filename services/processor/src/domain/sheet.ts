import type { LayoutDimension, LayoutMetric, LayoutV1, RowSetColumn, VatBasis } from '@reportline/contracts';
import { addSums, emptySums, type KeyField, type Sums } from './aggregate.ts';

type Language = LayoutV1['language'];
type Cell = string | number | null;
type Label = Record<Language, string>;

/** The master kinds whose names a dimension shows. */
export const ENTITY_OF = {
  campaign: 'campaign',
  adgroup: 'adgroup',
  keyword: 'keyword',
  ad: 'ad',
  bizChannel: 'business-channel',
} as const;
type EntityDimension = keyof typeof ENTITY_OF;
const isEntity = (d: LayoutDimension): d is EntityDimension => d in ENTITY_OF;

const DIMENSION_HEADER: Record<LayoutDimension, Label> = {
  date: { ko: '날짜', en: 'Date' },
  campaign: { ko: '캠페인', en: 'Campaign' },
  campaignType: { ko: '캠페인 유형', en: 'Campaign type' },
  adgroup: { ko: '광고그룹', en: 'Ad group' },
  keyword: { ko: '키워드', en: 'Keyword' },
  ad: { ko: '소재', en: 'Ad' },
  bizChannel: { ko: '비즈채널', en: 'Business channel' },
  media: { ko: '매체', en: 'Media' },
  device: { ko: '기기', en: 'Device' },
  hour: { ko: '시간대', en: 'Hour' },
  region: { ko: '지역', en: 'Region' },
};
const ID_HEADER: Record<EntityDimension, Label> = {
  campaign: { ko: '캠페인 ID', en: 'Campaign ID' },
  adgroup: { ko: '광고그룹 ID', en: 'Ad group ID' },
  keyword: { ko: '키워드 ID', en: 'Keyword ID' },
  ad: { ko: '소재 ID', en: 'Ad ID' },
  bizChannel: { ko: '비즈채널 ID', en: 'Business channel ID' },
};
const COST_HEADER: Record<VatBasis, Label> = {
  'incl-vat': { ko: '비용(VAT포함)', en: 'Cost (incl. VAT)' },
  'excl-vat': { ko: '비용(VAT제외)', en: 'Cost (excl. VAT)' },
  'as-reported': { ko: '비용(보고기준)', en: 'Cost (as reported)' },
};
const METRIC_HEADER: Record<Exclude<LayoutMetric, 'cost'>, Label> = {
  impressions: { ko: '노출수', en: 'Impressions' },
  clicks: { ko: '클릭수', en: 'Clicks' },
  avgRank: { ko: '평균순위', en: 'Avg. rank' },
  views: { ko: '조회수', en: 'Views' },
  conversions: { ko: '전환수', en: 'Conversions' },
  revenue: { ko: '전환매출', en: 'Conversion revenue' },
  ctr: { ko: '클릭률', en: 'CTR' },
  cpc: { ko: '클릭당비용', en: 'CPC' },
  cpa: { ko: '전환당비용', en: 'CPA' },
  roas: { ko: 'ROAS', en: 'ROAS' },
};
const DEVICE: Record<string, Label> = { P: { ko: 'PC', en: 'PC' }, M: { ko: '모바일', en: 'Mobile' } };
/** NAVER's campaign types (campaignTp). */
const CAMPAIGN_TYPE: Record<number, Label> = {
  1: { ko: '파워링크', en: 'Power link' },
  2: { ko: '쇼핑검색', en: 'Shopping search' },
  3: { ko: '파워콘텐츠', en: 'Power contents' },
  4: { ko: '브랜드검색', en: 'Brand search' },
  5: { ko: '플레이스', en: 'Place' },
};

/** The row set's columns for a layout: each dimension (entity names followed by their id), then each metric. */
export function columnsOf(layout: LayoutV1): RowSetColumn[] {
  const lang = layout.language;
  const columns: RowSetColumn[] = [];
  for (const d of layout.dimensions) {
    columns.push({ key: d, header: DIMENSION_HEADER[d][lang], type: d === 'date' ? 'date' : 'string' });
    if (layout.ids && isEntity(d)) columns.push({ key: `${d}Id`, header: ID_HEADER[d][lang], type: 'string' });
  }
  for (const m of layout.metrics) {
    const header = m === 'cost' ? COST_HEADER[layout.vatBasis][lang] : METRIC_HEADER[m][lang];
    columns.push({ key: m, header, type: 'number' });
  }
  return columns;
}

/**
 * Cost on one VAT basis. NAVER reported `costNet` without VAT (dates before 2026-03-30) and `costGross` with it; VAT is
 * 10%. Unrounded: rounding happens once per cell (`won`), after the basis is applied to the sum.
 */
export function costOn(basis: VatBasis, s: Pick<Sums, 'costNet' | 'costGross'>): number {
  if (basis === 'incl-vat') return s.costNet * 1.1 + s.costGross;
  if (basis === 'excl-vat') return s.costNet + s.costGross / 1.1;
  return s.costNet + s.costGross;
}

/**
 * Integer won, half up. A value within float noise (a relative 1e-12) of a half counts as the half, so the noise of
 * ×1.1 and ÷1.1 never decides a won.
 */
export function won(v: number): number {
  const up = Math.floor(v) + 1;
  return Math.abs(v - (up - 0.5)) <= Math.abs(v) * 1e-12 ? up : Math.round(v);
}
const hundredths = (v: number) => Math.round(v * 100) / 100;
const ratio = (num: number, den: number, round: (v: number) => number) => (den > 0 ? round(num / den) : null);

/**
 * A metric cell from a row's sums. Derived metrics use the row's own sums, so they are right at any granularity:
 * CTR = clicks ÷ impressions and ROAS = revenue ÷ cost in percent (two decimals), CPC = cost ÷ clicks and CPA = cost ÷
 * conversions in integer won, average rank = Σ ad rank ÷ impressions (two decimals); empty when the divisor is 0.
 */
export function metricCell(metric: LayoutMetric, s: Sums, basis: VatBasis): Cell {
  switch (metric) {
    case 'impressions':
      return s.impressions;
    case 'clicks':
      return s.clicks;
    case 'cost':
      return won(costOn(basis, s));
    case 'avgRank':
      return ratio(s.rankSum, s.impressions, hundredths);
    case 'views':
      return s.views;
    case 'conversions':
      return s.conversions;
    case 'revenue':
      return won(s.revenue);
    case 'ctr':
      return ratio(s.clicks * 100, s.impressions, hundredths);
    case 'cpc':
      return ratio(costOn(basis, s), s.clicks, won);
    case 'cpa':
      return ratio(costOn(basis, s), s.conversions, won);
    case 'roas':
      return ratio(s.revenue * 100, costOn(basis, s), hundredths);
  }
}

/** The names behind ids; `undefined` for an id with no master row. */
export interface NameLookup {
  name(id: string): string | undefined;
  campaignType(campaignId: string): number | null | undefined;
}

/**
 * Whether a row's cells tell its key apart: every entity has its id column (names are not unique), and a campaign
 * type is not shown without the campaign (many campaigns share a type). Device labels, codes and dates are one-to-one.
 */
export function cellsIdentifyRows(layout: LayoutV1): boolean {
  const dims = new Set(layout.dimensions);
  if (dims.has('campaignType') && !(dims.has('campaign') && layout.ids)) return false;
  return layout.ids || !layout.dimensions.some(isEntity);
}

/** A value that is not an id: NAVER's `-` (no keyword for this traffic) or an empty column. */
export const isNoId = (id: string) => id === '' || id === '-';

/**
 * Aggregated rows as the sheet's cells, sorted by date then dimension cells. Rows that look the same in the sheet
 * (e.g. two campaigns of one name when ids are hidden) are summed into one before derived metrics are computed.
 */
export function sheetRows(
  layout: LayoutV1,
  keyFields: readonly KeyField[],
  rows: Iterable<[string[], Sums]>,
  names: NameLookup,
): Cell[][] {
  const lang = layout.language;
  const at = (f: KeyField) => keyFields.indexOf(f) + 1;
  const dims = layout.dimensions.map((d) => {
    switch (d) {
      case 'date':
        return (key: string[], cells: string[]) => {
          cells.push(key[0]!);
        };
      case 'campaignType': {
        const i = at('campaignId');
        return (key: string[], cells: string[]) => {
          const t = names.campaignType(key[i]!);
          cells.push(t === null || t === undefined ? '' : (CAMPAIGN_TYPE[t]?.[lang] ?? String(t)));
        };
      }
      case 'device': {
        const i = at('device');
        return (key: string[], cells: string[]) => {
          cells.push(DEVICE[key[i]!]?.[lang] ?? key[i]!);
        };
      }
      case 'campaign':
      case 'adgroup':
      case 'keyword':
      case 'ad':
      case 'bizChannel': {
        const i = at(`${d}Id`);
        return (key: string[], cells: string[]) => {
          const id = key[i]!;
          cells.push(isNoId(id) ? '' : (names.name(id) ?? ''));
          if (layout.ids) cells.push(id);
        };
      }
      default: {
        const i = at(d);
        return (key: string[], cells: string[]) => {
          cells.push(key[i]!);
        };
      }
    }
  });
  // Keyed by the cells joined with NUL: it sorts exactly as comparing cell by cell would (NUL is below any character
  // of a cell), and one string comparison per pair is what makes sorting a large sheet cheap.
  const sorted: [string, { cells: string[]; sums: Sums }][] = [];
  if (cellsIdentifyRows(layout)) {
    // Every row looks different in the sheet: nothing to merge.
    for (const [fields, sums] of rows) {
      const cells: string[] = [];
      for (const cellsOf of dims) cellsOf(fields, cells);
      sorted.push([cells.join('\0'), { cells, sums }]);
    }
  } else {
    const merged = new Map<string, { cells: string[]; sums: Sums }>();
    for (const [fields, sums] of rows) {
      const cells: string[] = [];
      for (const cellsOf of dims) cellsOf(fields, cells);
      const id = cells.join('\0');
      let row = merged.get(id);
      if (!row) {
        row = { cells, sums: emptySums() };
        merged.set(id, row);
      }
      addSums(row.sums, sums);
    }
    sorted.push(...merged.entries());
  }
  sorted.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return sorted.map(([, { cells, sums }]) => {
    const row: Cell[] = cells;
    for (const m of layout.metrics) row.push(metricCell(m, sums, layout.vatBasis));
    return row;
  });
}
