import { type EventOfType, examples } from '@reportline/contracts';
import { PermanentFailureError } from '@reportline/platform';
import { describe, expect, it } from 'vitest';
import { targetOf } from '../src/target.ts';

const rows = (version: 1 | 2) =>
  examples.find((e) => e.type === 'RowsProcessed' && e.version === version) as EventOfType<'RowsProcessed'>;

describe("the sheet an import's rows go to", () => {
  it('is the target RowsProcessed v2 carries forward from the request', () => {
    const requested = examples.find((e): e is EventOfType<'ImportRequested'> => e.type === 'ImportRequested')!;
    expect(targetOf(rows(2))).toEqual(requested.data.target);
  });

  it('is missing from a RowsProcessed v1: a permanent failure the bus gives up on at once, with a code for ImportFailed', () => {
    expect(() => targetOf(rows(1))).toThrow(PermanentFailureError);
    expect(() => targetOf(rows(1))).toThrow(
      expect.objectContaining({ code: 'rows-without-target', message: expect.stringContaining('request the import') }),
    );
  });
});
