import { isoSeconds } from '../kst.ts';
import { type Entities, type Entity, nameAt } from './entities.ts';
import type { Row } from './stat-rows.ts';

export const MODELLED_ITEMS = ['Campaign', 'Adgroup', 'Keyword', 'Ad', 'BusinessChannel'] as const;
export type ModelledItem = (typeof MODELLED_ITEMS)[number];
export const isModelledItem = (item: string): item is ModelledItem =>
  (MODELLED_ITEMS as readonly string[]).includes(item);

/** Every item the sheet lists; the ones not modelled are accepted and end NONE. */
export const KNOWN_ITEMS = new Set([
  ...MODELLED_ITEMS,
  'CampaignBudget',
  'AdgroupBudget',
  'AdExtension',
  'Qi',
  'Label',
  'LabelRef',
  'Media',
  'Biz',
  'SeasonalEvent',
  'ShoppingProduct',
  'ContentsAd',
  'PlaceAd',
  'CatalogAd',
  'AdQi',
  'ProductGroup',
  'ProductGroupRel',
  'BrandAd',
  'BrandThumbnailAd',
  'BrandBannerAd',
  'Criterion',
  'SharedBudget',
  'Asset',
  'AdAssetLink',
  'RsaAd',
  'HospitalAd',
]);

export interface MasterOptions {
  /** The snapshot instant: entities registered later do not exist yet, deletions later have not happened. */
  asOfMs: number;
  /** Delta since this instant (includes deleted rows with delTm); null = full snapshot without deleted entities. */
  fromMs: number | null;
  tabInNames: boolean;
}

/**
 * Rows per GIST/§7 column lists. Snapshot: entities alive at asOf. Delta: entities registered, renamed or deleted
 * since fromTime (NAVER counts edits; a rename is the only edit modelled), each with its name as of asOf.
 * BusinessChannel (9 columns) is not in §7; its layout is from NAVER's release note "BusinessChannel report has
 * changed" (Customer ID, Name, Business Channel Id, Business Channel Type, Channel Contents, PC Inspect Status,
 * Mobile Inspect Status, regTm, delTm) — note the name comes before the id.
 */
export function masterRows(item: ModelledItem, entities: Entities, options: MasterOptions): Row[] {
  const { asOfMs, fromMs } = options;
  const select = <E extends Entity>(list: E[]) =>
    list.filter((e) => {
      if (e.regMs > asOfMs) return false;
      const deleted = e.delMs !== null && e.delMs <= asOfMs;
      if (fromMs === null) return !deleted;
      const renamed = e.rename !== null && e.rename.atMs >= fromMs && e.rename.atMs <= asOfMs;
      return e.regMs >= fromMs || renamed || (deleted && e.delMs! >= fromMs);
    });
  const delTm = (e: Entity) => (e.delMs !== null && e.delMs <= asOfMs ? isoSeconds(e.delMs) : '');
  const label = (e: Entity) => {
    const shown = nameAt(e, asOfMs);
    return options.tabInNames && shown.includes('"') ? `${shown}\t탭` : shown;
  };
  const onOff = (e: Entity) => (e.on ? 0 : 1);
  const c = entities.customerId;
  const landing = (id: string) => `https://shop.example.com/p/${id.slice(-6)}`;
  switch (item) {
    case 'Campaign':
      return select(entities.campaigns).map((e) => [
        c,
        e.id,
        label(e),
        e.type,
        1,
        0,
        '',
        '',
        isoSeconds(e.regMs),
        delTm(e),
        onOff(e),
        '',
      ]);
    case 'Adgroup':
      return select(entities.adgroups).map((e) => [
        c,
        e.id,
        e.campaignId,
        label(e),
        e.bid,
        onOff(e),
        0,
        0,
        100,
        100,
        e.channelId,
        e.channelId,
        isoSeconds(e.regMs),
        delTm(e),
        '',
        1,
        '',
        0,
      ]);
    case 'Keyword':
      return select(entities.keywords).map((e) => [
        c,
        e.adgroupId,
        e.id,
        label(e),
        e.bid,
        landing(e.id),
        landing(e.id),
        onOff(e),
        40,
        0,
        isoSeconds(e.regMs),
        delTm(e),
        1,
      ]);
    case 'Ad':
      return select(entities.ads).map((e) => [
        c,
        e.adgroupId,
        e.id,
        40,
        label(e),
        e.description,
        landing(e.id),
        landing(e.id),
        onOff(e),
        isoSeconds(e.regMs),
        delTm(e),
      ]);
    case 'BusinessChannel':
      return select(entities.businessChannels).map((e) => [
        c,
        label(e),
        e.id,
        e.type,
        e.contents,
        20,
        20,
        isoSeconds(e.regMs),
        delTm(e),
      ]);
  }
}
