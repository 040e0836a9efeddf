import type { SimKnobs } from './config.ts';
import { type CustomerSize, entitiesFor } from './data/entities.ts';
import { isModelled, type Row, statRows } from './data/stat-rows.ts';
import { tsvChunks } from './data/tsv.ts';

/** A customer as written in the simulator config; apiKey and secret play no part in the data. */
export interface StatTruthCustomer {
  customerId: string | number;
  /** Config default: 1. */
  seed?: number;
  /** Config default: 'small'. */
  size?: CustomerSize;
}

/**
 * The rows a BUILT job of (customer, reportTp, statDate `YYYY-MM-DD`, revision) downloads, for other services' tests to
 * use as their expected value. Pure: the simulator's download calls the same generator, so this is what it serves.
 * Types the simulator does not model end NONE and have no rows.
 */
export function statReportRows(customer: StatTruthCustomer, reportTp: string, statDate: string, revision = 0): Row[] {
  if (!isModelled(reportTp)) return [];
  const customerId = String(customer.customerId);
  const seed = customer.seed ?? 1;
  return statRows(reportTp, entitiesFor(customerId, seed, customer.size ?? 'small'), seed, statDate, revision);
}

/** The downloaded file's exact text (headerless TSV, `\n` after every row; '' for a day without rows). */
export function statReportTsv(customer: StatTruthCustomer, reportTp: string, statDate: string, revision = 0): string {
  return [...tsvChunks(statReportRows(customer, reportTp, statDate, revision))].join('');
}

/** The revision a job for (reportTp, statDate) created at `atMs` serves: the `revisions` entries in effect then. */
export function revisionAt(revisions: SimKnobs['revisions'], reportTp: string, statDate: string, atMs: number): number {
  return revisions.filter(
    (r) => r.statDate === statDate && (r.reportTp ?? reportTp) === reportTp && Date.parse(r.fromTime) <= atMs,
  ).length;
}
