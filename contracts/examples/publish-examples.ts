// Produces every example event (src/examples.ts) to its topic, as Reportline's services would, plus one message of a
// version no build knows yet, so the example consumer has something to read on a fresh `npm run infra`:
//
//   export KAFKA_BROKERS=…            # the line `npm run infra` prints
//   node contracts/examples/publish-examples.ts
import { examples, topicOf, toWire } from '@reportline/contracts';
import kafkajs from 'kafkajs';

const brokers = (process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
if (brokers.length === 0) {
  console.error('set KAFKA_BROKERS (host:port,…), e.g. from the line `npm run infra` prints');
  process.exit(2);
}
const kafka = new kafkajs.Kafka({ clientId: 'contracts-example-publisher', brokers, logLevel: kafkajs.logLevel.WARN });
// The services use kafkajs's default (murmur2, Java-compatible) partitioner; saying so also silences its v2 warning.
const producer = kafka.producer({ createPartitioner: kafkajs.Partitioners.DefaultPartitioner });
await producer.connect();
for (const event of examples) {
  const manifest = topicOf(event.type, event.version);
  // The key is the manifest's key field of the envelope: it keeps a customer's (or an import's) events in order.
  await producer.send({ topic: manifest.name, messages: [{ key: event[manifest.key], ...toWire(event) }] });
}
const future = examples[0]!;
const wire = toWire(future);
await producer.send({
  topic: topicOf(future.type, future.version).name,
  messages: [
    {
      key: future.customerId,
      headers: { ...wire.headers, ce_type: 'dev.reportline.ImportRequested.v9' },
      value: wire.value,
    },
  ],
});
await producer.disconnect();
console.log(`published ${examples.length} examples and one unknown version`);
