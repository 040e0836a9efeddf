import {
  examples,
  findEventDefinition,
  type ReportlineEvent,
  type TopicManifest,
  topicOf,
  topics,
} from '@reportline/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Bus, MessageContext } from '../../src/bus/bus.ts';
import { batchConformance } from './batch.ts';
import type { BusHarness, MakeBus } from './harness.ts';
import { chunkDownloaded, importRequested, interleave, uniqueCustomerId, uniqueGroup, waitFor } from './helpers.ts';
import { offsetConformance } from './offsets.ts';

interface Delivery {
  event: ReportlineEvent;
  context: Omit<MessageContext, 'heartbeat' | 'signal'>;
}

/** Subscribes `group` to `topicList` and records every delivery in order. */
export async function record(bus: Bus, group: string, topicList: readonly TopicManifest[]) {
  const deliveries: Delivery[] = [];
  const subscriber = await bus.subscribe({
    group,
    topics: topicList,
    handle: async (event, { topic, partition, offset }) => {
      deliveries.push({ event, context: { topic, partition, offset } });
    },
  });
  const ids = () => deliveries.map((d) => d.event.id);
  return { deliveries, ids, subscriber };
}

/** Declares the suite every `Bus` implementation must pass. Each case gets its own harness (fresh topics). */
export function busConformance(name: string, makeBus: MakeBus): void {
  describe(`Bus conformance: ${name}`, () => {
    let h: BusHarness;
    beforeEach(async () => {
      h = await makeBus();
    });
    afterEach(async () => {
      await h.cleanup();
    });
    const harness = () => h;

    it('delivers every event type with its envelope intact', async () => {
      const events = examples.map((e) => findEventDefinition(e.type, e.version)!.schema.parse(e) as ReportlineEvent);
      const r = await record(h.bus, uniqueGroup('roundtrip'), Object.values(topics));
      await h.bus.publish(events);
      await waitFor(() => r.deliveries.length >= events.length, `${events.length} examples delivered`);
      expect(r.deliveries).toHaveLength(events.length);
      for (const event of events) {
        const delivery = r.deliveries.find((d) => d.event.id === event.id)!;
        expect(delivery.event).toEqual(event);
        expect(delivery.context.topic.endsWith(topicOf(event.type, event.version).name)).toBe(true);
        expect(delivery.context.offset).toMatch(/^\d+$/);
      }
    });

    it('tells a member its whole assignment before any handler runs for it', async () => {
      const calls: Record<string, number[]>[] = [];
      let handledBeforeAssigned = false;
      const seen: string[] = [];
      const subscriber = await h.bus.subscribe({
        group: uniqueGroup('assigned'),
        topics: [topics.imports],
        onAssigned: async (assignment) => {
          await new Promise((r) => setTimeout(r, 50)); // a slow claim must still come first
          calls.push(assignment);
        },
        handle: async (event) => {
          if (calls.length === 0) handledBeforeAssigned = true;
          seen.push(event.id);
        },
      });
      const event = importRequested(uniqueCustomerId());
      await h.bus.publish([event]);
      await waitFor(() => seen.includes(event.id), 'event handled');
      expect(handledBeforeAssigned).toBe(false);
      const [assignment] = Object.entries(calls.at(-1)!);
      expect(assignment?.[0].endsWith(topics.imports.name)).toBe(true);
      expect([...(assignment?.[1] ?? [])].sort((a, b) => a - b)).toEqual(
        Array.from({ length: topics.imports.partitions }, (_, i) => i),
      );
      await subscriber.stop();
    });

    it('keeps per-key order within a topic', async () => {
      const customers = [uniqueCustomerId(), uniqueCustomerId(), uniqueCustomerId()];
      const requested = interleave(customers.map((c) => Array.from({ length: 8 }, () => importRequested(c))));
      const imports = ['a', 'b', 'c'].map(() => crypto.randomUUID());
      const chunks = interleave(
        imports.map((i) => Array.from({ length: 8 }, (_, n) => chunkDownloaded(i, customers[0]!, n + 1))),
      );
      const r = await record(h.bus, uniqueGroup('order'), [topics.imports, topics.downloads]);
      const all = interleave([requested, chunks]);
      await h.bus.publish(all.slice(0, 20));
      await h.bus.publish(all.slice(20));
      await waitFor(() => r.deliveries.length >= all.length, `${all.length} events delivered`);
      const order = (events: ReportlineEvent[], keyOf: (e: ReportlineEvent) => string) => {
        const byKey = new Map<string, string[]>();
        for (const e of events) byKey.set(keyOf(e), [...(byKey.get(keyOf(e)) ?? []), e.id]);
        return byKey;
      };
      const delivered = r.deliveries.map((d) => d.event);
      const isImportsEvent = (e: ReportlineEvent) => e.type === 'ImportRequested';
      expect(order(delivered.filter(isImportsEvent), (e) => e.customerId)).toEqual(
        order(requested, (e) => e.customerId),
      );
      const isChunk = (e: ReportlineEvent) => e.type === 'ChunkDownloaded';
      expect(order(delivered.filter(isChunk), (e) => e.importId)).toEqual(order(chunks, (e) => e.importId));
      expect(r.deliveries).toHaveLength(all.length);
    });

    it("routes each event to its type's topic, partitioned by the manifest key", async () => {
      const customerId = uniqueCustomerId();
      const importIds = Array.from({ length: 12 }, () => crypto.randomUUID());
      const chunks = importIds.flatMap((i) => [chunkDownloaded(i, customerId, 1), chunkDownloaded(i, customerId, 2)]);
      const others = importIds.map((i) => importRequested(customerId, i));
      const r = await record(h.bus, uniqueGroup('routing'), [topics.downloads]);
      await h.bus.publish(interleave([others, chunks]));
      await waitFor(() => r.deliveries.length >= chunks.length, `${chunks.length} chunk events delivered`);
      expect(new Set(r.ids())).toEqual(new Set(chunks.map((e) => e.id)));
      const partitionsByImport = new Map<string, Set<number>>();
      for (const { event, context } of r.deliveries) {
        expect(context.topic.endsWith(topics.downloads.name)).toBe(true);
        partitionsByImport.set(
          event.importId,
          (partitionsByImport.get(event.importId) ?? new Set()).add(context.partition),
        );
      }
      // downloads is keyed by importId: each import sticks to one partition, and one customer's imports spread out.
      for (const parts of partitionsByImport.values()) expect(parts.size).toBe(1);
      expect(new Set(r.deliveries.map((d) => d.context.partition)).size).toBeGreaterThan(1);
    });

    it('gives every event to each consumer group', async () => {
      const events = Array.from({ length: 10 }, () => importRequested(uniqueCustomerId()));
      const a = await record(h.bus, uniqueGroup('fanout-a'), [topics.imports]);
      const b = await record(h.bus, uniqueGroup('fanout-b'), [topics.imports]);
      await h.bus.publish(events);
      await waitFor(() => a.deliveries.length >= 10 && b.deliveries.length >= 10, 'both groups got all 10 events');
      const expected = events.map((e) => e.id).sort();
      expect(a.ids().sort()).toEqual(expected);
      expect(b.ids().sort()).toEqual(expected);
    });

    it("refuses a service's subscription to a topic whose manifest does not list it as a consumer", async () => {
      const bus = h.busFor('processor');
      const handle = async () => {};
      await expect(
        bus.subscribe({ group: uniqueGroup('manifest'), topics: [topics.downloads, topics.leases], handle }),
      ).rejects.toThrow(
        `processor is not a consumer of ${topics.leases.name}; its manifest lists ${topics.leases.consumers.join(', ')}`,
      );
      // Topics that list it are accepted; a bus made without a service (as every other case's) checks nothing.
      const subscriber = await bus.subscribe({ group: uniqueGroup('manifest-ok'), topics: [topics.downloads], handle });
      await subscriber.stop();
    });

    it('splits the partitions of one group between its members without duplicates', async () => {
      const group = uniqueGroup('shared');
      const a = await record(h.bus, group, [topics.imports]);
      const b = await record(h.bus, group, [topics.imports]);
      const events = Array.from({ length: 30 }, () => importRequested(uniqueCustomerId()));
      await h.bus.publish(events);
      const handled = () => [...a.ids(), ...b.ids()];
      await waitFor(() => new Set(handled()).size >= events.length, 'all 30 events handled by the group');
      expect(handled().sort()).toEqual(events.map((e) => e.id).sort());
      expect(a.deliveries.length).toBeGreaterThan(0);
      expect(b.deliveries.length).toBeGreaterThan(0);
    });

    offsetConformance(harness);
    batchConformance(harness);
  });
}
