import { randomUUID } from 'node:crypto';
import type { ServiceName, TopicManifest } from '@reportline/contracts';
import kafkajs, { type Consumer, type Producer } from 'kafkajs';
import { createTopics, testContext, uniquePrefix } from '../../../../dev/src/test-environment.ts';
import type { Bus, BusLogger, DeadLetter } from '../../src/bus/bus.ts';
import { createKafkaBus } from '../../src/bus/kafka-bus.ts';
import { readDeadLetter } from '../../src/bus/kafka-messages.ts';
import type { BusHarness } from './harness.ts';

const { Kafka, logLevel } = kafkajs;

/** Expected warnings (retries, dead letters) stay quiet; errors are printed because they mean something broke. */
const testLogger: BusLogger = {
  debug() {},
  info() {},
  warn() {},
  error: (obj, msg) => console.error('[bus error]', msg, obj),
};

/** A Kafka bus on its own freshly created topics; cleanup closes it and deletes the topics. */
export async function makeKafkaHarness(): Promise<BusHarness> {
  const { kafkaBrokers: brokers } = testContext();
  const prefix = uniquePrefix();
  const specs = await createTopics(prefix);
  // Test plumbing: its failures surface as rejected calls, and kafkajs' per-attempt error lines would only be noise.
  const kafka = new Kafka({ clientId: 'bus-int-test', brokers, logLevel: logLevel.NOTHING });
  const buses: Bus[] = [];
  const busFor = (service?: ServiceName) => {
    const bus = createKafkaBus({
      brokers,
      clientId: 'bus-int-test',
      topicPrefix: prefix,
      logger: testLogger,
      sessionTimeoutMs: 6_000,
      heartbeatIntervalMs: 300,
      failure: { backoff: { initialMs: 50, maxMs: 400 }, unavailableBackoff: { initialMs: 50, maxMs: 400 } },
      service,
    });
    buses.push(bus);
    return bus;
  };
  const bus = busFor();
  let producer: Producer | undefined;
  const readers = new Map<string, { consumer: Consumer; letters: DeadLetter[] }>();

  /** Reads a dead-letter topic from the start with a throwaway group; started on first use, then kept current. */
  async function reader(topic: string) {
    let r = readers.get(topic);
    if (!r) {
      const consumer = kafka.consumer({ groupId: `dlq-reader-${randomUUID()}`, maxWaitTimeInMs: 200 });
      r = { consumer, letters: [] };
      readers.set(topic, r);
      const letters = r.letters;
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void letters.push(readDeadLetter(message)) });
    }
    return r.letters;
  }

  return {
    bus,
    deadLetters: async (topic: TopicManifest) => [...(await reader(prefix + topic.deadLetterTopic))],
    async publishRaw(topic, message) {
      if (!producer) {
        producer = kafka.producer({ allowAutoTopicCreation: false });
        await producer.connect();
      }
      await producer.send({ topic: prefix + topic.name, acks: -1, messages: [message] });
    },
    busFor,
    async cleanup() {
      await Promise.all(buses.map((b) => b.close()));
      await Promise.all([...readers.values()].map((r) => r.consumer.disconnect()));
      await producer?.disconnect();
      const admin = kafka.admin();
      await admin.connect();
      try {
        // Best effort: under load KRaft can answer a concurrent deletion with a retriable error until kafkajs gives
        // up. Topics left behind live under the run's prefix, which the run's teardown deletes (or the run's broker).
        await admin.deleteTopics({ topics: specs.map((s) => s.topic) }).catch(() => {});
      } finally {
        await admin.disconnect();
      }
    },
  };
}
