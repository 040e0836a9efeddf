import { topics } from '@reportline/contracts';
import { describe, expect, it } from 'vitest';
import { createKafkaBus } from '../src/bus/kafka-bus.ts';
import { importRequested } from './conformance/helpers.ts';
import { makeKafkaHarness } from './conformance/kafka-harness.ts';
import { busConformance } from './conformance/suite.ts';

busConformance('kafka', makeKafkaHarness);

describe('Kafka bus with no broker reachable', () => {
  it('rejects publish and subscribe with the connection error instead of crashing later', async () => {
    const bus = createKafkaBus({
      brokers: ['127.0.0.1:1'],
      clientId: 'bus-int-unreachable',
      logger: { debug() {}, info() {}, warn() {}, error() {} },
      brokerRetry: { retries: 1, initialRetryTime: 20, maxRetryTime: 50 },
    });
    await expect(bus.publish([importRequested('123')])).rejects.toThrow(/ECONNREFUSED|Connection/);
    await expect(
      bus.subscribe({ group: 'unreachable', topics: [topics.imports], handle: async () => {} }),
    ).rejects.toThrow(/ECONNREFUSED|Connection/);
    await bus.close();
  });
});
