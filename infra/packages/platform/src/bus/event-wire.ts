import { fromWire, type ReportlineEvent, type TopicManifest, topicOf, toWire } from '@reportline/contracts';
import type { RawMessage } from './bus.ts';

export interface OutgoingMessage {
  topic: TopicManifest;
  message: RawMessage & { key: string };
}

/**
 * Maps an event to its topic, key and CloudEvents message. The message is decoded again before it leaves: an event
 * that consumers would reject is a producer bug, so it fails here, at the call site, instead of in a dead-letter topic.
 */
export function encodeEvent(event: ReportlineEvent): OutgoingMessage {
  const topic = topicOf(event.type, event.version);
  const wire = toWire(event);
  const check = fromWire(wire.headers, wire.value);
  if (!check.ok) throw new Error(`cannot publish ${event.type} v${event.version} (id ${event.id}): ${check.reason}`);
  return { topic, message: { key: event[topic.key], headers: wire.headers, value: wire.value } };
}

/** Fields that let a log line about a message be found from the import it belongs to. */
export const eventLogFields = (event: ReportlineEvent) => ({
  eventId: event.id,
  eventType: event.type,
  importId: event.importId,
  customerId: event.customerId,
});
