import { SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { topics } from '@reportline/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PoisonMessageError } from '../src/bus/bus.ts';
import { setupTracing, type Tracing } from '../src/tracing.ts';
import type { BusHarness } from './conformance/harness.ts';
import { importRequested, uniqueCustomerId, uniqueGroup, waitFor } from './conformance/helpers.ts';
import { makeKafkaHarness } from './conformance/kafka-harness.ts';

/** The trace context through a real broker: kafkajs headers, not only the in-memory bus's copy of them. */
const exporter = new InMemorySpanExporter();
let tracing: Tracing;
let h: BusHarness;
beforeAll(async () => {
  tracing = setupTracing('tracing-kafka-test', { exporter });
  h = await makeKafkaHarness();
});
afterAll(async () => {
  await h?.cleanup();
  await tracing?.shutdown();
});

describe('trace context on Kafka', () => {
  it('carries traceparent in the message headers, and the consumer span is the producer span’s child', async () => {
    const event = importRequested(uniqueCustomerId());
    const handled: string[] = [];
    await h.bus.subscribe({
      group: uniqueGroup('tracing'),
      topics: [topics.imports],
      handle: async (e) => {
        if (e.id !== event.id) return;
        handled.push(trace.getActiveSpan()?.spanContext().traceId ?? 'none');
        // Dead-lettered as is: the only way to look at the headers the message arrived with.
        throw new PoisonMessageError('look at my headers');
      },
    });
    await trace.getTracer('test').startActiveSpan('root', async (root) => {
      await h.bus.publish([event]);
      root.end();
    });
    await waitFor(async () => (await h.deadLetters(topics.imports)).length > 0, 'the dead letter');
    const producer = exporter
      .getFinishedSpans()
      .find((s) => s.kind === SpanKind.PRODUCER && s.attributes['messaging.message.id'] === event.id)!;
    const consumer = exporter
      .getFinishedSpans()
      .find((s) => s.kind === SpanKind.CONSUMER && s.attributes['messaging.message.id'] === event.id)!;
    const { traceId, spanId } = producer.spanContext();
    const [letter] = await h.deadLetters(topics.imports);
    expect(letter!.headers.traceparent).toBe(`00-${traceId}-${spanId}-01`);
    expect(letter!.headers.ce_id).toBe(event.id);
    expect(consumer.parentSpanContext?.spanId).toBe(spanId);
    expect(consumer.spanContext().traceId).toBe(traceId);
    expect(consumer.status.code).toBe(SpanStatusCode.ERROR); // the handler threw
    expect(handled).toEqual([traceId]);
  });
});
