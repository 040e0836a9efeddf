import { trace } from '@opentelemetry/api';
import { topics } from '@reportline/contracts';
import { describe, expect, it } from 'vitest';
import { PoisonMessageError } from '../src/bus/bus.ts';
import { createInMemoryBus } from '../src/bus/in-memory-bus.ts';
import { activeTraceFields, captureTrace, setupTracing } from '../src/tracing.ts';
import { importRequested, uniqueCustomerId, waitFor } from './conformance/helpers.ts';

describe('tracing without OTEL_EXPORTER_OTLP_ENDPOINT', () => {
  it('registers nothing: spans do not record, messages get no trace headers, logs no trace fields', async () => {
    await setupTracing('tracing-off-test', { env: {} }).shutdown();
    const span = trace.getTracer('test').startSpan('nothing');
    expect(span.isRecording()).toBe(false);
    span.end();
    expect(captureTrace()).toBeUndefined();
    expect(activeTraceFields()).toEqual({});

    const bus = createInMemoryBus({ partitions: 1 });
    // A poison handler dead-letters the message untouched, headers included.
    await bus.subscribe({
      group: 'tracing-off',
      topics: [topics.imports],
      handle: async () => {
        throw new PoisonMessageError('show the headers');
      },
    });
    await bus.publish([importRequested(uniqueCustomerId())]);
    await waitFor(() => bus.deadLetters.length === 1, 'the dead letter');
    await bus.close();
    expect(
      Object.keys(bus.deadLetters[0]!.headers).filter((k) => !k.startsWith('ce_') && k !== 'content-type'),
    ).toEqual([]);
  });
});
