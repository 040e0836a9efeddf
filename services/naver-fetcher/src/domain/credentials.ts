/**
 * The stored credentials name the customer id they were connected for; the lease names the one this import may act
 * on. Calling NAVER with the first under the lease of the second would act on an account nobody holds the lease for
 * (and on data not belonging to the import), so they must agree before any call.
 */
export class CredentialsCustomerMismatchError extends Error {
  override readonly name = 'CredentialsCustomerMismatchError';
  readonly storedCustomerId: string;
  readonly grantedCustomerId: string;
  constructor(storedCustomerId: string, grantedCustomerId: string) {
    // Only the two ids: the key and secret never reach an error, a log or an event.
    super(
      `the stored NAVER credentials are for customer ${storedCustomerId}, but this import's lease is for customer ` +
        `${grantedCustomerId}; reconnect the account with credentials for customer ${grantedCustomerId}`,
    );
    this.storedCustomerId = storedCustomerId;
    this.grantedCustomerId = grantedCustomerId;
  }
}

export function checkCredentialsCustomer(stored: { customerId: string }, grantedCustomerId: string): void {
  if (stored.customerId !== grantedCustomerId) {
    throw new CredentialsCustomerMismatchError(stored.customerId, grantedCustomerId);
  }
}
