import type { EventOfType } from '@reportline/contracts';
import { LeaseLostError } from '@reportline/lease-holder';
import { isNaverError } from '@reportline/naver-client';
import { type GaveUp, PermanentFailureError } from '@reportline/platform';
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
