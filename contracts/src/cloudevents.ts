import { z } from 'zod';
import type { EventDefinition } from './envelope.ts';
import { findEventDefinition, type ReportlineEvent } from './registry.ts';

/**
 * CloudEvents Kafka protocol binding, binary content mode: envelope attributes travel as `ce_*` headers and the message
 * value is the event's `data` as JSON. Extension attribute names are lower-case alphanumerics per the spec.
 */
export const CE_SPEC_VERSION = '1.0';
export const CONTENT_TYPE = 'application/json';

export const ceType = (type: string, version: number) => `dev.reportline.${type}.v${version}`;
const CE_TYPE = /^dev\.reportline\.([A-Za-z]+)\.v(\d+)$/;

export interface WireMessage {
  headers: Record<string, string>;
  value: string;
}

export function toWire(event: ReportlineEvent): WireMessage {
  const headers: Record<string, string> = {
    ce_specversion: CE_SPEC_VERSION,
    ce_id: event.id,
    ce_type: ceType(event.type, event.version),
    ce_source: event.source,
    ce_time: event.time,
    ce_subject: event.importId,
    ce_importid: event.importId,
    ce_customerid: event.customerId,
    ce_correlationid: event.correlationId,
    'content-type': CONTENT_TYPE,
  };
  if (event.causationId) headers.ce_causationid = event.causationId;
  if (event.fencingToken !== undefined) headers.ce_fencingtoken = String(event.fencingToken);
  return { headers, value: JSON.stringify(event.data) };
}

/**
 * The binary-mode headers of one event version, as the AsyncAPI document publishes them (`scripts/asyncapi.ts`) and
 * as a consumer may check them before decoding. Built from the envelope's own field schemas so the headers cannot say
 * less than the envelope does; Kafka header values are strings, hence the fencing token in its decimal form. Loose:
 * other headers (tracing, dead-letter metadata) may travel beside these.
 */
export function wireHeadersSchema(def: EventDefinition<string, number, z.ZodType, boolean>) {
  const e = def.schema.shape;
  const token = z
    .string()
    .regex(/^[1-9]\d*$/)
    .describe('fencingToken: the lease fencing token in decimal; consumers drop work fenced by an older token');
  return z.looseObject({
    ce_specversion: z.literal(CE_SPEC_VERSION).describe('CloudEvents spec version'),
    ce_id: e.id.describe('id: unique per event; dedupe on it'),
    ce_type: z.literal(ceType(def.type, def.version)).describe('type and version: pick the schema by it'),
    ce_source: e.source.describe('source: the producing service'),
    ce_time: e.time.describe('time: when the event happened'),
    ce_subject: e.importId.describe('the import the event is about (same as ce_importid)'),
    ce_importid: e.importId.describe('importId'),
    ce_customerid: e.customerId.describe('customerId: the NAVER customer id'),
    ce_correlationid: e.correlationId.describe("correlationId: the id of the import's ImportRequested"),
    // null on the envelope is no header on the wire (toWire leaves it out)
    ce_causationid: z.uuid().optional().describe('causationId: the id of the event that caused this one'),
    ce_fencingtoken: def.leased ? token : token.optional(),
    'content-type': z.literal(CONTENT_TYPE).describe('the content type of the value (the event data)'),
  });
}

export type ParseResult = { ok: true; event: ReportlineEvent } | { ok: false; reason: string };

/** Rebuilds and validates an event from the wire. Never throws: a bad message becomes a reason for the dead letter. */
export function fromWire(headers: Record<string, string | undefined>, value: string | undefined): ParseResult {
  const type = headers.ce_type;
  if (!type) return { ok: false, reason: 'missing header ce_type' };
  const m = CE_TYPE.exec(type);
  if (!m) return { ok: false, reason: `ce_type "${type}" is not a Reportline event type` };
  const def = findEventDefinition(m[1]!, Number(m[2]));
  if (!def) return { ok: false, reason: `unknown event ${m[1]} v${m[2]}` };
  if (headers.ce_specversion !== CE_SPEC_VERSION) {
    return { ok: false, reason: `ce_specversion must be ${CE_SPEC_VERSION}, got ${headers.ce_specversion ?? 'none'}` };
  }
  let data: unknown;
  try {
    data = JSON.parse(value ?? '');
  } catch {
    return { ok: false, reason: 'message value is not JSON' };
  }
  const token = headers.ce_fencingtoken;
  const candidate = {
    id: headers.ce_id,
    type: def.type,
    version: def.version,
    time: headers.ce_time,
    source: headers.ce_source,
    importId: headers.ce_importid,
    customerId: headers.ce_customerid,
    correlationId: headers.ce_correlationid,
    causationId: headers.ce_causationid ?? null,
    fencingToken: token === undefined ? undefined : Number(token),
    data,
  };
  const parsed = def.schema.safeParse(candidate);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    return { ok: false, reason: `${def.type} v${def.version} is invalid: ${issues}` };
  }
  return { ok: true, event: parsed.data as ReportlineEvent };
}
