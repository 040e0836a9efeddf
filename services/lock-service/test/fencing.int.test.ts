import { isolatedEnvironment } from '@reportline/dev/test-environment';
import { createPool, manualClock, type Pool } from '@reportline/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DecisionDeps, decideTick } from '../src/decisions.ts';
import type { LockCommand } from '../src/domain/lock.ts';
import { claimPartitions, NotPartitionOwnerError } from '../src/fencing.ts';
import { decideOne } from './support/decide-one.ts';
import { requestCommand } from './support/events.ts';

let pool: Pool;
const clock = manualClock(new Date('2026-11-22T05:00:00Z'));
const policy = { leaseTtlMs: 10_000, lockDelayMs: 2_000, maxHoldMs: 60_000, maxQueueWaitMs: 60_000 };
const topic = `fencing-${crypto.randomUUID().slice(0, 8)}`;
const customerId = `${Date.now()}`.slice(-9);
const as = (instanceId: string): DecisionDeps => ({ pool, clock, policy, instanceId });
const msg = (offset: number) => ({
  topic,
  partition: 3,
  offset: String(offset),
  eventId: crypto.randomUUID(),
  customerId,
});
const request = (): LockCommand =>
  requestCommand(crypto.randomUUID(), { eventId: crypto.randomUUID(), correlationId: crypto.randomUUID() });
const version = async () =>
  Number(
    (await pool.query('SELECT version FROM lock.customer_locks WHERE customer_id = $1', [customerId])).rows[0].version,
  );

beforeAll(async () => {
  pool = createPool((await isolatedEnvironment()).databaseUrl, { applicationName: 'fencing-test' });
});
afterAll(async () => {
  await pool?.end();
});

describe('zombie fencing in Postgres', () => {
  it('a paused old owner can change nothing once the new owner has claimed the partition and decided', async () => {
    await claimPartitions(pool, 'old', [{ topic, partition: 3 }]);
    const first = await decideOne(as('old'), msg(5), request());
    expect(first?.after.holder?.token).toBe(1);
    const seenByOldSweep = await version();

    // The group moves the partition; the new owner claims it and re-reads from the last committed Kafka offset.
    await claimPartitions(pool, 'new', [{ topic, partition: 3 }]);
    expect(await decideOne(as('new'), msg(5), request())).toBeUndefined(); // offset 5 was applied: skipped
    const second = await decideOne(as('new'), msg(6), request());
    expect(second?.after.queue).toHaveLength(1);

    // The old owner resumes: neither its next message nor its sweep may decide.
    await expect(decideOne(as('old'), msg(7), request())).rejects.toBeInstanceOf(NotPartitionOwnerError);
    clock.advance(policy.leaseTtlMs);
    expect(await decideTick(as('old'), customerId, await version(), topic)).toBeUndefined();
    // Nor with the version it read before it paused.
    expect(await decideTick(as('old'), customerId, seenByOldSweep, topic)).toBeUndefined();
    expect(
      (await pool.query('SELECT count(*)::int AS n FROM lock.lease_history WHERE customer_id = $1', [customerId]))
        .rows[0].n,
    ).toBe(1);

    // The new owner's sweep decides the expiry; a tick on a version it no longer sees is dropped.
    const v = await version();
    const expired = await decideTick(as('new'), customerId, v, topic);
    expect(expired?.after.holder).toBeNull();
    expect(await decideTick(as('new'), customerId, v, topic)).toBeUndefined();
  });

  it('an offset not greater than the last applied one is skipped even by the owner (redelivery, reordering)', async () => {
    await claimPartitions(pool, 'owner', [{ topic, partition: 4 }]);
    const at = (offset: number) => ({ ...msg(offset), partition: 4 });
    expect(await decideOne(as('owner'), at(10), { kind: 'tick' })).toBeDefined();
    expect(await decideOne(as('owner'), at(9), request())).toBeUndefined();
    expect(await decideOne(as('owner'), at(10), request())).toBeUndefined();
  });

  it("a new owner's claim waits for the old owner's in-flight decision, which then commits before it", async () => {
    await claimPartitions(pool, 'slow', [{ topic, partition: 5 }]);
    const tx = await pool.connect();
    try {
      await tx.query('BEGIN');
      await tx.query(`SELECT owner FROM lock.partition_owners WHERE topic = $1 AND partition = 5 FOR SHARE`, [topic]);
      let claimed = false;
      const claim = claimPartitions(pool, 'fast', [{ topic, partition: 5 }]).then(() => {
        claimed = true;
      });
      await new Promise((r) => setTimeout(r, 200)); // bounded: only proves the claim is still waiting
      expect(claimed).toBe(false);
      await tx.query('COMMIT');
      await claim;
      expect(claimed).toBe(true);
    } finally {
      tx.release();
    }
  });
});
