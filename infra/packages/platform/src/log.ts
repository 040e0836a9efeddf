import { type Logger, pino } from 'pino';
import { activeTraceFields } from './tracing.ts';

export type { Logger };

/** Fields that can carry credentials anywhere in a log object; pino replaces them before serialising. */
const REDACT = [
  'secret',
  'apiKey',
  'password',
  'authorization',
  '*.secret',
  '*.apiKey',
  '*.password',
  '*.authorization',
  'headers["x-api-key"]',
  'headers["x-signature"]',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers["x-signature"]',
];

/**
 * JSON logs to stdout. Bind `importId`, `customerId` and `fencingToken` with `logger.child(...)` at the edge where an
 * event is handled so every line about one import can be found. A line written inside a span carries its `trace_id`
 * and `span_id`, so a trace leads to its logs and back.
 */
export function createLogger(service: string, level = 'info', destination?: pino.DestinationStream): Logger {
  return pino(
    { name: service, level, redact: { paths: REDACT, censor: '[redacted]' }, mixin: activeTraceFields },
    destination,
  );
}

/** The per-event log context every handler uses. */
export function eventLogContext(event: {
  id: string;
  type: string;
  importId: string;
  customerId: string;
  fencingToken?: number;
}) {
  return {
    eventId: event.id,
    eventType: event.type,
    importId: event.importId,
    customerId: event.customerId,
    ...(event.fencingToken === undefined ? {} : { fencingToken: event.fencingToken }),
  };
}
