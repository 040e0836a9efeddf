import { classifyCommon, type FailureClass } from '@reportline/platform';
import { describe, expect, it } from 'vitest';
import { RowValueError } from '../src/sheets/cells.ts';
import { AmbiguousOutcomeError, RetriesExhaustedError, SheetsApiError } from '../src/sheets/errors.ts';
import { classifyWriteError } from '../src/write.ts';

// What the bus does with a failed write: the writer's own classification first, then the common one (as the bus does).
const busClass = (err: unknown): FailureClass => classifyWriteError(err) ?? classifyCommon(err);

describe('the writer’s retry layers, as the bus sees them', () => {
  const hangUp = new SheetsApiError('socket hang up', { transportCode: 'ECONNRESET' });

  it('waits for Google, uncounted, once the per-call backoff is spent or an outcome is unknown', () => {
    expect(busClass(new RetriesExhaustedError('values.update', 11, hangUp))).toBe('unavailable');
    expect(busClass(new AmbiguousOutcomeError('spreadsheets.batchUpdate', hangUp))).toBe('unavailable');
    const internal = new SheetsApiError('500', { status: 500, googleStatus: 'INTERNAL' });
    expect(busClass(new AmbiguousOutcomeError('spreadsheets.batchUpdate', internal))).toBe('unavailable');
  });

  it('leaves everything else to the common rules: bounded retries, or a reason for the import', () => {
    expect(classifyWriteError(new RowValueError('row 1, column "clicks"'))).toBeUndefined();
    expect(classifyWriteError(new Error('staging tab vanished'))).toBeUndefined();
    expect(busClass(new Error('staging tab vanished'))).toBe('transient');
  });
});
