import type { ServiceName } from '@reportline/contracts';
import type { Subscription } from './bus.ts';

/**
 * The checks both buses make before subscribing. With `service` (a service's own bus), every topic's manifest must
 * list it among its consumers: the manifests are the one record of who reads what, so a subscription they do not
 * show fails at start-up instead of leaving them quietly wrong. Buses of test code (event taps, harnesses) pass no
 * service and may read anything.
 */
export function validateSubscription(sub: Subscription, service?: ServiceName): void {
  if (!sub.group) throw new Error('subscribe: group must be a non-empty consumer group id');
  if (sub.topics.length === 0) throw new Error(`subscribe (${sub.group}): topics must not be empty`);
  const max = sub.maxBatchSize;
  if (max !== undefined && !(Number.isInteger(max) && max >= 1)) {
    throw new Error(`subscribe (${sub.group}): maxBatchSize must be a positive integer, got ${max}`);
  }
  if (service === undefined) return;
  for (const topic of sub.topics) {
    if (topic.consumers.includes(service)) continue;
    throw new Error(
      `subscribe (${sub.group}): ${service} is not a consumer of ${topic.name}; its manifest lists ` +
        `${topic.consumers.join(', ')} (contracts/src/topics.ts)`,
    );
  }
}
