import type { Queryable } from '@reportline/platform';

/** What a tenant is alerted about: each is something a person must act on, or know before the morning meeting. */
export type AlertKind = 'import-failed' | 'credentials-unhealthy' | 'sheet-unreachable' | 'data-pending' | 'test';

/** Every kind, for the API's schemas. */
export const ALERT_KINDS = [
  'import-failed',
  'credentials-unhealthy',
  'sheet-unreachable',
  'data-pending',
  'test',
] as const satisfies readonly AlertKind[];

export interface Alert {
  tenantId: string;
  kind: AlertKind;
  /** Null only for a test alert (POST /alerts/test), which is about no connection. */
  connectionId: string | null;
  customerId: string | null;
  importId: string | null;
  /** One line, e.g. "Import failed for 338047 → Sheet 로우데이터". */
  title: string;
  /** What happened, never a secret. */
  message: string;
  /** What the user must do; null when only waiting helps. */
  action: string | null;
  at: Date;
  /** One alert per key: a redelivered event or a second sweep raises nothing new. */
  dedupeKey: string;
}

/**
 * Raises an alert inside the caller's transaction, with the fact that caused it: the alert is sent if and only if the
 * fact committed. Delivery (webhook, retries) happens later, apart from the caller.
 */
export type RaiseAlert = (db: Queryable, alert: Alert) => Promise<void>;
