import { topics } from '@reportline/contracts';
import { afterAll, describe, expect, it } from 'vitest';
import { createTopics, testContext, uniquePrefix } from '../../../dev/src/test-environment.ts';
import { createKafkaBus } from '../src/bus/kafka-bus.ts';
import { kafkaConsumerLag } from '../src/bus/kafka-lag.ts';
import { importRequested, uniqueCustomerId, uniqueGroup, waitFor } from './conformance/helpers.ts';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const closing: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const close of closing.reverse()) await close();
});

describe('kafkaConsumerLag', () => {
  it("reads a group's lag per topic from the broker: everything before it consumed, nothing once committed", async () => {
    const { kafkaBrokers: brokers } = testContext();
    const prefix = uniquePrefix();
    await createTopics(prefix);
    const bus = createKafkaBus({ brokers, clientId: 'lag-int-test', topicPrefix: prefix, logger: quiet });
    closing.push(() => bus.close());
    const lag = kafkaConsumerLag({ brokers, clientId: 'lag-int-test', topicPrefix: prefix });
    closing.push(() => lag.close());
    const customerId = uniqueCustomerId();
    await bus.publish([importRequested(customerId), importRequested(customerId), importRequested(customerId)]);

    const group = uniqueGroup('lag');
    // No offset committed yet: all three are still to read.
    expect(await lag.lag(group, [topics.imports.name])).toEqual(new Map([[topics.imports.name, 3]]));

    let handled = 0;
    await bus.subscribe({ group, topics: [topics.imports], handle: async () => void handled++ });
    await waitFor(async () => (await lag.lag(group, [topics.imports.name])).get(topics.imports.name) === 0, 'lag 0');
    expect(handled).toBe(3);
  });
});
