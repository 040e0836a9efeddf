import { describe, expect, it } from 'vitest';
import { unexplainedPending } from '../src/oracle.ts';

describe('pending dates of a completed import', () => {
  const yesterdays = new Set(['2026-11-30']);

  it('yesterday is pending when NAVER refused one of its creates as not ready', () => {
    // Given an import NAVER answered 20007 while it asked for yesterday
    // When the oracle looks at what it left pending
    // Then yesterday is explained
    expect(unexplainedPending(['2026-11-30'], { yesterdays, refused: true })).toEqual([]);
  });

  it('yesterday pending without any 20007 for the import is not explained', () => {
    // Given an import NAVER never refused: NAVER was ready (or the import never asked)
    // When it still reports yesterday pending
    // Then that date should have been written
    expect(unexplainedPending(['2026-11-30'], { yesterdays, refused: false })).toEqual(['2026-11-30']);
  });

  it('no date but yesterday can be pending, whatever NAVER refused', () => {
    // Given NAVER is ready with every date before yesterday under the run's knobs
    // When an import reports the day before yesterday pending next to yesterday
    // Then only the earlier date is unexplained
    expect(unexplainedPending(['2026-11-29', '2026-11-30'], { yesterdays, refused: true })).toEqual(['2026-11-29']);
  });
});
