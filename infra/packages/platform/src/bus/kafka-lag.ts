import { type Admin, Kafka, logLevel } from 'kafkajs';

/** What a consumer group has left to read, per topic. */
export interface ConsumerLagReader {
  /** Per topic (as the manifest names it, without the prefix): the sum over partitions of high watermark − committed. */
  lag(group: string, topics: readonly string[]): Promise<Map<string, number>>;
  close(): Promise<void>;
}

/**
 * Consumer lag from the broker's offsets, read when Prometheus scrapes: a separate admin client, so the bus (its
 * consumers and producer) is not touched, and the lag is right even while a consumer is stuck waiting for a dependency
 * (the case it should reveal). Group and topic names get the deployment's prefix, as the bus gives them.
 */
export function kafkaConsumerLag(opts: {
  brokers: string[];
  clientId: string;
  topicPrefix?: string;
}): ConsumerLagReader {
  const prefix = opts.topicPrefix ?? '';
  // Few retries: a scrape must answer in seconds; the next scrape tries again.
  const kafka = new Kafka({
    clientId: `${opts.clientId}-metrics`,
    brokers: opts.brokers,
    logLevel: logLevel.NOTHING,
    retry: { retries: 1, initialRetryTime: 200, maxRetryTime: 1_000 },
  });
  let admin: Promise<Admin> | undefined;
  const connected = () => {
    admin ??= (async () => {
      const a = kafka.admin();
      await a.connect();
      return a;
    })().catch((err) => {
      admin = undefined; // the next scrape connects again
      throw err;
    });
    return admin;
  };
  return {
    async lag(group, topics) {
      const a = await connected();
      const committed = await a.fetchOffsets({ groupId: prefix + group, topics: topics.map((t) => prefix + t) });
      const out = new Map<string, number>();
      for (const t of committed) {
        const ends = await a.fetchTopicOffsets(t.topic);
        let lag = 0;
        for (const p of t.partitions) {
          const end = ends.find((e) => e.partition === p.partition);
          if (!end) continue;
          // No committed offset yet (-1): everything from the low watermark is still to read.
          const from = Number(p.offset) >= 0 ? Number(p.offset) : Number(end.low);
          lag += Math.max(0, Number(end.high) - from);
        }
        out.set(t.topic.slice(prefix.length), lag);
      }
      return out;
    },
    async close() {
      const a = await admin?.catch(() => undefined);
      admin = undefined;
      await a?.disconnect();
    },
  };
}
