import type { Queryable } from '@reportline/platform';

/**
 * Claims the work under one lease. Returns false when this (import, token) was claimed before — finished, or still
 * running elsewhere (a grant redelivered after a rebalance, or after this process died mid-work). A lease is worked at
 * most once: a second run would share the token, double the open NAVER jobs and could outlive the first run's
 * release. If the first run died, its lease expires and the lock-service fails the import as retryable.
 */
export async function claimFetch(db: Queryable, importId: string, token: number, customerId: string): Promise<boolean> {
  const { rowCount } = await db.query(
    'INSERT INTO fetcher.fetches (import_id, token, customer_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
    [importId, token, customerId],
  );
  return rowCount === 1;
}

export async function finishFetch(
  db: Queryable,
  f: { importId: string; token: number; outcome: 'done' | 'failed'; naverRequests: number },
): Promise<void> {
  await db.query(
    'UPDATE fetcher.fetches SET finished_at = now(), outcome = $3, naver_requests = $4 WHERE import_id = $1 AND token = $2',
    [f.importId, f.token, f.outcome, f.naverRequests],
  );
}

export async function recordJob(
  db: Queryable,
  customerId: string,
  reportJobId: number,
  importId: string,
): Promise<void> {
  await db.query(
    'INSERT INTO fetcher.naver_jobs (customer_id, report_job_id, import_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
    [customerId, reportJobId, importId],
  );
}

export async function markJobDeleted(db: Queryable, customerId: string, reportJobId: number): Promise<void> {
  await db.query('UPDATE fetcher.naver_jobs SET deleted_at = now() WHERE customer_id = $1 AND report_job_id = $2', [
    customerId,
    reportJobId,
  ]);
}

/** Our jobs for this customer id that a crash or a lost lease left behind; deleted first under the next lease. */
export async function leftoverJobs(db: Queryable, customerId: string): Promise<number[]> {
  const { rows } = await db.query<{ report_job_id: number }>(
    'SELECT report_job_id FROM fetcher.naver_jobs WHERE customer_id = $1 AND deleted_at IS NULL ORDER BY created_at',
    [customerId],
  );
  return rows.map((r) => r.report_job_id);
}

/**
 * An import served from the data calendar without a lease: recorded as a fetch with token 0 (no lease has token 0),
 * so a grant that still arrives for it — a request an older lock-service queued during a rolling deploy — is given
 * back at once instead of fetching and handing over the same import twice.
 */
export async function markServed(db: Queryable, importId: string, customerId: string): Promise<void> {
  await db.query(
    `INSERT INTO fetcher.fetches (import_id, token, customer_id, finished_at, outcome, naver_requests)
     VALUES ($1, 0, $2, now(), 'served', 0) ON CONFLICT DO NOTHING`,
    [importId, customerId],
  );
}

export async function wasServed(db: Queryable, importId: string): Promise<boolean> {
  const { rowCount } = await db.query('SELECT 1 FROM fetcher.fetches WHERE import_id = $1 AND token = 0', [importId]);
  return (rowCount ?? 0) > 0;
}
