import type { ReportType } from '@reportline/contracts';
import type { ImportStatus } from './import-view.ts';

/** What coalescing needs to know of an import of the connection: what it asked for and how far it got. */
export interface ImportCandidate {
  importId: string;
  status: ImportStatus;
  requestedAt: string;
  dateRange: { from: string; to: string };
  reportTypes: readonly ReportType[];
  /** Cancelled, or ended by the stall sweep, with the failure not yet folded into its status. */
  ending: boolean;
}

const sameTypes = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((t) => b.includes(t)) && b.every((t) => a.includes(t));

/**
 * The import that answers a request instead of a new one: still open (queued or running, not ending), of the same
 * report types, and covering every requested date. The oldest such import, being the furthest along. Undefined when
 * none does, or when the caller forces a new import. Pure.
 */
export function coalescingImport(
  candidates: readonly ImportCandidate[],
  request: { dateRange: { from: string; to: string }; reportTypes: readonly ReportType[]; force: boolean },
): ImportCandidate | undefined {
  if (request.force) return undefined;
  return candidates
    .filter(
      (c) =>
        c.status !== 'completed' &&
        c.status !== 'failed' &&
        !c.ending &&
        sameTypes(c.reportTypes, request.reportTypes) &&
        c.dateRange.from <= request.dateRange.from &&
        c.dateRange.to >= request.dateRange.to,
    )
    .sort((a, b) => a.requestedAt.localeCompare(b.requestedAt) || a.importId.localeCompare(b.importId))[0];
}
