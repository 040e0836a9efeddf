import { topics, toWire } from '@reportline/contracts';
import { expect, it } from 'vitest';
import { type DeadLetter, PoisonMessageError } from '../../src/bus/bus.ts';
import { DependencyUnavailableError, type GaveUp } from '../../src/bus/failure-policy.ts';
import type { BusHarness } from './harness.ts';
import { aborted, importRequested, uniqueCustomerId, uniqueGroup, waitFor } from './helpers.ts';

const imports = topics.imports;

/** Three events on one key: they share a partition, so their order is the delivery order. */
const sameKey = () => {
  const customerId = uniqueCustomerId();
  return [importRequested(customerId), importRequested(customerId), importRequested(customerId)] as const;
};

/** Waits until at least `count` messages of the imports topic were dead-lettered, and returns them all. */
async function deadLettersOf(h: BusHarness, count: number): Promise<DeadLetter[]> {
  let letters: DeadLetter[] = [];
  await waitFor(async () => {
    letters = await h.deadLetters(imports);
    return letters.length >= count;
  }, `${count} dead letter(s) on ${imports.deadLetterTopic}`);
  return letters;
}

/** Failure, poison, undecodable messages and commits: the cases where a bus can lose or skip a message. */
export function offsetConformance(harness: () => BusHarness): void {
  it('retries a failing handler without skipping: later messages of the key wait', async () => {
    const { bus } = harness();
    const [e1, e2, e3] = sameKey();
    const attempts: string[] = [];
    let failuresLeft = 3;
    await bus.subscribe({
      group: uniqueGroup('retry'),
      topics: [imports],
      handle: async (event) => {
        attempts.push(event.id);
        if (event.id === e1.id && failuresLeft-- > 0) throw new Error('transient: downstream unavailable');
      },
    });
    await bus.publish([e1, e2, e3]);
    await waitFor(() => attempts.includes(e3.id), 'the last event handled');
    expect(attempts).toEqual([e1.id, e1.id, e1.id, e1.id, e2.id, e3.id]);
  });

  it('dead-letters a PoisonMessageError with its reason and moves on', async () => {
    const { bus } = harness();
    const [poison, next] = sameKey();
    const group = uniqueGroup('poison');
    const seen: string[] = [];
    await bus.subscribe({
      group,
      topics: [imports],
      handle: async (event) => {
        seen.push(event.id);
        if (event.id === poison.id) throw new PoisonMessageError(`cannot import ${event.id}: connection is gone`);
      },
    });
    await bus.publish([poison, next]);
    await waitFor(() => seen.includes(next.id), 'the message after the poison one handled');
    expect(seen).toEqual([poison.id, next.id]);
    const letters = await deadLettersOf(harness(), 1);
    expect(letters).toHaveLength(1);
    const [letter] = letters;
    expect(letter!.reason).toBe(`message-rejected: cannot import ${poison.id}: connection is gone`);
    expect(letter!.group).toBe(group);
    expect(letter!.topic.endsWith(imports.name)).toBe(true);
    expect(letter!.offset).toMatch(/^\d+$/);
    expect(letter!.key).toBe(poison.customerId);
    expect(letter!.headers).toEqual(toWire(poison).headers);
    expect(letter!.value).toBe(toWire(poison).value);
  });

  it('gives up after maxAttempts: runs giveUp once, dead-letters the message with the reason, moves on', async () => {
    const h = harness();
    const [bad, next] = sameKey();
    const seen: string[] = [];
    const gaveUp: { id: string; why: GaveUp }[] = [];
    await h.bus.subscribe({
      group: uniqueGroup('give-up'),
      topics: [imports],
      failure: {
        maxAttempts: 3,
        giveUp: async (event, why) => void gaveUp.push({ id: event.id, why }),
      },
      handle: async (event) => {
        seen.push(event.id);
        if (event.id === bad.id) throw new Error('the target sheet name is reserved');
      },
    });
    await h.bus.publish([bad, next]);
    await waitFor(() => seen.includes(next.id), 'the message after the failing one handled');
    expect(seen).toEqual([bad.id, bad.id, bad.id, next.id]);
    expect(gaveUp.map((g) => [g.id, g.why.attempts, g.why.failureClass])).toEqual([[bad.id, 3, 'transient']]);
    const [letter] = await deadLettersOf(h, 1);
    expect(letter!.reason).toContain('the target sheet name is reserved');
    expect(letter!.reason).toContain('3 times');
  });

  it('waits out an unavailable dependency without counting attempts or giving up', async () => {
    const h = harness();
    const [e1, e2] = sameKey();
    let outageLeft = 6;
    const seen: string[] = [];
    const unavailable: (string | null)[] = [];
    await h.bus.subscribe({
      group: uniqueGroup('unavailable'),
      topics: [imports],
      failure: {
        maxAttempts: 2,
        giveUp: async () => {
          throw new Error('must not give up on an unavailable dependency');
        },
        onUnavailable: (_key, err) => unavailable.push(err === null ? null : (err as Error).message),
      },
      handle: async (event) => {
        seen.push(event.id);
        if (event.id === e1.id && outageLeft-- > 0)
          throw new DependencyUnavailableError('postgres', 'postgres is down');
      },
    });
    await h.bus.publish([e1, e2]);
    await waitFor(() => seen.includes(e2.id), 'both handled once the dependency is back');
    expect(seen.filter((id) => id === e1.id)).toHaveLength(7);
    expect(unavailable.at(-1)).toBeNull();
    expect(unavailable.filter((u) => u !== null)).toHaveLength(6);
    expect(await h.deadLetters(imports)).toEqual([]);
  });

  it("dead-letters undecodable messages without calling the handler, after the policy's undecodable hook", async () => {
    const { bus, publishRaw } = harness();
    const [template, valid] = sameKey();
    const key = valid.customerId;
    await publishRaw(imports, {
      key,
      headers: { ce_specversion: '1.0', ce_type: 'dev.reportline.Nope.v1' },
      value: '{}',
    });
    await publishRaw(imports, { key, headers: toWire(template).headers, value: 'not json' });
    await bus.publish([valid]);
    const seen: string[] = [];
    const hooked: (string | undefined)[][] = [];
    await bus.subscribe({
      group: uniqueGroup('undecodable'),
      topics: [imports],
      // The hook sees the message as it came: headers, value and why it did not decode.
      failure: { undecodable: async (m, reason) => void hooked.push([m.headers.ce_type, m.value, reason]) },
      handle: async (event) => {
        seen.push(event.id);
      },
    });
    await waitFor(() => seen.includes(valid.id), 'the valid message after two bad ones handled');
    expect(seen).toEqual([valid.id]);
    const letters = await deadLettersOf(harness(), 2);
    expect(letters.map((l) => l.reason)).toEqual(['unknown event Nope v1', 'message value is not JSON']);
    expect(letters.map((l) => l.value)).toEqual(['{}', 'not json']);
    expect(hooked).toEqual([
      ['dev.reportline.Nope.v1', '{}', 'unknown event Nope v1'],
      [toWire(template).headers.ce_type, 'not json', 'message value is not JSON'],
    ]);
  });

  it('redelivers a message whose handler was interrupted by stop, but not finished ones', async () => {
    const { bus } = harness();
    const [e1, e2, e3] = sameKey();
    const group = uniqueGroup('interrupted');
    const first: string[] = [];
    const sub = await bus.subscribe({
      group,
      topics: [imports],
      handle: async (event, { signal }) => {
        first.push(event.id);
        if (event.id !== e2.id) return;
        await aborted(signal);
        throw new Error('interrupted by shutdown');
      },
    });
    await bus.publish([e1, e2, e3]);
    await waitFor(() => first.includes(e2.id), 'the second event in flight');
    await sub.stop();
    expect(first).toEqual([e1.id, e2.id]);
    const second: string[] = [];
    await bus.subscribe({ group, topics: [imports], handle: async (event) => void second.push(event.id) });
    await waitFor(() => second.includes(e3.id), 'the rest delivered to the next member');
    expect(second).toEqual([e2.id, e3.id]);
  });

  it('redelivers a message whose handler kept failing when the subscriber stopped', async () => {
    const { bus } = harness();
    const [e1, e2, e3] = sameKey();
    const group = uniqueGroup('failing');
    const first: string[] = [];
    const sub = await bus.subscribe({
      group,
      topics: [imports],
      failure: { maxAttempts: 1_000 },
      handle: async (event) => {
        first.push(event.id);
        if (event.id === e2.id) throw new Error('transient: still failing');
      },
    });
    await bus.publish([e1, e2, e3]);
    await waitFor(() => first.filter((id) => id === e2.id).length >= 2, 'the second event retried');
    await sub.stop();
    expect(first.includes(e3.id)).toBe(false);
    const second: string[] = [];
    await bus.subscribe({ group, topics: [imports], handle: async (event) => void second.push(event.id) });
    await waitFor(() => second.includes(e3.id), 'the rest delivered to the next member');
    expect(second).toEqual([e2.id, e3.id]);
  });

  it('stop waits for the in-flight handler and commits its offset', async () => {
    const { bus } = harness();
    const [slow, later] = sameKey();
    const group = uniqueGroup('graceful');
    const gate = Promise.withResolvers<void>();
    const log: string[] = [];
    let stopSignalled = false;
    const sub = await bus.subscribe({
      group,
      topics: [imports],
      handle: async (event, { signal }) => {
        log.push(`start ${event.id}`);
        signal.addEventListener('abort', () => {
          stopSignalled = true;
        });
        await gate.promise;
        log.push(`finish ${event.id}`);
      },
    });
    await bus.publish([slow]);
    await waitFor(() => log.length > 0, 'the handler started');
    const stopping = sub.stop().then(() => log.push('stopped'));
    await waitFor(() => stopSignalled, 'the handler told about the stop');
    expect(log).toEqual([`start ${slow.id}`]);
    gate.resolve();
    await stopping;
    expect(log).toEqual([`start ${slow.id}`, `finish ${slow.id}`, 'stopped']);
    const second: string[] = [];
    await bus.subscribe({ group, topics: [imports], handle: async (event) => void second.push(event.id) });
    await bus.publish([later]);
    await waitFor(() => second.includes(later.id), 'the next event delivered');
    expect(second).toEqual([later.id]);
  });
}
