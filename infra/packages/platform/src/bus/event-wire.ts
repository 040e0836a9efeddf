import type { Span } from '@opentelemetry/api';
import { fromWire, type ReportlineEvent, type TopicManifest, topicOf, toWire } from '@reportline/contracts';
import { startProducerSpan, type TraceCarrier } from '../tracing.ts';
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

/**
 * `encodeEvent` for a publish: each message gets a PRODUCER span (child of the context its event was recorded in)
 * whose context rides next to the `ce_*` headers as `traceparent`/`tracestate`. End the spans with the send's outcome.
 */
export function encodeTraced(
  events: readonly ReportlineEvent[],
  traces: readonly (TraceCarrier | null | undefined)[] = [],
): { outgoing: OutgoingMessage[]; spans: Span[] } {
  const outgoing = events.map(encodeEvent);
  const spans = outgoing.map(({ topic, message }, i) => {
    const { span, headers } = startProducerSpan(topic.name, events[i]!.id, traces[i]);
    Object.assign(message.headers, headers);
    return span;
  });
  return { outgoing, spans };
}

/** Fields that let a log line about a message be found from the import it belongs to. */
export const eventLogFields = (event: ReportlineEvent) => ({
  eventId: event.id,
  eventType: event.type,
  importId: event.importId,
  customerId: event.customerId,
});
