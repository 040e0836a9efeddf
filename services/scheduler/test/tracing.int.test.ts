import { SpanKind } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { topics } from '@reportline/contracts';
import { until } from '@reportline/dev/wait';
import { type InMemoryBus, type Running, setupTracing, type Tracing } from '@reportline/platform';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnection, type Inject, startInMemoryScheduler } from './in-memory-scheduler.ts';

/**
 * One import is one trace: POST /imports, the ImportRequested the outbox relay publishes later, and the span of a
 * consumer handling it share a trace id. The scheduler's real wiring on the in-memory bus (which carries headers
 * through the same CloudEvents wire format as Kafka) and real Postgres, with spans kept in memory.
 */
const exporter = new InMemorySpanExporter();
let tracing: Tracing;
let bus: InMemoryBus;
let scheduler: Running;
let inject: Inject;

beforeAll(async () => {
  // Set up before the runtime, whose own setup then finds tracing on and leaves it to this test.
  tracing = setupTracing('scheduler-tracing-test', { exporter });
  ({ bus, scheduler, inject } = await startInMemoryScheduler());
});

afterAll(async () => {
  await scheduler?.close();
  await tracing?.shutdown();
});

const finished = () => exporter.getFinishedSpans();
const traceOf = (s: ReadableSpan) => s.spanContext().traceId;

describe('tracing an import (in-memory bus, app.inject)', () => {
  it('POST /imports, the ImportRequested it publishes and the consumer handling it share one trace', async () => {
    const connection = await createConnection(inject, bus, '338048');
    expect(connection.statusCode).toBe(201);
    const requested = await inject({
      method: 'POST',
      url: '/imports',
      payload: { connectionId: connection.json().id, dateRange: { from: '2026-11-01', to: '2026-11-03' } },
    });
    expect(requested.statusCode).toBe(202);
    const { importId } = requested.json();
    const event = await until('ImportRequested on the bus', () =>
      bus.published.find((e) => e.type === 'ImportRequested' && e.importId === importId),
    );

    const server = finished().find((s) => s.name === 'POST /imports');
    expect(server).toMatchObject({ kind: SpanKind.SERVER, attributes: { 'http.response.status_code': 202 } });
    const producer = await until('the producer span of the event', () =>
      finished().find((s) => s.kind === SpanKind.PRODUCER && s.attributes['messaging.message.id'] === event.id),
    );
    // Published by the relay after the request had ended, yet in the request's trace, as a child of its span.
    expect(producer.name).toBe(`send ${topics.imports.name}`);
    expect(traceOf(producer)).toBe(traceOf(server!));
    expect(producer.parentSpanContext?.spanId).toBe(server!.spanContext().spanId);

    // The scheduler's own projection consumes the imports topic: its span is the producer span's child.
    const consumer = await until('a consumer span of the event', () =>
      finished().find(
        (s) => s.kind === SpanKind.CONSUMER && s.parentSpanContext?.spanId === producer.spanContext().spanId,
      ),
    );
    expect(consumer.name).toBe(`process ${topics.imports.name}`);
    expect(traceOf(consumer)).toBe(traceOf(server!));

    // A separate request is a separate trace.
    const connectionSpan = finished().find((s) => s.name === 'POST /connections');
    expect(traceOf(connectionSpan!)).not.toBe(traceOf(server!));
  });
});
