// What each sheet must hold, computed from the NAVER simulator's own data generator and NAVER's documented positional
// layouts, never from the services' code (the same derivation as infra/e2e/test/import-flow.e2e.test.ts): one row per
// date × campaign × ad group × keyword × device in the default layout, AD's metrics and AD_CONVERSION's counts and
// sales summed into it, ratios from the sums, cells as the writer puts them in the tab.
import { entitiesFor, statRows } from '../../simulators/naver-searchad/src/index.ts';

export type Cell = string | number | boolean | null;

export interface SimCustomer {
  customerId: string;
  apiKey: string;
  secret: string;
  size: 'tiny' | 'small' | 'medium' | 'large';
  seed: number;
}

const serial = (date: string) => (Date.parse(`${date}T00:00:00Z`) - Date.UTC(1899, 11, 30)) / 86_400_000;
export const dateOfSerial = (n: number) => new Date(Date.UTC(1899, 11, 30) + n * 86_400_000).toISOString().slice(0, 10);

const asSheet = (row: (string | number | null)[]): Cell[] => {
  const cells: Cell[] = row.map((c, i) => (i === 0 ? serial(String(c)) : c === null ? '' : c));
  // Sheets reads a row back without its trailing empty cells, and so does the fake.
  while (cells.at(-1) === '') cells.pop();
  return cells;
};

/** The rows of one date, with entity names as shown at `atMs` (a rename during the run may show either name). */
export function expectedRows(customer: SimCustomer, date: string, atMs: number): Cell[][] {
  const entities = entitiesFor(customer.customerId, customer.seed, customer.size);
  const names = new Map(
    [...entities.campaigns, ...entities.adgroups, ...entities.keywords].map((e) => [
      e.id,
      e.rename !== null && e.rename.atMs <= atMs ? e.rename.name : e.name,
    ]),
  );
  const num = (v: unknown) => (v === '' || v === '-' || v === undefined || v === null ? 0 : Number(v));
  const groups = new Map<string, { key: (string | number | null)[]; sums: number[] }>();
  const group = (line: unknown[]) => {
    const [day, , campaign, adgroup, keyword, , , , device] = line.slice(0, 9).map(String);
    const d = `${day!.slice(0, 4)}-${day!.slice(4, 6)}-${day!.slice(6, 8)}`;
    const id = [d, campaign, adgroup, keyword, device].join('|');
    const named = (entityId: string) => [entityId === '-' ? '' : (names.get(entityId) ?? ''), entityId];
    const g = groups.get(id) ?? {
      key: [d, ...named(campaign!), ...named(adgroup!), ...named(keyword!), device === 'M' ? '모바일' : 'PC'],
      sums: [0, 0, 0, 0, 0, 0],
    };
    groups.set(id, g);
    return g.sums;
  };
  for (const line of statRows('AD', entities, customer.seed, date)) {
    const sums = group(line);
    for (let i = 0; i < 4; i++) sums[i]! += num(line[9 + i]);
  }
  for (const line of statRows('AD_CONVERSION', entities, customer.seed, date)) {
    const sums = group(line);
    sums[4]! += num(line[11]);
    sums[5]! += num(line[12]);
  }
  const per = (a: number, b: number, round: (v: number) => number) => (b > 0 ? round(a / b) : null);
  const hundredths = (v: number) => Math.round(v * 100) / 100;
  return [...groups.values()].map(({ key, sums: [imp, clk, cost, rank, conv, sales] }) =>
    asSheet([
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
    ]),
  );
}

/**
 * The instants at which the names a tab can show for `customer` may differ, over [fromMs, toMs] of the run's
 * (simulated) clock: its start, every rename within, its end. Names are constant between renames, so a date written
 * at any moment of the run shows the names of one of these instants. A run over several simulated days crosses more
 * renames than one of a few minutes, hence not just the two ends.
 */
export function nameInstants(customer: SimCustomer, fromMs: number, toMs: number): number[] {
  const e = entitiesFor(customer.customerId, customer.seed, customer.size);
  const renames = [...e.campaigns, ...e.adgroups, ...e.keywords]
    .flatMap((x) => (x.rename && x.rename.atMs > fromMs && x.rename.atMs < toMs ? [x.rename.atMs] : []))
    .sort((a, b) => a - b);
  return [fromMs, ...new Set(renames), toMs];
}

const canonical = (rows: Cell[][]) => rows.map((r) => JSON.stringify(r)).sort();

export interface TabVerdict {
  /** Dates whose rows differ from NAVER's truth (partial, empty, wrong values), or required dates missing. */
  mismatches: string[];
  /** Rows whose key (date, campaign, ad group, keyword, device ids) appears more than once. */
  duplicates: number;
  dates: string[];
}

/**
 * Every date in the tab must hold exactly NAVER's rows for it; every date in `required` (written by an import that
 * completed) must be there. A date a failed import may have touched is allowed to be absent, never to be partial.
 */
export function checkTab(
  customer: SimCustomer,
  tab: Cell[][],
  required: Iterable<string>,
  namesAt: readonly number[],
): TabVerdict {
  const [, ...rows] = tab;
  const byDate = new Map<string, Cell[][]>();
  for (const row of rows) {
    const date = typeof row[0] === 'number' ? dateOfSerial(row[0]) : `not-a-date:${String(row[0])}`;
    byDate.set(date, [...(byDate.get(date) ?? []), row]);
  }
  const mismatches: string[] = [];
  let duplicates = 0;
  for (const [date, got] of byDate) {
    const keys = got.map((r) => [r[0], r[2], r[4], r[6], r[7]].join('|'));
    duplicates += keys.length - new Set(keys).size;
    const actual = canonical(got).join('\n');
    const ok = namesAt.some((at) => canonical(expectedRows(customer, date, at)).join('\n') === actual);
    if (!ok) {
      const want = canonical(expectedRows(customer, date, namesAt.at(-1)!));
      const have = canonical(got);
      const extra = have.find((r) => !want.includes(r));
      const absent = want.find((r) => !have.includes(r));
      mismatches.push(`${date}: ${have.length} rows, NAVER ${want.length}; e.g. extra ${extra}, absent ${absent}`);
    }
  }
  for (const date of required) {
    if (!byDate.has(date) && expectedRows(customer, date, namesAt.at(-1)!).length > 0)
      mismatches.push(`${date} (missing)`);
  }
  return { mismatches, duplicates, dates: [...byDate.keys()].sort() };
}

/**
 * The dates a completed import left pending that NAVER's state does not explain. Under the chaos run's knobs (no
 * AGGREGATING or CHANGED; the data-ready hour passed but for a not-ready burst) NAVER is not ready only with
 * yesterday, and an import only learns so from NAVER itself (`refused`: a 20007 to one of its own creates, or an
 * early NONE; a pending date is never served from the store): any other pending date is one it should have written.
 */
export function unexplainedPending(
  pending: Iterable<string>,
  o: { yesterdays: ReadonlySet<string>; refused: boolean },
): string[] {
  return [...pending].filter((d) => !o.yesterdays.has(d) || !o.refused);
}
