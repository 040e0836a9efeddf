import type { LayoutV1, MasterEntityV1 } from '@reportline/contracts';
import type { KeyField } from './aggregate.ts';
import { isNoId, type NameLookup } from './sheet.ts';

const NAMED: Partial<Record<LayoutV1['dimensions'][number], KeyField>> = {
  campaign: 'campaignId',
  campaignType: 'campaignId',
  adgroup: 'adgroupId',
  keyword: 'keywordId',
  ad: 'adId',
  bizChannel: 'bizChannelId',
};

/**
 * The ids whose master rows the layout's rows show (names, or a campaign's type): the distinct values of the named key
 * fields (`values[i]` those of key field i - 1, position 0 being the period, as in `KeyColumns`).
 */
export function idsToName(
  layout: LayoutV1,
  keyFields: readonly KeyField[],
  values: readonly (readonly string[])[],
): Set<string> {
  const positions = [...new Set(layout.dimensions.flatMap((d) => (NAMED[d] ? [keyFields.indexOf(NAMED[d]) + 1] : [])))];
  const ids = new Set<string>();
  for (const p of positions) for (const id of values[p]!) if (!isNoId(id)) ids.add(id);
  return ids;
}

/**
 * The master rows of `wanted` ids, read as the snapshot streams: only those are kept, so memory follows the rows,
 * not the account's size. The snapshot holds deleted entities with their last name and renamed ones with their
 * current name, so the lookup is the id alone. `misses` counts wanted ids without a master row (all of them when
 * there is no snapshot yet); their rows keep the id with an empty name.
 */
export async function collectNames(
  wanted: ReadonlySet<string>,
  snapshot: AsyncIterable<MasterEntityV1> | undefined,
): Promise<NameLookup & { misses: number }> {
  const found = new Map<string, { name: string; campaignType: number | null }>();
  if (snapshot) {
    for await (const e of snapshot) {
      if (wanted.has(e.id)) found.set(e.id, { name: e.name, campaignType: e.campaignType });
    }
  }
  let misses = 0;
  for (const id of wanted) if (!found.has(id)) misses++;
  return {
    misses,
    name: (id) => found.get(id)?.name,
    campaignType: (id) => found.get(id)?.campaignType,
  };
}
