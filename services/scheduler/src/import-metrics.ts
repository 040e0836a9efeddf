import type { ReportlineEvent } from '@reportline/contracts';
import { boundedLabel, type ServiceMetrics } from '@reportline/platform';

/**
 * Imports that ended, counted as the projection folds their ImportCompleted or ImportFailed (once per event id). The
 * contract keeps a failure code kebab-case but does not enumerate the codes: the number of distinct ones is bounded
 * here too, so a service inventing codes cannot grow the series without limit.
 */
export function importOutcomes(metrics: Pick<ServiceMetrics, 'imports'>) {
  const code = boundedLabel();
  const stage = boundedLabel(20);
  return {
    count(event: ReportlineEvent) {
      if (event.type === 'ImportCompleted') metrics.imports.inc({ outcome: 'completed', stage: '', code: '' });
      else if (event.type === 'ImportFailed')
        metrics.imports.inc({ outcome: 'failed', stage: stage(event.data.stage), code: code(event.data.code) });
    },
  };
}
