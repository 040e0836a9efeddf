import { createHmac } from 'node:crypto';
import { BlobRef, type ReportType } from '@reportline/contracts';
import type { Queryable } from '@reportline/platform';
import { type CalendarEntry, type CalendarState, calendarKey } from './domain/plan.ts';

interface CalendarRow {
  report_type: ReportType;
  stat_date: string;
  state: CalendarState;
  checked_at: Date;
  reason: string | null;
  stored_outcome: 'built' | 'none' | null;
  generated_at: Date | null;
  file: unknown;
  row_count: number | null;
}

function entryOf(row: CalendarRow): CalendarEntry {
  const entry: CalendarEntry = {
    reportType: row.report_type,
    statDate: row.stat_date,
    state: row.state,
    checkedAt: row.checked_at.toISOString(),
  };
  if (row.reason) entry.reason = row.reason;
  if (row.stored_outcome && row.generated_at) {
    entry.stored = {
      outcome: row.stored_outcome,
      generatedAt: row.generated_at.toISOString(),
      rows: row.row_count ?? 0,
      ...(row.file ? { file: BlobRef.parse(row.file) } : {}),
    };
  }
  return entry;
}

/** The calendar entries of one customer id for these types and dates, by `calendarKey`. */
export async function loadCalendar(
  db: Queryable,
  customerId: string,
  reportTypes: readonly ReportType[],
  range: { from: string; to: string },
): Promise<Map<string, CalendarEntry>> {
  const { rows } = await db.query<CalendarRow>(
    `SELECT report_type, stat_date::text AS stat_date, state, checked_at, reason, stored_outcome, generated_at, file,
            row_count
       FROM fetcher.calendar
      WHERE customer_id = $1 AND report_type = ANY($2) AND stat_date BETWEEN $3 AND $4`,
    [customerId, reportTypes, range.from, range.to],
  );
  return new Map(rows.map((r) => [calendarKey(r.report_type, r.stat_date), entryOf(r)]));
}

/**
 * Writes one entry, and its generation when that is new. Called only after the file it points at is committed in
 * the blob store, so a crash between the two leaves an unreferenced blob, never an entry without its file.
 */
export async function saveEntry(db: Queryable, customerId: string, entry: CalendarEntry): Promise<void> {
  const s = entry.stored;
  await db.query(
    `INSERT INTO fetcher.calendar (customer_id, report_type, stat_date, state, checked_at, reason, stored_outcome,
                                   generated_at, file, row_count)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (customer_id, report_type, stat_date) DO UPDATE SET
       state = EXCLUDED.state, checked_at = EXCLUDED.checked_at, reason = EXCLUDED.reason,
       stored_outcome = EXCLUDED.stored_outcome, generated_at = EXCLUDED.generated_at, file = EXCLUDED.file,
       row_count = EXCLUDED.row_count, updated_at = now()`,
    [
      customerId,
      entry.reportType,
      entry.statDate,
      entry.state,
      entry.checkedAt,
      entry.reason ?? null,
      s?.outcome ?? null,
      s?.generatedAt ?? null,
      s?.file ? JSON.stringify(s.file) : null,
      s ? s.rows : null,
    ],
  );
  if (s) {
    await db.query(
      `INSERT INTO fetcher.report_generations (customer_id, report_type, stat_date, generated_at, outcome, file, row_count)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING`,
      [
        customerId,
        entry.reportType,
        entry.statDate,
        s.generatedAt,
        s.outcome,
        s.file ? JSON.stringify(s.file) : null,
        s.rows,
      ],
    );
  }
}

/**
 * A keyed hash of the credentials for one customer id: the calendar can recognise credentials NAVER accepted without
 * storing anything that could sign a request. Keyed with the secrets key, so a database dump cannot be used to test
 * guesses of a secret.
 */
export function credentialsFingerprint(
  secretsKey: Buffer,
  credentials: { customerId: string; apiKey: string; secret: string },
): string {
  return createHmac('sha256', secretsKey)
    .update(`${credentials.customerId}\n${credentials.apiKey}\n${credentials.secret}`)
    .digest('hex');
}

/** Whether NAVER accepted these credentials for this customer id within `trustMs`. */
export async function isVerified(
  db: Queryable,
  customerId: string,
  fingerprint: string,
  now: Date,
  trustMs: number,
): Promise<boolean> {
  const { rows } = await db.query<{ verified_at: Date }>(
    'SELECT verified_at FROM fetcher.verified_credentials WHERE customer_id = $1 AND fingerprint = $2',
    [customerId, fingerprint],
  );
  return rows[0] !== undefined && now.getTime() - rows[0].verified_at.getTime() < trustMs;
}

export async function markVerified(db: Queryable, customerId: string, fingerprint: string, now: Date): Promise<void> {
  await db.query(
    `INSERT INTO fetcher.verified_credentials (customer_id, fingerprint, verified_at) VALUES ($1, $2, $3)
     ON CONFLICT (customer_id, fingerprint) DO UPDATE SET verified_at = GREATEST(fetcher.verified_credentials.verified_at, EXCLUDED.verified_at)`,
    [customerId, fingerprint, now.toISOString()],
  );
}

/** NAVER rejected these credentials: stored data is no longer served to them until they are accepted again. */
export async function forgetVerified(db: Queryable, customerId: string, fingerprint: string): Promise<void> {
  await db.query('DELETE FROM fetcher.verified_credentials WHERE customer_id = $1 AND fingerprint = $2', [
    customerId,
    fingerprint,
  ]);
}
