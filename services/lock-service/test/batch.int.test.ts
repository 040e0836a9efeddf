import { isolatedEnvironment } from '@reportline/dev/test-environment';
import { type Clock, createPool, type Pool } from '@reportline/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConsumedMessage, type Decided, decideOnMessages } from '../src/decisions.ts';
import type { LockCommand } from '../src/domain/lock.ts';
import { claimPartitions, NotPartitionOwnerError } from '../src/fencing.ts';
import { decideOne } from './support/decide-one.ts';
import { requestCommand } from './support/events.ts';

let pool: Pool;
const policy = { leaseTtlMs: 10_000, lockDelayMs: 2_000, maxHoldMs: 25_000, maxQueueWaitMs: 60_000 };
const run = crypto.randomUUID().slice(0, 8);

beforeAll(async () => {
  pool = createPool((await isolatedEnvironment()).databaseUrl, { applicationName: 'batch-test' });
});
afterAll(async () => {
  await pool?.end();
});

/** Every call is 3 s after the previous one: leases expire and lock-delays end part way through the stream. */
const steppingClock = (): Clock => {
  let calls = 0;
  return { now: () => new Date(Date.parse('2026-11-22T05:00:00Z') + 3_000 * calls++), monotonicMs: () => 0 };
};

/** A deterministic mixed stream over a few customers: requests, releases (some stale), cancels, ticks, repeats. */
function stream(seed: number, length: number) {
  let s = seed;
  const rand = (n: number) => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return s % n;
  };
  const imports: string[][] = [[], [], [], []];
  const messages: { customer: number; eventId: string; command: LockCommand | undefined }[] = [];
  for (let i = 0; i < length; i++) {
    const customer = rand(4);
    const known = imports[customer]!;
    const pick = () => known[rand(known.length)] ?? crypto.randomUUID();
    const roll = rand(10);
    const eventId = roll === 9 && messages.length > 0 ? messages[rand(messages.length)]!.eventId : crypto.randomUUID();
    let command: LockCommand | undefined;
    if (roll < 3 || known.length === 0) {
      const importId = crypto.randomUUID();
      known.push(importId);
      const priority = rand(3) === 0 ? 'on-demand' : 'scheduled';
      command = requestCommand(importId, { priority, eventId });
    } else if (roll < 6) {
      command = { kind: 'release', importId: pick(), token: 1 + rand(known.length), aborted: rand(3) === 0 };
    } else if (roll === 6) command = { kind: 'cancel', importId: pick() };
    else command = rand(4) === 0 ? undefined : { kind: 'tick' };
    messages.push({ customer, eventId, command });
  }
  return messages;
}

/** Deliveries as a consumer sees them: mostly forward, sometimes a batch again or starting a few offsets back. */
function deliveries(seed: number, length: number): [number, number][] {
  let s = seed;
  const rand = (n: number) => {
    s = (Math.imul(s, 22695477) + 1) >>> 0;
    return s % n;
  };
  const out: [number, number][] = [];
  for (let next = 0; next < length; ) {
    const from = Math.max(0, next - (rand(4) === 0 ? 1 + rand(5) : 0));
    const to = Math.min(length, next + 1 + rand(12));
    out.push([from, to]);
    next = to;
  }
  return out;
}

describe('decideOnMessages: a batch in one transaction decides exactly as its messages one at a time (batches of one)', () => {
  it('gives the same per-message results, lock states, lease history and outbox, redeliveries included', async () => {
    const messages = stream(42, 400);
    const plan = deliveries(7, messages.length);
    const customerOf = (side: keyof typeof sides, c: number) => `${sides[side].prefix}${c}${run.replace(/\D/g, '7')}`;
    const sides = { one: { prefix: '51', topic: `one-${run}` }, batched: { prefix: '52', topic: `batch-${run}` } };
    for (const { topic } of Object.values(sides)) await claimPartitions(pool, 'me', [{ topic, partition: 0 }]);
    const at = (side: keyof typeof sides, i: number): ConsumedMessage => ({
      topic: sides[side].topic,
      partition: 0,
      offset: String(i),
      eventId: `${messages[i]!.eventId.slice(0, -2)}${side === 'one' ? '01' : '02'}`,
      customerId: customerOf(side, messages[i]!.customer),
    });

    const one: (Decided | undefined)[] = [];
    const depsOne = { pool, clock: steppingClock(), policy, instanceId: 'me' };
    for (const [from, to] of plan) {
      for (let i = from; i < to; i++) one.push(await decideOne(depsOne, at('one', i), messages[i]!.command));
    }
    const batched: (Decided | undefined)[] = [];
    const depsBatched = { pool, clock: steppingClock(), policy, instanceId: 'me' };
    for (const [from, to] of plan) {
      const batch = messages.slice(from, to).map((m, k) => ({ message: at('batched', from + k), command: m.command }));
      batched.push(...(await decideOnMessages(depsBatched, batch)));
    }

    const normalize = (value: unknown, side: keyof typeof sides) => {
      let json = JSON.stringify(value ?? null);
      for (const c of [0, 1, 2, 3]) json = json.replaceAll(customerOf(side, c), `C${c}`);
      return JSON.parse(json);
    };
    expect(batched.map((d) => normalize(d, 'batched'))).toEqual(one.map((d) => normalize(d, 'one')));
    expect(one.filter((d) => d && d.published > 0).length).toBeGreaterThan(30); // the stream did decide things

    const locks = async (side: keyof typeof sides) =>
      normalize(
        (
          await pool.query(
            `SELECT state, next_deadline, partition FROM lock.customer_locks
             WHERE customer_id LIKE $1 || '%' ORDER BY customer_id`,
            [sides[side].prefix],
          )
        ).rows,
        side,
      );
    expect(await locks('batched')).toEqual(await locks('one'));
    const history = async (side: keyof typeof sides) =>
      normalize(
        (
          await pool.query(
            `SELECT customer_id, token, import_id, granted_at, expires_at, renewals, ended_at, ended_by
             FROM lock.lease_history WHERE customer_id LIKE $1 || '%' ORDER BY customer_id, token`,
            [sides[side].prefix],
          )
        ).rows,
        side,
      );
    expect(await history('batched')).toEqual(await history('one'));
    const outbox = async (side: keyof typeof sides) =>
      normalize(
        (
          await pool.query(
            `SELECT event->>'type' AS type, event->>'customerId' AS customer, event->>'importId' AS import,
                    event->'fencingToken' AS token, event->'data' AS data, event->>'time' AS time
             FROM platform.outbox WHERE event->>'customerId' LIKE $1 || '%' ORDER BY seq`,
            [sides[side].prefix],
          )
        ).rows,
        side,
      );
    const published = await outbox('one');
    expect(published.length).toBeGreaterThan(30);
    expect(await outbox('batched')).toEqual(published);
  });

  it('is fenced once per batch: a non-owner changes nothing, an applied batch again changes nothing', async () => {
    const topic = `fence-${run}`;
    const customerId = `53${run.replace(/\D/g, '7')}`;
    await claimPartitions(pool, 'owner', [{ topic, partition: 1 }]);
    const request = (offset: number) => {
      const id = crypto.randomUUID();
      return {
        message: { topic, partition: 1, offset: String(offset), eventId: id, customerId },
        command: requestCommand(id),
      };
    };
    const batch = [request(0), request(1), request(2)];
    const deps = (instanceId: string) => ({ pool, clock: steppingClock(), policy, instanceId });
    await expect(decideOnMessages(deps('zombie'), batch)).rejects.toBeInstanceOf(NotPartitionOwnerError);
    const first = await decideOnMessages(deps('owner'), batch);
    expect(first.map((d) => d?.after.queue.length)).toEqual([0, 1, 2]);
    const again = await decideOnMessages(deps('owner'), [...batch, request(3)]);
    expect(again.map((d) => d?.after.queue.length)).toEqual([undefined, undefined, undefined, 3]);
    await expect(
      decideOnMessages(deps('owner'), [
        request(4),
        { ...request(5), message: { ...request(5).message, partition: 2 } },
      ]),
    ).rejects.toThrow('one partition');
  });
});
