import { examples, type ReportlineEvent } from '@reportline/contracts';
import { describe, expect, it } from 'vitest';
import { whyNotCancellable } from '../src/domain/cancel.ts';
import { decodeImportCursor, encodeImportCursor } from '../src/domain/import-cursor.ts';
import { evolveView, initialView } from '../src/domain/import-view.ts';

const ex = (type: ReportlineEvent['type']) =>
  ({
    ...examples.find((e) => e.type === type && e.importId === examples[0]!.importId)!,
    id: crypto.randomUUID(),
  }) as ReportlineEvent;
const fold = (...types: ReportlineEvent['type'][]) =>
  types.map(ex).reduce(evolveView, initialView(examples[0]!.importId, '338047'));

describe('cancelling an import', () => {
  it('given an import queued for its lease, when cancelled, then nothing stops it', () => {
    expect(whyNotCancellable(fold('ImportRequested', 'LeaseRequested', 'LockQueued'), false)).toBeUndefined();
  });

  it('given an import granted its lease, when cancelled, then it is refused: the work started', () => {
    expect(whyNotCancellable(fold('ImportRequested', 'LockGranted'), false)).toContain('downloading');
  });

  it('given an import served from the store without a lease, when cancelled, then it is refused', () => {
    expect(whyNotCancellable(fold('ImportRequested', 'ReportsDownloaded'), false)).toContain('processing');
  });

  it('given a finished import, when cancelled, then it is refused saying how it ended', () => {
    expect(whyNotCancellable(fold('ImportRequested', 'ImportCompleted'), false)).toContain('completed');
    expect(whyNotCancellable(fold('ImportRequested', 'ImportFailed'), false)).toContain('naver-credentials-invalid');
  });

  it('given an import the stall sweep already ended, when cancelled, then it is refused', () => {
    expect(whyNotCancellable(fold('ImportRequested'), true)).toContain('already being ended');
  });
});

describe('import list cursor', () => {
  it('given a cursor handed out, when decoded, then it is the same position', () => {
    const c = { micros: '1796138313630123', importId: '0b0c5b9e-3f3e-4c36-9a57-0d6f7f1d2a10' };
    expect(decodeImportCursor(encodeImportCursor(c))).toEqual(c);
  });

  it('given anything else, when decoded, then it is no cursor', () => {
    const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
    for (const bad of [
      '',
      'not base64!',
      enc({ micros: '1', importId: examples[0]!.importId }),
      enc(['1', 'not-a-uuid']),
      enc([1, examples[0]!.importId]),
      enc(['99999999999999999999', examples[0]!.importId]),
      enc(['1.5', examples[0]!.importId]),
    ]) {
      expect(decodeImportCursor(bad), bad).toBeUndefined();
    }
  });
});
