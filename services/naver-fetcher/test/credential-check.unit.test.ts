import { CredentialsCheckedV1, CredentialsCheckRequestedV1, fromWire, makeEvent, toWire } from '@reportline/contracts';
import { LeaseLostError } from '@reportline/lease-holder';
import { classifyHttpFailure, NaverError } from '@reportline/naver-client';
import { PermanentFailureError } from '@reportline/platform';
import { describe, expect, it } from 'vitest';
import {
  accepted,
  answerForFailure,
  answerForGiveUp,
  answerForLeaseFailure,
  CHECK_TRIES,
  checkRetryDelayMs,
  isCheckRetryable,
  malformedCheckRequest,
} from '../src/domain/credential-check.ts';
import { CredentialsCustomerMismatchError } from '../src/domain/credentials.ts';

// NAVER's answers as the reference sheet quotes them (../shared/reference/naver-searchad-api.md §3).
const NOT_LINKED = '{"code":1018,"status":404,"title":"No permission to access the resource."}';
const BAD_SIGNATURE =
  '{"signature":"c2lnbmF0dXJl","status":403,"type":"urn:naver:api:problem:invalid-signature","title":"Invalid Signature","detail":"Signature \'c2lnbmF0dXJl\' is invalid."}';
const SERVER_ERROR = '{"code":500,"message":"Internal Server Error"}';
const list = (status: number, body: string) => classifyHttpFailure('GET /stat-reports', status, body);
const connectionId = '9d7a7c4e-1b2a-4f0e-8d3c-2b1a0f9e8d7c';
/** Every answer must fit CredentialsChecked v1 as published. */
const published = (a: object) => CredentialsCheckedV1.data.parse({ connectionId, ...a });

describe('credentials check: what NAVER answered means for the user', () => {
  it('given NAVER accepted the signed call, then the answer is ok with nothing to do', () => {
    expect(published(accepted)).toEqual({
      connectionId,
      ok: true,
      code: null,
      message: null,
      action: null,
      retryable: false,
    });
  });

  it('given a bad signature (403 invalid-signature), then naver-credentials-invalid, not retryable, issue a new key, no signature echoed', () => {
    const answer = published(answerForFailure(list(403, BAD_SIGNATURE), '338047'));
    expect(answer).toMatchObject({ ok: false, code: 'naver-credentials-invalid', retryable: false });
    expect(answer.action).toBe(
      'Issue a new API key and secret in NAVER Search Ad > Tools > API manager and update the connection',
    );
    expect(answer.message).toContain('customer 338047');
    expect(JSON.stringify(answer)).not.toContain('c2lnbmF0dXJl');
  });

  it('given NAVER code 1018 (license not linked to the customer id), then naver-license-not-linked, not retryable', () => {
    const answer = published(answerForFailure(list(404, NOT_LINKED), '338047'));
    expect(answer).toMatchObject({ ok: false, code: 'naver-license-not-linked', retryable: false });
    expect(answer.message).toContain('1018');
    expect(answer.action).toContain('Link the API license to customer 338047');
  });

  it('given NAVER 5xx or a timeout after the bounded tries, then naver-unavailable, retryable, nothing for the user to do', () => {
    for (const error of [list(503, SERVER_ERROR), new NaverError('transient', 'timed out', { endpoint: 'GET /x' })]) {
      expect(published(answerForFailure(error, '338047'))).toMatchObject({
        ok: false,
        code: 'naver-unavailable',
        retryable: true,
        action: null,
      });
    }
  });

  it('given the lease was lost before NAVER answered, then lease-unavailable, retryable', () => {
    const answer = answerForFailure(new LeaseLostError('the lease ran out', 'deadline'), '338047');
    expect(published(answer)).toMatchObject({ ok: false, code: 'lease-unavailable', retryable: true });
  });

  it('given stored credentials for another customer id, then credentials-customer-mismatch naming both ids', () => {
    const mismatch = new CredentialsCustomerMismatchError('338047', '900001');
    const wrapped = new PermanentFailureError('credentials-customer-mismatch', mismatch.message, { cause: mismatch });
    for (const error of [mismatch, wrapped]) {
      const answer = published(answerForFailure(error, '900001'));
      expect(answer).toMatchObject({ ok: false, code: 'credentials-customer-mismatch', retryable: false });
      expect(answer.message).toContain('338047');
      expect(answer.action).toContain('customer 900001');
    }
  });

  it('given no credentials stored for the connection, then credentials-missing, not retryable', () => {
    const missing = new PermanentFailureError('credentials-missing', `no usable NAVER credentials for ${connectionId}`);
    expect(published(answerForFailure(missing, '338047'))).toMatchObject({
      ok: false,
      code: 'credentials-missing',
      retryable: false,
      message: `no usable NAVER credentials for ${connectionId}`,
    });
  });

  it('given the lock-service ended the wait (queue timeout), then lease-unavailable with its reason, retryable', () => {
    const failed = { stage: 'queue' as const, code: 'queue-timeout', message: 'waited 60 min', retryable: true };
    expect(published(answerForLeaseFailure(failed))).toEqual({
      connectionId,
      ok: false,
      code: 'lease-unavailable',
      message: 'the check did not get to call NAVER: waited 60 min',
      action: null,
      retryable: true,
    });
  });

  it('given the fetcher gave up on a message of the check, then check-failed with why, never a retry forever', () => {
    const why = {
      failureClass: 'permanent' as const,
      attempts: 1,
      retryable: false,
      code: 'x',
      message: 'bad',
      error: 0,
    };
    expect(published(answerForGiveUp(why, 'CredentialsCheckRequested'))).toMatchObject({
      ok: false,
      code: 'check-failed',
      retryable: false,
      message: 'the naver-fetcher could not handle CredentialsCheckRequested: bad',
    });
  });
});

describe('credentials check: tries of the one call', () => {
  it('tries again only when NAVER failed (5xx, timeout), never for rejected credentials, a bounded number of times', () => {
    expect(isCheckRetryable(list(500, SERVER_ERROR))).toBe(true);
    expect(isCheckRetryable(list(403, BAD_SIGNATURE))).toBe(false);
    expect(isCheckRetryable(list(404, NOT_LINKED))).toBe(false);
    expect(CHECK_TRIES).toBe(3);
    expect([1, 2].map(checkRetryDelayMs)).toEqual([500, 1_000]);
  });
});

describe('credentials check: a request that does not decode', () => {
  const request = makeEvent(
    CredentialsCheckRequestedV1,
    { connectionId, reason: 'created' },
    { source: 'scheduler', importId: '5e2f0c1a-7b3d-4e8f-9a6b-1c2d3e4f5a6b', customerId: '338047', now: new Date() },
  );
  const wire = toWire(request);
  /** The message as the bus hands it to the hook: the reason is what fromWire said. */
  const undecoded = (headers: Record<string, string>, value: string) => {
    const parsed = fromWire(headers, value);
    if (parsed.ok) throw new Error('expected a message that does not decode');
    return malformedCheckRequest({ headers, value }, parsed.reason);
  };

  it('given a reason outside the contract, then it is answered check-request-invalid for its check, customer and connection', () => {
    const malformed = undecoded(wire.headers, JSON.stringify({ connectionId, reason: 'repaired' }));
    expect(malformed).toMatchObject({
      checkId: request.importId,
      customerId: '338047',
      causedBy: { id: request.id, correlationId: request.correlationId },
      connectionId,
      reason: 'invalid',
      answer: { ok: false, code: 'check-request-invalid', retryable: false },
    });
    expect(malformed!.answer.message).toContain('CredentialsCheckRequested v1 is invalid: data.reason');
    expect(published(malformed!.answer)).toMatchObject({ connectionId });
  });

  it('given no connection id, a value that is not JSON, or another event type, then there is nothing valid to answer with', () => {
    expect(undecoded(wire.headers, JSON.stringify({ reason: 'created' }))).toBeUndefined();
    expect(undecoded(wire.headers, 'not json')).toBeUndefined();
    const other = { ...wire.headers, ce_type: 'dev.reportline.ImportRequested.v1' };
    expect(undecoded(other, JSON.stringify({ connectionId }))).toBeUndefined();
  });
});
