import { CredentialsCheckReason, CustomerId, ceType, EventId, type EventOfType, ImportId } from '@reportline/contracts';
import { LeaseLostError } from '@reportline/lease-holder';
import { isNaverError } from '@reportline/naver-client';
import { type GaveUp, PermanentFailureError, type UndecodableMessage } from '@reportline/platform';
import { z } from 'zod';
import { CredentialsCustomerMismatchError } from './credentials.ts';

/** A credentials check's answer: CredentialsChecked's data without the connection id. */
export type CheckAnswer = Omit<EventOfType<'CredentialsChecked'>['data'], 'connectionId'>;

/**
 * Tries of the one signed call when NAVER answers 5xx or times out (429 is already retried inside the client), with
 * a short, doubling pause between them: the lease is held for a check only, never for long.
 */
export const CHECK_TRIES = 3;
export const checkRetryDelayMs = (failedTries: number) => 500 * 2 ** (failedTries - 1);

/** Whether the failed call is worth another try within CHECK_TRIES: NAVER failed, not the credentials. */
export const isCheckRetryable = (error: unknown) => isNaverError(error, 'transient');

export const accepted: CheckAnswer = { ok: true, code: null, message: null, action: null, retryable: false };

const NEW_KEY_ACTION =
  'Issue a new API key and secret in NAVER Search Ad > Tools > API manager and update the connection';

const refused = (code: string, message: string, action: string | null, retryable: boolean): CheckAnswer => ({
  ok: false,
  code,
  message: message.slice(0, 2_000),
  action,
  retryable,
});

/**
 * What a failed check means for the person who connected the account. Never includes the key or the secret (the
 * errors of this codebase never carry them). `customerId` is the customer id the check is for.
 */
export function answerForFailure(error: unknown, customerId: string): CheckAnswer {
  if (error instanceof LeaseLostError) {
    return refused(
      'lease-unavailable',
      `the NAVER lease for customer ${customerId} ended before the check could call NAVER (${error.message})`,
      null,
      true,
    );
  }
  if (isNaverError(error)) {
    switch (error.kind) {
      case 'credential-invalid':
        if (error.naverCode === 1018) {
          return refused(
            'naver-license-not-linked',
            `NAVER answered 1018 (no permission): the API license of these credentials is not linked to customer ${customerId}`,
            `Link the API license to customer ${customerId} in NAVER Search Ad, or connect with an API key and secret ` +
              `issued for customer ${customerId}, then update the connection`,
            false,
          );
        }
        return refused(
          'naver-credentials-invalid',
          `NAVER rejected the API key or secret for customer ${customerId} (${error.message})`,
          NEW_KEY_ACTION,
          false,
        );
      case 'transient':
      case 'rate-limited':
        return refused(
          'naver-unavailable',
          `NAVER did not answer the check for customer ${customerId} (${error.message}); the credentials are not known to be good or bad`,
          null,
          true,
        );
      case 'clock-skew':
        return refused(
          'naver-clock-skew',
          `NAVER rejected our request timestamp (${error.message}); the naver-fetcher host's clock is off`,
          null,
          true,
        );
      default:
        return refused(
          'naver-unexpected',
          `NAVER answered the check for customer ${customerId} unexpectedly (${error.message})`,
          'Report it to Reportline with this check id',
          false,
        );
    }
  }
  if (error instanceof CredentialsCustomerMismatchError) {
    return refused(
      'credentials-customer-mismatch',
      `the stored NAVER credentials are for customer ${error.storedCustomerId}, but the check is for customer ${customerId}`,
      `Update the connection with the API key and secret of customer ${customerId}, or connect customer ` +
        `${error.storedCustomerId} instead`,
      false,
    );
  }
  if (error instanceof PermanentFailureError && error.code === 'credentials-missing') {
    return refused('credentials-missing', error.message, 'Enter the API key and secret of the connection again', false);
  }
  if (error instanceof PermanentFailureError && error.code === 'credentials-customer-mismatch') {
    return answerForFailure(error.cause, customerId);
  }
  const message = error instanceof Error ? error.message : String(error);
  return refused('check-failed', `the credentials check failed: ${message}`, null, true);
}

/** The lock-service ended the check's wait or hold (queue timeout, lease expired) before NAVER answered it. */
export function answerForLeaseFailure(failed: EventOfType<'ImportFailed'>['data']): CheckAnswer {
  return refused('lease-unavailable', `the check did not get to call NAVER: ${failed.message}`, null, true);
}

/**
 * The fetcher gave up on a message of the check (a CredentialsCheckRequested it could not handle, or a grant it
 * could not serve): answered, never retried forever.
 */
export function answerForGiveUp(why: GaveUp, what: string): CheckAnswer {
  return refused(
    'check-failed',
    `the naver-fetcher could not handle ${what}: ${why.message}`,
    why.retryable ? null : 'Report it to Reportline with this check id',
    why.retryable,
  );
}

/** A malformed CredentialsCheckRequested, as far as it can be answered: who asked, about which connection. */
export interface MalformedCheckRequest {
  checkId: string;
  customerId: string;
  causedBy: { id: string; correlationId: string };
  connectionId: string;
  /** The reason as sent when it is one we know, else `invalid` (recorded, never published). */
  reason: string;
  answer: CheckAnswer;
}

const SomeConnection = z.looseObject({ connectionId: z.uuid() });

/**
 * A CredentialsCheckRequested that did not decode is still answered when its headers name the check and the customer
 * id and its value names the connection: the scheduler waits for the answer, and retrying the same message cannot
 * make it valid. Anything less (not a CredentialsCheckRequested v1, no check id, no connection id) cannot be answered
 * with a valid CredentialsChecked: undefined, and the message is only dead-lettered.
 */
export function malformedCheckRequest(message: UndecodableMessage, why: string): MalformedCheckRequest | undefined {
  const h = message.headers;
  if (h.ce_type !== ceType('CredentialsCheckRequested', 1)) return undefined;
  const checkId = ImportId.safeParse(h.ce_importid);
  const customerId = CustomerId.safeParse(h.ce_customerid);
  const id = EventId.safeParse(h.ce_id);
  if (!checkId.success || !customerId.success || !id.success) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(message.value ?? '');
  } catch {
    return undefined;
  }
  const data = SomeConnection.safeParse(value);
  if (!data.success) return undefined;
  const correlationId = z.uuid().safeParse(h.ce_correlationid);
  const reason = CredentialsCheckReason.safeParse(data.data.reason);
  return {
    checkId: checkId.data,
    customerId: customerId.data,
    causedBy: { id: id.data, correlationId: correlationId.success ? correlationId.data : id.data },
    connectionId: data.data.connectionId,
    reason: reason.success ? reason.data : 'invalid',
    answer: refused(
      'check-request-invalid',
      `the credentials check request could not be read (${why})`,
      'Report it to Reportline with this check id',
      false,
    ),
  };
}
