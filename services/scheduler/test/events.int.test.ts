import {
  ChunkDownloadedV2,
  examples,
  LockQueuedV1,
  makeEvent,
  type ReportlineEvent,
  ReportsDownloadedV3,
} from '@reportline/contracts';
import { until } from '@reportline/dev/wait';
import { createPool, type InMemoryBus, type Pool, type Running } from '@reportline/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStream, type SseEvent, type TestStream } from './events-client.ts';
import { createConnection, type Inject, OPERATOR_TOKEN, startInMemoryScheduler } from './in-memory-scheduler.ts';

/** The SSE routes over a real socket (inject cannot hold a stream open), on the in-memory bus and real Postgres. */
let bus: InMemoryBus;
let scheduler: Running & { url: string };
let inject: Inject;
let pool: Pool;
const streams: TestStream[] = [];

const example = <T extends ReportlineEvent['type'], V extends Extract<ReportlineEvent, { type: T }>['version']>(
  type: T,
  version: V,
) =>
  examples.find((e) => e.type === type && e.version === version) as Extract<ReportlineEvent, { type: T; version: V }>;

beforeAll(async () => {
  let databaseUrl: string;
  ({ bus, scheduler, inject, databaseUrl } = (await startInMemoryScheduler({
    sse: { pollMs: 50, heartbeatMs: 200, drainTimeoutMs: 1_000, maxBufferBytes: 256 * 1024 },
  })) as Awaited<ReturnType<typeof startInMemoryScheduler>> & { scheduler: Running & { url: string } });
  pool = createPool(databaseUrl);
});

afterAll(async () => {
  // Closed with streams still open, as in a deploy: the app ends them rather than waiting on them.
  const open = streams.filter((s) => !s.ended);
  await scheduler?.close();
  await until('the open streams ended', () => (open.every((s) => s.ended) ? true : undefined), 2_000);
  await pool?.end();
});

const open = async (path: string, token = OPERATOR_TOKEN, opts: Parameters<typeof openStream>[2] = {}) => {
  const s = await openStream(`${scheduler.url}${path}`, token, opts);
  streams.push(s);
  return s;
};

async function newTenant(name: string) {
  const res = await inject({ method: 'POST', url: '/tenants', payload: { name } });
  expect(res.statusCode).toBe(201);
  const { tenant, adminToken } = res.json();
  const as: Inject = (o) => inject({ ...o, headers: { authorization: `Bearer ${adminToken.token}`, ...o.headers } });
  return { tenantId: tenant.id as string, token: adminToken.token as string, inject: as };
}

/** Moves an import on as the fetcher and the lock-service would: queued at the lock, one chunk, all downloaded. */
async function progress(importId: string, customerId: string) {
  const requested = await until('ImportRequested on the bus', () =>
    bus.published.find((e) => e.type === 'ImportRequested' && e.importId === importId),
  );
  const ctx = (source: string, minutes: number) => ({
    source,
    importId,
    customerId,
    causedBy: requested,
    now: new Date(Date.parse(requested.time) + minutes * 60_000),
  });
  await bus.publish([
    makeEvent(LockQueuedV1, example('LockQueued', 1).data, ctx('lock-service', 1)),
    makeEvent(ChunkDownloadedV2, { ...example('ChunkDownloaded', 2).data, total: 7 }, ctx('naver-fetcher', 2)),
    makeEvent(ReportsDownloadedV3, example('ReportsDownloaded', 3).data, ctx('naver-fetcher', 3)),
  ]);
}

const ofImport = (importId: string, status?: string) => (e: SseEvent) =>
  e.event === 'import' && e.data.view.importId === importId && (!status || e.data.view.status === status);

describe('GET /events', () => {
  it('resumes after Last-Event-ID with exactly the events missed, in order', async () => {
    const witness = await open('/events');
    const early = await open('/events');
    const connection = (await createConnection(inject, bus, '441001')).json();
    const { importId } = (
      await inject({ method: 'POST', url: '/imports', payload: { connectionId: connection.id } })
    ).json();
    await early.next('the new import on the early stream', ofImport(importId));
    early.close();
    const last = early.events.at(-1)!;
    expect(witness.events.map((e) => e.id)).toContain(last.id);

    await progress(importId, '441001');
    const final = await witness.next('the import downloaded', ofImport(importId, 'processing'));
    await witness.next('its lock event', (e) => e.event === 'lock' && e.data.importId === importId);
    const missed = witness.events.slice(witness.events.findIndex((e) => e.id === last.id) + 1);
    expect(missed.length).toBeGreaterThan(0);

    const resumed = await open('/events', OPERATOR_TOKEN, { lastEventId: last.id });
    expect(resumed.status).toBe(200);
    await resumed.next('the resumed stream caught up', (e) => e.id === final.id);
    await new Promise((r) => setTimeout(r, 300));
    const upToFinal = (s: SseEvent[]) => s.slice(0, s.findIndex((e) => e.id === final.id) + 1);
    expect(upToFinal(resumed.events)).toEqual(upToFinal(missed));
    expect(resumed.events.slice(resumed.events.findIndex((e) => e.id === final.id) + 1)).toEqual(
      witness.events.slice(witness.events.findIndex((e) => e.id === final.id) + 1),
    );
    const lock = resumed.events.find((e) => e.event === 'lock')!;
    expect(lock.data).toMatchObject({ type: 'LockQueued', customerId: '441001', importId });
    expect(JSON.stringify(resumed.events)).not.toMatch(/fencingToken|never-shown/);
  });

  it('streams one import, opening with its current view, and refuses a Last-Event-ID it never sent', async () => {
    const connection = (await createConnection(inject, bus, '441002')).json();
    const { importId } = (
      await inject({ method: 'POST', url: '/imports', payload: { connectionId: connection.id } })
    ).json();
    const one = await open(`/imports/${importId}/events`);
    const first = await one.next('the current view', ofImport(importId));
    expect(first.data.view.status).toBe('requested');
    await progress(importId, '441002');
    await one.next('the download', ofImport(importId, 'processing'));
    expect(one.events.every((e) => (e.data.view?.importId ?? e.data.importId) === importId)).toBe(true);

    const bad = await open(`/imports/${importId}/events`, OPERATOR_TOKEN, { lastEventId: 'not-an-id' });
    expect(bad.status).toBe(400);
    const unauthenticated = await open('/events', 'rl_unknown_token');
    expect(unauthenticated.status).toBe(401);
  });
});

describe('tenancy', () => {
  it("never carries another tenant's events, even for a customer id both use", async () => {
    const b = await newTenant('events-tenant-b');
    const streamA = await open('/events');
    const streamB = await open('/events', b.token);
    const connectionB = (await createConnection(b.inject, bus, '441003')).json();
    const connectionA = (await createConnection(inject, bus, '441003')).json();
    const { importId } = (
      await inject({ method: 'POST', url: '/imports', payload: { connectionId: connectionA.id } })
    ).json();
    await progress(importId, '441003');
    await streamA.next("A's import downloaded", ofImport(importId, 'processing'));
    await streamA.next("A's lock event", (e) => e.event === 'lock' && e.data.importId === importId);
    await streamB.next("B's connection healthy", (e) => e.event === 'connection' && e.data.status === 'healthy');
    // B's stream has had every chance to pick up A's events by now: the same polls delivered them to A.
    await new Promise((r) => setTimeout(r, 300));
    const textB = JSON.stringify(streamB.events);
    expect(textB).not.toContain(connectionA.id);
    expect(textB).not.toContain(importId);
    expect(streamB.events.length).toBeGreaterThan(0);
    for (const e of streamB.events) {
      expect(e.data.connectionId ?? e.data.id).toBe(connectionB.id);
    }
    expect(JSON.stringify(streamA.events)).not.toContain(connectionB.id);

    const foreign = await open(`/imports/${importId}/events`, b.token);
    expect(foreign.status).toBe(404);
  });
});

describe('the feed order', () => {
  it('delivers a change committed after a later one, after it, never losing it', async () => {
    const e = await newTenant('events-tenant-order');
    const stream = await open('/events', e.token);
    const insert = (db: { query: Pool['query'] }, n: string) =>
      db.query(`INSERT INTO scheduler.event_feed (tenant_id, kind, payload) VALUES ($1, 'connection', $2)`, [
        e.tenantId,
        { n },
      ]);
    const slow = await pool.connect();
    try {
      await slow.query('BEGIN');
      await insert(slow, 'first written, last committed');
      await insert(pool, 'written after, committed first');
      await stream.next('the change committed first', (m) => m.data.n === 'written after, committed first');
      await slow.query('COMMIT');
    } finally {
      slow.release();
    }
    const late = await stream.next('the change committed last', (m) => m.data.n === 'first written, last committed');
    expect(stream.events.map((m) => m.data.n)).toEqual([
      'written after, committed first',
      'first written, last committed',
    ]);
    expect(BigInt(late.id)).toBeGreaterThan(BigInt(stream.events[0]!.id));
  });
});

describe('a revoked token', () => {
  it('ends the streams opened with it', async () => {
    const d = await newTenant('events-tenant-revoked');
    const minted = await d.inject({
      method: 'POST',
      url: '/tokens',
      payload: { name: 'dashboard', scope: 'read-only' },
    });
    const stream = await open('/events', minted.json().token);
    expect(stream.status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    expect(stream.ended).toBe(false);
    const revoked = await d.inject({ method: 'DELETE', url: `/tokens/${minted.json().id}` });
    expect(revoked.statusCode).toBeLessThan(300);
    await until('the stream ended', () => (stream.ended ? true : undefined), 5_000);
  });
});

describe('a slow client', () => {
  it('is cut off instead of having its backlog buffered', async () => {
    const c = await newTenant('events-tenant-slow');
    const slow = await open('/events', c.token, { paused: true });
    expect(slow.status).toBe(200);
    const rows = 300;
    const size = 64 * 1024;
    await pool.query(
      `INSERT INTO scheduler.event_feed (tenant_id, kind, payload)
       SELECT $1, 'connection', jsonb_build_object('n', n, 'filler', repeat('x', $2)) FROM generate_series(1, $3) n`,
      [c.tenantId, size, rows],
    );
    // Never reading, the client fills its socket; the server must give up on it (after drainTimeoutMs) rather than
    // hold the rest. A paused response cannot see its end, so it reads again only after that time has passed: a cut
    // stream then ends after what the kernel buffers held, a stream still open would deliver every row and go on.
    await new Promise((r) => setTimeout(r, 2_500));
    slow.res.resume();
    await until('the server ended the stream', () => (slow.ended ? true : undefined), 15_000);
    expect(slow.events.length).toBeLessThan(rows);
  });
});
