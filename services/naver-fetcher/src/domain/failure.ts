import { LeaseLostError } from '@reportline/lease-holder';
import { isNaverError } from '@reportline/naver-client';
import { CredentialsCustomerMismatchError } from './credentials.ts';
import { NaverReportStuckError } from './job-wait.ts';

export interface Failure {
  code: string;
  message: string;
  retryable: boolean;
}

/** Turns what went wrong under the lease into a reason a person can act on. Never includes credentials. */
export function describeFailure(error: unknown, customerId: string): Failure {
  if (error instanceof LeaseLostError && error.reason === 'max-hold') {
    // The lock-service ends every lease at its maximum total hold, so one import cannot keep an account forever.
    const ms = error.maxHoldMs;
    const limit =
      ms === undefined ? '' : ` of ${ms >= 60_000 ? `${Math.round(ms / 60_000)} minutes` : `${ms / 1000} s`}`;
    return {
      code: 'lease-max-hold',
      message:
        `the NAVER work for customer ${customerId} exceeded the maximum lease hold${limit} and was stopped so other ` +
        'imports of this account can run; it will be retried (if it keeps happening, import a shorter date range)',
      retryable: true,
    };
  }
  if (error instanceof LeaseLostError) {
    return {
      code: 'lease-deadline',
      message: `the NAVER work for customer ${customerId} did not finish within its lease; it will be retried`,
      retryable: true,
    };
  }
  if (isNaverError(error)) {
    switch (error.kind) {
      case 'credential-invalid':
        return {
          code: 'naver-credentials-invalid',
          message: `NAVER rejected the API key or secret for customer ${customerId} (${error.message}); reconnect the account`,
          retryable: false,
        };
      case 'clock-skew':
        return {
          code: 'naver-clock-skew',
          message: `NAVER rejected our request timestamp (${error.message}); the fetcher host's clock is off`,
          retryable: true,
        };
      case 'not-ready':
        return {
          code: 'naver-not-ready',
          message: `NAVER has not finished aggregating the requested days yet (${error.message}); retry later today`,
          retryable: true,
        };
      case 'rate-limited':
        return {
          code: 'naver-rate-limited',
          message: `NAVER kept answering 429 for customer ${customerId}; retry later`,
          retryable: true,
        };
      case 'job-vanished':
        return {
          code: 'naver-report-vanished',
          message: `NAVER report jobs kept vanishing for customer ${customerId} (another tool may be deleting them); retry later`,
          retryable: true,
        };
      case 'transient':
        return {
          code: 'naver-unavailable',
          message: `NAVER failed repeatedly (${error.message}); retry later`,
          retryable: true,
        };
      default:
        return { code: 'naver-unexpected', message: `NAVER answered unexpectedly: ${error.message}`, retryable: false };
    }
  }
  if (error instanceof NaverReportStuckError) {
    return { code: 'naver-report-stuck', message: error.message, retryable: true };
  }
  if (error instanceof CredentialsCustomerMismatchError) {
    return { code: 'credentials-customer-mismatch', message: error.message, retryable: false };
  }
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'fetch-failed', message: `downloading reports failed: ${message}`, retryable: true };
}
