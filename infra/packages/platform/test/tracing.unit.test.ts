import { SpanKind, trace } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { fromWire, topics, toWire } from '@reportline/contracts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { BatchMessage } from '../src/bus/bus.ts';
import { createInMemoryBus } from '../src/bus/in-memory-bus.ts';
import { createLogger } from '../src/log.ts';
import { appendToOutbox, relayOutboxOnce } from '../src/pg/outbox.ts';
import type { Pool, Queryable } from '../src/pg/pool.ts';
import { activeTraceFields, captureTrace, extractTrace, setupTracing, type Tracing } from '../src/tracing.ts';
import { importRequested, uniqueCustomerId, waitFor } from './conformance/helpers.ts';

const exporter = new InMemorySpanExporter();
let tracing: Tracing;
beforeAll(() => {
  tracing = setupTracing('tracing-unit-test', { exporter });
});
afterAll(() => tracing.shutdown());
beforeEach(() => exporter.reset());

const tracer = () => trace.getTracer('tracing-unit-test');
/** Runs `fn` in a fresh root span, as a request or a handler would. */
const inRoot = <T>(fn: () => Promise<T> | T) =>
  tracer().startActiveSpan('root', async (span) => {
    try {
      return await fn();
    } finally {
      span.end();
    }
  });
const traceIdOf = (traceparent: string | undefined) => traceparent?.split('-')[1];
const spansNamed = (name: string) => exporter.getFinishedSpans().filter((s) => s.name === name);
const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;

describe('trace context in headers', () => {
  it('captures the active span as traceparent and extracts it back to the same trace and span', async () => {
    const { carrier, traceId, spanId } = await inRoot(() => {
      const ctx = trace.getActiveSpan()!.spanContext();
      return { carrier: captureTrace(), traceId: ctx.traceId, spanId: ctx.spanId };
    });
    expect(carrier?.traceparent).toBe(`00-${traceId}-${spanId}-01`);
    const remote = trace.getSpanContext(extractTrace(carrier as unknown as Record<string, string>));
    expect(remote).toMatchObject({ traceId, spanId, isRemote: true });
  });

  it('keeps tracestate when the caller sent one', () => {
    const headers = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', tracestate: 'vendor=a1' };
    const ctx = extractTrace(headers);
    expect(captureTrace(ctx)).toEqual(headers);
  });

  it('has nothing to capture outside a span, and extracts the root context from headers without one', () => {
    expect(captureTrace()).toBeUndefined();
    expect(trace.getSpanContext(extractTrace({ ce_id: 'x' }))).toBeUndefined();
  });

  it('leaves the event alone: traceparent is no ce_* attribute, so the decoded event is the same', () => {
    const event = importRequested(uniqueCustomerId());
    const wire = toWire(event);
    const traced = { ...wire.headers, traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };
    expect(fromWire(traced, wire.value)).toEqual(fromWire(wire.headers, wire.value));
  });

  it('puts trace_id and span_id in log lines only while a span is active', async () => {
    const lines: Record<string, unknown>[] = [];
    const logger = createLogger('tracing-unit-test', 'info', { write: (line: string) => lines.push(JSON.parse(line)) });
    logger.info('outside');
    const ctx = await inRoot(() => {
      logger.child({ importId: 'i-1' }).info('inside');
      return trace.getActiveSpan()!.spanContext();
    });
    expect(lines[0]).not.toHaveProperty('trace_id');
    expect(lines[1]).toMatchObject({ msg: 'inside', importId: 'i-1', trace_id: ctx.traceId, span_id: ctx.spanId });
    expect(activeTraceFields()).toEqual({});
  });
});

describe('producer and consumer spans on the in-memory bus', () => {
  it('sends traceparent beside the ce_* headers, and the consumer span is the producer span’s child', async () => {
    const bus = createInMemoryBus({ partitions: 1 });
    const seen: { traceId?: string } = {};
    await bus.subscribe({
      group: 'tracing-one',
      topics: [topics.imports],
      handle: async () => {
        seen.traceId = trace.getActiveSpan()?.spanContext().traceId;
      },
    });
    const event = importRequested(uniqueCustomerId());
    const rootTrace = await inRoot(async () => {
      await bus.publish([event]);
      return trace.getActiveSpan()!.spanContext().traceId;
    });
    await bus.drain();
    await bus.close();
    const [producer] = spansNamed(`send ${topics.imports.name}`);
    const [consumer] = spansNamed(`process ${topics.imports.name}`);
    expect(producer).toMatchObject({ kind: SpanKind.PRODUCER });
    expect(producer!.spanContext().traceId).toBe(rootTrace);
    expect(producer!.attributes['messaging.message.id']).toBe(event.id);
    expect(consumer).toMatchObject({ kind: SpanKind.CONSUMER });
    expect(consumer!.spanContext().traceId).toBe(rootTrace);
    expect(parentOf(consumer!)).toBe(producer!.spanContext().spanId);
    // The handler ran inside the consumer span: its own work joins the same trace.
    expect(seen.traceId).toBe(rootTrace);
  });

  it('continues the context recorded with the event (the outbox row), not the one active at publish', async () => {
    const bus = createInMemoryBus({ partitions: 1 });
    const recorded = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' };
    await inRoot(() => bus.publish([importRequested(uniqueCustomerId())], { traces: [recorded] }));
    await bus.close();
    const [producer] = spansNamed(`send ${topics.imports.name}`);
    expect(producer!.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(parentOf(producer!)).toBe('b7ad6b7169203331');
  });

  it('links a batch consumer span to every producer of the batch', async () => {
    const bus = createInMemoryBus({ partitions: 1 });
    const batches: BatchMessage[][] = [];
    const customerId = uniqueCustomerId();
    const traces = [0, 1].map((i) => ({ traceparent: `00-${String(i + 1).repeat(32)}-${'a'.repeat(15)}${i}-01` }));
    await bus.publish([importRequested(customerId), importRequested(customerId)], { traces });
    await bus.subscribe({
      group: 'tracing-batch',
      topics: [topics.imports],
      handleBatch: async (messages) => void batches.push(messages),
    });
    await waitFor(() => batches.flat().length === 2, 'both messages handled');
    await bus.close();
    const [consumer] = spansNamed(`process ${topics.imports.name}`);
    expect(batches).toHaveLength(1);
    expect(consumer!.links.map((l) => l.context.traceId).sort()).toEqual(['1'.repeat(32), '2'.repeat(32)]);
  });
});

/** A Postgres stand-in that answers the outbox's statements from an array of rows: no I/O. */
function fakeOutbox() {
  const rows: { seq: number; event: unknown; trace: unknown }[] = [];
  const query = async (sql: string, params: unknown[] = []) => {
    if (sql.includes('INSERT INTO platform.outbox')) {
      const events = JSON.parse(params[1] as string) as unknown[];
      const trace = params[2] === null ? null : JSON.parse(params[2] as string);
      for (const event of events) rows.push({ seq: rows.length + 1, event, trace });
      return { rows: [] };
    }
    if (sql.includes('pg_try_advisory_lock')) return { rows: [{ ok: true }] };
    if (sql.includes('SELECT seq, event, trace')) return { rows: [...rows] };
    return { rows: [] };
  };
  const client = { query, release: () => {} };
  return { rows, tx: { query } as unknown as Queryable, pool: { connect: async () => client } as unknown as Pool };
}

describe('the outbox carries the trace context to the relay', () => {
  it('stores the active context in the row and the relay publishes with it', async () => {
    const outbox = fakeOutbox();
    const event = importRequested(uniqueCustomerId());
    const traceparent = await inRoot(async () => {
      await appendToOutbox(outbox.tx, 'scheduler', [event]);
      return captureTrace()!.traceparent;
    });
    expect(outbox.rows[0]!.trace).toEqual({ traceparent });

    const bus = createInMemoryBus({ partitions: 1 });
    await bus.subscribe({
      group: 'tracing-outbox',
      topics: [topics.imports],
      handle: async () => {},
    });
    // The relay runs later, outside the request: no span is active, yet the message continues the request's trace.
    expect(trace.getActiveSpan()).toBeUndefined();
    expect(await relayOutboxOnce(outbox.pool, bus, 'scheduler')).toBe(1);
    await bus.drain();
    await bus.close();
    const [producer] = spansNamed(`send ${topics.imports.name}`);
    const [consumer] = spansNamed(`process ${topics.imports.name}`);
    expect(producer!.spanContext().traceId).toBe(traceIdOf(traceparent));
    expect(consumer!.spanContext().traceId).toBe(traceIdOf(traceparent));
  });

  it('stores no context when no span is active', async () => {
    const outbox = fakeOutbox();
    await appendToOutbox(outbox.tx, 'scheduler', [importRequested(uniqueCustomerId())]);
    expect(outbox.rows[0]!.trace).toBeNull();
  });
});
