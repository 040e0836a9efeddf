import { kstMidnightMs } from '../kst.ts';
import { aliveOn, type Entities } from './entities.ts';
import { createPrng, hashSeed } from './prng.ts';

export const MODELLED_TYPES = ['AD', 'AD_DETAIL', 'AD_CONVERSION', 'AD_CONVERSION_DETAIL'] as const;
export type ModelledType = (typeof MODELLED_TYPES)[number];
export const isModelled = (type: string): type is ModelledType => (MODELLED_TYPES as readonly string[]).includes(type);

/** One TSV row: values in column order; '' renders an empty column. */
export type Row = (string | number)[];

const MEDIA = [27758, 8753, 11068, 33421];
const REGIONS = Array.from({ length: 17 }, (_, i) => i + 1);
const CONVERSION_TYPES = ['purchase', 'sign_up', 'add_to_cart', 'lead', 'custom001'];
const VIEW_COUNT_SINCE = '2019-05-30';
const STRING_CONVERSION_TYPES_SINCE = '2024-07-03';
const VAT_INCLUDED_SINCE = '2026-03-30';

interface DetailRow {
  dims: string[];
  hour: number;
  region: number;
  media: number;
  device: 'P' | 'M';
  imp: number;
  clk: number;
  cost: number;
  rankSum: number;
  view: number;
  /** Net cost per click and average rank, kept so a revision can change clicks and impressions consistently. */
  cpc: number;
  rank: number;
}

/**
 * The day's AD_DETAIL facts, a pure function of (customer, seed, date): the other three types derive from them so
 * totals agree across types, as NAVER's do. Only entities alive that day appear.
 */
function detailFacts(entities: Entities, seed: number, date: string): DetailRow[] {
  const prng = createPrng(hashSeed('detail', entities.customerId, seed, date));
  const dayStart = kstMidnightMs(date);
  const ads = entities.ads.filter((a) => aliveOn(a, dayStart));
  if (ads.length === 0) return [];
  const adgroups = new Map(entities.adgroups.map((g) => [g.id, g]));
  const keywordsByGroup = new Map<string, string[]>();
  for (const k of entities.keywords) {
    if (!aliveOn(k, dayStart)) continue;
    const list = keywordsByGroup.get(k.adgroupId) ?? [];
    list.push(k.id);
    keywordsByGroup.set(k.adgroupId, list);
  }
  // Tiny accounts have quiet days (→ NONE); others vary ±20% around their size.
  const quiet = entities.rowsPerDay < 10 && prng.chance(0.15);
  const target = quiet ? 0 : Math.round(entities.rowsPerDay * (0.8 + prng.next() * 0.4));
  const seen = new Set<string>();
  const rows: DetailRow[] = [];
  for (let attempt = 0; rows.length < target && attempt < target * 4; attempt++) {
    const ad = prng.pick(ads);
    const group = adgroups.get(ad.adgroupId)!;
    const keywords = keywordsByGroup.get(group.id);
    const keywordId = keywords && prng.chance(0.8) ? prng.pick(keywords) : '-';
    const hour = prng.int(0, 23);
    const region = prng.pick(REGIONS);
    const media = prng.pick(MEDIA);
    const device = prng.chance(0.7) ? 'M' : 'P';
    const key = `${keywordId}|${ad.id}|${hour}|${region}|${media}|${device}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const imp = prng.int(1, 400);
    const clk = Math.min(imp, Math.floor(imp * prng.next() * 0.08));
    const cpc = prng.int(7, 200) * 10;
    const rank = prng.int(1, 15);
    rows.push({
      dims: [group.campaignId, group.id, keywordId, ad.id, group.channelId],
      hour,
      region,
      media,
      device,
      imp,
      clk,
      cost: costOf(clk, cpc, date),
      rankSum: imp * rank,
      view: clk > 0 ? prng.int(0, clk) : 0,
      cpc,
      rank,
    });
  }
  return rows;
}

const costOf = (clk: number, cpc: number, date: string) =>
  date >= VAT_INCLUDED_SINCE ? Math.round(clk * cpc * 1.1) : clk * cpc;

/**
 * Revision n of the day's facts: the same rows (so a restated day never turns NONE) with more impressions on every row
 * and more clicks on clicked rows, from a PRNG of its own, so revision 0 stays byte-identical to the unrevised day and
 * each revision differs from the previous ones. Clicks stay zero where they were, so the conversion rows keep their
 * shape too.
 */
function revisedFacts(
  rows: DetailRow[],
  entities: Entities,
  seed: number,
  date: string,
  revision: number,
): DetailRow[] {
  if (revision === 0) return rows;
  const prng = createPrng(hashSeed('detail-revision', entities.customerId, seed, date, revision));
  return rows.map((d) => {
    const imp = d.imp + prng.int(1, Math.max(1, Math.ceil(d.imp * 0.1)));
    const clk = d.clk === 0 ? 0 : Math.min(imp, d.clk + prng.int(0, Math.ceil(d.clk * 0.2)));
    return { ...d, imp, clk, cost: costOf(clk, d.cpc, date), rankSum: imp * d.rank };
  });
}

interface ConversionRow {
  detail: DetailRow;
  method: 1 | 2;
  type: string | number;
  count: number;
  sales: number;
}

function conversionFacts(
  details: DetailRow[],
  entities: Entities,
  seed: number,
  date: string,
  revision: number,
): ConversionRow[] {
  const prng = createPrng(hashSeed('conversion', entities.customerId, seed, date));
  const rows: ConversionRow[] = [];
  for (const detail of details) {
    if (detail.clk === 0 || !prng.chance(0.3)) continue;
    const method = prng.chance(0.6) ? 1 : 2;
    const typeIndex = prng.int(0, CONVERSION_TYPES.length - 1);
    const type = date >= STRING_CONVERSION_TYPES_SINCE ? CONVERSION_TYPES[typeIndex]! : typeIndex + 1;
    const count = prng.int(1, 3);
    rows.push({ detail, method, type, count, sales: count * prng.int(1, 10) * 10_000 });
  }
  if (revision === 0) return rows;
  // Late conversions: every row gains sales (so each revision's bytes differ), some gain a count.
  const late = createPrng(hashSeed('conversion-revision', entities.customerId, seed, date, revision));
  return rows.map((c) => {
    const more = late.int(0, 1);
    return { ...c, count: c.count + more, sales: c.sales + (more + 1) * late.int(1, 5) * 1_000 };
  });
}

function sumInto(groups: Map<string, Row>, key: string, head: Row, values: number[]): void {
  const row = groups.get(key);
  if (!row) {
    groups.set(key, [...head, ...values]);
    return;
  }
  values.forEach((v, i) => {
    const at = head.length + i;
    row[at] = Number(row[at]) + v;
  });
}

/**
 * The report's rows in NAVER's positional column layout (fact sheet §6), as of `revision` (0 = first published;
 * see the `revisions` knob). Rows for a day with no data: [].
 */
export function statRows(type: ModelledType, entities: Entities, seed: number, date: string, revision = 0): Row[] {
  const details = revisedFacts(detailFacts(entities, seed, date), entities, seed, date, revision);
  const day = date.replaceAll('-', '');
  const base = (d: DetailRow): Row => [day, entities.customerId, ...d.dims];
  const hasView = date >= VIEW_COUNT_SINCE;
  const view = (n: number): string | number => (hasView ? n : '');
  switch (type) {
    case 'AD_DETAIL':
      return details.map((d) => [
        ...base(d),
        d.hour,
        d.region,
        d.media,
        d.device,
        d.imp,
        d.clk,
        d.cost,
        d.rankSum,
        view(d.view),
      ]);
    case 'AD': {
      const groups = new Map<string, Row>();
      for (const d of details) {
        const head = [...base(d), d.media, d.device];
        sumInto(groups, head.join('\t'), head, [d.imp, d.clk, d.cost, d.rankSum, d.view]);
      }
      return [...groups.values()].map((r) => (hasView ? r : [...r.slice(0, 13), '']));
    }
    case 'AD_CONVERSION_DETAIL':
      return conversionFacts(details, entities, seed, date, revision).map((c) => [
        ...base(c.detail),
        c.detail.hour,
        c.detail.region,
        c.detail.media,
        c.detail.device,
        c.method,
        c.type,
        c.count,
        c.sales,
      ]);
    case 'AD_CONVERSION': {
      const groups = new Map<string, Row>();
      for (const c of conversionFacts(details, entities, seed, date, revision)) {
        const head = [...base(c.detail), c.detail.media, c.detail.device, c.method, c.type];
        sumInto(groups, head.join('\t'), head, [c.count, c.sales]);
      }
      return [...groups.values()];
    }
  }
}
