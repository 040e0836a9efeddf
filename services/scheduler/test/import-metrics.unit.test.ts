import { ImportCompletedV1, ImportFailedV1, makeEvent } from '@reportline/contracts';
import { createServiceMetrics } from '@reportline/platform';
import { describe, expect, it } from 'vitest';
import { importOutcomes } from '../src/import-metrics.ts';

const ctx = () => ({ source: 'test', importId: crypto.randomUUID(), customerId: '338047', now: new Date() });
const failed = (code: string) =>
  makeEvent(ImportFailedV1, { stage: 'download', code, message: 'm', retryable: false }, ctx());

describe('importOutcomes', () => {
  it('counts completions, and failures by stage and code, never by an id', async () => {
    const metrics = createServiceMetrics('scheduler', { defaultMetrics: false });
    const outcomes = importOutcomes(metrics);
    outcomes.count(
      makeEvent(ImportCompletedV1, { rowsWritten: 3, spreadsheetId: 'sheet-1', sheetName: 'rows' }, ctx()),
    );
    outcomes.count(failed('naver-rate-limited'));
    outcomes.count(failed('naver-rate-limited'));
    // The contract keeps codes kebab-case, not few: past 50 distinct ones, a new code is counted as other.
    for (let i = 0; i < 49; i++) outcomes.count(failed(`code-${i}`));
    outcomes.count(failed('one-too-many'));
    const text = await metrics.registry.metrics();
    expect(text).toContain('reportline_imports_total{outcome="completed",stage="",code="",service="scheduler"} 1');
    expect(text).toContain(
      'reportline_imports_total{outcome="failed",stage="download",code="naver-rate-limited",service="scheduler"} 2',
    );
    expect(text).toContain(
      'reportline_imports_total{outcome="failed",stage="download",code="other",service="scheduler"} 1',
    );
    expect(text).not.toContain('sheet-1');
    expect(text).not.toContain('338047');
  });
});
