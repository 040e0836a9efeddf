// `npm run bench -- lock`: decisions per second of the pure decider and of the Postgres decision path (batches of one
// message, and batches of a partition's messages as the service runs it), and grant
// latency (LeaseRequested published → LockGranted consumed) over the real broker. Prints figures (the batched path
// only checks that it granted every lease it should have).
// Run it with `npm run bench -- lock`: that finds or starts Kafka and Postgres and passes a migrated database of its own
// and fresh topics in KAFKA_BROKERS, DATABASE_URL and TOPIC_PREFIX.
import { randomBytes } from 'node:crypto';
import { cpus } from 'node:os';
import { LeaseReleasedV1, makeEvent, type ReportlineEvent, topics } from '@reportline/contracts';
import { reportFigures, round } from '@reportline/dev/bench';
import { scratchFromEnv } from '@reportline/dev/scratch';
import { createKafkaBus, createLogger, createPool, loadConfig, systemClock } from '@reportline/platform';
import { startLockService } from '../src/app.ts';
import { lockServiceConfig } from '../src/config.ts';
import { decideOnMessages } from '../src/decisions.ts';
import { decide, evolve } from '../src/domain/decide.ts';
import { emptyLock, type LockCommand } from '../src/domain/lock.ts';
import { claimPartitions } from '../src/fencing.ts';
import { decideOne } from '../test/support/decide-one.ts';
import { leaseRequested, requestCommand } from '../test/support/events.ts';

const policy = { leaseTtlMs: 60_000, lockDelayMs: 35_000, maxHoldMs: 1_800_000, maxQueueWaitMs: 3_600_000 };
const { kafkaBrokers: brokers, databaseUrl, topicPrefix } = scratchFromEnv();
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;

/** A realistic stream per customer: request, request, release of the holder, renew, tick. */
function* commands(n: number): Generator<LockCommand> {
  for (let i = 0; i < n; i++) {
    const id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    yield requestCommand(id, { priority: i % 3 === 0 ? 'on-demand' : 'scheduled' });
    yield { kind: 'renew', importId: id, token: i };
    yield { kind: 'release', importId: id, token: i, aborted: false };
    yield { kind: 'tick' };
  }
}

function pureDecider() {
  const n = 100_000;
  let state = emptyLock('338047');
  let now = Date.parse('2026-11-22T00:00:00Z');
  let decisions = 0;
  const t0 = performance.now();
  for (const c of commands(n)) {
    now += 10;
    const cmd =
      c.kind === 'release' || c.kind === 'renew'
        ? state.holder
          ? { ...c, importId: state.holder.importId, token: state.holder.token }
          : { kind: 'tick' as const }
        : c;
    state = decide(state, cmd, new Date(now), policy).reduce(evolve, state);
    decisions++;
  }
  const s = (performance.now() - t0) / 1000;
  console.log(
    `pure decider:        ${fmt(decisions / s)} decisions/s (${fmt(decisions)} decisions, ${s.toFixed(2)} s)`,
  );
}

async function postgresPath(concurrency: number) {
  const pool = createPool(databaseUrl, { applicationName: 'lock-bench', max: concurrency + 2 });
  const topic = `bench-${randomBytes(3).toString('hex')}`;
  await claimPartitions(
    pool,
    'bench',
    Array.from({ length: concurrency }, (_, partition) => ({ topic, partition })),
  );
  const deps = { pool, clock: systemClock, policy, instanceId: 'bench' };
  const perLane = 1_500;
  const lane = async (partition: number) => {
    const customerId = `9${partition}${randomBytes(3).readUIntBE(0, 3)}`;
    let offset = 0;
    let holder: { importId: string; token: number } | undefined;
    for (let i = 0; i < perLane; i++) {
      const id = crypto.randomUUID();
      const cmd: LockCommand =
        i % 2 === 0 || !holder ? requestCommand(id) : { kind: 'release', ...holder, aborted: false };
      const d = await decideOne(
        deps,
        { topic, partition, offset: String(offset++), eventId: crypto.randomUUID(), customerId },
        cmd,
      );
      holder = d?.after.holder ?? undefined;
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, (_, p) => lane(p)));
  const s = (performance.now() - t0) / 1000;
  const n = perLane * concurrency;
  console.log(
    `postgres path x${concurrency}:   ${fmt(n / s)} decisions/s (${fmt(n)} decisions in one transaction each, ${concurrency} partitions in parallel, ${s.toFixed(2)} s)`,
  );
  await pool.end();
}

/**
 * The batched path (`decideOnMessages`, one transaction per batch) over `partitions` partitions in parallel, each
 * carrying 20 customers' interleaved request/release streams (tokens known ahead: every release frees the lock).
 */
async function batchedPostgresPath(partitions: number, batchSize: number): Promise<number> {
  const pool = createPool(databaseUrl, { applicationName: 'lock-bench', max: partitions + 2 });
  const topic = `bench-${randomBytes(3).toString('hex')}`;
  await claimPartitions(
    pool,
    'bench',
    Array.from({ length: partitions }, (_, partition) => ({ topic, partition })),
  );
  const deps = { pool, clock: systemClock, policy, instanceId: 'bench' };
  const perLane = 6_000;
  const customersPerLane = 20;
  const tag = randomBytes(3).readUIntBE(0, 3);
  const lane = async (partition: number) => {
    const customers = Array.from({ length: customersPerLane }, (_, c) => `7${partition}${c}${tag}`);
    const seen = customers.map(() => 0);
    const imports = customers.map(() => '');
    const all = Array.from({ length: perLane }, (_, offset) => {
      const c = offset % customersPerLane;
      const n = seen[c]!++;
      if (n % 2 === 0) imports[c] = crypto.randomUUID();
      const id = imports[c]!;
      const command: LockCommand =
        n % 2 === 0 ? requestCommand(id) : { kind: 'release', importId: id, token: (n + 1) / 2, aborted: false };
      const message = {
        topic,
        partition,
        offset: String(offset),
        eventId: crypto.randomUUID(),
        customerId: customers[c]!,
      };
      return { message, command };
    });
    for (let i = 0; i < all.length; i += batchSize) await decideOnMessages(deps, all.slice(i, i + batchSize));
    return customers;
  };
  const t0 = performance.now();
  const customers = (await Promise.all(Array.from({ length: partitions }, (_, p) => lane(p)))).flat();
  const s = (performance.now() - t0) / 1000;
  const { rows } = await pool.query<{ n: number }>(
    `SELECT sum((state->>'lastToken')::int)::int AS n FROM lock.customer_locks WHERE customer_id = ANY($1::text[])`,
    [customers],
  );
  const n = perLane * partitions;
  if (rows[0]?.n !== n / 2) throw new Error(`batched bench granted ${rows[0]?.n} leases, expected ${n / 2}`);
  console.log(
    `postgres batched x${partitions}, batch ${batchSize}: ${fmt(n / s)} decisions/s (${fmt(n)} decisions, ${customersPerLane} customers per partition, ${partitions} partitions in parallel, ${s.toFixed(2)} s)`,
  );
  await pool.end();
  return n / s;
}

async function grantLatency(prefix: string): Promise<{ p50: number; p99: number }> {
  const config = loadConfig(lockServiceConfig, {
    KAFKA_BROKERS: brokers.join(','),
    DATABASE_URL: databaseUrl,
    TOPIC_PREFIX: prefix,
    LOG_LEVEL: 'warn',
    TICK_MS: '100',
    INTERNAL_API_TOKEN: randomBytes(32).toString('base64url'),
  });
  const service = await startLockService(config, { logger: createLogger('lock-service', 'warn') });
  const bus = createKafkaBus({ brokers, clientId: 'lock-bench', topicPrefix: prefix });
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const granted = new Map<string, () => void>();
  await bus.subscribe({
    group: 'lock-bench',
    topics: [topics.leases],
    handle: async (e) => {
      if (e.type !== 'LockGranted' || !sentAt.has(e.importId)) return;
      latencies.push(performance.now() - sentAt.get(e.importId)!);
      sentAt.delete(e.importId);
      await bus.publish([
        makeEvent(
          LeaseReleasedV1,
          { outcome: 'done', naverRequests: 0 },
          {
            source: 'bench',
            importId: e.importId,
            customerId: e.customerId,
            fencingToken: e.fencingToken,
            now: new Date(),
          },
        ),
      ]);
      granted.get(e.importId)?.();
    },
  });
  const request = (customerId: string): ReportlineEvent =>
    leaseRequested(customerId, { priority: 'on-demand', source: 'bench' });
  const rounds = 200;
  // Round 0 is the warm-up: it includes the consumer groups' first join and fetch, reported apart from steady state.
  let firstGrantMs = 0;
  for (let i = -1; i < rounds; i++) {
    const r = request(`88${(i + 1) % 20}00${i + 1}`); // a free lock each time: measures the pipeline, not queueing
    // the warm-up may wait for a fresh broker to create its offsets topic and for both groups to join
    const waitS = i === -1 ? 60 : 10;
    const done = new Promise<void>((resolve, reject) => {
      granted.set(r.importId, resolve);
      setTimeout(() => reject(new Error(`no grant for request ${i + 2} within ${waitS} s`)), waitS * 1000).unref();
    });
    sentAt.set(r.importId, performance.now());
    await bus.publish([r]);
    await done;
    if (i === -1) firstGrantMs = latencies.pop()!;
  }
  const p50 = pct(latencies, 50);
  const p99 = pct(latencies, 99);
  console.log(
    `grant latency:       p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${Math.max(...latencies).toFixed(1)} ms (${latencies.length} grants after a warm-up grant of ${firstGrantMs.toFixed(0)} ms, request published → LockGranted consumed, real broker, outbox relay)`,
  );
  await bus.close();
  await service.close();
  return { p50, p99 };
}

console.log(`lock-service bench on this machine (${cpus().length} cores)`);
pureDecider();
await postgresPath(1);
await postgresPath(4);
const batched = new Map<string, number>();
for (const [partitions, batchSize] of [
  [1, 100],
  [1, 200],
  [4, 100],
  [4, 200],
] as const) {
  batched.set(`${partitions}x${batchSize}`, await batchedPostgresPath(partitions, batchSize));
}
const grant = await grantLatency(topicPrefix);
// The service decides in one transaction per batch of a partition's messages; 4 partitions of 200 stand for it.
console.log('figures: decisionsPerSecond = postgres batched x4, batch 200; grantP50Ms, grantP99Ms = grant latency');
reportFigures('lock', {
  decisionsPerSecond: round(batched.get('4x200')!),
  grantP50Ms: round(grant.p50, 1),
  grantP99Ms: round(grant.p99, 1),
});
