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

/** Where an output cell comes from: key position `at` (0 the period, i the i-th key field) and how it reads. */
interface CellSource {
  at: number;
  cell: (value: string) => string;
}

/** The layout's dimension cells, in column order: each from one key position (names looked up by id). */
function cellSources(layout: LayoutV1, keyFields: readonly KeyField[], names: NameLookup): CellSource[] {
  const lang = layout.language;
  const at = (f: KeyField) => keyFields.indexOf(f) + 1;
  return layout.dimensions.flatMap((d): CellSource[] => {
    switch (d) {
      case 'date':
        return [{ at: 0, cell: (period) => period }];
      case 'campaignType':
        return [
          {
            at: at('campaignId'),
            cell: (id) => {
              const t = names.campaignType(id);
              return t === null || t === undefined ? '' : (CAMPAIGN_TYPE[t]?.[lang] ?? String(t));
            },
          },
        ];
      case 'device':
        return [{ at: at('device'), cell: (code) => DEVICE[code]?.[lang] ?? code }];
      case 'campaign':
      case 'adgroup':
      case 'keyword':
      case 'ad':
      case 'bizChannel': {
        const i = at(`${d}Id`);
        const name: CellSource = { at: i, cell: (id) => (isNoId(id) ? '' : (names.name(id) ?? '')) };
        return layout.ids ? [name, { at: i, cell: (id) => id }] : [name];
      }
      default:
        return [{ at: at(d), cell: (value) => value }];
    }
  });
}

/**
 * Aggregated rows as the sheet's cells, sorted by date then dimension cells. Rows that look the same in the sheet
 * (e.g. two campaigns of one name when ids are hidden) are summed into one before derived metrics are computed.
 * The plain form of `SheetRows` (one string array per row), kept for cells holding a NUL, which it sorts exactly.
 */
export function sheetRows(
  layout: LayoutV1,
  keyFields: readonly KeyField[],
  rows: Iterable<[string[], Sums]>,
  names: NameLookup,
): Cell[][] {
  const sources = cellSources(layout, keyFields, names);
  const cellsOf = (key: string[]) => sources.map((s) => s.cell(key[s.at]!));
  // Keyed by the cells joined with NUL: it sorts exactly as comparing cell by cell would (NUL is below any character
  // of a cell), and one string comparison per pair is what makes sorting a large sheet cheap.
  const sorted: [string, { cells: string[]; sums: Sums }][] = [];
  if (cellsIdentifyRows(layout)) {
    // Every row looks different in the sheet: nothing to merge.
    for (const [fields, sums] of rows) {
      const cells = cellsOf(fields);
      sorted.push([cells.join('\0'), { cells, sums }]);
    }
  } else {
    const merged = new Map<string, { cells: string[]; sums: Sums }>();
    for (const [fields, sums] of rows) {
      const cells = cellsOf(fields);
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

/**
 * The aggregation's rows by column: `values[at]` the distinct values of key position `at` (0 the period, i the i-th
 * key field) and `of[at][row]` each row's index into them; `sums(row, into)` adds a row's sums into `into`.
 */
export interface KeyColumns {
  count: number;
  values: readonly (readonly string[])[];
  of: readonly Int32Array[];
  sums(row: number, into: Sums): void;
}

/**
 * The sheet's rows as `reportline.rows.v2` JSON lines, built column by column rather than row by row: each dimension
 * cell is computed once per distinct key value (a name looked up once per id, not once per row), the rows are sorted
 * by their cells' ranks (each column's distinct cells sorted once, then a stable radix sort over the rows' rank tuples)
 * and each cell's JSON is made once. The order and the lines are exactly those of `sheetRows` + `JSON.stringify`:
 * comparing rank tuples is comparing the cells one by one, which is what comparing NUL-joined cells does when no cell
 * holds a NUL; `null` when one does, for the caller to use `sheetRows`.
 */
export function sheetLines(
  layout: LayoutV1,
  keyFields: readonly KeyField[],
  rows: KeyColumns,
  names: NameLookup,
): { count: number; chunks: Iterable<Buffer> } | null {
  const sources = cellSources(layout, keyFields, names);
  const width = sources.length;
  const n = rows.count;
  // Per column: each distinct cell's JSON and rank, and every row's cell.
  // Each column's cells' JSON, UTF-8, one after another in rank order: `json[c]` bytes, `jsonAt[c][rank]` offsets.
  const json: Buffer[] = [];
  const jsonAt: Int32Array[] = [];
  let widest = 0;
  const ranks = new Int32Array(n * width);
  const sizes: number[] = [];
  for (let c = 0; c < width; c++) {
    const { at, cell } = sources[c]!;
    const byCell = new Map<string, number>();
    const cells: string[] = [];
    const cellOfValue = rows.values[at]!.map((v) => {
      const text = cell(v);
      let i = byCell.get(text);
      if (i === undefined) {
        i = cells.length;
        cells.push(text);
        byCell.set(text, i);
      }
      return i;
    });
    if (cells.some((t) => t.includes('\0'))) return null;
    const order = cells.map((_, i) => i).sort((a, b) => (cells[a]! < cells[b]! ? -1 : cells[a]! > cells[b]! ? 1 : 0));
    const rankOf = new Int32Array(cells.length);
    for (let r = 0; r < order.length; r++) rankOf[order[r]!] = r;
    const encoded = order.map((i) => Buffer.from(JSON.stringify(cells[i])));
    json.push(Buffer.concat(encoded));
    const offsets = new Int32Array(encoded.length + 1);
    encoded.forEach((b, r) => {
      offsets[r + 1] = offsets[r]! + b.length;
    });
    jsonAt.push(offsets);
    widest += Math.max(0, ...encoded.map((b) => b.length)) + 1;
    sizes.push(cells.length);
    const of = rows.of[at]!;
    for (let row = 0; row < n; row++) ranks[row * width + c] = rankOf[cellOfValue[of[row]!]!]!;
  }
  // Stable LSD radix sort, last column first: rows of equal cells keep the aggregation's order.
  let order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  let next = new Int32Array(n);
  for (let c = width - 1; c >= 0; c--) {
    // Counting sort by column c: `starts[rank]` is where the next row of that rank goes.
    const starts = new Int32Array(sizes[c]!);
    for (let i = 0; i < n; i++) starts[ranks[order[i]! * width + c]!]!++;
    for (let k = 0, total = 0; k < starts.length; k++) {
      const rows = starts[k]!;
      starts[k] = total;
      total += rows;
    }
    for (let i = 0; i < n; i++) next[starts[ranks[order[i]! * width + c]!]!++] = order[i]!;
    [order, next] = [next, order];
  }
  const merge = !cellsIdentifyRows(layout);
  const same = (a: number, b: number) => {
    for (let c = 0; c < width; c++) if (ranks[a * width + c] !== ranks[b * width + c]) return false;
    return true;
  };
  let count = n;
  if (merge) for (let i = 1; i < n; i++) if (same(order[i - 1]!, order[i]!)) count--;
  const { metrics, vatBasis } = layout;
  // The longest line: every column's widest cell, and each metric at most 25 bytes (`-1.2345678901234567e-300`).
  const longest = widest + metrics.length * 26 + 3;
  function* chunks(): Generator<Buffer> {
    const sums = emptySums();
    let out = Buffer.allocUnsafe(Math.max(CHUNK, 2 * longest));
    let at = 0;
    for (let i = 0; i < n; ) {
      if (at + longest > out.length) {
        yield out.subarray(0, at);
        out = Buffer.allocUnsafe(out.length);
        at = 0;
      }
      const first = order[i]!;
      Object.assign(sums, ZERO_SUMS);
      // Rows of the same cells are summed in the aggregation's order, as `sheetRows` sums them.
      do rows.sums(order[i++]!, sums);
      while (merge && i < n && same(first, order[i]!));
      out[at++] = 0x5b; // [
      for (let c = 0; c < width; c++) {
        if (c > 0) out[at++] = 0x2c; // ,
        const bytes = json[c]!;
        const offsets = jsonAt[c]!;
        const rank = ranks[first * width + c]!;
        for (let k = offsets[rank]!, end = offsets[rank + 1]!; k < end; k++) out[at++] = bytes[k]!;
      }
      for (const m of metrics) {
        out[at++] = 0x2c;
        at = writeNumber(out, at, metricCell(m, sums, vatBasis));
      }
      out[at++] = 0x5d; // ]
      out[at++] = 0x0a;
    }
    if (at > 0) yield out.subarray(0, at);
  }
  return { count, chunks: chunks() };
}
const ZERO_SUMS: Readonly<Sums> = emptySums();
/** Bytes of the row set per chunk handed to the store. */
const CHUNK = 65_536;

/** A metric cell's JSON at `out[at…]`, as `JSON.stringify` writes it; returns where it ends. */
function writeNumber(out: Buffer, at: number, v: Cell): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 1e15) {
    // Digits of a safe non-negative integer, the common case, without making a string (-0 is "0" too).
    if (v === 0) {
      out[at] = 0x30;
      return at + 1;
    }
    let digits = 0;
    for (let rest = v; rest >= 1; rest = Math.floor(rest / 10)) digits++;
    for (let k = at + digits - 1, rest = v; k >= at; k--, rest = Math.floor(rest / 10)) out[k] = 0x30 + (rest % 10);
    return at + digits;
  }
  const text = typeof v === 'number' && Number.isFinite(v) ? String(v) : JSON.stringify(v);
  return at + out.write(text, at, 'utf8');
}
