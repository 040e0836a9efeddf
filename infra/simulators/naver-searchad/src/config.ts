import { z } from 'zod';

const probability = z.number().min(0).max(1);
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD');

export const customerSchema = z.object({
  /** NAVER customer ids are integers; kept as the decimal string sent in X-Customer. */
  customerId: z
    .union([z.string().regex(/^\d+$/, 'customerId must be digits'), z.number().int().positive()])
    .transform(String),
  apiKey: z.string().min(1),
  secret: z.string().min(1),
  size: z.enum(['tiny', 'small', 'medium', 'large']).default('small'),
  seed: z.number().int().default(1),
  loginId: z.string().optional(),
});
export type SimCustomer = z.output<typeof customerSchema>;

/**
 * Everything the fact sheet leaves unresolved is a knob here (§10), with the sheet's best reading as default.
 * Knobs can be changed at run time through PATCH /_sim/knobs.
 */
export const knobsSchema = z.object({
  /** Added (real time) before every NAVER request is handled. */
  latencyMs: z.number().min(0).default(0),
  /** Time (injected clock) a stat job spends REGIST then RUNNING before its final status. */
  reportBuildMs: z.number().min(0).default(2000),
  /** Same for master reports (real NAVER: minutes). */
  masterBuildMs: z.number().min(0).default(3000),
  rates: z
    .object({
      /** A NAVER request answers 500 {"code":500} before doing anything. */
      http500: probability.default(0),
      /** POST create does its effect (the job exists) and then answers 500 — the ambiguous outcome. */
      http500AfterEffect: probability.default(0),
      /** Final status ERROR instead of BUILT/NONE. */
      error: probability.default(0),
      /** The job passes through WAITING (queued under load) for an extra reportBuildMs. */
      waiting: probability.default(0),
      /** The job ends AGGREGATING (day not aggregated) instead of BUILT/NONE. */
      aggregating: probability.default(0),
      /** A spurious NONE although the day has rows (incidents, #1253). */
      none: probability.default(0),
      /** Final status CHANGED (restated) for statDt within the last 2 days. */
      changed: probability.default(0),
    })
    .prefault({}),
  rateLimit: z
    .object({
      /** Requests per (sliding 1 s window of the injected clock) on report endpoints; 0 = off. */
      perSecond: z.number().min(0).default(10),
      /** Unresolved in the sheet: per customer id (#50) or per license (#761). */
      key: z.enum(['customer', 'license']).default('customer'),
      /** The 429 body seen: current JSON, older JSON, or an HTML page (#1166, #43, #446). */
      style: z.enum(['json', 'legacy', 'html']).default('json'),
      /**
       * The sheet names StatReport/MasterReport (#50) and is silent on /report-download, which is signed like them;
       * counting it is the cautious reading, since a client that assumes otherwise would meet 429s on real NAVER.
       */
      countDownloads: z.boolean().default(true),
    })
    .prefault({}),
  /** Allowed |X-Timestamp − now|; ~1 min already fails in reality (#78), the exact window is undocumented. */
  clockSkewMs: z.number().min(0).default(30_000),
  lookBackDays: z
    .object({
      AD: z.number().int().min(0).default(365),
      AD_DETAIL: z.number().int().min(0).default(30),
      AD_CONVERSION: z.number().int().min(0).default(365),
      AD_CONVERSION_DETAIL: z.number().int().min(0).default(45),
      other: z.number().int().min(0).default(365),
    })
    .prefault({}),
  /**
   * Jobs that never finish: a create matching an entry (every field given must match) makes a job that passes REGIST
   * and then stays in `status` for good — as jobs did for hours during incidents (#1302, #1303). Decided at creation,
   * so clearing the knob frees new jobs only.
   */
  stuckJobs: z
    .array(
      z.object({
        reportTp: z.string().min(1).optional(),
        statDate: isoDate.optional(),
        status: z.enum(['REGIST', 'RUNNING', 'WAITING']).default('RUNNING'),
      }),
    )
    .default([]),
  /**
   * Per-date outcomes for deterministic tests (data calendar: NONE once then BUILT on re-request, #1243). A create
   * matching an entry (reportTp omitted = any type) uses one of its `times` (omitted = for good): `20007` answers the
   * create itself; the others become the job's final status. Entries are used up in place, so GET /_sim/knobs shows
   * what is left; once used up the date behaves normally.
   */
  scripted: z
    .array(
      z.object({
        reportTp: z.string().min(1).optional(),
        statDate: isoDate,
        outcome: z.enum(['AGGREGATING', 'CHANGED', 'NONE', 'ERROR', '20007']),
        times: z.number().int().min(1).optional(),
      }),
    )
    .default([]),
  /**
   * Restatements (metrics revised within 48 h): a job for `statDate` created at or after `fromTime` serves revision n,
   * n = the number of matching entries in effect at creation. Give no reportTp to keep totals agreeing across types.
   */
  revisions: z
    .array(
      z.object({
        statDate: isoDate,
        reportTp: z.string().min(1).optional(),
        fromTime: z.iso.datetime({ offset: true }),
      }),
    )
    .default([]),
  /** Yesterday is answered 20007 before this KST hour. */
  dataReadyHourKst: z.number().int().min(0).max(24).default(6),
  /** Overrides the KST calendar day the simulator considers "today" (the hour still comes from the clock). */
  today: isoDate.nullable().default(null),
  /** Overrides the clock itself (ISO instant) — for out-of-process runs where no clock can be injected. */
  fixedNow: z.iso.datetime().nullable().default(null),
  /** Undocumented HTTP statuses of 20007 and 11001. */
  httpStatus20007: z.number().int().min(200).max(599).default(400),
  httpStatus11001: z.number().int().min(200).max(599).default(400),
  /** Order of GET /stat-reports (undocumented). */
  listOrder: z.enum(['created-asc', 'created-desc', 'shuffled']).default('created-asc'),
  /** Whether a POST for a (reportTp, statDt) already in the pool returns that job instead of a new one (unresolved). */
  dedupeDuplicatePosts: z.boolean().default(false),
  statJobLimit: z.number().int().min(1).default(100),
  masterJobLimit: z.number().int().min(1).default(100),
  /** Generated reports are kept this long (14 days since 2025-10-27); older jobs answer 20011. */
  retentionDays: z.number().min(0).default(14),
  /** Exact CHANGED string (#1207) and what downloading such a job does. */
  changedStatus: z.string().min(1).default('CHANGED'),
  /** Forcing or dropping fileVersion answers 500 (#1230, #1246). */
  strictFileVersion: z.boolean().default(true),
  /** Undocumented download Content-Type. */
  downloadContentType: z.string().min(1).default('text/plain;charset=UTF-8'),
  /** Master report names may contain a TAB (#844); off by default because it breaks naive TSV parsing. */
  tabInMasterNames: z.boolean().default(false),
  /** Base of downloadUrl; default: derived from the request's Host. */
  publicBaseUrl: z.url().nullable().default(null),
  /** Seed of the PRNG deciding failures and job ids (data has its own per-customer seeds). */
  seed: z.number().int().default(1),
  /** Oldest recordings are dropped beyond this many. */
  recorderLimit: z.number().int().min(1).default(200_000),
});
export type SimKnobs = z.output<typeof knobsSchema>;

export const simulatorConfigSchema = z
  .object({
    customers: z.array(customerSchema).min(1, 'at least one customer is required'),
    knobs: knobsSchema.prefault({}),
  })
  .superRefine((config, ctx) => {
    const ids = new Set<string>();
    const secrets = new Map<string, string>();
    config.customers.forEach((c, i) => {
      if (ids.has(c.customerId)) {
        ctx.addIssue({ code: 'custom', path: ['customers', i, 'customerId'], message: `duplicate ${c.customerId}` });
      }
      ids.add(c.customerId);
      const known = secrets.get(c.apiKey);
      if (known !== undefined && known !== c.secret) {
        ctx.addIssue({
          code: 'custom',
          path: ['customers', i, 'secret'],
          message: 'one apiKey (license) must have one secret across customers',
        });
      }
      secrets.set(c.apiKey, c.secret);
    });
  });
export type SimulatorConfig = z.output<typeof simulatorConfigSchema>;
export type SimulatorConfigInput = z.input<typeof simulatorConfigSchema>;

/** Parses and validates; the error lists every problem with its path and never echoes secrets. */
export function parseSimulatorConfig(input: unknown): SimulatorConfig {
  const result = simulatorConfigSchema.safeParse(input);
  if (!result.success) throw new Error(`invalid NAVER simulator config:\n${z.prettifyError(result.error)}`);
  return result.data;
}

// Arrays (stuckJobs, scripted, revisions) are replaced whole: spreading one into an object would turn it into {0: …}.
const isPlainObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

export function parseKnobPatch(current: SimKnobs, patch: unknown): SimKnobs {
  if (patch === null || typeof patch !== 'object') throw new Error('knob patch must be a JSON object');
  const merged: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    const old = merged[key];
    merged[key] = isPlainObject(old) && isPlainObject(value) ? { ...old, ...value } : value;
  }
  const result = knobsSchema.strict().safeParse(merged);
  if (!result.success) throw new Error(`invalid knobs:\n${z.prettifyError(result.error)}`);
  return result.data;
}
