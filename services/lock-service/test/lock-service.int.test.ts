import { randomBytes } from 'node:crypto';
import { ImportRequestedV1, LeaseReleasedV1, makeEvent, type ReportlineEvent, topics } from '@reportline/contracts';
import { createTopics, isolatedEnvironment, uniquePrefix } from '@reportline/dev/test-environment';
import { until } from '@reportline/dev/wait';
import { type Bus, createKafkaBus, createPool, loadConfig, type Pool, type Running } from '@reportline/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLockService } from '../src/app.ts';
import { lockServiceConfig } from '../src/config.ts';
import { leaseRequested, requestData } from './support/events.ts';

const customerId = '5550001';
let service: (Running & { url: string }) | undefined;
let bus: Bus;
let pool: Pool;
const grants: ReportlineEvent[] = [];

const request = (importId: string, priority: 'on-demand' | 'scheduled' = 'scheduled') =>
  leaseRequested(customerId, { importId, priority });
const release = (importId: string, token: number) =>
  makeEvent(
    LeaseReleasedV1,
    { outcome: 'done', naverRequests: 3 },
    { source: 'test', importId, customerId, fencingToken: token, now: new Date() },
  );

beforeAll(async () => {
  const env = await isolatedEnvironment();
  const prefix = uniquePrefix();
  await createTopics(prefix);
  const config = loadConfig(lockServiceConfig, {
    KAFKA_BROKERS: env.kafkaBrokers.join(','),
    DATABASE_URL: env.databaseUrl,
    TOPIC_PREFIX: prefix,
    LOG_LEVEL: 'warn',
    TICK_MS: '100',
    INTERNAL_API_TOKEN: randomBytes(32).toString('base64url'),
  });
  service = await startLockService(config);
  pool = createPool(env.databaseUrl);
  bus = createKafkaBus({ brokers: env.kafkaBrokers, clientId: 'lock-test', topicPrefix: prefix });
  await bus.subscribe({
    group: 'lock-test-observer',
    topics: [topics.leases],
    handle: async (e) => {
      if (e.type === 'LockGranted') grants.push(e);
    },
  });
});

afterAll(async () => {
  await bus?.close();
  await service?.close();
  await pool?.end();
});

describe('lock-service over Kafka and Postgres', () => {
  it('grants one import at a time per customer id, in order, with increasing tokens, ignoring duplicates and stale releases', async () => {
    const [a, b, c] = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
    const requestB = request(b);
    await bus.publish([request(a), requestB, requestB, request(c, 'on-demand')]);
    const first = await until('first grant', () => grants[0]);
    expect(first).toMatchObject({ importId: a, fencingToken: 1 });

    const lock = async () =>
      (await (await fetch(`${service!.url}/locks/${customerId}`)).json()) as { queue: { importId: string }[] };
    let queue: string[] = [];
    const deadline = Date.now() + 30_000;
    while (queue.length < 2 && Date.now() < deadline) {
      queue = (await lock()).queue.map((w) => w.importId);
      if (queue.length < 2) await new Promise((r) => setTimeout(r, 50));
    }
    expect(queue).toEqual([c, b]); // grant order: on-demand first

    await bus.publish([release(a, 7), release(b, 1)]); // stale: wrong token, wrong holder
    await bus.publish([release(a, 1)]);
    const second = await until('second grant', () => grants[1]);
    expect(second).toMatchObject({ importId: c, fencingToken: 2 }); // on-demand goes first
    expect(second.causationId).toBeTruthy();
    await bus.publish([release(c, 2)]);
    const third = await until('third grant', () => grants[2]);
    expect(third).toMatchObject({ importId: b, fencingToken: 3 });
    expect(grants).toHaveLength(3);
    expect(grants.map((g) => g.version)).toEqual([2, 2, 2]);
    expect(third.data).toMatchObject({ request: requestB.data.request });
  });

  it('grants a waiter stored before the lock kept requests with LockGranted v1, and later requests with v2', async () => {
    const legacyCustomer = '5550002';
    const [holder, waiter, later] = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
    const t = new Date().toISOString();
    const far = new Date(Date.now() + 3_600_000).toISOString();
    // A lock row as the lock-service wrote it before waiters kept their request (nor `finished` existed).
    const state = {
      customerId: legacyCustomer,
      holder: {
        importId: holder,
        token: 1,
        grantedAt: t,
        expiresAt: far,
        requestEventId: holder,
        correlationId: holder,
      },
      queue: [
        { importId: waiter, priority: 'scheduled', requestedAt: t, requestEventId: waiter, correlationId: waiter },
      ],
      lastToken: 1,
      lockDelayUntil: null,
    };
    await pool.query('INSERT INTO lock.customer_locks (customer_id, state) VALUES ($1, $2)', [legacyCustomer, state]);
    const releaseOf = (importId: string, token: number) =>
      makeEvent(
        LeaseReleasedV1,
        { outcome: 'done', naverRequests: 1 },
        { source: 'test', importId, customerId: legacyCustomer, fencingToken: token, now: new Date() },
      );
    await bus.publish([releaseOf(holder, 1), leaseRequested(legacyCustomer, { importId: later })]);
    const legacyGrant = await until('the legacy waiter granted', () => grants.find((g) => g.importId === waiter));
    expect(legacyGrant).toMatchObject({ version: 1, fencingToken: 2 });
    expect(legacyGrant.data).not.toHaveProperty('request');
    await bus.publish([releaseOf(waiter, 2)]);
    const laterGrant = await until('the later request granted', () => grants.find((g) => g.importId === later));
    expect(laterGrant).toMatchObject({ version: 2, fencingToken: 3, data: { request: { reportTypes: ['AD'] } } });
  });

  it("queues on LeaseRequested only: an ImportRequested is the fetcher's to plan and never takes the lease", async () => {
    const fetcherCustomer = '5550003';
    const [planned, asked] = [crypto.randomUUID(), crypto.randomUUID()];
    const importRequested = makeEvent(ImportRequestedV1, requestData('on-demand'), {
      source: 'test',
      importId: planned,
      customerId: fetcherCustomer,
      now: new Date(),
    });
    await bus.publish([importRequested, leaseRequested(fetcherCustomer, { importId: asked })]);
    const grant = await until('the lease request granted', () => grants.find((g) => g.customerId === fetcherCustomer));
    expect(grant).toMatchObject({ importId: asked, fencingToken: 1 });
    const lock = (await (await fetch(`${service!.url}/locks/${fetcherCustomer}`)).json()) as {
      holder: { importId: string } | null;
      queue: unknown[];
    };
    expect(lock.holder).toMatchObject({ importId: asked });
    expect(lock.queue).toEqual([]);
  });
});
