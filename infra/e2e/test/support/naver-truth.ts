import { entitiesFor, type SimKnobs, statRows } from '@reportline/naver-simulator';

// NAVER's truth for a tab, computed here and never by the services' code: from the simulator's own data generator and
// NAVER's documented positional layouts (../shared/reference/naver-searchad-api.md §6), in the default layout
// (contracts' DEFAULT_LAYOUT). Shared by the e2e tests that compare a user's tab with what NAVER reports.

export type Cell = string | number | null;

export interface TruthCustomer {
  customerId: string;
  seed: number;
  size: 'tiny' | 'small' | 'medium' | 'large';
}

/**
 * The restatement NAVER serves for (type, date) at `atMs`: the `revisions` knob's entries for it in effect then (the
 * simulator's documented rule). Give `revisions` as the test configured them.
 */
export const revisionAt = (revisions: SimKnobs['revisions'] | undefined, type: string, date: string, atMs: number) =>
  (revisions ?? []).filter(
    (r) => r.statDate === date && (r.reportTp ?? type) === type && Date.parse(r.fromTime) <= atMs,
  ).length;

/**
 * The rows a tab of AD + AD_CONVERSION must hold for `dates`, in the stored row set's form (dates `YYYY-MM-DD`, an
 * empty cell null): one row per date × campaign × ad group × keyword × device, each entity's name as shown at `nowMs`
 * next to its id, AD's metrics and AD_CONVERSION's counts and sales summed into it; CTR, CPC and ROAS from the sums;
 * cost incl. VAT (dates after 2026-03-30, as NAVER reports it). `revision(type, date)` is the restatement NAVER serves
 * for the date (0: first published numbers).
 */
export function expectedSheetRows(
  customer: TruthCustomer,
  dates: readonly string[],
  opts: { nowMs: number; revision?: (type: 'AD' | 'AD_CONVERSION', date: string) => number },
): { rows: Cell[][]; conversionLines: number; conversionGroups: number } {
  const entities = entitiesFor(customer.customerId, customer.seed, customer.size);
  const revision = opts.revision ?? (() => 0);
  const names = new Map(
    // The name shown now: the renamed one once its rename happened (a deleted entity keeps its last name).
    [...entities.campaigns, ...entities.adgroups, ...entities.keywords].map((e) => [
      e.id,
      e.rename !== null && e.rename.atMs <= opts.nowMs ? e.rename.name : e.name,
    ]),
  );
  const num = (v: Cell | undefined) => (v === '' || v === '-' || v === undefined ? 0 : Number(v));
  const groups = new Map<string, { key: Cell[]; sums: number[] }>();
  // AD and AD_CONVERSION share columns 1–9: date, customer id, campaign, ad group, keyword, ad, channel, media, device.
  const group = (line: Cell[]) => {
    const [day, , campaign, adgroup, keyword, , , , device] = line.slice(0, 9).map(String);
    const date = `${day!.slice(0, 4)}-${day!.slice(4, 6)}-${day!.slice(6, 8)}`;
    const id = [date, campaign, adgroup, keyword, device].join('|');
    const named = (entityId: string) => [entityId === '-' ? '' : (names.get(entityId) ?? ''), entityId];
    const g = groups.get(id) ?? {
      key: [date, ...named(campaign!), ...named(adgroup!), ...named(keyword!), device === 'M' ? '모바일' : 'PC'],
      sums: [0, 0, 0, 0, 0, 0],
    };
    groups.set(id, g);
    return g.sums;
  };
  let conversionLines = 0;
  const conversionKeys = new Set<string>();
  for (const date of dates) {
    for (const line of statRows('AD', entities, customer.seed, date, revision('AD', date))) {
      const sums = group(line);
      for (let i = 0; i < 4; i++) sums[i]! += num(line[9 + i]); // impressions, clicks, cost, Σ rank
    }
    for (const line of statRows('AD_CONVERSION', entities, customer.seed, date, revision('AD_CONVERSION', date))) {
      const sums = group(line);
      sums[4]! += num(line[11]); // conversion count (columns 10–11, method and type, are summed over)
      sums[5]! += num(line[12]); // sales by conversion
      conversionLines++;
      conversionKeys.add([line[0], line[2], line[3], line[4], line[8]].join('|'));
    }
  }
  const per = (a: number, b: number, round: (v: number) => number) => (b > 0 ? round(a / b) : null);
  const hundredths = (v: number) => Math.round(v * 100) / 100;
  const rows = [...groups.values()].map(({ key, sums: [imp, clk, cost, rank, conv, sales] }) => [
    ...key,
    imp!,
    clk!,
    Math.round(cost!),
    per(clk! * 100, imp!, hundredths),
    per(cost!, clk!, Math.round),
    per(rank!, imp!, hundredths),
    conv!,
    Math.round(sales!),
    per(sales! * 100, cost!, hundredths),
  ]);
  return { rows, conversionLines, conversionGroups: conversionKeys.size };
}

/**
 * A stored row as the writer puts it in the tab: dates as Sheets serial numbers, empty cells '', none after the last
 * value (Sheets reads a row back without its trailing empty cells, and so does the fake).
 */
export const asSheet = (row: Cell[]): Cell[] => {
  const cells = row.map((c, i) =>
    i === 0 ? (Date.parse(`${c}T00:00:00Z`) - Date.UTC(1899, 11, 30)) / 86_400_000 : c === null ? '' : c,
  );
  while (cells.at(-1) === '') cells.pop();
  return cells;
};

/** The date of a tab row's first cell (a Sheets serial number) as `YYYY-MM-DD`. */
export const serialDate = (serial: Cell) =>
  new Date(Date.UTC(1899, 11, 30) + Number(serial) * 86_400_000).toISOString().slice(0, 10);

/** Rows in one order whatever order they came in, so the comparison is about content. */
export const sorted = (rows: Cell[][]) => [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
