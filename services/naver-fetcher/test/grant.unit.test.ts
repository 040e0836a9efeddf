import { type EventOfType, examples } from '@reportline/contracts';
import { PermanentFailureError } from '@reportline/platform';
import { describe, expect, it } from 'vitest';
import { requestOf } from '../src/domain/grant.ts';

const grant = (version: 1 | 2) =>
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
});
