import type { CredentialsCheck } from '@reportline/contracts';
import type { Connection, ConnectionHealth } from '../connection-store.ts';

/**
 * Import failures that say the connection itself is broken, not the run: the schedule stops until a person fixes it.
 * Credential codes are fixed by new credentials (re-verified); the sheet's by a target the writer can reach.
 */
export const CREDENTIAL_FAILURES = new Set([
  'naver-credentials-invalid',
  'naver-license-not-linked',
  'credentials-customer-mismatch',
  'credentials-missing',
]);
export const SHEET_FAILURES = new Set(['sheet-unreachable']);

const SHARE_ACTION = 'Share the spreadsheet with the connection principal as Editor, or change the target';
export const CREDENTIALS_ACTION =
  'Issue a new API key and secret for this customer id in NAVER Search Ad (Tools > API manager) and update the connection';

/** The check a change of credentials (or a person) asks for, and the connection waiting for it. Pure. */
export function startVerification(
  c: Connection,
  reason: CredentialsCheck['reason'],
  checkId: string,
): { connection: Connection; check: CredentialsCheck } {
  return {
    connection: { ...c, status: 'verifying', checkId },
    check: { connectionId: c.id, reason },
  };
}

export type CheckAnswer = {
  ok: boolean;
  code: string | null;
  message: string | null;
  action: string | null;
  retryable: boolean;
};

/** Checks refused for a passing reason (NAVER or the lease unavailable) asked again before the connection is unhealthy. */
export const MAX_PASSING_REFUSALS = 3;

const UNREACHABLE_ACTION =
  'NAVER could not be reached to check the credentials; verify the connection again later (POST /connections/:id/verify)';

/**
 * A credentials check answered: healthy; or, refused for a reason that passes by itself (NAVER or the lease
 * unavailable), checked again while the connection keeps verifying — at most MAX_PASSING_REFUSALS times in a row —;
 * or unhealthy with the reason and what to do. An answer to an older check than the connection's current one changes
 * nothing (the credentials it checked were replaced). Pure.
 */
export function checkAnswered(
  c: Connection,
  checkId: string,
  answer: CheckAnswer,
  at: Date,
  passingRefusals = 0,
): { connection: Connection; outcome: 'healthy' | 'unhealthy' | 'again' } | undefined {
  if (c.checkId !== checkId) return undefined;
  if (answer.ok) return { connection: { ...c, status: 'healthy', health: null, checkId: null }, outcome: 'healthy' };
  if (answer.retryable && passingRefusals < MAX_PASSING_REFUSALS) {
    return { connection: { ...c, status: 'verifying', checkId: null }, outcome: 'again' };
  }
  const health: ConnectionHealth = {
    code: answer.code ?? 'credentials-rejected',
    message: answer.message ?? 'NAVER did not accept the credentials',
    action: answer.action ?? (answer.retryable ? UNREACHABLE_ACTION : CREDENTIALS_ACTION),
    at: at.toISOString(),
  };
  return { connection: { ...c, status: 'unhealthy', health, checkId: null }, outcome: 'unhealthy' };
}

/** True when an import failure says the connection itself is broken (its credentials or its sheet). */
export const connectionBroken = (code: string) => CREDENTIAL_FAILURES.has(code) || SHEET_FAILURES.has(code);

/**
 * An import of the connection failed: a credential or sheet failure marks a healthy connection unhealthy (its schedule
 * stops: only healthy connections are scheduled); any other failure leaves it as it is. Pure.
 */
export function importFailed(
  c: Connection,
  failure: { code: string; message: string },
  at: Date,
): Connection | undefined {
  // Already unhealthy: the first reason found stands (with its own action) until a person fixes it.
  if (c.status !== 'healthy') return undefined;
  const credentials = CREDENTIAL_FAILURES.has(failure.code);
  if (!credentials && !SHEET_FAILURES.has(failure.code)) return undefined;
  return {
    ...c,
    status: 'unhealthy',
    health: {
      code: failure.code,
      message: failure.message,
      action: credentials ? CREDENTIALS_ACTION : SHARE_ACTION,
      at: at.toISOString(),
    },
  };
}

/** A new target the writer proved it can write heals a connection the sheet made unhealthy. Pure. */
export function targetProved(c: Connection): Connection {
  return c.status === 'unhealthy' && c.health && SHEET_FAILURES.has(c.health.code)
    ? { ...c, status: 'healthy', health: null }
    : c;
}
