import {
  CredentialsCheckedV1,
  examples,
  ImportFailedV1,
  LeaseReleasedV2,
  LeaseRequestedV2,
  makeEvent,
} from '@reportline/contracts';
import { describe, expect, it } from 'vitest';
import { commandFor, endsImportOnGiveUp } from '../src/domain/commands.ts';
import { leaseRequested } from './support/events.ts';

const example = (type: string) => examples.find((e) => e.type === type)!;
const importId = '00000000-0000-4000-8000-000000000001';

describe('lock commands: what the lock queues on', () => {
  it('given an on-demand LeaseRequested, when the lock reads it, then it queues a request with priority on-demand', () => {
    const asked = leaseRequested('338047', {
      importId,
      priority: 'on-demand',
      id: '00000000-0000-4000-9000-000000000001',
    });
    expect(commandFor(asked)).toMatchObject({
      kind: 'request',
      importId,
      priority: 'on-demand',
      eventId: '00000000-0000-4000-9000-000000000001',
      request: { priority: 'on-demand', reportTypes: ['AD'], target: { spreadsheetId: 's', sheetName: 't' } },
    });
  });
});

describe('lock commands: credentials checks (LeaseRequested v2)', () => {
  const check = { connectionId: '9d7a7c4e-1b2a-4f0e-8d3c-2b1a0f9e8d7c', reason: 'created' as const };
  const ctx = { source: 'naver-fetcher', importId, customerId: '338047', now: new Date() };

  it('given a LeaseRequested v2 for a credentials check, when the lock reads it, then it queues the check at its priority, without an import request', () => {
    const asked = makeEvent(
      LeaseRequestedV2,
      { priority: 'on-demand', work: { kind: 'credentials-check', check } },
      { ...ctx, id: '00000000-0000-4000-9000-000000000002' },
    );
    expect(commandFor(asked)).toEqual({
      kind: 'request',
      importId,
      priority: 'on-demand',
      eventId: '00000000-0000-4000-9000-000000000002',
      correlationId: asked.correlationId,
      request: null,
      check,
    });
  });

  it('given a LeaseRequested v2 for an import, when the lock reads it, then it queues the import as a v1 request', () => {
    const v1 = leaseRequested('338047', { importId, priority: 'scheduled' });
    const { request, naverReports, storeReports, verifyCredentials } = v1.data;
    const v2 = makeEvent(
      LeaseRequestedV2,
      { priority: 'scheduled', work: { kind: 'import', request, naverReports, storeReports, verifyCredentials } },
      ctx,
    );
    expect(commandFor(v2)).toMatchObject({ kind: 'request', importId, priority: 'scheduled', request });
    expect(commandFor(v2)).not.toHaveProperty('check');
  });

  it('given a check answered without its lease (CredentialsChecked), when the lock reads it, then the check leaves the queue', () => {
    const answered = makeEvent(
      CredentialsCheckedV1,
      {
        connectionId: check.connectionId,
        ok: false,
        code: 'credentials-missing',
        message: 'm',
        action: 'a',
        retryable: false,
      },
      ctx,
    );
    expect(commandFor(answered)).toEqual({ kind: 'cancel', importId });
  });
});

describe('lock commands: giving up on a message', () => {
  it('given a LeaseRequested the lock cannot decide, when it gives up, then the import ends (it would wait in no queue)', () => {
    expect(endsImportOnGiveUp(example('LeaseRequested'))).toBe(true);
  });

  it('given an ImportRequested, when the lock gives up on it, then the import does not end: the lock does not queue on it', () => {
    expect(endsImportOnGiveUp(example('ImportRequested'))).toBe(false);
  });

  it('given a release or a failure, when the lock gives up on it, then it is only dead-lettered (the lease expires)', () => {
    const released = makeEvent(
      LeaseReleasedV2,
      { outcome: 'done', naverRequests: 1 },
      { source: 'test', importId, customerId: '338047', fencingToken: 1, now: new Date() },
    );
    const failed = makeEvent(
      ImportFailedV1,
      { stage: 'download', code: 'naver-down', message: 'NAVER answered 503', retryable: true },
      { source: 'test', importId, customerId: '338047', now: new Date() },
    );
    expect(endsImportOnGiveUp(released)).toBe(false);
    expect(endsImportOnGiveUp(failed)).toBe(false);
  });
});
