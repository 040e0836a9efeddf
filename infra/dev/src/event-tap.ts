import { allTopics, type ReportlineEvent } from '@reportline/contracts';
import { type Bus, type BusLogger, createKafkaBus } from '@reportline/platform';
import kafkajs from 'kafkajs';
import { until } from './wait.ts';

const quiet: BusLogger = { debug() {}, info() {}, warn() {}, error: (obj, msg) => console.error('[tap]', msg, obj) };

export interface EventTap {
  /** Publishes as a neighbouring service would: the test plays the services it does not start. */
  publish(events: readonly ReportlineEvent[]): Promise<void>;
  /** Everything seen so far on every topic, in arrival order. */
  readonly events: readonly ReportlineEvent[];
  /** Waits until an event of `type` for `importId` was seen, and returns it. */
  next<T extends ReportlineEvent['type']>(
    type: T,
    importId: string,
    timeoutMs?: number,
  ): Promise<Extract<ReportlineEvent, { type: T }>>;
  close(): Promise<void>;
}

/** A test's window on the run's topics under `prefix`: it reads every topic from the start in a group of its own. */
export async function eventTap(brokers: string[], prefix: string): Promise<EventTap> {
  const bus: Bus = createKafkaBus({ brokers, clientId: 'event-tap', topicPrefix: prefix, logger: quiet });
  const events: ReportlineEvent[] = [];
  await bus.subscribe({
    group: `event-tap-${crypto.randomUUID()}`,
    topics: allTopics,
    handle: async (e) => void events.push(e),
  });
  return {
    publish: (e) => bus.publish(e),
    events,
    next: (type, importId, timeoutMs = 30_000) =>
      until(
        `${type} of import ${importId}`,
        () => events.find((e) => e.type === type && e.importId === importId) as never,
        timeoutMs,
      ),
    close: () => bus.close(),
  };
}

const partitioner = kafkajs.Partitioners.DefaultPartitioner();

/** A fresh import id whose messages land on the same partition as `importId`'s, on a topic keyed by import id. */
export function importIdOnSamePartition(importId: string, partitions: number): string {
  const partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({
    partitionErrorCode: 0,
    partitionId,
    leader: 0,
    replicas: [0],
    isr: [0],
  }));
  const of = (key: string) => partitioner({ topic: 't', partitionMetadata, message: { key, value: null } });
  const wanted = of(importId);
  for (;;) {
    const id = crypto.randomUUID();
    if (of(id) === wanted) return id;
  }
}
