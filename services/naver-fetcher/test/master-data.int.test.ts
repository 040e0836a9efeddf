import { randomBytes, randomInt } from 'node:crypto';
import { type MasterEntityV1, readMasterSnapshot } from '@reportline/contracts';
import { testEnvironment } from '@reportline/dev/test-environment';
import { createNaverClient } from '@reportline/naver-client';
import { entitiesFor, masterRows, startSimulator, statRows } from '@reportline/naver-simulator';
import { type BlobStore, createPool, type Pool, postgresBlobStore } from '@reportline/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MasterItem, masterSnapshot, refreshMasterData } from '../src/master-data.ts';

/**
 * Master data against the NAVER simulator and real Postgres. The simulator's clock is the test's: "waiting ten
 * minutes for a build" is the injected sleep moving that clock, never real time.
 */
const SIZE = 'small' as const;
const SEED = 4;
const ITEMS: readonly MasterItem[] = ['Campaign', 'Adgroup', 'Keyword', 'Ad', 'BusinessChannel'];
const HOUR = 3_600_000;

class Clock {
  ms = 0;
  now = () => new Date(this.ms);
  sleep = async (ms: number) => {
    this.ms += ms;
  };
}

const newCustomer = () => ({
  customerId: String(randomInt(5_000_000, 9_000_000)),
  apiKey: `0100000000${randomBytes(6).toString('hex')}`,
  secret: randomBytes(16).toString('base64'),
  size: SIZE,
  seed: SEED,
});

let pool: Pool;
let blobs: BlobStore;

beforeAll(async () => {
  pool = createPool((await testEnvironment()).databaseUrl);
  blobs = postgresBlobStore(pool);
});
afterAll(() => pool?.end());

async function withSimulator(masterBuildMs: number, rates: { error?: number } = {}) {
  const clock = new Clock();
  const customer = newCustomer();
  const sim = await startSimulator(
    { customers: [customer], knobs: { masterBuildMs, rateLimit: { perSecond: 0 }, rates } },
    { port: 0, host: '127.0.0.1', now: clock.now },
  );
  const posts: { item: string; fromTime?: string }[] = [];
  const client = createNaverClient({
    ...customer,
    baseUrl: sim.url,
    now: () => clock.ms,
    fetch: (input, init) => {
      if (init?.method === 'POST' && String(input).endsWith('/master-reports'))
        posts.push(JSON.parse(String(init.body)));
      return fetch(input, init);
    },
  });
  const refresh = (waitMs: number, items = ITEMS) =>
    refreshMasterData({
      client,
      db: pool,
      customerId: customer.customerId,
      now: clock.now,
      sleep: clock.sleep,
      signal: AbortSignal.timeout(60_000),
      pollMs: 60_000,
      waitMs,
      items,
    });
  const creates = async () => {
    const log = (await (await fetch(`${sim.url}/_sim/requests?customerId=${customer.customerId}`)).json()) as {
      method: string;
      path: string;
    }[];
    return log.filter((r) => r.method === 'POST' && r.path === '/master-reports').length;
  };
  const openJobs = async () =>
    (
      await pool.query<{ id: string }>(
        'SELECT id FROM fetcher.master_jobs WHERE customer_id = $1 AND deleted_at IS NULL',
        [customer.customerId],
      )
    ).rows.map((r) => r.id);
  const entityCount = async () =>
    (
      await pool.query<{ n: number }>('SELECT count(*)::int AS n FROM fetcher.master_entities WHERE customer_id = $1', [
        customer.customerId,
      ])
    ).rows[0]!.n;
  const stored = async (id: string) =>
    (
      await pool.query<{ name: string; deleted_at: Date | null; state: string | null }>(
        'SELECT name, deleted_at, state FROM fetcher.master_entities WHERE customer_id = $1 AND id = $2',
        [customer.customerId, id],
      )
    ).rows[0];
  return { sim, clock, customer, client, posts, refresh, creates, stored, openJobs, entityCount };
}

describe('master data', () => {
  it('fetches a full snapshot, then deltas with renames and deletions; the snapshot names every id of the stat rows', async () => {
    const t = await withSimulator(3_000);
    try {
      const e = entitiesFor(t.customer.customerId, SEED, SIZE);
      const all = [...e.campaigns, ...e.adgroups, ...e.keywords, ...e.ads];
      // A deletion and a rename (of another entity) that both happen between two fetches, of entities that existed at
      // the first: the closest such pair, so the delta stays small.
      const deletions = all.filter((x) => x.delMs !== null);
      const renames = all.filter((x) => x.rename !== null && (x.delMs === null || x.delMs > x.rename.atMs));
      let best: { del: (typeof all)[number]; ren: (typeof all)[number]; t1: number; t2: number } | undefined;
      for (const del of deletions) {
        for (const ren of renames) {
          if (ren.id === del.id) continue;
          const first = Math.min(del.delMs!, ren.rename!.atMs);
          const t1 = first - HOUR;
          if (Math.max(del.regMs, ren.regMs) >= t1 - HOUR) continue;
          if (ren.delMs !== null && ren.delMs < Math.max(del.delMs!, ren.rename!.atMs) + 4 * 24 * HOUR) continue;
          const t2 = Math.max(del.delMs!, ren.rename!.atMs, t1 + 3 * 24 * HOUR) + HOUR;
          if (!best || t2 - t1 < best.t2 - best.t1) best = { del, ren, t1, t2 };
        }
      }
      expect(best, 'the simulator account has a deletion and a rename to observe').toBeDefined();
      const { del, ren, t1, t2 } = best!;

      t.clock.ms = t1;
      const first = await t.refresh(30 * 60_000);
      for (const item of ITEMS) {
        const expected = masterRows(item as Parameters<typeof masterRows>[0], e, {
          asOfMs: t1,
          fromMs: null,
          tabInNames: false,
        });
        expect(first.items[item], item).toEqual({ outcome: 'fetched', entities: expected.length });
      }
      expect(t.posts.map((p) => p.fromTime)).toEqual(ITEMS.map(() => undefined));
      expect(await t.stored(ren.id)).toMatchObject({ name: ren.name, deleted_at: null });
      expect(await t.stored(del.id)).toMatchObject({ deleted_at: null });
      expect(await t.client.listMasterReports()).toEqual([]); // every job deleted after use

      t.clock.ms = t2;
      t.posts.length = 0;
      const second = await t.refresh(30 * 60_000);
      expect(Object.values(second.items).every((r) => r.outcome === 'fetched' || r.outcome === 'none')).toBe(true);
      expect(t.posts).toHaveLength(ITEMS.length);
      for (const post of t.posts) {
        // A delta since the first fetch's jobs, reaching back (never forward) of the instant they were created.
        const from = Date.parse(post.fromTime!);
        expect(from).toBeLessThanOrEqual(t1);
        expect(from).toBeGreaterThan(t1 - HOUR);
      }
      expect(await t.stored(ren.id)).toMatchObject({ name: ren.rename!.name, deleted_at: null });
      const lastName = del.rename !== null && del.rename.atMs <= del.delMs! ? del.rename.name : del.name;
      expect(await t.stored(del.id)).toMatchObject({ name: lastName, deleted_at: new Date(del.delMs!) });

      const ref = await masterSnapshot({ db: pool, blobs, customerId: t.customer.customerId });
      const snapshot = new Map<string, MasterEntityV1>();
      for await (const entity of readMasterSnapshot(await blobs.getStream(ref))) snapshot.set(entity.id, entity);
      expect(snapshot.get(del.id)).toMatchObject({
        name: lastName,
        deletedAt: new Date(del.delMs!).toISOString().replace('.000Z', 'Z'),
      });
      expect(snapshot.get(ren.id)?.name).toBe(ren.rename!.name);

      // The first KST day wholly after the first fetch: everything the stat rows name then was alive at the first
      // fetch or registered after it.
      const day = new Date(t1 + 9 * HOUR + 24 * HOUR).toISOString().slice(0, 10);
      const rows = statRows('AD_DETAIL', e, SEED, day);
      expect(rows.length).toBeGreaterThan(0);
      const ids = new Set(rows.flatMap((r) => r.slice(2, 7).map(String)).filter((id) => id !== '-'));
      expect([...ids].filter((id) => !snapshot.has(id))).toEqual([]);
      expect([...ids].some((id) => id.startsWith('bsn-'))).toBe(true);

      // Nothing changed in the store: the same content, so the same ref — however many pages it was read in.
      expect(await masterSnapshot({ db: pool, blobs, customerId: t.customer.customerId, pageSize: 7 })).toEqual(ref);
      expect(snapshot.size).toBeGreaterThan(7);
    } finally {
      await t.sim.close();
    }
  });

  it('leaves a job still building after waitMs for the next lease, which adopts it instead of creating another', async () => {
    const buildMs = 10 * 60_000;
    const t = await withSimulator(buildMs);
    try {
      t.clock.ms = Date.parse('2025-09-01T03:00:00Z');
      const started = t.clock.ms;
      const first = await t.refresh(60_000, ['Campaign']);
      expect(first.items.Campaign).toEqual({ outcome: 'waiting', entities: 0 });
      expect(t.clock.ms - started).toBeLessThan(buildMs); // it gave up before the build could finish
      expect(await t.creates()).toBe(1);
      const open = await pool.query(
        'SELECT id FROM fetcher.master_jobs WHERE customer_id = $1 AND deleted_at IS NULL',
        [t.customer.customerId],
      );
      expect(open.rows).toHaveLength(1);
      expect((await t.client.listMasterReports()).map((j) => j.id)).toEqual([open.rows[0].id]);

      t.clock.ms = started + buildMs + 60_000;
      const second = await t.refresh(60_000, ['Campaign']);
      const expected = masterRows('Campaign', entitiesFor(t.customer.customerId, SEED, SIZE), {
        asOfMs: started,
        fromMs: null,
        tabInNames: false,
      });
      expect(second.items.Campaign).toEqual({ outcome: 'fetched', entities: expected.length });
      expect(await t.creates()).toBe(1);
      expect(await t.client.listMasterReports()).toEqual([]);
    } finally {
      await t.sim.close();
    }
  });

  it('forgets a job of ours that NAVER no longer has, and creates a fresh one', async () => {
    const t = await withSimulator(10 * 60_000);
    try {
      t.clock.ms = Date.parse('2025-09-01T03:00:00Z');
      expect((await t.refresh(1_000, ['Ad'])).items.Ad?.outcome).toBe('waiting');
      const [job] = await t.client.listMasterReports();
      await t.client.deleteMasterReport(job!.id); // another tool's DELETE /master-reports, say
      t.clock.ms += 60 * 60_000;
      expect((await t.refresh(20 * 60_000, ['Ad'])).items.Ad?.outcome).toBe('fetched');
      expect(await t.creates()).toBe(2);
      const left = await pool.query(
        'SELECT count(*)::int AS n FROM fetcher.master_jobs WHERE customer_id = $1 AND deleted_at IS NULL',
        [t.customer.customerId],
      );
      expect(left.rows[0].n).toBe(0);
    } finally {
      await t.sim.close();
    }
  });

  it('a delta with nothing changed ends NONE and still moves the next delta on', async () => {
    const t = await withSimulator(3_000);
    try {
      t.clock.ms = Date.parse('2026-03-01T03:00:00Z');
      const first = t.clock.ms; // each refresh creates its job before it polls
      expect((await t.refresh(60_000, ['Campaign'])).items.Campaign?.outcome).toBe('fetched');
      t.clock.ms += 24 * HOUR;
      const second = t.clock.ms;
      expect((await t.refresh(60_000, ['Campaign'])).items.Campaign).toEqual({ outcome: 'none', entities: 0 });
      t.clock.ms += 24 * HOUR;
      await t.refresh(60_000, ['Campaign']);
      const [, asked2, asked3] = t.posts.map((p) => Date.parse(p.fromTime ?? ''));
      // Each delta starts at (a little before) the previous job's creation, the NONE one's included.
      for (const [asked, created] of [
        [asked2!, first],
        [asked3!, second],
      ] as const) {
        expect(asked).toBeLessThanOrEqual(created);
        expect(asked).toBeGreaterThan(created - HOUR);
      }
      expect(await t.openJobs()).toEqual([]);
      expect(await t.client.listMasterReports()).toEqual([]);
    } finally {
      await t.sim.close();
    }
  });

  it('a job NAVER ends in ERROR is deleted and the item fails, leaving the stored names as they were', async () => {
    const t = await withSimulator(3_000, { error: 1 });
    try {
      t.clock.ms = Date.parse('2025-09-01T03:00:00Z');
      const result = await t.refresh(60_000, ['Keyword', 'Ad']);
      expect(result.items.Keyword).toMatchObject({
        outcome: 'failed',
        entities: 0,
        error: expect.stringMatching(/ERROR/),
      });
      expect(result.items.Ad?.outcome).toBe('failed');
      expect(await t.openJobs()).toEqual([]);
      expect(await t.client.listMasterReports()).toEqual([]);
      expect(await t.entityCount()).toBe(0);
    } finally {
      await t.sim.close();
    }
  });

  it('deletes a job of ours older than NAVER keeps reports instead of adopting it', async () => {
    const t = await withSimulator(10 * 60_000);
    try {
      t.clock.ms = Date.parse('2025-09-01T03:00:00Z');
      expect((await t.refresh(1_000, ['Keyword'])).items.Keyword?.outcome).toBe('waiting');
      const [old] = await t.openJobs();
      t.clock.ms += 15 * 24 * HOUR;
      expect((await t.refresh(20 * 60_000, ['Keyword'])).items.Keyword?.outcome).toBe('fetched');
      expect(await t.creates()).toBe(2);
      expect(await t.client.getMasterReport(old!)).toBeNull();
      expect(await t.openJobs()).toEqual([]);
    } finally {
      await t.sim.close();
    }
  });
});
