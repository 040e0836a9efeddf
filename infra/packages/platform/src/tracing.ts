import {
  type Attributes,
  type Context,
  context,
  isSpanContextValid,
  type Link,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  BatchSpanProcessor,
  NodeTracerProvider,
  SimpleSpanProcessor,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

/**
 * W3C trace context as it travels beside an event: in Kafka headers and in an outbox row. The header names are the
 * plain W3C ones, `traceparent` and `tracestate`, not `ce_traceparent`: CloudEvents' distributed-tracing extension
 * says to use the protocol's own tracing headers where the binding has them, and plain `traceparent` is what
 * OpenTelemetry's W3C propagator and every instrumented Kafka client read and write. They are not `ce_*` attributes,
 * so `fromWire` ignores them and the event (its schema and data) is the same with or without a trace.
 */
export interface TraceCarrier {
  traceparent: string;
  tracestate?: string;
}

export const TRACE_HEADERS = ['traceparent', 'tracestate'] as const;

const tracer = () => trace.getTracer('@reportline/platform');

/** The context of `ctx` (default: the active one) as a carrier, or undefined when no span is there to continue. */
export function captureTrace(ctx: Context = context.active()): TraceCarrier | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  if (!carrier.traceparent) return undefined;
  return carrier.tracestate
    ? { traceparent: carrier.traceparent, tracestate: carrier.tracestate }
    : { traceparent: carrier.traceparent };
}

/** The remote context in message headers (or a stored carrier); the root context when there is none. */
export function extractTrace(headers: Readonly<Record<string, string | undefined>> | null | undefined): Context {
  if (!headers?.traceparent) return ROOT_CONTEXT;
  return propagation.extract(ROOT_CONTEXT, headers);
}

/** Writes the span's context as `traceparent`/`tracestate` into `headers` (nothing when tracing is off). */
export function injectTrace(headers: Record<string, string>, span: Span): void {
  propagation.inject(trace.setSpan(context.active(), span), headers);
}

/** Runs `fn` inside `span` (made active, so child spans and log lines see it), ending it with `fn`'s outcome. */
export async function inSpan<T>(span: Span, parent: Context, fn: (span: Span) => Promise<T>): Promise<T> {
  try {
    return await context.with(trace.setSpan(parent, span), () => fn(span));
  } catch (err) {
    failSpan(span, err);
    throw err;
  } finally {
    span.end();
  }
}

export function failSpan(span: Span, err: unknown): void {
  span.recordException(err instanceof Error ? err : String(err));
  span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
}

/** A CLIENT span around a call to another system (NAVER, Google Sheets), child of the active span. */
export function clientSpan<T>(
  tracerName: string,
  name: string,
  attributes: Attributes,
  fn: (span: Span) => Promise<T>,
) {
  const parent = context.active();
  const span = trace.getTracer(tracerName).startSpan(name, { kind: SpanKind.CLIENT, attributes }, parent);
  return inSpan(span, parent, fn);
}

const messagingAttributes = (topic: string, operation: 'send' | 'process'): Attributes => ({
  'messaging.system': 'kafka',
  'messaging.destination.name': topic,
  'messaging.operation.type': operation,
});

/**
 * A PRODUCER span per message, a child of the context the event was recorded in (the outbox row's carrier) or else
 * of the active one; its own context goes into the message's headers, so the consumer is its child.
 */
export function startProducerSpan(
  topic: string,
  eventId: string,
  recorded: TraceCarrier | null | undefined,
): { span: Span; headers: Record<string, string> } {
  const parent = recorded ? extractTrace({ ...recorded }) : context.active();
  const span = tracer().startSpan(
    `send ${topic}`,
    { kind: SpanKind.PRODUCER, attributes: { ...messagingAttributes(topic, 'send'), 'messaging.message.id': eventId } },
    parent,
  );
  const headers: Record<string, string> = {};
  injectTrace(headers, span);
  return { span, headers };
}

/** Ends producer spans once the broker answered the send they were part of. */
export function endProducerSpans(spans: readonly Span[], err?: unknown): void {
  for (const span of spans) {
    if (err !== undefined) failSpan(span, err);
    span.end();
  }
}

/** Runs a message handler in a CONSUMER span `process <topic>`, child of the producer's context in the headers. */
export function consumeSpan<T>(
  topic: string,
  headers: Readonly<Record<string, string | undefined>>,
  eventId: string,
  fn: () => Promise<T>,
): Promise<T> {
  const parent = extractTrace(headers);
  const span = tracer().startSpan(
    `process ${topic}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: { ...messagingAttributes(topic, 'process'), 'messaging.message.id': eventId },
    },
    parent,
  );
  return inSpan(span, parent, fn);
}

/**
 * A batch handler's CONSUMER span: a batch has many producers, so the span links to each of them (OpenTelemetry's
 * messaging conventions for batch receive) and is the child of one only when the batch holds one message.
 */
export function consumeBatchSpan<T>(
  topic: string,
  headers: readonly Readonly<Record<string, string | undefined>>[],
  fn: () => Promise<T>,
): Promise<T> {
  const contexts = headers.map(extractTrace);
  const parent = contexts.length === 1 ? contexts[0]! : ROOT_CONTEXT;
  const links: Link[] = contexts
    .map((c) => trace.getSpanContext(c))
    .filter((c) => c !== undefined && isSpanContextValid(c))
    .map((c) => ({ context: c! }));
  const span = tracer().startSpan(
    `process ${topic}`,
    {
      kind: SpanKind.CONSUMER,
      links,
      attributes: { ...messagingAttributes(topic, 'process'), 'messaging.batch.message_count': headers.length },
    },
    parent,
  );
  return inSpan(span, parent, fn);
}

/** `trace_id` and `span_id` of the active span for a log line; nothing when no span is active (or tracing is off). */
export function activeTraceFields(): { trace_id?: string; span_id?: string } {
  const ctx = trace.getActiveSpan()?.spanContext();
  if (!ctx || !isSpanContextValid(ctx)) return {};
  return { trace_id: ctx.traceId, span_id: ctx.spanId };
}

export interface Tracing {
  /** Exports what is buffered and stops; call last when the process closes. */
  shutdown(): Promise<void>;
}

let installed: { provider: NodeTracerProvider; tracing: Tracing } | undefined;

/**
 * Registers the OpenTelemetry SDK once per process, so `@opentelemetry/api` records spans: with an OTLP/HTTP exporter
 * when OTEL_EXPORTER_OTLP_ENDPOINT is set (the exporter reads that and the other OTEL_EXPORTER_OTLP_* variables
 * itself), or with the exporter a test gives. Otherwise nothing is registered and the API stays a no-op: no spans, no
 * headers, no trace fields in logs, next to no cost. A second call returns the first setup: one provider a process.
 */
export function setupTracing(
  service: string,
  opts: { exporter?: SpanExporter; env?: NodeJS.ProcessEnv } = {},
): Tracing {
  const off: Tracing = { shutdown: async () => {} };
  // Only the caller that set it up shuts it down: one service of several in a test process closing must not stop it.
  if (installed) return off;
  const env = opts.env ?? process.env;
  if (!opts.exporter && !env.OTEL_EXPORTER_OTLP_ENDPOINT) return off;
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: service }),
    // A test's exporter sees each span as it ends; the OTLP exporter gets them batched, off the request path.
    spanProcessors: [
      opts.exporter ? new SimpleSpanProcessor(opts.exporter) : new BatchSpanProcessor(new OTLPTraceExporter()),
    ],
  });
  // Also sets the global W3C trace-context propagator and the AsyncLocalStorage context manager.
  provider.register();
  const tracing: Tracing = {
    async shutdown() {
      if (installed?.provider !== provider) return;
      installed = undefined;
      await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
  installed = { provider, tracing };
  return tracing;
}
