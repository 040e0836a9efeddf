import { createPrng, hashSeed, type Prng } from './prng.ts';

export type CustomerSize = 'tiny' | 'small' | 'medium' | 'large';

export interface Entity {
  id: string;
  name: string;
  /** Epoch ms; entities exist in stat rows only between regMs and delMs. */
  regMs: number;
  delMs: number | null;
  on: boolean;
  /** An edit of the name at some instant (NAVER counts edits in master deltas); before it, `name` was shown. */
  rename: { atMs: number; name: string } | null;
}
export interface Campaign extends Entity {
  type: number;
}
export interface Adgroup extends Entity {
  campaignId: string;
  bid: number;
  channelId: string;
}
export interface Keyword extends Entity {
  adgroupId: string;
  bid: number;
}
export interface Ad extends Entity {
  adgroupId: string;
  description: string;
}

/** A business channel (the `bsn-…` ids in stat rows): a site, a phone number, a shop… an ad group advertises. */
export interface BusinessChannel extends Entity {
  /** 1 web site, 2 phone, 6 NAVER Shopping (of the documented 1–7). */
  type: number;
  contents: string;
}

export interface Entities {
  customerId: string;
  channels: string[];
  businessChannels: BusinessChannel[];
  campaigns: Campaign[];
  adgroups: Adgroup[];
  keywords: Keyword[];
  ads: Ad[];
  /** Target AD_DETAIL rows per day. */
  rowsPerDay: number;
}

const SIZES: Record<
  CustomerSize,
  { campaigns: number; adgroups: number; keywords: number; ads: number; rows: number }
> = {
  tiny: { campaigns: 1, adgroups: 2, keywords: 4, ads: 2, rows: 5 },
  small: { campaigns: 3, adgroups: 10, keywords: 40, ads: 15, rows: 50 },
  medium: { campaigns: 10, adgroups: 60, keywords: 400, ads: 120, rows: 500 },
  large: { campaigns: 30, adgroups: 300, keywords: 3000, ads: 600, rows: 2500 },
};

const WORDS = [
  '봄맞이',
  '할인',
  '신상품',
  '브랜드',
  '여름',
  '세일',
  '프리미엄',
  '가죽',
  '지갑',
  '운동화',
  '화장품',
  '스킨케어',
];
const PRODUCTS = ['가방', '원피스', '선크림', '노트북', '커피', '캠핑의자', '텀블러', '청바지', '향수', '러닝화'];
// Names with quotes occur in real data (#950 `"듀이듀이“`); they must survive a parser that does no quote handling.
const QUOTED = ['"듀이듀이“', '"특가" 기획전', '5" 태블릿', '따옴표"하나'];

const EPOCH_2016 = Date.UTC(2016, 0, 1);
const SPAN_MS = Date.UTC(2026, 0, 1) - EPOCH_2016;

function entityId(prefix: string, customerId: string, kind: number, n: number): string {
  const digits = String(Number(customerId) * 100_000 + n)
    .padStart(15, '0')
    .slice(-15);
  return `${prefix}-a001-0${kind}-${digits}`;
}

function name(prng: Prng, n: number): string {
  if (prng.chance(0.08)) return `${prng.pick(QUOTED)} ${n}`;
  return `${prng.pick(WORDS)} ${prng.pick(PRODUCTS)} ${n}`;
}

/** Most entities predate any look-back window; a minority arrive later or are deleted, as in long-lived accounts. */
function lifetime(prng: Prng): { regMs: number; delMs: number | null } {
  const regMs = prng.chance(0.7)
    ? EPOCH_2016 + Math.floor(prng.next() * SPAN_MS * 0.2)
    : EPOCH_2016 + Math.floor(prng.next() * SPAN_MS);
  const delMs = prng.chance(0.1) ? regMs + Math.floor(prng.next() * (EPOCH_2016 + SPAN_MS - regMs)) : null;
  return { regMs: Math.floor(regMs / 1000) * 1000, delMs: delMs === null ? null : Math.floor(delMs / 1000) * 1000 };
}

/** The name an entity showed at `ms`: the renamed one from its rename on. */
export function nameAt(entity: Entity, ms: number): string {
  return entity.rename !== null && entity.rename.atMs <= ms ? entity.rename.name : entity.name;
}

/**
 * A child lives within its parent's lifetime (NAVER deletes an ad group's keywords and ads with it), so every id a
 * stat row names for a day was registered by then in the masters, alive or deleted.
 */
function within<E extends Entity>(child: E, parent: Entity): E {
  const regMs = Math.max(child.regMs, parent.regMs);
  const delMs = parent.delMs === null ? child.delMs : Math.min(child.delMs ?? parent.delMs, parent.delMs);
  if (delMs !== null && delMs <= regMs) return { ...child, regMs: parent.regMs, delMs: parent.delMs };
  return { ...child, regMs, delMs };
}

/**
 * Renames come from a stream of their own, so adding them left every other generated value (and so every stat row)
 * as it was. One entity in ten is renamed once, at an instant while it is alive.
 */
function withRenames<E extends Entity>(list: E[], prng: Prng, newName: () => string): E[] {
  return list.map((e) => {
    if (!prng.chance(0.1)) return e;
    const endMs = e.delMs ?? EPOCH_2016 + SPAN_MS;
    const atMs =
      Math.floor((e.regMs + 1000 + Math.floor(prng.next() * Math.max(0, endMs - e.regMs - 2000))) / 1000) * 1000;
    return { ...e, rename: { atMs, name: newName() } };
  });
}

const cache = new Map<string, Entities>();

/** The customer's account structure: a pure function of (customerId, seed, size), memoised. */
export function entitiesFor(customerId: string, seed: number, size: CustomerSize): Entities {
  const key = `${customerId}/${seed}/${size}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const shape = SIZES[size];
  const prng = createPrng(hashSeed('entities', customerId, seed, size));
  const channels = Array.from({ length: Math.max(1, Math.ceil(shape.campaigns / 3)) }, (_, i) =>
    entityId('bsn', customerId, 0, i + 1),
  );
  const campaigns: Campaign[] = Array.from({ length: shape.campaigns }, (_, i) => {
    const campaign: Campaign = {
      id: entityId('cmp', customerId, 2, i + 1),
      name: name(prng, i + 1),
      type: prng.pick([1, 1, 1, 2, 4]),
      on: prng.chance(0.85),
      rename: null,
      ...lifetime(prng),
    };
    // An account with every campaign deleted has no data at all; since children live within their campaign, the
    // first campaign stays, so every simulated account has reports (the PRNG stream is consumed as before).
    return i === 0 ? { ...campaign, delMs: null } : campaign;
  });
  const adgroups: Adgroup[] = Array.from({ length: shape.adgroups }, (_, i) => ({
    id: entityId('grp', customerId, 2, i + 1),
    campaignId: campaigns[i % campaigns.length]!.id,
    name: name(prng, i + 1),
    bid: prng.int(7, 200) * 10,
    channelId: prng.pick(channels),
    on: prng.chance(0.85),
    rename: null,
    ...lifetime(prng),
  }));
  const keywords: Keyword[] = Array.from({ length: shape.keywords }, (_, i) => ({
    id: entityId('nkw', customerId, 2, i + 1),
    adgroupId: adgroups[i % adgroups.length]!.id,
    name: `${prng.pick(WORDS)}${prng.pick(PRODUCTS)}`,
    bid: prng.int(7, 300) * 10,
    on: prng.chance(0.9),
    rename: null,
    ...lifetime(prng),
  }));
  const ads: Ad[] = Array.from({ length: shape.ads }, (_, i) => ({
    id: entityId('nad', customerId, 2, i + 1),
    adgroupId: adgroups[i % adgroups.length]!.id,
    name: name(prng, i + 1),
    description: `${prng.pick(WORDS)} ${prng.pick(PRODUCTS)} 지금 구매하세요`,
    on: prng.chance(0.9),
    rename: null,
    ...lifetime(prng),
  }));
  const extra = createPrng(hashSeed('entities-v2', customerId, seed, size));
  const newName = () => `${extra.chance(0.2) ? extra.pick(QUOTED) : extra.pick(WORDS)} ${extra.pick(PRODUCTS)} 새 이름`;
  const renamed = <E extends Entity>(list: E[]) => withRenames(list, extra, newName);
  const nestedCampaigns = renamed(campaigns);
  const campaignById = new Map(nestedCampaigns.map((c) => [c.id, c]));
  const nestedAdgroups = renamed(adgroups.map((g) => within(g, campaignById.get(g.campaignId)!)));
  const adgroupById = new Map(nestedAdgroups.map((g) => [g.id, g]));
  const nestedKeywords = renamed(keywords.map((k) => within(k, adgroupById.get(k.adgroupId)!)));
  const nestedAds = renamed(ads.map((a) => within(a, adgroupById.get(a.adgroupId)!)));
  // Channels are registered before any ad group that advertises them (lifetimes start in 2016) and never deleted.
  const businessChannels: BusinessChannel[] = renamed(
    channels.map((id, i) => {
      const type = extra.pick([1, 1, 2, 6]);
      return {
        id,
        name: `${extra.pick(WORDS)} ${type === 2 ? '전화' : '스토어'} ${i + 1}`,
        type,
        contents:
          type === 2
            ? `02-${1000 + i}-5678`
            : type === 6
              ? `mall${i + 1},https://smartstore.example.com/${i + 1}`
              : `https://shop.example.com/${i + 1}`,
        on: true,
        rename: null,
        regMs: EPOCH_2016,
        delMs: null,
      };
    }),
  );
  const entities = {
    customerId,
    channels,
    businessChannels,
    campaigns: nestedCampaigns,
    adgroups: nestedAdgroups,
    keywords: nestedKeywords,
    ads: nestedAds,
    rowsPerDay: shape.rows,
  };
  cache.set(key, entities);
  return entities;
}

export function aliveOn(entity: Entity, dayStartMs: number): boolean {
  return entity.regMs < dayStartMs + 86_400_000 && (entity.delMs === null || entity.delMs > dayStartMs);
}
