import { allTopics } from '@reportline/contracts';
import { type Admin, Kafka, logLevel } from 'kafkajs';

export interface TopicSpec {
  topic: string;
  numPartitions: number;
}

/** Every topic of the flow and its dead-letter topic, with `prefix` in front of each name. */
export function topicSpecs(prefix = ''): TopicSpec[] {
  return allTopics.flatMap((m) => [
    { topic: `${prefix}${m.name}`, numPartitions: m.partitions },
    // dead letters are rare and read by people, not throughput: one partition keeps them in arrival order
    { topic: `${prefix}${m.deadLetterTopic}`, numPartitions: 1 },
  ]);
}

/**
 * Creates the manifests' topics (and dead-letter topics) under `prefix`. Topics that already exist are left as they
 * are, so this is safe to run on every start. Resolves once every new topic has a leader.
 */
export async function createTopics(brokers: string[], prefix = ''): Promise<TopicSpec[]> {
  const specs = topicSpecs(prefix);
  const admin = new Kafka({ clientId: 'reportline-topics', brokers, logLevel: logLevel.ERROR }).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = specs.filter((s) => !existing.has(s.topic));
    if (missing.length > 0) {
      await admin.createTopics({ topics: missing.map((s) => ({ ...s, replicationFactor: 1 })), waitForLeaders: false });
      await waitForLeaders(admin, missing);
    }
  } finally {
    await admin.disconnect();
  }
  return specs;
}

/**
 * Waits until every partition of `specs` has a leader. kafkajs' own `waitForLeaders` retries only "leader not
 * available"; a KRaft broker under load can also answer "does not host this topic-partition" for a moment after the
 * create, which failed test set-ups. Any error here is such a moment until the deadline.
 */
async function waitForLeaders(admin: Admin, specs: readonly TopicSpec[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let wait = 50; ; wait = Math.min(wait * 2, 1_000)) {
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: specs.map((s) => s.topic) });
      const ready = specs.every((spec) => {
        const t = topics.find((x) => x.name === spec.topic);
        return t?.partitions.length === spec.numPartitions && t.partitions.every((p) => p.leader >= 0);
      });
      if (ready) return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    if (Date.now() > deadline)
      throw new Error(`topics have no leaders after ${timeoutMs} ms: ${specs.map((s) => s.topic).join(', ')}`);
    await new Promise((r) => setTimeout(r, wait));
  }
}

/** Deletes every topic whose name starts with `prefix` (a test run's own topics). */
export async function deleteTopicsWithPrefix(brokers: string[], prefix: string): Promise<number> {
  if (!prefix) throw new Error('refusing to delete topics without a prefix');
  const admin = new Kafka({ clientId: 'reportline-topics', brokers, logLevel: logLevel.ERROR }).admin();
  await admin.connect();
  try {
    const doomed = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (doomed.length > 0) await admin.deleteTopics({ topics: doomed });
    return doomed.length;
  } finally {
    await admin.disconnect();
  }
}
