/**
 * Master data: the names behind NAVER's ids, fetched under a customer id's lease and kept in `fetcher.master_entities`
 * for the processor to join (via masterSnapshot's blob, format `reportline.master-snapshot.v1` in the contracts).
 *
 * Why it looks the way it does (../shared/reference/naver-searchad-api.md §7):
 * - NAVER builds a master report in about ten minutes, far longer than a lease should be held. refreshMasterData waits
 *   at most `waitMs` per item; a job still building is left recorded in `fetcher.master_jobs` and adopted by the next
 *   lease instead of being created again. An import never fails because names are late: the processor uses the last
 *   good fetch.
 * - A customer id holds at most 100 master jobs and NAVER never evicts them, so a leaked job is a permanent loss of
 *   capacity, shared with every other tool on the account. We record each job before anything else can fail, keep at
 *   most one open job per item, refuse to create more once MAX_OPEN_JOBS are open, and delete only our own jobs —
 *   never `DELETE /master-reports`, which deletes everyone's.
 * - After the first full snapshot each fetch is a delta (`fromTime`) since the instant the last good job was created,
 *   moved back by DELTA_OVERLAP_MS for the difference between our clock and NAVER's: deltas overlap, never gap, and
 *   applying a row twice is harmless. Deltas carry deleted rows (delTm) and edits; a deleted entity is kept with the
 *   name it had when deleted, since older report days still name it.
 * - Files are streamed and parsed line by line; a file is never held whole.
 *
 * The lease's work calls refreshMasterData, then masterSnapshot; nothing here takes or checks the lease itself.
 */
import type { BlobRef, MasterEntityV1, MasterKind } from '@reportline/contracts';
import {
  formatMasterSnapshotLine,
  MASTER_SNAPSHOT_CONTENT_TYPE,
  MASTER_SNAPSHOT_PREAMBLE,
} from '@reportline/contracts';
import type { MasterReportJob, NaverClient } from '@reportline/naver-client';
import { type BlobStore, sleep as platformSleep, type Queryable } from '@reportline/platform';
import { nextPoll, startBuildWait } from './domain/job-wait.ts';
import {
  MASTER_ITEMS,
  type MasterItem,
  MasterParseError,
  type MasterRecord,
  parseMasterFile,
} from './domain/master.ts';

export { MASTER_ITEMS, type MasterItem } from './domain/master.ts';

export type MasterOutcome = 'fetched' | 'none' | 'waiting' | 'failed';
export interface MasterItemResult {
  outcome: MasterOutcome;
  /** Rows applied from the file (0 unless fetched). */
  entities: number;
  error?: string;
}
export interface MasterRefreshResult {
  items: Partial<Record<MasterItem, MasterItemResult>>;
}

export interface MasterDataDeps {
  client: Pick<NaverClient, 'createMasterReport' | 'getMasterReport' | 'deleteMasterReport' | 'download'>;
  db: Queryable;
  customerId: string;
  now: () => Date;
  signal: AbortSignal;
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** The longest pause between two polls of a job. */
  pollMs: number;
  /** How long this lease waits for an item's job before leaving it to the next lease. */
  waitMs: number;
  /**
   * Once aborted, jobs still building are left to the next lease at once (the lease's report work is done, and the
   * lease is not held longer for names).
   */
  stopWaiting?: AbortSignal;
  items?: readonly MasterItem[];
}

/**
 * Master jobs are kept until deleted (§7), but one of ours older than NAVER's report retention (14 days since
 * 2025-10-27) is stale and may be gone: it is deleted, not adopted, and a fresh one made.
 */
export const MASTER_JOB_KEPT_MS = 14 * 86_400_000;
/** One open job per item is the rule; this stops a bug from ever eating the customer id's 100 jobs. */
export const MAX_OPEN_JOBS = 10;
/** NAVER refuses requests ~1 minute off its clock, so our "job created" instant is within that of NAVER's. */
export const DELTA_OVERLAP_MS = 5 * 60_000;
const UPSERT_BATCH = 500;
const SNAPSHOT_PAGE = 1_000;

/** NAVER's datetime form, `yyyy-MM-ddTHH:mm:ssZ`, rounded down so a delta only ever reaches further back. */
const isoSeconds = (ms: number) => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

interface OurJob {
  id: string;
  fromTime: Date | null;
  createdAt: Date;
}

/** Brings every item's entities up to date as far as NAVER lets this lease; never throws for one item's failure. */
export async function refreshMasterData(deps: MasterDataDeps): Promise<MasterRefreshResult> {
  const items = deps.items ?? MASTER_ITEMS;
  const results = await Promise.all(
    items.map(async (item) => {
      try {
        return [item, await refreshItem(deps, item)] as const;
      } catch (error) {
        // Losing the lease (the signal) ends the work; anything else is this item's failure alone.
        if (deps.signal.aborted) throw deps.signal.reason ?? error;
        return [item, { outcome: 'failed', entities: 0, error: messageOf(error) } satisfies MasterItemResult] as const;
      }
    }),
  );
  return { items: Object.fromEntries(results) };
}

async function refreshItem(deps: MasterDataDeps, item: MasterItem): Promise<MasterItemResult> {
  const { client, db, customerId, signal } = deps;
  const call = { signal };
  let job: OurJob | undefined;
  let live: MasterReportJob | null = null;
  for (const open of await openJobs(db, customerId, item)) {
    if (job === undefined && deps.now().getTime() - open.createdAt.getTime() < MASTER_JOB_KEPT_MS) {
      live = await client.getMasterReport(open.id, call);
      if (live === null) await markDeleted(db, customerId, open.id, deps.now());
      else job = open;
      continue;
    }
    await discard(deps, open.id);
  }
  if (job === undefined) {
    if ((await openJobCount(db, customerId)) >= MAX_OPEN_JOBS) {
      return failed(`${MAX_OPEN_JOBS} master jobs of ours are open already; not creating another`);
    }
    const last = await lastFromTime(db, customerId, item);
    const fromTime = last === null ? null : new Date(last.getTime() - DELTA_OVERLAP_MS);
    const createdAt = deps.now();
    live = await client.createMasterReport(item, fromTime === null ? undefined : isoSeconds(fromTime.getTime()), call);
    job = { id: live.id, fromTime, createdAt };
    try {
      await recordJob(db, customerId, item, job);
    } catch (error) {
      // Unrecorded, nobody would ever delete it: give it back to NAVER at once.
      await client.deleteMasterReport(job.id, call).catch(() => undefined);
      throw error;
    }
  }

  const sleep = deps.sleep ?? platformSleep;
  const limits = { buildTimeoutMs: deps.waitMs, pollMs: deps.pollMs };
  let wait = startBuildWait(deps.now().getTime(), limits);
  for (;;) {
    if (live === null) {
      await markDeleted(db, customerId, job.id, deps.now());
      return failed('the master job vanished at NAVER before it was downloaded');
    }
    switch (live.status) {
      case 'BUILT':
        return applyBuilt(deps, item, job, live.downloadUrl);
      case 'NONE':
        // Nothing changed since fromTime (or an empty account): as good as an empty file.
        await advanceFromTime(db, customerId, item, job.createdAt, deps.now());
        await discard(deps, job.id);
        return { outcome: 'none', entities: 0 };
      case 'ERROR':
        await discard(deps, job.id);
        return failed('NAVER could not build the master report (ERROR)');
    }
    const step = nextPoll(wait, deps.now().getTime(), limits);
    if (step.kind === 'stuck' || deps.stopWaiting?.aborted) return { outcome: 'waiting', entities: 0 };
    try {
      await sleep(step.ms, deps.stopWaiting ? AbortSignal.any([signal, deps.stopWaiting]) : signal);
    } catch (error) {
      if (signal.aborted || !deps.stopWaiting?.aborted) throw error;
      return { outcome: 'waiting', entities: 0 };
    }
    wait = step.wait;
    live = await client.getMasterReport(job.id, call);
  }
}

async function applyBuilt(
  deps: MasterDataDeps,
  item: MasterItem,
  job: OurJob,
  downloadUrl: string,
): Promise<MasterItemResult> {
  const { db, customerId } = deps;
  let entities = 0;
  try {
    const body = await deps.client.download(downloadUrl, { signal: deps.signal });
    // Keyed so one batch never names an entity twice (ON CONFLICT cannot update a row twice in one statement).
    let batch = new Map<string, MasterRecord>();
    for await (const record of parseMasterFile(item, body)) {
      batch.set(record.id, record);
      entities++;
      if (batch.size >= UPSERT_BATCH) {
        await upsertEntities(db, customerId, [...batch.values()], deps.now());
        batch = new Map();
      }
    }
    if (batch.size > 0) await upsertEntities(db, customerId, [...batch.values()], deps.now());
  } catch (error) {
    // The same file would fail the same way; a fresh job next lease may not. Other errors keep the job for adoption.
    if (error instanceof MasterParseError) {
      await discard(deps, job.id);
      return failed(error.message);
    }
    throw error;
  }
  await advanceFromTime(db, customerId, item, job.createdAt, deps.now());
  await discard(deps, job.id);
  return { outcome: 'fetched', entities };
}

const failed = (error: string): MasterItemResult => ({ outcome: 'failed', entities: 0, error });
const messageOf = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Deletes one of our jobs at NAVER (gone already is fine) and marks it, so it is neither adopted nor counted. */
async function discard(deps: MasterDataDeps, id: string): Promise<void> {
  await deps.client.deleteMasterReport(id, { signal: deps.signal });
  await markDeleted(deps.db, deps.customerId, id, deps.now());
}

async function openJobs(db: Queryable, customerId: string, item: MasterItem): Promise<OurJob[]> {
  const { rows } = await db.query<{ id: string; from_time: Date | null; created_at: Date }>(
    `SELECT id, from_time, created_at FROM fetcher.master_jobs
      WHERE customer_id = $1 AND item = $2 AND deleted_at IS NULL ORDER BY created_at DESC, id`,
    [customerId, item],
  );
  return rows.map((r) => ({ id: r.id, fromTime: r.from_time, createdAt: r.created_at }));
}

async function openJobCount(db: Queryable, customerId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM fetcher.master_jobs WHERE customer_id = $1 AND deleted_at IS NULL',
    [customerId],
  );
  return rows[0]!.n;
}

async function recordJob(db: Queryable, customerId: string, item: MasterItem, job: OurJob): Promise<void> {
  await db.query(
    `INSERT INTO fetcher.master_jobs (customer_id, id, item, from_time, created_at) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT DO NOTHING`,
    [customerId, job.id, item, job.fromTime, job.createdAt],
  );
}

async function markDeleted(db: Queryable, customerId: string, id: string, at: Date): Promise<void> {
  await db.query('UPDATE fetcher.master_jobs SET deleted_at = $3 WHERE customer_id = $1 AND id = $2', [
    customerId,
    id,
    at,
  ]);
}

async function lastFromTime(db: Queryable, customerId: string, item: MasterItem): Promise<Date | null> {
  const { rows } = await db.query<{ from_time: Date }>(
    'SELECT from_time FROM fetcher.master_fetches WHERE customer_id = $1 AND item = $2',
    [customerId, item],
  );
  return rows[0]?.from_time ?? null;
}

async function advanceFromTime(
  db: Queryable,
  customerId: string,
  item: MasterItem,
  asOf: Date,
  fetchedAt: Date,
): Promise<void> {
  await db.query(
    `INSERT INTO fetcher.master_fetches (customer_id, item, from_time, fetched_at) VALUES ($1, $2, $3, $4)
     ON CONFLICT (customer_id, item) DO UPDATE
       SET from_time = GREATEST(master_fetches.from_time, EXCLUDED.from_time), fetched_at = EXCLUDED.fetched_at`,
    [customerId, item, asOf, fetchedAt],
  );
}

/**
 * Deletion is final at NAVER (ids are never reused), so a deleted entity stays deleted with the name it had then, even
 * if an overlapping older file still shows it alive.
 */
async function upsertEntities(db: Queryable, customerId: string, records: MasterRecord[], at: Date): Promise<void> {
  await db.query(
    `INSERT INTO fetcher.master_entities AS e
       (customer_id, kind, id, name, parent_id, campaign_type, state, deleted_at, updated_at)
     SELECT $1, u.kind, u.id, u.name, u.parent_id, u.campaign_type, u.state, u.deleted_at, $2
       FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::int[], $8::text[], $9::timestamptz[])
         AS u(kind, id, name, parent_id, campaign_type, state, deleted_at)
     ON CONFLICT (customer_id, kind, id) DO UPDATE SET
       name = CASE WHEN e.deleted_at IS NOT NULL THEN e.name ELSE EXCLUDED.name END,
       parent_id = CASE WHEN e.deleted_at IS NOT NULL THEN e.parent_id ELSE EXCLUDED.parent_id END,
       campaign_type = CASE WHEN e.deleted_at IS NOT NULL THEN e.campaign_type ELSE EXCLUDED.campaign_type END,
       state = CASE WHEN e.deleted_at IS NOT NULL THEN e.state ELSE EXCLUDED.state END,
       deleted_at = COALESCE(e.deleted_at, EXCLUDED.deleted_at),
       updated_at = EXCLUDED.updated_at`,
    [
      customerId,
      at,
      records.map((r) => r.kind),
      records.map((r) => r.id),
      records.map((r) => r.name),
      records.map((r) => r.parentId),
      records.map((r) => r.campaignType),
      records.map((r) => r.state),
      records.map((r) => r.deletedAt),
    ],
  );
}

/**
 * Writes the customer's whole entity store, deleted entities included, as a `reportline.master-snapshot.v1` blob under
 * `master/<customerId>` (plus the content hash, so an unchanged store gives the same ref). Rows are read in key-ordered
 * pages and streamed into the store; neither the rows nor the file are held whole.
 */
export async function masterSnapshot(deps: {
  db: Queryable;
  blobs: BlobStore;
  customerId: string;
  /** Rows per page read (default 1,000); the pages never show in the content. */
  pageSize?: number;
}): Promise<BlobRef> {
  return deps.blobs.putStream(
    `master/${deps.customerId}`,
    snapshotChunks(deps.db, deps.customerId, deps.pageSize ?? SNAPSHOT_PAGE),
    MASTER_SNAPSHOT_CONTENT_TYPE,
  );
}

async function* snapshotChunks(db: Queryable, customerId: string, pageSize: number): AsyncGenerator<Uint8Array> {
  yield Buffer.from(MASTER_SNAPSHOT_PREAMBLE);
  let after = { kind: '', id: '' };
  for (;;) {
    const { rows } = await db.query<{
      kind: MasterKind;
      id: string;
      name: string;
      parent_id: string | null;
      campaign_type: number | null;
      state: 'ON' | 'OFF' | null;
      deleted_at: Date | null;
    }>(
      `SELECT kind, id, name, parent_id, campaign_type, state, deleted_at FROM fetcher.master_entities
        WHERE customer_id = $1 AND (kind, id) > ($2, $3) ORDER BY kind, id LIMIT $4`,
      [customerId, after.kind, after.id, pageSize],
    );
    if (rows.length === 0) return;
    const lines = rows.map((r) => {
      const entity: MasterEntityV1 = {
        kind: r.kind,
        id: r.id,
        name: r.name,
        parentId: r.parent_id,
        campaignType: r.campaign_type,
        state: r.state,
        deletedAt: r.deleted_at === null ? null : isoSeconds(r.deleted_at.getTime()),
      };
      return `${formatMasterSnapshotLine(entity)}\n`;
    });
    yield Buffer.from(lines.join(''));
    const last = rows.at(-1)!;
    after = { kind: last.kind, id: last.id };
    if (rows.length < pageSize) return;
  }
}

/**
 * Whether names are due under this lease: an item never fetched, a fetch older than `refreshMs`, or a job of ours
 * left building by an earlier lease (adopted now).
 */
export async function masterDue(db: Queryable, customerId: string, now: Date, refreshMs: number): Promise<boolean> {
  const { rows } = await db.query<{ open: number; items: number; oldest: Date | null }>(
    `SELECT (SELECT count(*)::int FROM fetcher.master_jobs WHERE customer_id = $1 AND deleted_at IS NULL) AS open,
            count(*)::int AS items, min(fetched_at) AS oldest
       FROM fetcher.master_fetches WHERE customer_id = $1`,
    [customerId],
  );
  const r = rows[0]!;
  return r.open > 0 || r.items < MASTER_ITEMS.length || !r.oldest || now.getTime() - r.oldest.getTime() >= refreshMs;
}

/**
 * The customer's snapshot, written again only when the entity store changed since the last one this process wrote
 * (count and newest update): most imports of a day share one snapshot. Undefined while no names are stored.
 */
export function snapshotCache(blobs: BlobStore) {
  const cache = new Map<string, { stamp: string; ref: BlobRef }>();
  return async (db: Queryable, customerId: string): Promise<BlobRef | undefined> => {
    const { rows } = await db.query<{ n: number; newest: Date | null }>(
      'SELECT count(*)::int AS n, max(updated_at) AS newest FROM fetcher.master_entities WHERE customer_id = $1',
      [customerId],
    );
    const { n, newest } = rows[0]!;
    if (n === 0) return undefined;
    const stamp = `${n}@${newest?.toISOString()}`;
    const cached = cache.get(customerId);
    if (cached?.stamp === stamp) return cached.ref;
    const ref = await masterSnapshot({ db, blobs, customerId });
    cache.set(customerId, { stamp, ref });
    return ref;
  };
}
