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
