import { baseConfig, serviceCredential } from '@reportline/platform';
import { z } from 'zod';
import { PrincipalList } from './principals.ts';

const principalsJson = z
  .string()
  .transform((s, ctx) => {
    try {
      return JSON.parse(s) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON array of {email, project, keyFile?}' });
      return z.NEVER;
    }
  })
  .pipe(PrincipalList);

export const sheetsWriterConfig = baseConfig.extend({
  SHEETS_API_URL: z.url().default('https://sheets.googleapis.com/'),
  /** Path of a Google service-account JSON key; without one, requests carry no credentials (only for the fake). */
  GOOGLE_APPLICATION_CREDENTIALS: z.string().optional(),
  /**
   * The pool of Google principals, a JSON array of {email, project, keyFile?} (keyFile: path of the service
   * account's JSON key; none for the fake). Each connection is bound to one; without it, the single principal of
   * GOOGLE_APPLICATION_CREDENTIALS (or a local one for the fake).
   */
  SHEETS_PRINCIPALS: principalsJson.optional(),
  SHEETS_WRITES_PER_MINUTE_PER_USER: z.coerce.number().int().min(1).default(60),
  SHEETS_WRITES_PER_MINUTE_PER_PROJECT: z.coerce.number().int().min(1).default(300),
  /** Where the quota buckets live: `postgres` shares them with every writer process, `process` keeps them here. */
  SHEETS_QUOTA_STORE: z.enum(['postgres', 'process']).default('postgres'),
  /** Google's quota window. Only tests and benchmarks shrink it, to compress a minute of quota into less time. */
  SHEETS_QUOTA_WINDOW_MS: z.coerce.number().int().min(100).default(60_000),
  /**
   * How late after its quota slot a call may reach Google without tripping the per-minute limit: the slots are spread
   * over a minute plus this (500 ms costs under 1 % of the quota and absorbs event-loop stalls and slow connections).
   */
  SHEETS_QUOTA_JITTER_MS: z.coerce.number().int().min(0).default(500),
  SHEETS_TIMEOUT_MS: z.coerce.number().int().min(1_000).default(200_000),
  /**
   * The largest request body the writer sends: a daily update whose rows fit travels inside its one commit, a larger
   * import is staged in PUTs of this size. 9 MiB by default, under Google's 10 MiB cap; each request costs one of a
   * principal's 60 writes a minute, so fewer, larger ones serve more connections.
   */
  SHEETS_MAX_REQUEST_BYTES: z.coerce.number().int().min(4_096).max(10_485_760).default(9_437_184),
  /**
   * Days of history a tab keeps, ending at each import's newest date, for an import whose request names none
   * (ImportRequested v1); a v2 request's `historyDays` (the connection's) wins. Unset keeps every older row.
   */
  SHEETS_HISTORY_DAYS: z.coerce.number().int().min(1).max(3660).optional(),
  /**
   * When a write would take the workbook past Google's 10M cells: `trim-oldest` removes the tab's oldest days until it
   * fits, `new-tab` continues the connection in a new tab `<name> (2)` sized to its rows (the full tab is kept), `fail`
   * ends the import with the numbers and what to do.
   */
  SHEETS_CELL_POLICY: z.enum(['trim-oldest', 'fail', 'new-tab']).default('trim-oldest'),
  /** The service credential for POST /internal/preflight (the scheduler sends it); without it the endpoint is off. */
  INTERNAL_API_TOKEN: serviceCredential.optional(),
});
export type SheetsWriterConfig = z.infer<typeof sheetsWriterConfig>;
