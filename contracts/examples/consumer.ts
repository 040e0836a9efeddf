// A consumer of Reportline's topics, as another team would write it: subscribe, decode the CloudEvents binary-mode
// message, validate it against its version's schema, and decide what to do with what it cannot read. Run it against
// `npm run infra` (see contracts/README.md):
//
//   export KAFKA_BROKERS=…            # the line `npm run infra` prints
//   node contracts/examples/consumer.ts
//
// TOPICS (comma-separated, default every Reportline topic) and GROUP_ID (default contracts-example-consumer) are
// optional. It prints one line per message and never writes to Kafka.
import { fileURLToPath } from 'node:url';
import {
  allTopics,
  findEventDefinition,
  fromWire,
  type ReportlineEvent,
  type TopicManifest,
} from '@reportline/contracts';
import kafkajs from 'kafkajs';

export type Decoded =
  | { kind: 'event'; event: ReportlineEvent }
  /** A Reportline event type or version this build of the contracts does not know: a newer version, most likely. */
  | { kind: 'unknown'; ceType: string }
  /** Claims to be a known version but does not match its schema, or its key is not the manifest's key field. */
  | { kind: 'invalid'; reason: string };

const CE_TYPE = /^dev\.reportline\.([A-Za-z]+)\.v(\d+)$/;

/** Decodes one message of a Reportline topic. Pure, so it can be tested without a broker. */
export function decode(
  manifest: TopicManifest,
  key: string | null,
  headers: Record<string, string>,
  value: string | undefined,
): Decoded {
  const ceType = headers.ce_type ?? '';
  const m = CE_TYPE.exec(ceType);
  // Tell "newer than me" apart from "broken": the first is normal during a rollout and needs an upgrade, not an alarm.
  if (!m || !findEventDefinition(m[1]!, Number(m[2]))) return { kind: 'unknown', ceType };
  const parsed = fromWire(headers, value);
  if (!parsed.ok) return { kind: 'invalid', reason: parsed.reason };
  // The key decides the partition and so the order a consumer sees; a message keyed otherwise was produced wrongly.
  const expected = parsed.event[manifest.key];
  if (key !== expected) return { kind: 'invalid', reason: `key ${key} is not the event's ${manifest.key} ${expected}` };
  return { kind: 'event', event: parsed.event };
}

/** Kafka headers are bytes and may repeat; CloudEvents attributes are single strings, so the last value wins. */
function headerStrings(headers: kafkajs.IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, v] of Object.entries(headers ?? {})) {
    const last = Array.isArray(v) ? v[v.length - 1] : v;
    if (last !== undefined) out[name] = last.toString();
  }
  return out;
}

async function main() {
  const brokers = (process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
  if (brokers.length === 0) {
    console.error('set KAFKA_BROKERS (host:port,…), e.g. from the line `npm run infra` prints');
    process.exit(2);
  }
  const wanted = process.env.TOPICS?.split(',').filter(Boolean) ?? allTopics.map((t) => t.name);
  const manifests = new Map(allTopics.map((t) => [t.name, t]));
  const kafka = new kafkajs.Kafka({ clientId: 'contracts-example-consumer', brokers, logLevel: kafkajs.logLevel.WARN });
  const consumer = kafka.consumer({ groupId: process.env.GROUP_ID ?? 'contracts-example-consumer' });
  // Delivery is at least once: a real consumer records handled ce_id values with its own effects, in one
  // transaction. This set only shows where that check goes.
  const handled = new Set<string>();

  await consumer.connect();
  await consumer.subscribe({ topics: wanted, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ topic, partition, message }) => {
      const where = `${topic}[${partition}]@${message.offset}`;
      const manifest = manifests.get(topic);
      if (!manifest) return console.log(`${where} not a topic of the manifests; skipped`);
      const d = decode(
        manifest,
        message.key?.toString() ?? null,
        headerStrings(message.headers),
        message.value?.toString(),
      );
      if (d.kind === 'unknown') {
        // Skip and count, never stop the partition: upgrade @reportline/contracts to read it.
        return console.log(
          `${where} unknown ${d.ceType || 'message without ce_type'}; skipped (upgrade the contracts)`,
        );
      }
      if (d.kind === 'invalid') {
        // Park it (your own dead-letter topic, or a log you alert on) and go on; retrying will not make it valid.
        return console.log(`${where} invalid: ${d.reason}; parked`);
      }
      if (handled.has(d.event.id)) return console.log(`${where} duplicate ${d.event.id}; skipped`);
      handled.add(d.event.id);
      console.log(
        `${where} ${d.event.type} v${d.event.version} import ${d.event.importId} customer ${d.event.customerId}`,
      );
    },
  });

  const stop = () => {
    void consumer.disconnect().finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
