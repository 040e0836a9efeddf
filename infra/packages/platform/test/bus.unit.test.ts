import { topics } from '@reportline/contracts';
import { describe, expect, it } from 'vitest';
import type { Subscription } from '../src/bus/bus.ts';
import { createInMemoryBus } from '../src/bus/in-memory-bus.ts';
import { importRequested, uniqueCustomerId, waitFor } from './conformance/helpers.ts';
import { busConformance } from './conformance/suite.ts';

busConformance('in-memory', async () => {
  const bus = createInMemoryBus();
  const buses = [bus];
  return {
    bus,
    deadLetters: async (topic) => bus.deadLetters.filter((l) => l.topic === topic.name),
    publishRaw: async (topic, message) => bus.publishRaw(topic, message),
    busFor(service) {
      const serviceBus = createInMemoryBus({ service });
      buses.push(serviceBus);
      return serviceBus;
    },
    cleanup: async () => void (await Promise.all(buses.map((b) => b.close()))),
  };
});

describe('in-memory bus extras', () => {
  it('drain() resolves once every subscriber has handled everything published', async () => {
    const bus = createInMemoryBus({ partitions: 2 });
    const handled: string[] = [];
    await bus.subscribe({
      group: 'drain',
      topics: [topics.imports],
      handle: async (event) => void handled.push(event.id),
    });
    const events = Array.from({ length: 20 }, () => importRequested(uniqueCustomerId()));
    await bus.publish(events);
    await bus.drain();
    expect(handled.sort()).toEqual(events.map((e) => e.id).sort());
    expect(bus.published).toEqual(events);
    await bus.close();
  });

  it('refuses to publish an event that does not match its schema', async () => {
    const bus = createInMemoryBus();
    const bad = { ...importRequested('123'), customerId: 'not-digits' };
    await expect(bus.publish([bad])).rejects.toThrow(/cannot publish ImportRequested v1 .*customerId/);
    expect(bus.published).toEqual([]);
    await bus.close();
  });

  it('rejects use after close', async () => {
    const bus = createInMemoryBus();
    await bus.close();
    await expect(bus.publish([importRequested('123')])).rejects.toThrow('closed');
  });

  it('leaves no timer running after close, even with a handler stuck in retries', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const bus = createInMemoryBus({ backoff: { initialMs: 5, maxMs: 5 } });
    let attempts = 0;
    await bus.subscribe({
      group: 'stuck',
      topics: [topics.imports],
      handle: async () => {
        attempts++;
        throw new Error('always failing');
      },
    });
    await bus.publish([importRequested('123')]);
    await waitFor(() => attempts >= 3, 'three failed attempts');
    await bus.close();
    expect(timers()).toBeLessThanOrEqual(before);
  });
});

describe('Subscription', () => {
  it('is exactly one of handle and handleBatch by its type, so no bus checks it at run time', () => {
    // Each @ts-expect-error below fails `npm run check` (tsc) if the line it marks compiles.
    const base = { group: 'shape', topics: [topics.imports] };
    // @ts-expect-error neither handler
    const neither: Subscription = base;
    // @ts-expect-error both handlers
    const both: Subscription = { ...base, handle: async () => {}, handleBatch: async () => {} };
    // @ts-expect-error maxBatchSize goes with handleBatch only
    const sized: Subscription = { ...base, handle: async () => {}, maxBatchSize: 5 };
    const batch: Subscription = { ...base, handleBatch: async () => {}, maxBatchSize: 5 };
    expect([neither, both, sized, batch]).toHaveLength(4);
  });
});
