import { describe, expect, it } from 'vitest';
import { coalescingImport, type ImportCandidate } from '../src/domain/coalesce.ts';

const open = (over: Partial<ImportCandidate> = {}): ImportCandidate => ({
  importId: '11111111-1111-4111-8111-111111111111',
  status: 'requested',
  requestedAt: '2026-11-22T05:00:00.000Z',
  dateRange: { from: '2026-11-10', to: '2026-11-20' },
  reportTypes: ['AD'],
  ending: false,
  ...over,
});
const request = (
  from: string,
  to: string,
  over: { force?: boolean; reportTypes?: ImportCandidate['reportTypes'] } = {},
) => ({
  dateRange: { from, to },
  reportTypes: over.reportTypes ?? (['AD'] as const),
  force: over.force ?? false,
});

describe('coalescing a request with an open import', () => {
  it('given a queued import of those dates, when the same dates are requested, then that import answers', () => {
    expect(coalescingImport([open()], request('2026-11-10', '2026-11-20'))?.importId).toBe(open().importId);
  });

  it('given a running import of a wider range, when dates inside it are requested, then it answers', () => {
    const running = open({ status: 'downloading' });
    expect(coalescingImport([running], request('2026-11-12', '2026-11-13'))).toBe(running);
  });

  it('given an import of fewer dates, when a range reaching past it is requested, then a new import is needed', () => {
    expect(coalescingImport([open()], request('2026-11-09', '2026-11-20'))).toBeUndefined();
    expect(coalescingImport([open()], request('2026-11-10', '2026-11-21'))).toBeUndefined();
  });

  it('given an open import of other report types, when requested, then it does not answer', () => {
    const both = open({ reportTypes: ['AD', 'AD_CONVERSION'] });
    expect(coalescingImport([both], request('2026-11-10', '2026-11-20'))).toBeUndefined();
    expect(
      coalescingImport([both], request('2026-11-10', '2026-11-20', { reportTypes: ['AD_CONVERSION', 'AD'] })),
    ).toBe(both);
  });

  it('given only finished or ending imports, when requested, then none answers', () => {
    const finished = [
      open({ status: 'completed' }),
      open({ status: 'failed' }),
      open({ status: 'writing', ending: true }),
    ];
    expect(coalescingImport(finished, request('2026-11-10', '2026-11-20'))).toBeUndefined();
  });

  it('given a covering open import, when the request forces a new one, then none answers', () => {
    expect(coalescingImport([open()], request('2026-11-10', '2026-11-20', { force: true }))).toBeUndefined();
  });

  it('given two covering imports, when requested, then the older one (furthest along) answers', () => {
    const older = open({ importId: '22222222-2222-4222-8222-222222222222', requestedAt: '2026-11-22T04:00:00.000Z' });
    expect(coalescingImport([open(), older], request('2026-11-11', '2026-11-12'))).toBe(older);
  });
});
