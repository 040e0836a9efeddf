import { examples, ImportFailedV1, LeaseReleasedV2, makeEvent } from '@reportline/contracts';
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
