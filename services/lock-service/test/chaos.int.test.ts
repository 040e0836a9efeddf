import { randomBytes } from 'node:crypto';
import { ImportFailedV1, LeaseReleasedV1, makeEvent, type ReportlineEvent, topics } from '@reportline/contracts';
import { createTopics, isolatedEnvironment, uniquePrefix } from '@reportline/dev/test-environment';
import { startSimulator } from '@reportline/naver-simulator';
import { type Bus, createKafkaBus, createPool, type Pool } from '@reportline/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { leaseRequested } from './support/events.ts';
import { anyInstance, type HolderOutcome, hold } from './support/holder.ts';
import { type Instance, startInstance, until } from './support/instances.ts';

const TTL = 3_000;
const LOCK_DELAY = 1_500; // ≥ the holders' NAVER timeout (1 s) + drift margin (0.5 s)
const apiKey = `0100000000${randomBytes(6).toString('hex')}`;
const secret = randomBytes(16).toString('base64');
const internalApiToken = randomBytes(32).toString('base64url');
const customers = ['7100001', '7100002', '7100003'];

let naver: Awaited<ReturnType<typeof startSimulator>>;
let bus: Bus;
let pool: Pool;
let env: Record<string, string>;
const instances: Instance[] = [];
const live = () => instances.filter((i) => i.child.exitCode === null && !paused.has(i)).map((i) => i.url);
const paused = new Set<Instance>();
const grants = new Map<string, ReportlineEvent>(); // by event id: the relay may publish a grant twice
const holders: Promise<HolderOutcome>[] = [];
const requested = new Map<string, string>(); // importId → customerId
const cancelled = new Set<string>();
let pausedHolder: string | undefined;

const request = (customerId: string, importId: string = crypto.randomUUID(), id?: string) =>
  leaseRequested(customerId, { importId, id, priority: Math.random() < 0.3 ? 'on-demand' : 'scheduled' });

/** Requests with duplicates, a re-sent request under a new event id, stale and early releases, a cancelled waiter. */
async function wave(perCustomer: number) {
  const out: ReportlineEvent[] = [];
  for (const customerId of customers) {
    for (let i = 0; i < perCustomer; i++) {
      const r = request(customerId);
      requested.set(r.importId, customerId);
      out.push(r, r, request(customerId, r.importId));
      const stale = { source: 'test', importId: r.importId, customerId, now: new Date() };
      out.push(makeEvent(LeaseReleasedV1, { outcome: 'done', naverRequests: 0 }, { ...stale, fencingToken: 1000 + i }));
    }
    const c = request(customerId);
    cancelled.add(c.importId);
    const failed = { stage: 'download' as const, code: 'cancelled', message: 'cancelled by test', retryable: false };
    out.push(
      c,
      makeEvent(ImportFailedV1, failed, { source: 'test', importId: c.importId, customerId, now: new Date() }),
    );
  }
  await bus.publish(
    out
      .sort(() => Math.random() - 0.5)
      .sort((a, b) => Number(a.type === 'ImportFailed') - Number(b.type === 'ImportFailed')),
  );
}

const grantCount = () => new Set([...grants.values()].map((g) => g.importId).filter((id) => requested.has(id))).size;

beforeAll(async () => {
  const e = await isolatedEnvironment();
  const prefix = uniquePrefix();
  await createTopics(prefix);
  pool = createPool(e.databaseUrl, { applicationName: 'chaos-test' });
  env = {
    KAFKA_BROKERS: e.kafkaBrokers.join(','),
    DATABASE_URL: e.databaseUrl,
    TOPIC_PREFIX: prefix,
    PORT: '0',
    LOG_LEVEL: 'info',
    LEASE_TTL_MS: String(TTL),
    LOCK_DELAY_MS: String(LOCK_DELAY),
    INTERNAL_API_TOKEN: internalApiToken,
    TICK_MS: '100',
    KAFKA_SESSION_TIMEOUT_MS: '6000',
    KAFKA_HEARTBEAT_INTERVAL_MS: '500',
  };
  naver = await startSimulator({
    customers: customers.map((customerId, i) => ({ customerId, apiKey, secret, size: 'tiny', seed: i + 1 })),
  });
  bus = createKafkaBus({ brokers: e.kafkaBrokers, clientId: 'chaos-test', topicPrefix: prefix });
  await bus.subscribe({
    group: 'chaos-holders',
    topics: [topics.leases],
    handle: async (event) => {
      if (event.type !== 'LockGranted' || grants.has(event.id)) return;
      grants.set(event.id, event);
      let pause: number | undefined;
      if (pausedHolder === undefined && requested.has(event.importId)) {
        pausedHolder = event.importId;
        pause = TTL + 1_500;
      }
      holders.push(
        hold(event, {
          bus,
          naver: { baseUrl: naver.url, apiKey, secret },
          lockService: anyInstance(live, internalApiToken),
          calls: 3,
          pauseMs: pause,
        }),
      );
    },
  });
  instances.push(await startInstance('A', env), await startInstance('B', env));
}, 60_000);

afterAll(async () => {
  for (const i of instances) {
    if (paused.has(i)) i.child.kill('SIGCONT');
    i.child.kill('SIGTERM');
  }
  await Promise.all(instances.map((i) => Promise.race([i.exited, new Promise((r) => setTimeout(r, 5_000))])));
  for (const i of instances) if (i.child.exitCode === null && i.child.signalCode === null) i.child.kill('SIGKILL');
  await bus?.close();
  await pool?.end();
  await naver?.close();
});

describe('lock-service under crashes, pauses and messy delivery (child processes, real Kafka and Postgres)', () => {
  it('never lets two holders overlap at NAVER and grants every request exactly once', async () => {
    const [a, b] = instances as [Instance, Instance];
    await wave(3);
    await until('grants before the crash', () => (grantCount() >= 3 ? true : undefined), 20_000);

    a.child.kill('SIGKILL'); // mid-stream: its partitions move to B after the session timeout
    await a.exited;
    await wave(2);
    await until('grants after the crash', () => (grantCount() >= 8 ? true : undefined), 30_000);

    const c = await startInstance('C', env);
    instances.push(c);
    await until(
      'C owns partitions',
      () => (c.logs.some((l) => l.msg === 'claimed assigned partitions') ? true : undefined),
      20_000,
    );
    b.child.kill('SIGSTOP'); // past the session timeout: the group gives all partitions to C
    paused.add(b);
    const claimsBefore = c.logs.filter((l) => l.msg === 'claimed assigned partitions').length;
    await wave(2);
    const claims = () => c.logs.filter((l) => l.msg === 'claimed assigned partitions');
    await until(
      'C takes over B',
      () =>
        claims()
          .slice(claimsBefore)
          .some((l) => l.claims === topics.imports.partitions)
          ? true
          : undefined,
      30_000,
    );
    b.child.kill('SIGCONT');
    paused.delete(b);

    const total = requested.size;
    await until('every request granted', () => (grantCount() === total ? true : undefined), 30_000);
    const outcomes = await Promise.all(holders);
    const locksIdle = async () => {
      const { rows } = await pool.query(
        `SELECT count(*)::int AS n FROM lock.customer_locks WHERE customer_id = ANY($1) AND (state->'holder' != 'null' OR jsonb_array_length(state->'queue') > 0)`,
        [customers],
      );
      return rows[0].n === 0 ? true : undefined;
    };
    await until('all leases ended', locksIdle, 20_000);

    // Oracle 1: the NAVER simulator saw no two lease holders of a customer id at once.
    expect(naver.recorder.overlaps()).toEqual([]);
    // Oracle 2: the lock-service's own history — each request held the lease exactly once, tokens strictly increase,
    // holds never overlap, and after an expiry the next hold waits out the lock-delay.
    const { rows } = await pool.query<{
      customer_id: string;
      token: string;
      import_id: string;
      granted_at: Date;
      ended_at: Date;
      ended_by: string;
    }>(
      'SELECT customer_id, token, import_id, granted_at, ended_at, ended_by FROM lock.lease_history WHERE customer_id = ANY($1) ORDER BY customer_id, token',
      [customers],
    );
    // (A cancelled import may have been granted before its cancellation arrived; then it held the lease once too.)
    const held = rows.map((r) => r.import_id).filter((id) => !cancelled.has(id));
    expect(held.sort()).toEqual([...requested.keys()].sort());
    expect(new Set(rows.map((r) => r.import_id)).size).toBe(rows.length);
    for (const customerId of customers) {
      const holds = rows.filter((r) => r.customer_id === customerId);
      holds.forEach((h, i) => {
        expect(Number(h.token)).toBe(i + 1);
        expect(h.ended_at).not.toBeNull();
        const prev = holds[i - 1];
        if (!prev) return;
        expect(h.granted_at.getTime()).toBeGreaterThanOrEqual(prev.ended_at.getTime());
        if (prev.ended_by === 'expired')
          expect(h.granted_at.getTime() - prev.ended_at.getTime()).toBeGreaterThanOrEqual(LOCK_DELAY);
      });
    }
    // The paused holder lost its lease by expiry and its guard refused the call it tried after waking up.
    const pausedOutcome = outcomes.find((o) => o.importId === pausedHolder)!;
    expect(pausedOutcome).toMatchObject({ refused: true, calls: 1 });
    expect(rows.find((r) => r.import_id === pausedHolder)?.ended_by).toBe('expired');
    expect(outcomes.filter((o) => !o.refused).every((o) => o.calls === 3)).toBe(true);
  }, 120_000);
});
