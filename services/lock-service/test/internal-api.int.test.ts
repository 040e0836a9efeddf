import { randomBytes } from 'node:crypto';
import { LeaseHolder, LeaseRenewalGranted, type ReportlineEvent, topics } from '@reportline/contracts';
import { createTopics, isolatedEnvironment, uniquePrefix } from '@reportline/dev/test-environment';
import { until } from '@reportline/dev/wait';
import { lockServiceClient } from '@reportline/lease-holder';
import { type Bus, createKafkaBus, createPool, loadConfig, manualClock, type Pool } from '@reportline/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLockService } from '../src/app.ts';
import { lockServiceConfig } from '../src/config.ts';
import { leaseRequested } from './support/events.ts';

/**
 * The lock-service's HTTP surface over real Postgres and Kafka, on a manual clock so lease times are exact: the
 * internal endpoints need the service credential, the public view carries no fencing token, a renewal for an unknown
 * customer id creates nothing, the maximum hold and the maximum queue wait end leases and waits with reasons.
 */
const customerId = '5550101';
const credential = randomBytes(32).toString('base64url');
const T0 = new Date('2026-11-22T05:00:00.000Z');
const clock = manualClock(T0);
const [holderImport, waiterImport] = [crypto.randomUUID(), crypto.randomUUID()];
const seen: ReportlineEvent[] = [];
let service: Awaited<ReturnType<typeof startLockService>> | undefined;
let bus: Bus;
let pool: Pool;

const event = (type: string, importId: string, extra: (e: ReportlineEvent) => boolean = () => true) =>
  until(`${type} of ${importId}`, () => seen.find((e) => e.type === type && e.importId === importId && extra(e)));
const http = (path: string, init: RequestInit = {}) => fetch(`${service!.url}${path}`, init);
const renewal = (authorization: string | undefined, body: unknown, id = customerId) =>
  http(`/locks/${id}/renewals`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    body: JSON.stringify(body),
  });
const history = async () =>
  ((await (await http(`/locks/${customerId}`)).json()) as { history: { renewals: number; endedBy: string | null }[] })
    .history;

beforeAll(async () => {
  const env = await isolatedEnvironment();
  const prefix = uniquePrefix();
  await createTopics(prefix);
  pool = createPool(env.databaseUrl, { applicationName: 'internal-api-test' });
  const config = loadConfig(lockServiceConfig, {
    KAFKA_BROKERS: env.kafkaBrokers.join(','),
    DATABASE_URL: env.databaseUrl,
    TOPIC_PREFIX: prefix,
    LOG_LEVEL: 'warn',
    TICK_MS: '50',
    INTERNAL_API_TOKEN: credential,
    LEASE_TTL_MS: '60000',
    LEASE_MAX_HOLD_MS: '100000',
    LOCK_MAX_QUEUE_WAIT_MS: '120000',
  });
  service = await startLockService(config, { clock });
  bus = createKafkaBus({ brokers: env.kafkaBrokers, clientId: 'internal-api-test', topicPrefix: prefix });
  await bus.subscribe({
    group: 'internal-api-observer',
    topics: [topics.leases, topics.imports],
    handle: async (e) => {
      seen.push(e);
    },
  });
  await bus.publish([
    leaseRequested(customerId, { importId: holderImport }),
    leaseRequested(customerId, { importId: waiterImport }),
  ]);
  await event('LockGranted', holderImport);
});

afterAll(async () => {
  await bus?.close();
  await service?.close();
  await pool?.end();
});

describe('lock-service internal API', () => {
  it('acknowledges each request with LockQueued before any grant', async () => {
    expect((await event('LockQueued', holderImport)).data).toMatchObject({ position: 1, queueLength: 1 });
    expect((await event('LockQueued', waiterImport)).data).toMatchObject({
      priority: 'scheduled',
      position: 1,
      queueLength: 1,
      maxQueueWaitMs: 120_000,
    });
  });

  it('answers the holder endpoint only with the service credential', async () => {
    expect((await http(`/locks/${customerId}/holder`)).status).toBe(401);
    const wrong = await http(`/locks/${customerId}/holder`, { headers: { authorization: `Bearer ${'w'.repeat(40)}` } });
    expect(wrong.status).toBe(401);
    const right = await http(`/locks/${customerId}/holder`, { headers: { authorization: `Bearer ${credential}` } });
    expect(right.status).toBe(200);
    expect(LeaseHolder.parse(await right.json()).holder).toMatchObject({ importId: holderImport, token: 1 });
  });

  it('accepts a renewal only with the service credential: 401 without or with a wrong one, 200 with it', async () => {
    const body = { importId: holderImport, token: 1 };
    const missing = await renewal(undefined, body);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
    const wrongCredential = `Bearer not-the-credential-${'x'.repeat(30)}`;
    const wrong = await renewal(wrongCredential, body);
    expect(wrong.status).toBe(401);
    const problem = await wrong.text();
    expect(problem).not.toContain('not-the-credential');
    expect(problem).not.toContain(credential);
    expect((await history())[0]?.renewals).toBe(0); // the refused calls changed nothing

    const ok = await renewal(`Bearer ${credential}`, body);
    expect(ok.status).toBe(200);
    expect(LeaseRenewalGranted.parse(await ok.json())).toEqual({
      token: 1,
      leaseTtlMs: 60_000,
      leaseExpiresAt: new Date(T0.getTime() + 60_000).toISOString(),
      maxHoldMs: 100_000,
      maxHoldUntil: new Date(T0.getTime() + 100_000).toISOString(),
    });
    expect((await history())[0]?.renewals).toBe(1);
  });

  it('shows people the holder, queue and history without any fencing token', async () => {
    const res = await http(`/locks/${customerId}`);
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body).toMatchObject({ holder: { importId: holderImport }, queue: [{ importId: waiterImport }] });
    const keys = (v: unknown): string[] =>
      v && typeof v === 'object' ? Object.entries(v).flatMap(([k, x]) => [k, ...keys(x)]) : [];
    expect(keys(body).filter((k) => /token/i.test(k))).toEqual([]);
  });

  it('creates nothing for a renewal of an unknown customer id', async () => {
    const unknown = '5550199';
    const res = await renewal(`Bearer ${credential}`, { importId: crypto.randomUUID(), token: 1 }, unknown);
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ type: 'urn:reportline:problem:lease-not-held', currentToken: null });
    const { rows } = await pool.query('SELECT 1 FROM lock.customer_locks WHERE customer_id = $1', [unknown]);
    expect(rows).toEqual([]);
    expect((await http(`/locks/${unknown}`)).status).toBe(404);
  });

  it('caps renewals at the maximum hold, then refuses them, expires the lease then, and times out the waiter', async () => {
    const client = lockServiceClient(service!.url, { credential });
    clock.advance(50_000);
    const last = await client.renew(customerId, holderImport, 1);
    expect(last).toMatchObject({ held: true, leaseTtlMs: 50_000 });
    expect(last.held && last.leaseExpiresAt).toBe(last.held && last.maxHoldUntil);
    clock.advance(10_000);
    expect(await client.renew(customerId, holderImport, 1)).toMatchObject({
      held: false,
      reason: 'max-hold',
      currentToken: 1,
      maxHoldMs: 100_000,
    });

    clock.advance(41_000); // past grantedAt + maxHold: the sweep expires the lease, saying why
    const failed = await event('ImportFailed', holderImport);
    expect(failed.data).toMatchObject({ stage: 'lease', code: 'lease-max-hold', retryable: true });
    expect((await history())[0]?.endedBy).toBe('expired');

    clock.advance(20_000); // the waiter (still behind the lock-delay) has now waited its maximum
    const timedOut = await event('ImportFailed', waiterImport);
    expect(timedOut.data).toMatchObject({ stage: 'queue', code: 'queue-timeout', retryable: true });
    expect(seen.some((e) => e.type === 'LockGranted' && e.importId === waiterImport)).toBe(false);
  });
});
