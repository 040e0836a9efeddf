import { z } from 'zod';

/** Thrown at start-up when the environment does not describe a runnable service. Names every bad variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/**
 * Validates the environment once, at start. Values of variables are never echoed (they may be secrets); only names
 * and what is wrong with them.
 */
export function loadConfig<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv = process.env): z.infer<S> {
  // Every schema built on baseConfig gets its cross-field rules, so no service can forget them.
  const checked = schema.superRefine((c, ctx) => {
    if (typeof c === 'object' && c !== null && 'PG_POOL_MAX' in c) baseRules(c as BaseConfig, ctx);
  });
  const parsed = checked.safeParse(env);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(environment)'}: ${i.message}`);
  throw new ConfigError(`invalid configuration:\n${problems.join('\n')}`);
}

const brokerList = z
  .string({ message: 'required: comma-separated host:port list' })
  .transform((s) =>
    s
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.string().regex(/^[^\s:]+:\d{1,5}$/, 'each broker must be host:port')).min(1, 'at least one broker'));

const postgresUrl = z
  .string({ message: 'required: a postgres:// connection URL' })
  .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://');

const ms = (min: number, fallback: number) => z.coerce.number().int().min(min).default(fallback);

/** Variables every service reads. Services extend this with their own. */
export const baseConfig = z.object({
  KAFKA_BROKERS: brokerList,
  DATABASE_URL: postgresUrl,
  TOPIC_PREFIX: z
    .string()
    .regex(/^[a-z0-9._-]*$/, 'lower-case letters, digits, . _ -')
    .default(''),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PORT: z.coerce.number().int().min(0).max(65535).default(0),
  HOST: z.string().default('127.0.0.1'),
  /** Attempts of a message whose handler fails for a reason other than an unavailable dependency, before giving up. */
  CONSUMER_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(100).default(5),
  /** First wait between those attempts; it doubles up to CONSUMER_RETRY_MAX_MS (5 attempts take about 75 s). */
  CONSUMER_RETRY_INITIAL_MS: ms(1, 5_000),
  CONSUMER_RETRY_MAX_MS: ms(1, 60_000),
  /** One message waits at most this long for an unavailable dependency; then its import fails and the partition moves on. */
  CONSUMER_MAX_UNAVAILABLE_MS: ms(1_000, 60 * 60_000),
  /** Handlers of one subscription running at once; each may hold up to two Postgres connections. */
  KAFKA_CONSUMER_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  PG_POOL_MAX: z.coerce.number().int().min(2).max(200).default(12),
  PG_CONNECT_TIMEOUT_MS: ms(100, 5_000),
  /** No statement runs longer; a stuck query fails (and is retried) instead of holding a connection forever. */
  PG_STATEMENT_TIMEOUT_MS: ms(100, 30_000),
  /** A transaction left idle (a handler stuck between statements) is ended by Postgres, releasing its locks. */
  PG_IDLE_IN_TRANSACTION_TIMEOUT_MS: ms(100, 60_000),
  HTTP_REQUEST_TIMEOUT_MS: ms(1_000, 30_000),
  HTTP_BODY_LIMIT_BYTES: z.coerce.number().int().min(1_024).default(1_048_576),
  /**
   * For simulations only: a file holding {"offsetMs": n}; the service's calendar clock runs n ms ahead of the real one
   * and follows the file as it changes (simulated-clock.ts). Refused with NODE_ENV=production.
   */
  SIMULATED_CLOCK_FILE: z.string().min(1).optional(),
  /** `production` refuses SIMULATED_CLOCK_FILE, so a deployment can never run on a simulated calendar. */
  NODE_ENV: z.string().optional(),
});
export type BaseConfig = z.infer<typeof baseConfig>;

/**
 * Cross-field rules of `baseConfig`, applied by `loadConfig` to every schema that extends it.
 * Every consumer handler may hold two connections (an effect's transaction and, in the writer, a spreadsheet lock),
 * and the outbox relay and one sweep hold one each: a smaller pool would make handlers wait on each other.
 */
export function baseRules(c: BaseConfig, ctx: z.RefinementCtx): void {
  const needed = 2 * c.KAFKA_CONSUMER_CONCURRENCY + 2;
  if (c.PG_POOL_MAX < needed) {
    ctx.addIssue({
      code: 'custom',
      path: ['PG_POOL_MAX'],
      message: `must be at least 2 × KAFKA_CONSUMER_CONCURRENCY + 2 = ${needed}`,
    });
  }
  if (c.SIMULATED_CLOCK_FILE !== undefined && c.NODE_ENV === 'production') {
    ctx.addIssue({
      code: 'custom',
      path: ['SIMULATED_CLOCK_FILE'],
      message: 'a simulated clock is for simulations only; unset it when NODE_ENV=production',
    });
  }
  if (c.CONSUMER_RETRY_MAX_MS < c.CONSUMER_RETRY_INITIAL_MS) {
    ctx.addIssue({
      code: 'custom',
      path: ['CONSUMER_RETRY_MAX_MS'],
      message: 'must not be below CONSUMER_RETRY_INITIAL_MS',
    });
  }
}
