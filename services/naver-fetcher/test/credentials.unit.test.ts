import { describe, expect, it } from 'vitest';
import { CredentialsCustomerMismatchError, checkCredentialsCustomer } from '../src/domain/credentials.ts';
import { describeFailure } from '../src/domain/failure.ts';

const stored = { customerId: '338047', apiKey: '0100000000key-never-shown', secret: 'AQAAsecret-never-shown' };

describe('stored credentials against the lease', () => {
  it('accepts credentials for the granted customer id', () => {
    expect(() => checkCredentialsCustomer(stored, '338047')).not.toThrow();
  });

  it('refuses credentials for another customer id, permanently, naming both ids and neither key nor secret', () => {
    let error: unknown;
    try {
      checkCredentialsCustomer(stored, '900001');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CredentialsCustomerMismatchError);
    const failure = describeFailure(error, '900001');
    expect(failure).toEqual({
      code: 'credentials-customer-mismatch',
      message:
        "the stored NAVER credentials are for customer 338047, but this import's lease is for customer 900001; " +
        'reconnect the account with credentials for customer 900001',
      retryable: false,
    });
    expect(JSON.stringify({ failure, error, stack: (error as Error).stack })).not.toMatch(/never-shown/);
  });
});
