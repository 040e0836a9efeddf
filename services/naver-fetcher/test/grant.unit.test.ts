import { type EventOfType, examples } from '@reportline/contracts';
import { PermanentFailureError } from '@reportline/platform';
import { describe, expect, it } from 'vitest';
import { checkOf, requestOf } from '../src/domain/grant.ts';

const grant = (version: 1 | 2 | 3) =>
  examples.find((e) => e.type === 'LockGranted' && e.version === version) as EventOfType<'LockGranted'>;

describe('the request a grant is served from', () => {
  it('is the ImportRequested data that LockGranted v2 carries on', () => {
    const requested = examples.find((e) => e.type === 'ImportRequested')!;
    expect(requestOf(grant(2))).toEqual(requested.data);
  });

  it('is missing from a LockGranted v1: a permanent failure the bus gives up on at once, with a code for ImportFailed', () => {
    expect(() => requestOf(grant(1))).toThrow(PermanentFailureError);
    expect(() => requestOf(grant(1))).toThrow(
      expect.objectContaining({
        code: 'grant-without-request',
        message: expect.stringContaining('request the import'),
      }),
    );
  });

  it('is an import request in a LockGranted v3 for an import, and no credentials check', () => {
    const v2 = grant(2);
    const v3 = {
      ...v2,
      version: 3,
      data: { ...grant(1).data, work: { kind: 'import', request: (v2.data as { request: unknown }).request } },
    };
    const requested = examples.find((e) => e.type === 'ImportRequested')!;
    expect(requestOf(v3 as EventOfType<'LockGranted'>)).toEqual(requested.data);
    expect(checkOf(v3 as EventOfType<'LockGranted'>)).toBeUndefined();
  });
});

describe('the credentials check a grant is for', () => {
  it('is the CredentialsCheckRequested data a LockGranted v3 carries on; v1 and v2 are for imports', () => {
    const requested = examples.find((e) => e.type === 'CredentialsCheckRequested')!;
    expect(checkOf(grant(3))).toEqual(requested.data);
    expect(checkOf(grant(2))).toBeUndefined();
    expect(checkOf(grant(1))).toBeUndefined();
  });
});
