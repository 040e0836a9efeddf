import { type ReportlineEvent, topics, toWire } from '@reportline/contracts';
import { expect, it } from 'vitest';
import { type BatchMessage, type DeadLetter, PoisonMessageError } from '../../src/bus/bus.ts';
import type { BusHarness } from './harness.ts';
import { aborted, importRequested, interleave, uniqueCustomerId, uniqueGroup, waitFor } from './helpers.ts';

const imports = topics.imports;
const ids = (batch: readonly BatchMessage[]) => batch.map((m) => m.event.id);
const sameKey = (n: number) => {
  const customerId = uniqueCustomerId();
  return Array.from({ length: n }, () => importRequested(customerId));
};

/** Batch mode (`handleBatch`): the same guarantees as per-message mode, a partition's run of messages at a time. */
export function batchConformance(harness: () => BusHarness): void {
  it('batch mode: hands over consecutive messages of one partition in offset order, at most maxBatchSize', async () => {
    const { bus } = harness();
    const keys = [sameKey(12), sameKey(12), sameKey(12)];
    const batches: BatchMessage[][] = [];
    await bus.subscribe({
      group: uniqueGroup('batch-order'),
      topics: [imports],
      maxBatchSize: 5,
      handleBatch: async (batch) => void batches.push(batch),
    });
    await bus.publish(interleave(keys));
    await waitFor(() => batches.flat().length >= 36, '36 events delivered');
    for (const batch of batches) {
      expect(batch.length).toBeGreaterThan(0);
      expect(batch.length).toBeLessThanOrEqual(5);
      expect(new Set(batch.map((m) => `${m.context.topic}:${m.context.partition}`)).size).toBe(1);
      const offsets = batch.map((m) => Number(m.context.offset));
      expect(offsets).toEqual(offsets.map((_, i) => offsets[0]! + i));
    }
    const delivered = batches.flat().map((m) => m.event);
    for (const key of keys) {
      expect(delivered.filter((e) => e.customerId === key[0]!.customerId).map((e) => e.id)).toEqual(ids2(key));
    }
    expect(delivered).toHaveLength(36);
  });

  it('batch mode: retries a failed batch from its first message and commits only what resolved', async () => {
    const { bus } = harness();
    const events = sameKey(6);
    const poisoned = events[3]!.id; // transient here: every batch holding it fails until the subscriber stops
    const group = uniqueGroup('batch-retry');
    const attempts: string[][] = [];
    const succeeded: string[] = [];
    const first = await bus.subscribe({
      group,
      topics: [imports],
      maxBatchSize: 3,
      failure: { maxAttempts: 1_000 },
      handleBatch: async (batch) => {
        attempts.push(ids(batch));
        if (ids(batch).includes(poisoned)) throw new Error('transient: downstream unavailable');
        succeeded.push(...ids(batch));
      },
    });
    await bus.publish(events);
    await waitFor(() => attempts.filter((a) => a.includes(poisoned)).length >= 2, 'the failing batch retried');
    await first.stop();
    const failed = attempts.filter((a) => a.includes(poisoned));
    expect(new Set(failed.map((a) => a[0]))).toEqual(new Set([failed[0]![0]])); // same start every time
    expect(succeeded.includes(events[5]!.id)).toBe(false); // nothing after the failing message ran
    const second: string[] = [];
    await bus.subscribe({ group, topics: [imports], handleBatch: async (batch) => void second.push(...ids(batch)) });
    await waitFor(() => second.includes(events[5]!.id), 'the rest delivered to the next member');
    expect(second).toEqual(ids2(events).filter((id) => !succeeded.includes(id)));
    expect(second[0]).toBe(failed[0]![0]);
  });

  it('batch mode: dead-letters undecodable and poison messages alone, in place, and handles the rest in order', async () => {
    const h = harness();
    const [v1, v2, poison, v3] = sameKey(4) as [ReportlineEvent, ReportlineEvent, ReportlineEvent, ReportlineEvent];
    const key = v1.customerId;
    await h.bus.publish([v1]);
    await h.publishRaw(imports, { key, headers: toWire(v1).headers, value: 'not json' });
    await h.bus.publish([v2, poison, v3]);
    const handled: string[] = [];
    const hooked: string[] = [];
    await h.bus.subscribe({
      group: uniqueGroup('batch-dlq'),
      topics: [imports],
      failure: { undecodable: async (m, reason) => void hooked.push(`${m.headers.ce_id} ${reason}`) },
      handleBatch: async (batch) => {
        if (ids(batch).includes(poison.id)) throw new PoisonMessageError(`cannot import ${poison.id}`);
        handled.push(...ids(batch));
      },
    });
    await waitFor(() => handled.includes(v3.id), 'the last valid event handled');
    expect(handled).toEqual([v1.id, v2.id, v3.id]);
    let letters: DeadLetter[] = [];
    await waitFor(async () => {
      letters = await h.deadLetters(imports);
      return letters.length >= 2;
    }, 'two dead letters');
    expect(letters.map((l) => l.reason)).toEqual([
      'message value is not JSON',
      expect.stringContaining(`cannot import ${poison.id}`),
    ]);
    expect(hooked).toEqual([`${v1.id} message value is not JSON`]); // not the poison message: that one decoded
    const offsets = letters.map((l) => Number(l.offset));
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
  });

  it('batch mode: gives up on the failing message alone after maxAttempts and handles the rest in order', async () => {
    const h = harness();
    const events = sameKey(5);
    const bad = events[2]!.id;
    const handled: string[] = [];
    const gaveUp: string[] = [];
    await h.bus.subscribe({
      group: uniqueGroup('batch-give-up'),
      topics: [imports],
      failure: { maxAttempts: 2, giveUp: async (event) => void gaveUp.push(event.id) },
      handleBatch: async (batch) => {
        if (ids(batch).includes(bad)) throw new Error('cannot decide on this one');
        handled.push(...ids(batch));
      },
    });
    await h.bus.publish(events);
    await waitFor(() => handled.includes(events[4]!.id), 'the last event handled');
    expect(handled).toEqual(ids2(events).filter((id) => id !== bad));
    expect(gaveUp).toEqual([bad]);
    let letters: DeadLetter[] = [];
    await waitFor(async () => {
      letters = await h.deadLetters(imports);
      return letters.length >= 1;
    }, 'one dead letter');
    expect(letters[0]!.reason).toContain('cannot decide on this one');
  });

  it('batch mode: stop aborts the in-flight batch, waits for it, and commits it', async () => {
    const { bus } = harness();
    const [slow, later] = sameKey(2) as [ReportlineEvent, ReportlineEvent];
    const group = uniqueGroup('batch-graceful');
    const log: string[] = [];
    const sub = await bus.subscribe({
      group,
      topics: [imports],
      handleBatch: async (batch) => {
        log.push(`start ${ids(batch).join(',')}`);
        await aborted(batch[0]!.context.signal);
        log.push('finish');
      },
    });
    await bus.publish([slow]);
    await waitFor(() => log.length > 0, 'the batch handler started');
    await sub.stop();
    expect(log).toEqual([`start ${slow.id}`, 'finish']);
    const second: string[] = [];
    await bus.subscribe({ group, topics: [imports], handleBatch: async (batch) => void second.push(...ids(batch)) });
    await bus.publish([later]);
    await waitFor(() => second.includes(later.id), 'the next event delivered');
    expect(second).toEqual([later.id]);
  });
}

const ids2 = (events: readonly ReportlineEvent[]) => events.map((e) => e.id);
